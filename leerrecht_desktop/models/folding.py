"""Text as search compares it: case folded and without accents, so "lena" finds "Léna", "chloe" finds
"Chloë" and "STRASSE" finds "Straße". The case list's quick search (models/summary.py) and the
all-text index (store/search_index.py) fold the same way, so both answer a query alike."""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

# Letters with a stroke are not a letter plus an accent in Unicode (NFKD leaves them), yet a worker
# typing a Polish or Scandinavian name on a Belgian keyboard types the plain letter.
_STROKES = {ord(a): b for a, b in zip("łøđħıŧ", "lodhit", strict=True)}
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@functools.cache
def _marks() -> dict[int, str | None]:
    """Every combining mark (the accents NFKD splits off) → deleted; built on first use (80 ms)."""
    table: dict[int, str | None] = {cp: None for cp in range(sys.maxunicode + 1) if unicodedata.combining(chr(cp))}
    table.update(_STROKES)
    return table


@functools.lru_cache(maxsize=8192)
def _fold_chunk(chunk: str) -> str:
    return unicodedata.normalize("NFKD", chunk).translate(_marks()).casefold()


def _fold_match(match: re.Match[str]) -> str:
    return _fold_chunk(match.group())


def fold(text: str) -> str:
    """`text` case folded, compatibility-decomposed and without combining marks."""
    if text.isascii():
        return text.lower()  # the same as the full fold for ASCII, and many times faster
    # Notes are mostly ASCII with a few "ë"s: only the non-ASCII runs take the slow path (repeated
    # names and words come from the cache). Folding every character was most of the index's build.
    return _NON_ASCII.sub(_fold_match, text.lower())


def fold_words(query: str) -> list[str]:
    """The words of a typed query, folded: every one must occur (search is an AND)."""
    return fold(query).split()


def fold_with_positions(text: str) -> tuple[str, list[int]]:
    """`fold(text)` and, per character of it, the index in `text` it came from (one character can
    fold to several, "ß" to "ss", or to none, a lone accent): to show a found word in the original."""
    folded: list[str] = []
    positions: list[int] = []
    for i, ch in enumerate(text):
        part = fold(ch)
        folded.append(part)
        positions.extend([i] * len(part))
    return "".join(folded), positions
