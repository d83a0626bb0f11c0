"""Fictitious but realistic case files for demonstrations, benchmarks and trying the app.

Every name, address, phone number and note made here is invented: names are drawn from the mix of
origins of Mechelen's young people (Flemish, Moroccan, Turkish, Polish, Syrian, Congolese, Afghan,
Eritrean, Albanian), streets are real-sounding Mechelen streets with random numbers, and phone numbers
are random Belgian mobile numbers. The texts are written the way a field worker writes them, in Dutch,
because case content is what the workers themselves type; they are data, not interface text, so they
are not passed through `tr()`. The pools are data files in `resources/demo/` (pools.py reads them);
who the young person is comes from people.py, the case and its history from writer.py.

The same seed and `today` always give the same content (ids and save times differ, they come from the
store). Cases are saved in chunks, one transaction per chunk, so a hundred cases take seconds and ten
thousand never hold one huge transaction open."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from leerrecht_desktop.demo.pools import ORIGINS, STREETS, Origin
from leerrecht_desktop.demo.writer import DEFAULT_ENTRIES, CaseWriter
from leerrecht_desktop.store.casefiles import CaseFiles

__all__ = ["CHUNK_CASES", "DEFAULT_ENTRIES", "MAX_CASES", "ORIGINS", "STREETS", "CaseWriter", "Origin", "populate"]

CHUNK_CASES = 50
MAX_CASES = 10_000


def populate(
    case_files: CaseFiles,
    cases: int,
    *,
    entries_per_case: int | None = None,
    seed: int = 0,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[str]:
    """Add `cases` fictitious case files to the unlocked `case_files` and return their ids.

    `entries_per_case` fixes the number of visible entries per case (default: 10-40 for running and
    closed cases, 1-4 for fresh referrals). Each chunk of cases is one transaction: if a chunk fails,
    none of it is kept, and the chunks before it stay. `progress` is called with the number of cases
    written after each chunk."""
    if cases < 0:
        raise ValueError("cases must be 0 or more")
    if entries_per_case is not None and entries_per_case < 0:
        raise ValueError("entries_per_case must be 0 or more")
    rng = random.Random(seed)
    writer = CaseWriter(case_files, rng, today or dt.date.today())
    ids: list[str] = []
    for start in range(0, cases, CHUNK_CASES):
        chunk: list[str] = []
        with case_files.batch():
            for _ in range(start, min(cases, start + CHUNK_CASES)):
                chunk.append(writer.write(entries_per_case))
        ids.extend(chunk)
        if progress is not None:
            progress(len(ids))
    return ids
