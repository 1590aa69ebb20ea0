"""Name normalisation for search: the same rules for the names we store and the words people
type, so "Zoë O'Brien-Smith" is found by "zoe", "obrien", "brien" or "smith"."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_SEPARATORS = re.compile(r"[\s\-]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def fold(text: str) -> str:
    """Lower case, accents removed, anything but letters and digits dropped."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_ALNUM.sub("", ascii_only.lower())


def tokens_for_name(name: str) -> set[str]:
    """Searchable tokens of one name: each part between spaces and hyphens, each part split at
    apostrophes too, and the whole name run together."""
    tokens: set[str] = set()
    parts = [part for part in _SEPARATORS.split(name) if part]
    for part in parts:
        tokens.add(fold(part))
        for piece in re.split(r"['’`]", part):
            tokens.add(fold(piece))
    if len(parts) > 1:
        tokens.add(fold("".join(parts)))
    tokens.discard("")
    return tokens


def tokens_for_names(names: Iterable[str]) -> set[str]:
    result: set[str] = set()
    for name in names:
        result |= tokens_for_name(name or "")
    return result


def query_terms(text: str) -> list[str]:
    """The words of a search, folded, in order, without repeats."""
    terms: list[str] = []
    for part in _SEPARATORS.split(text):
        term = fold(part)
        if term and term not in terms:
            terms.append(term)
    return terms


_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def prefix_upper_bound(prefix: str) -> str | None:
    """The smallest token greater than every token starting with ``prefix``, for an index range
    scan (``prefix <= token < bound``) that works under any collation that orders digits before
    letters: "smi" -> "smj", "az" -> "b", "a9" -> "aa"; ``None`` when unbounded ("zz").
    Tokens hold only the characters of ``_ALPHABET`` (see ``fold``)."""
    if any(char not in _ALPHABET for char in prefix):
        raise ValueError(f"{prefix!r} is not a folded token")
    stem = prefix
    while stem:
        position = _ALPHABET.index(stem[-1])
        if position + 1 < len(_ALPHABET):
            return stem[:-1] + _ALPHABET[position + 1]
        stem = stem[:-1]
    return None
