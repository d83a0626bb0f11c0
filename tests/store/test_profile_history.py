"""The history a profile save records in a real data folder (issue 13, item 2), and the history derived
from the revisions of a case saved before the history existed."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest

from leerrecht_desktop.models.case import CaseProfile, WorkerRef
from leerrecht_desktop.models.enums import CaseStatus
from leerrecht_desktop.models.validation import ValidationError
from leerrecht_desktop.store import sealed_store
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from tests.kits.storekit import PASSPHRASE, fictitious_profile

TODAY = dt.date(2025, 6, 2)


def _profile(case_files: CaseFiles, case_id: str) -> CaseProfile:
    return copy.deepcopy(case_files.load_case(case_id).content)



def _as_before_the_history(profile: CaseProfile, *args: object, **kw: object) -> list[object]:
    """The app before the history: it knew no `history` field, so it saved none."""
    profile.history = []
    return []

def test_every_profile_save_records_its_changes_by_the_saving_user(case_files: CaseFiles) -> None:
    case = case_files.create_case(fictitious_profile(), today=TODAY, changed_on=dt.date(2025, 5, 1))
    me = case_files.user
    first = case_files.load_case(case.case_id).content.history
    assert [(c.field, c.on, c.by_id, c.by_name) for c in first] == [
        ("assigned", dt.date(2025, 5, 1), me.user_id, me.name), ("school", dt.date(2025, 5, 1), me.user_id, me.name),
        ("status", dt.date(2025, 5, 1), me.user_id, me.name)]

    profile = _profile(case_files, case.case_id)
    profile.address = "Verzonnenstraat 2"  # not a field of the history
    case_files.save(case.case_id, profile, record_id=case.record_id, today=TODAY)
    assert case_files.load_case(case.case_id).content.history == first

    profile = _profile(case_files, case.case_id)
    profile.status = CaseStatus.ACTIEF
    case_files.save(case.case_id, profile, record_id=case.record_id, today=TODAY, change_reason="intake gedaan")
    profile = _profile(case_files, case.case_id)
    profile.status, profile.closed_reason = CaseStatus.AFGESLOTEN, "doel_bereikt"
    case_files.save(case.case_id, profile, record_id=case.record_id, today=TODAY, changed_on=dt.date(2025, 5, 20))
    history = case_files.load_case(case.case_id).content.history
    assert [(c.value, c.on, c.reason) for c in history if c.field == "status"] == [
        ("aangemeld", dt.date(2025, 5, 1), ""), ("afgesloten", dt.date(2025, 5, 20), "doel_bereikt"),
        ("actief", TODAY, "intake gedaan")]
    assert case_files.profile_history(case.case_id) == history


def test_a_change_dated_in_the_future_is_refused_and_nothing_is_saved(case_files: CaseFiles) -> None:
    case = case_files.create_case(fictitious_profile(), today=TODAY)
    profile = _profile(case_files, case.case_id)
    profile.status = CaseStatus.ACTIEF
    with pytest.raises(ValidationError, match="toekomst"):
        case_files.save(case.case_id, profile, record_id=case.record_id, today=TODAY,
                        changed_on=TODAY + dt.timedelta(days=1))
    assert case_files.load_case(case.case_id).profile.revision == 1


def test_the_history_of_a_case_saved_before_it_existed_is_derived_from_its_revisions(
        case_files: CaseFiles, workspace: Workspace, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The code before the history: no step recorded, and each revision saved on its own day.
    days = iter(["2024-01-08T09:00:00.000+00:00", "2024-02-12T09:00:00.000+00:00",
                 "2024-03-04T09:00:00.000+00:00", "2024-09-02T09:00:00.000+00:00"])
    with monkeypatch.context() as old:
        old.setattr(CaseProfile, "record_changes", _as_before_the_history)
        old.setattr(sealed_store, "now_text", lambda: next(days))
        case = case_files.create_case(fictitious_profile(), today=TODAY)
        for change in ({"status": CaseStatus.ACTIEF}, {"first_name": "Ander"},
                       {"status": CaseStatus.AFGESLOTEN, "closed_reason": "verhuisd",
                        "assigned": [WorkerRef("u-other", "Fictieve Collega")]}):
            profile = _profile(case_files, case.case_id)
            for name, value in change.items():
                setattr(profile, name, value)
            case_files.save(case.case_id, profile, record_id=case.record_id, today=TODAY)
    stored = case_files.history(case.record_id)[-1].content
    assert isinstance(stored, CaseProfile) and stored.history == []  # none stored

    me = case_files.user.user_id
    derived = case_files.profile_history(case.case_id)
    assert [(c.on, c.field, c.value, c.reason, c.by_id) for c in derived] == [
        (dt.date(2024, 1, 8), "assigned", me, "", me),
        (dt.date(2024, 1, 8), "school", "Den Anker", "", me),
        (dt.date(2024, 1, 8), "status", "aangemeld", "", me),
        (dt.date(2024, 2, 12), "status", "actief", "", me),
        (dt.date(2024, 9, 2), "assigned", "u-other", "", me),
        (dt.date(2024, 9, 2), "status", "afgesloten", "verhuisd", me),
    ]
    assert {c.by_name for c in derived} == {case_files.user.name}

    # The next save starts from the derived history, and the data folder keeps it after a restart.
    profile = _profile(case_files, case.case_id)
    profile.status = CaseStatus.ACTIEF
    case_files.save(case.case_id, profile, record_id=case.record_id, today=TODAY)
    case_files.lock()
    workspace.close()
    reopened = Workspace(data_dir)
    try:
        history = reopened.unlock(PASSPHRASE).load_case(case.case_id).content.history
    finally:
        reopened.close()
    assert history[:6] == derived
    assert [(c.field, c.value) for c in history[6:]] == [("status", "actief")]


def test_a_batch_records_against_its_own_unsaved_head(case_files: CaseFiles) -> None:
    with case_files.batch():
        case = case_files.create_case(fictitious_profile(), today=TODAY, changed_on=dt.date(2025, 1, 6))
        profile = fictitious_profile()
        profile.status = CaseStatus.ACTIEF
        case_files.save(case.case_id, profile, record_id=case.record_id, today=TODAY, changed_on=dt.date(2025, 2, 1))
    history = case_files.load_case(case.case_id).content.history
    assert [(c.field, c.value, c.on) for c in history if c.field == "status"] == [
        ("status", "aangemeld", dt.date(2025, 1, 6)), ("status", "actief", dt.date(2025, 2, 1))]
