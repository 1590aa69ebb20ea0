"""A database of its own for a benchmark script: a new SQLite file in a temporary folder, or
the PostgreSQL database the ``DATABASE_URL`` names, dropped and created again. Never the demo
database: a database whose name does not say "bench" is refused.

Call ``prepare()`` before anything imports Django's settings.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


class BenchDatabaseError(Exception):
    pass


@dataclass(frozen=True)
class BenchDatabase:
    label: str
    url: str
    workdir: Path

    def finish(self) -> None:
        """Remove the temporary folder (and with it a SQLite database); a PostgreSQL
        benchmark database is left for inspection until the next run drops it."""
        from django.db import connections

        connections.close_all()
        shutil.rmtree(self.workdir, ignore_errors=True)


def benchmark_database_name(url: str) -> str:
    """The database a PostgreSQL URL names, which must say it is for benchmarks: the script
    drops it and creates it again."""
    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        raise BenchDatabaseError(
            f"The benchmark drops and recreates its database; {name!r} does not look like a "
            "benchmark database (its name must contain 'bench')."
        )
    return name


def _recreate_postgres(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    admin = urlsplit(url)._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare(prefix: str) -> BenchDatabase:
    """Point Django at a fresh database for this run and set it up (migrations applied)."""
    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith(("postgres://", "postgresql://"))
    if url and not postgres:
        raise BenchDatabaseError(
            "Set DATABASE_URL to a PostgreSQL benchmark database, or leave it unset for a "
            "temporary SQLite file."
        )
    if postgres:
        name = benchmark_database_name(url)
    workdir = Path(tempfile.mkdtemp(prefix=f"opensend-{prefix}-"))
    if postgres:
        _recreate_postgres(url, name)
        label = f"PostgreSQL ({name})"
    else:
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        label = "SQLite (temporary file)"
    os.environ.setdefault("OPENSEND_SECRET_KEY", secrets.token_urlsafe(32))
    os.environ["OPENSEND_DATA_DIR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "opensend.config.base"
    os.environ.setdefault("OPENSEND_LOG_LEVEL", "WARNING")
    os.environ["DATABASE_URL"] = url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    return BenchDatabase(label=label, url=url, workdir=workdir)
