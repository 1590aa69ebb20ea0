"""Checking ORUK documents against the profile's schemas, shipped in ``directory/data/oruk``.

Problems are ``(path, reason)`` pairs, with paths written the way a person reads them:
``service_at_locations[0].location.addresses[1].postal_code``. The empty path is the document
itself. Reasons are plain British English.

No network: the ``raw.githubusercontent.com`` addresses the profile's ``$ref``s use are mapped to
the local copies (``registry``).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = [
    "SCHEMA_DIR",
    "Problem",
    "drop_nulls",
    "format_path",
    "registry",
    "schema",
    "schema_problems",
    "validator",
]

Problem = tuple[str, str]

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "oruk"
REMOTE_BASE = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"

_TYPE_WORDS = {
    "string": "must be text",
    "number": "must be a number",
    "integer": "must be a whole number",
    "array": "must be a list",
    "object": "must be an object",
    "boolean": "must be true or false",
}
_FORMAT_WORDS = {
    "uuid": "must be a UUID (like 3fa85f64-5717-4562-b3fc-2c963f66afa6)",
    "email": "must be an email address",
    "uri": "must be a web address",
    "date-time": "must be a date and time (like 2024-03-15T10:30:45Z)",
}


def _files() -> dict[str, Path]:
    """Every shipped schema by the name the profile refers to it by."""
    files: dict[str, Path] = {}
    for path in SCHEMA_DIR.glob("*.json"):
        files[path.name] = path
    for path in (SCHEMA_DIR / "compiled").glob("*.json"):
        files[f"compiled/{path.name}"] = path
    return files


@functools.cache
def schema(name: str) -> dict[str, Any]:
    """A shipped schema by its profile name: ``"compiled/service.json"``, ``"taxonomy.json"``."""
    path = _files()[name]
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@functools.cache
def registry() -> Registry:
    """A ``referencing`` registry resolving the profile's remote ``$ref``s (absolute, and the
    relative ``taxonomy_term.json`` beside ``taxonomy.json``) to the shipped files."""
    resources = []
    for name in _files():
        resource = Resource.from_contents(schema(name), default_specification=DRAFT202012)
        resources.append((REMOTE_BASE + name, resource))
        resources.append((name, resource))
    return Registry().with_resources(resources)


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """A validator for a shipped schema, with UUID, email and date-time formats checked."""
    root = dict(schema(name))
    root.setdefault("$id", REMOTE_BASE + name)
    return Draft202012Validator(root, registry=registry(), format_checker=_format_checker())


@functools.cache
def _format_checker() -> FormatChecker:
    checker = FormatChecker(["uuid", "email"])

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return parse_date_time(value) is not None

    return checker


_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:?\d{2})?$"
)


def parse_date_time(value: str) -> Any:
    """An aware or naive ``datetime`` from an ISO 8601 date-time, or ``None``."""
    import datetime as dt

    if not _DATE_TIME.match(value):
        return None
    text = value[:-1] + "+00:00" if value[-1] in "Zz" else value
    # Python 3.11 takes up to six fractional digits and an offset without a colon.
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def format_path(parts: Iterable[str | int]) -> str:
    """``["service_at_locations", 0, "location"]`` → ``service_at_locations[0].location``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _reason(error: ValidationError) -> tuple[list[str | int], str]:
    path: list[str | int] = list(error.absolute_path)
    if error.validator == "required":
        match = re.match(r"^'(.+)' is a required property$", error.message)
        if match:
            path.append(match.group(1))
        return path, "is required"
    if error.validator == "type":
        expected = error.validator_value
        if isinstance(expected, str) and expected in _TYPE_WORDS:
            return path, _TYPE_WORDS[expected]
        return path, f"must be of type {expected}"
    if error.validator == "enum":
        options = ", ".join(f"“{o}”" for o in cast(list[Any], error.validator_value))
        return path, f"must be one of {options}"
    if error.validator == "format":
        return path, _FORMAT_WORDS.get(str(error.validator_value), "is not in the right format")
    return path, error.message


def _error_order(error: ValidationError) -> list[tuple[int, int, str]]:
    return [(0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in error.path]


def schema_problems(document: Any, name: str = "compiled/service.json") -> list[Problem]:
    """Every way ``document`` breaks the shipped schema ``name``, in document order."""
    if not isinstance(document, dict):
        return [("", "must be a JSON object")]
    problems: list[Problem] = []
    seen: set[str] = set()
    errors = sorted(validator(name).iter_errors(document), key=_error_order)
    for error in errors:
        parts, reason = _reason(error)
        path = format_path(parts)
        if path not in seen:
            seen.add(path)
            problems.append((path, reason))
    return problems


def drop_nulls(value: Any) -> Any:
    """``value`` without ``null`` members: many feeds write ``null`` for an empty optional field,
    which the profile's single-typed fields would otherwise refuse."""
    if isinstance(value, dict):
        return {key: drop_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [drop_nulls(item) for item in value]
    return value


def first_problem_per_path(problems: Sequence[Problem]) -> list[Problem]:
    seen: set[str] = set()
    out: list[Problem] = []
    for path, reason in problems:
        if path not in seen:
            seen.add(path)
            out.append((path, reason))
    return out


def _absolute_refs(node: Any, base: str) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                base + value
                if key == "$ref" and str(value).startswith("#")
                else _absolute_refs(value, base)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_absolute_refs(item, base) for item in node]
    return node


@functools.cache
def response_validator(api_path: str) -> Draft202012Validator:
    """A validator for the 200 response of ``GET api_path`` as the profile's OpenAPI declares
    it (e.g. ``"/services"``: the ``Page`` envelope with ``service_list`` contents)."""
    operation = schema("openapi.json")["paths"][api_path]["get"]
    declared = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return Draft202012Validator(
        _absolute_refs(declared, REMOTE_BASE + "openapi.json"),
        registry=registry(),
        format_checker=_format_checker(),
    )
