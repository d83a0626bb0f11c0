"""Gathering the cases for the team overview tells its progress and stops on the caller's word
(reports/loading.py). A stand-in source: the gathering's contract, no store needed."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.reports.loading import Cancelled, load_readable_cases


@dataclass
class _Summary:
    case_id: str


@dataclass
class _Case:
    content: CaseProfile
    entries: list[Record] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


class _Source:
    def __init__(self, count: int, broken: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.ids = [f"case-{i}" for i in range(count)]
        self.broken = broken
        self.loaded: list[str] = []

    def summaries(self) -> list[_Summary]:
        return [_Summary(case_id) for case_id in self.ids]

    def load_case(self, case_id: str) -> _Case:
        self.loaded.append(case_id)
        if case_id in self.broken:
            raise KeyError(case_id)
        return _Case(CaseProfile(first_name="Fictief"))


def test_progress_hears_every_case_up_to_the_end() -> None:
    source = _Source(5, broken={"case-2"})
    heard: list[tuple[int, int]] = []
    readable = load_readable_cases(source, unreadable=(KeyError,),
                                   progress=lambda done, total: heard.append((done, total)) is None)
    assert heard == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]  # a skipped case is a step too
    assert len(readable.cases) == 4 and readable.skipped_cases == 1


def test_answering_false_stops_before_the_next_case() -> None:
    source = _Source(10)
    with pytest.raises(Cancelled):
        load_readable_cases(source, unreadable=(KeyError,), progress=lambda done, _total: done < 3)
    assert source.loaded == ["case-0", "case-1", "case-2"]
