"""Gathering every readable case for the team overview, for the CLI and the app alike.

This package never imports the store (an import contract in pyproject.toml): the caller passes its unlocked
case files, which only need `summaries()` and `load_case()`, and names the exceptions that mean "this
one case can't be opened" (damaged, tampered with, gone). Any other exception (the app locked, the
database is broken) still stops the whole count: an overview that silently left out every case
would be worse than none.

A case saved before the profile kept a history comes from `load_case` with the history derived from
its stored revisions (store/profile_history.py), so the overview counts it as it stood in the period."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.records import Record


class _Summary(Protocol):
    @property
    def case_id(self) -> str: ...


class CaseFileLike(Protocol):
    """What a report reads of one opened case file (the store's CaseFile)."""

    @property
    def content(self) -> CaseProfile: ...

    @property
    def entries(self) -> list[Record]: ...

    @property
    def refused(self) -> list[str]: ...


class CaseSource(Protocol):
    def summaries(self) -> Sequence[_Summary]: ...

    def load_case(self, case_id: str) -> CaseFileLike: ...


@dataclass
class ReadableCases:
    cases: list[tuple[CaseProfile, list[Record]]] = field(default_factory=list)
    skipped_cases: int = 0  # could not be opened at all: not counted
    refused_records: int = 0  # failed their signature or tag inside a case that opened: not counted


class Cancelled(Exception):
    """The gathering was stopped on the caller's word (its `progress` callback answered False)."""


# (cases done, cases in all) -> whether to go on; called after every case, on the gathering's thread.
Progress = Callable[[int, int], bool]


def load_readable_cases(source: CaseSource, *, unreadable: tuple[type[Exception], ...],
                        progress: Progress | None = None) -> ReadableCases:
    """Every case `source` can open, as `compute_overview` takes them. A case whose loading raises one
    of `unreadable` is skipped and counted, never aborting the rest. `progress` hears of every case
    done and stops the gathering (raises Cancelled) by answering False."""
    result = ReadableCases()
    summaries = list(source.summaries())
    for done, summary in enumerate(summaries, 1):
        try:
            case_file = source.load_case(summary.case_id)
        except unreadable:
            result.skipped_cases += 1
        else:
            result.refused_records += len(case_file.refused)
            result.cases.append((case_file.content, case_file.entries))
        if progress is not None and not progress(done, len(summaries)):
            raise Cancelled
    return result
