""""Te doen" from a real data folder: which entries plan work, which plan is current, who owns it,
ticking it off (a new revision that syncs), and the overdue count from the summaries alone."""

from __future__ import annotations

import datetime as dt

import pytest

from leerrecht_desktop.models.entries import FamilyContact, FollowUpNote, HomeVisit
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.actions import count_overdue, gather, mark_done, open_actions, week_end
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound
from tests.kits.storekit import WORKER_NAME, content_as, family_contact, fictitious_profile, home_visit, note

TODAY = dt.date(2025, 3, 12)  # a Wednesday
DAY = dt.date(2025, 3, 3)


def new_case(cf: CaseFiles, tag: str) -> str:
    return cf.create_case(fictitious_profile(tag), today=DAY).case_id


def test_every_kind_of_plan_is_listed_with_its_owner_and_date(case_files: CaseFiles) -> None:
    case = new_case(case_files, "a")
    case_files.save(case, note(action="Schoolarts bellen", action_owner="Fictieve Collega",
                               due_on=dt.date(2025, 3, 20), occurred_on=DAY), today=TODAY)
    case_files.save(case, home_visit(next_step="Samen naar het CLB", next_step_on=dt.date(2025, 3, 10),
                                     occurred_on=DAY), today=TODAY)
    case_files.save(case, family_contact(next_step="Spreek volgende week opnieuw af", occurred_on=dt.date(2025, 3, 5),
                                         next_step_on=dt.date(2025, 3, 7)), today=TODAY)
    # A next step without a date stays text in its entry: not in the list (old visits wrote "opvolgen").
    case_files.save(case, family_contact(next_step="Zonder datum", occurred_on=dt.date(2025, 3, 6)), today=TODAY)
    # A note's action without a deadline is due from the day it was written (as the list column always had it).
    case_files.save(case, note(action="Zonder deadline", occurred_on=dt.date(2025, 3, 1)), today=TODAY)
    case_files.save(case, note(text="Alleen een notitie, geen actie", occurred_on=DAY), today=TODAY)

    actions = gather(case_files)
    assert [(a.kind, a.text, a.owner, a.due_on, a.dated) for a in actions] == [
        (Kind.NOTE, "Zonder deadline", WORKER_NAME, dt.date(2025, 3, 1), False),
        (Kind.FAMILY_CONTACT, "Spreek volgende week opnieuw af", WORKER_NAME, dt.date(2025, 3, 7), True),
        (Kind.HOME_VISIT, "Samen naar het CLB", WORKER_NAME, dt.date(2025, 3, 10), True),
        (Kind.NOTE, "Schoolarts bellen", "Fictieve Collega", dt.date(2025, 3, 20), True),
    ]
    assert all(a.case_name == "Fictiefvoornaama Testkindnaama" for a in actions)
    me = case_files.user
    assert [a.is_mine(me.user_id, me.name) for a in actions] == [True, True, True, False]
    assert [a.overdue(TODAY) for a in actions] == [True, True, True, False]
    assert count_overdue(case_files.summaries(), TODAY) == 3


def test_a_later_home_visit_replaces_the_plan_but_a_notes_action_stays(case_files: CaseFiles) -> None:
    case = new_case(case_files, "b")
    case_files.save(case, home_visit(next_step="Oude afspraak", next_step_on=dt.date(2025, 3, 4),
                                     occurred_on=DAY), today=TODAY)
    case_files.save(case, note(action="Blijft staan", due_on=dt.date(2025, 3, 4), occurred_on=DAY), today=TODAY)
    case_files.save(case, home_visit(next_step="Nieuwe afspraak", next_step_on=dt.date(2025, 3, 14),
                                     occurred_on=dt.date(2025, 3, 10)), today=TODAY)
    assert [a.text for a in open_actions(case_files.load_case(case))] == ["Blijft staan", "Nieuwe afspraak"]
    assert count_overdue(case_files.summaries(), TODAY) == 1


def test_ticking_off_writes_a_revision_that_syncs_and_leaves_the_list(case_files: CaseFiles) -> None:
    case = new_case(case_files, "c")
    visit = case_files.save(case, home_visit(next_step="Bellen", next_step_on=dt.date(2025, 3, 4),
                                             occurred_on=DAY), today=TODAY)
    contact = case_files.save(case, family_contact(next_step="Terugbellen", next_step_on=DAY, occurred_on=DAY),
                              today=TODAY)
    the_note = case_files.save(case, note(action="Mail naar school", occurred_on=DAY), today=TODAY)
    queued = case_files.pending_changes()
    for action in gather(case_files):
        mark_done(case_files, action)
    assert gather(case_files) == []
    assert count_overdue(case_files.summaries(), TODAY) == 0
    assert case_files.summary(case).next_action is None
    assert case_files.pending_changes() == queued + 3  # each tick is a revision queued for the server
    loaded = {r.record_id: r for r in case_files.load_case(case).entries}
    assert content_as(loaded[visit.record_id], HomeVisit).next_step_done
    assert content_as(loaded[contact.record_id], FamilyContact).next_step_done
    assert content_as(loaded[the_note.record_id], FollowUpNote).done
    # What was written stays: only the flag changed.
    assert content_as(loaded[contact.record_id], FamilyContact).next_step == "Terugbellen"
    assert [r.revision for r in case_files.history(the_note.record_id)] == [1, 2]


def test_ticking_off_an_action_whose_entry_is_gone_is_refused(case_files: CaseFiles) -> None:
    case = new_case(case_files, "d")
    saved = case_files.save(case, note(action="Verdwijnt", occurred_on=DAY), today=TODAY)
    [action] = gather(case_files)
    case_files.delete_entry(case, saved.record_id)
    with pytest.raises(CaseNotFound, match="bestaat niet"):
        mark_done(case_files, action)
    case_files.save(case, note(action="Al gedaan", occurred_on=DAY), today=TODAY)
    [second] = gather(case_files)
    mark_done(case_files, second)
    with pytest.raises(CaseNotFound):
        mark_done(case_files, second)  # twice: the second finds nothing open


def test_only_cases_with_an_open_action_are_opened(case_files: CaseFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    busy = new_case(case_files, "e")
    for tag in "fgh":
        quiet = new_case(case_files, tag)
        case_files.save(quiet, note(text="Geen actie", occurred_on=DAY), today=TODAY)
    case_files.save(busy, note(action="Iets", occurred_on=DAY), today=TODAY)
    opened: list[str] = []
    real = case_files.load_case
    monkeypatch.setattr(case_files, "load_case", lambda case_id: opened.append(case_id) or real(case_id))
    progress: list[tuple[int, int]] = []
    assert [a.case_id for a in gather(case_files, progress=lambda d, t: progress.append((d, t)))] == [busy]
    assert opened == [busy]
    assert progress == [(1, 1)]


def test_a_family_contacts_next_step_is_checked() -> None:
    from leerrecht_desktop.models.validation import ValidationError

    with pytest.raises(ValidationError) as err:
        family_contact(next_step_on=dt.date(2025, 3, 20), occurred_on=DAY).validate(TODAY)
    assert "Beschrijf de volgende stap" in str(err.value)
    with pytest.raises(ValidationError) as err:
        family_contact(next_step="x", next_step_on=dt.date(2025, 3, 1), occurred_on=DAY).validate(TODAY)
    assert "niet vóór het contact" in str(err.value)


def test_this_week_ends_on_sunday() -> None:
    assert week_end(TODAY) == dt.date(2025, 3, 16)
    assert week_end(dt.date(2025, 3, 16)) == dt.date(2025, 3, 16)
    assert week_end(dt.date(2025, 3, 17)) == dt.date(2025, 3, 23)
