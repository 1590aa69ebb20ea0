"""The benchmark scripts' own databases: never one that is not plainly for benchmarks."""

from __future__ import annotations

import os

import pytest

from opensend.synth import benchdb


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("postgres://postgres@127.0.0.1:5432/opensend_bench_syn", "opensend_bench_syn"),
        ("postgresql://u:p@db/bench", "bench"),
    ],
)
def test_a_benchmark_database_is_named_for_benchmarks(url, name):
    assert benchdb.benchmark_database_name(url) == name


@pytest.mark.parametrize(
    "url", ["postgres://postgres@127.0.0.1:5432/opensend", "postgres://db/opensend_demo"]
)
def test_any_other_database_is_refused(url):
    with pytest.raises(benchdb.BenchDatabaseError, match="must contain 'bench'"):
        benchdb.benchmark_database_name(url)


@pytest.mark.parametrize(
    "url", ["sqlite:///var/opensend.sqlite3", "postgres://postgres@127.0.0.1:5432/opensend"]
)
def test_prepare_refuses_before_touching_anything(url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("OPENSEND_DATA_DIR", "unchanged")
    with pytest.raises(benchdb.BenchDatabaseError):
        benchdb.prepare("test")
    assert os.environ["OPENSEND_DATA_DIR"] == "unchanged"
    assert os.environ["DATABASE_URL"] == url
