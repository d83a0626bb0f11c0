"""The team overview counts each case as it stood in the period (issue 13, item 2), on a real data folder:
an overview of last year stays the same when a case closes this year, also for a case saved before the
profile kept a history."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_desktop.models.case import CaseProfile, WorkerRef
from leerrecht_desktop.models.enums import CaseStatus
from leerrecht_desktop.reports.loading import load_readable_cases
from leerrecht_desktop.reports.overview import TeamOverview, compute_overview, render_overview
from leerrecht_desktop.store import sealed_store
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound
from tests.kits.storekit import fictitious_profile

TODAY = dt.date.today()
LAST_YEAR = (dt.date(TODAY.year - 1, 1, 1), dt.date(TODAY.year - 1, 12, 31))
THIS_YEAR = (dt.date(TODAY.year, 1, 1), dt.date(TODAY.year, 12, 31))
COLLEAGUE = WorkerRef("u-colleague", "Fictieve Collega")


def _overview(case_files: CaseFiles, period: tuple[dt.date, dt.date]) -> TeamOverview:
    readable = load_readable_cases(case_files, unreadable=(CaseNotFound, CryptoError))
    return compute_overview(readable.cases, start=period[0], end=period[1])


def _csv(overview: TeamOverview) -> bytes:
    return render_overview(overview, ".csv", made_by="Fictieve Coördinator", made_at=dt.datetime(2026, 1, 1))


def _change(case_files: CaseFiles, case_id: str, record_id: str, on: dt.date | None = None, **fields: object) -> None:
    profile = copy.deepcopy(case_files.load_case(case_id).content)
    for name, value in fields.items():
        setattr(profile, name, value)
    case_files.save(case_id, profile, record_id=record_id, changed_on=on)


def _team(case_files: CaseFiles) -> list[tuple[str, str]]:
    """Six cases, all registered and active last year; none closed yet."""
    made = []
    for n in range(6):
        case = case_files.create_case(fictitious_profile(f"h{n}"), changed_on=dt.date(TODAY.year - 1, 2, 1 + n))
        _change(case_files, case.case_id, case.record_id, dt.date(TODAY.year - 1, 3, 1 + n), status=CaseStatus.ACTIEF)
        made.append((case.case_id, case.record_id))
    return made



def _as_before_the_history(profile: CaseProfile, *args: object, **kw: object) -> list[object]:
    """The app before the history: it knew no `history` field, so it saved none."""
    profile.history = []
    return []

def test_last_years_overview_stays_the_same_after_a_case_closes_this_year(case_files: CaseFiles) -> None:
    team = _team(case_files)
    before = _overview(case_files, LAST_YEAR)
    assert (before.cases, before.new_referrals, before.active_cases, before.closed_cases) == (6, 6, 6, 0)
    assert before.by_status == {"aangemeld": 0, "actief": 6, "afgesloten": 0}
    last_year_csv = _csv(before)

    # This year: one case is closed, and another is handed to a colleague at another school.
    case_id, record_id = team[0]
    _change(case_files, case_id, record_id, status=CaseStatus.AFGESLOTEN, closed_reason="doel_bereikt")
    case_id, record_id = team[1]
    _change(case_files, case_id, record_id, assigned=[COLLEAGUE], school="Ba Stassart")

    after = _overview(case_files, LAST_YEAR)
    assert after == before
    assert _csv(after) == last_year_csv

    this_year = _overview(case_files, THIS_YEAR)
    assert (this_year.cases, this_year.new_referrals, this_year.active_cases, this_year.closed_cases) == (6, 0, 6, 1)
    assert this_year.by_status == {"aangemeld": 0, "actief": 5, "afgesloten": 1}
    assert this_year.by_worker.get("u-colleague") == 1
    assert b"Dossiers afgesloten in de periode" in _csv(this_year)


def test_a_case_saved_before_the_history_counts_as_it_stood_by_its_revisions(
        case_files: CaseFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    _team(case_files)
    last = TODAY.year - 1
    days = iter([f"{last}-01-15T09:00:00.000+00:00", f"{last}-04-02T09:00:00.000+00:00",
                 f"{TODAY.year}-01-05T09:00:00.000+00:00"])
    with monkeypatch.context() as old:  # the app before the history, one revision a day
        old.setattr(CaseProfile, "record_changes", _as_before_the_history)
        old.setattr(sealed_store, "now_text", lambda: next(days))
        case = case_files.create_case(fictitious_profile("old"))
        _change(case_files, case.case_id, case.record_id, status=CaseStatus.ACTIEF)
        _change(case_files, case.case_id, case.record_id, status=CaseStatus.AFGESLOTEN, closed_reason="verhuisd")
    stored = case_files.history(case.record_id)[-1].content
    assert isinstance(stored, CaseProfile) and stored.history == []  # none stored

    last_year = _overview(case_files, LAST_YEAR)
    # Closed now, but active on the last day of last year: counted so, and not as closed.
    assert (last_year.cases, last_year.new_referrals, last_year.active_cases, last_year.closed_cases) == (7, 7, 7, 0)
    assert last_year.by_status == {"aangemeld": 0, "actief": 7, "afgesloten": 0}
    this_year = _overview(case_files, THIS_YEAR)
    assert (this_year.closed_cases, this_year.by_status["afgesloten"]) == (1, 1)


def test_a_worker_no_longer_on_a_case_is_named_from_the_teams_other_cases() -> None:
    last = TODAY.year - 1
    an, bo, gone = WorkerRef("u-an", "An Fictief"), WorkerRef("u-bo", "Bo Fictief"), WorkerRef("u-gone", "")
    handed = CaseProfile(first_name="F", last_name="K", assigned=[an])
    handed.record_changes(None, dt.date(last, 2, 1), "u-an", "An Fictief")
    before = copy.deepcopy(handed)
    handed.assigned = [bo]
    handed.record_changes(before, dt.date(TODAY.year, 1, 1), "u-bo", "Bo Fictief")
    other = CaseProfile(first_name="G", last_name="L", assigned=[an])
    other.record_changes(None, dt.date(last, 3, 1), "u-an", "An Fictief")
    unknown = CaseProfile(first_name="H", last_name="M", assigned=[gone])
    unknown.record_changes(None, dt.date(last, 3, 1), "u-bo", "Bo Fictief")
    before = copy.deepcopy(unknown)
    unknown.assigned = [bo]
    unknown.record_changes(before, dt.date(TODAY.year, 1, 1), "u-bo", "Bo Fictief")

    overview = compute_overview([(handed, []), (other, []), (unknown, [])], start=LAST_YEAR[0], end=LAST_YEAR[1])
    assert overview.by_worker == {"u-an": 2, "u-gone": 1}
    assert overview.worker_names == {"u-an": "An Fictief", "u-gone": "Vorige medewerker (naam onbekend)"}
