""""Te doen": every open action across the cases a user may read, in one list.

Three kinds of entry plan work: a follow-up note's action (with an owner and a deadline), a home
visit's next step and, since issue 14, a family contact's next step. Each has a done flag. The rules
are the case list's ("Volgende actie", models/summary.py): a note's action and a family contact's
next step stay until ticked off; a home visit's next step is replaced by the plan of a later visit.

The list is gathered from the decrypted entries, but only of the cases whose sealed summary says they
hold an open action, so a laptop with 2,000 cases opens a few dozen of them, not all. The overdue
count for the status bar needs no entry at all: it is read from the summaries."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.entries import FamilyContact, FollowUpNote, HomeVisit
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.summary import CaseSummary
from leerrecht_desktop.store.casefiles import CaseFile, CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound

__all__ = ["Action", "count_overdue", "gather", "mark_done", "open_actions", "week_end"]


@dataclass(frozen=True)
class Action:
    case_id: str
    case_name: str
    record_id: str
    kind: Kind
    text: str
    owner: str  # a name as written in the entry: a note's "Wie doet het?", else the entry's author
    owner_id: str  # the author's user id when the owner is the author, else ""
    due_on: dt.date  # a step without a date is due from the day it was written
    written_on: dt.date
    dated: bool  # whether the entry gave a date, or `due_on` is the day it was written

    def overdue(self, today: dt.date) -> bool:
        return self.due_on < today

    def is_mine(self, user_id: str, name: str) -> bool:
        if self.owner_id:
            return self.owner_id == user_id
        return self.owner.strip().casefold() == name.strip().casefold()


def week_end(today: dt.date) -> dt.date:
    """The Sunday of this week: "deze week" is today up to and including it."""
    return today + dt.timedelta(days=6 - today.weekday())


def open_actions(case: CaseFile) -> list[Action]:
    """The open actions of one case file, soonest first."""
    name = case.content.full_name
    found: list[Action] = []
    visits = [(r, r.content) for r in case.entries if isinstance(r.content, HomeVisit)]
    latest_visit = max(visits, key=lambda rv: (rv[1].occurred_on or dt.date.min, rv[0].saved_at),
                       default=(None, None))[0]
    for record in case.entries:
        entry = record.content
        due = entry.open_action_due() if isinstance(entry, HomeVisit | FamilyContact | FollowUpNote) else None
        if due is None or (isinstance(entry, HomeVisit) and record is not latest_visit):
            continue
        assert isinstance(entry, HomeVisit | FamilyContact | FollowUpNote)
        written = entry.occurred_on or due
        if isinstance(entry, FollowUpNote):
            owner = entry.action_owner.strip() or entry.author_name
            owner_id = "" if entry.action_owner.strip() else entry.author_id or record.author_id
            text, dated = entry.action, entry.due_on is not None
        else:
            owner, owner_id = entry.author_name, entry.author_id or record.author_id
            text, dated = entry.next_step, entry.next_step_on is not None
        found.append(Action(case.case_id, name, record.record_id, record.kind, text.strip(), owner, owner_id,
                            due, written, dated))
    return sorted(found, key=lambda a: (a.due_on, a.written_on, a.record_id))


def _has_open_action(summary: CaseSummary) -> bool:
    return summary.next_action is not None


def gather(case_files: CaseFiles, progress: Callable[[int, int], None] | None = None) -> list[Action]:
    """Every open action on this laptop, soonest first (then by case name). Cases that can't be read
    (erased meanwhile, refused records) are left out, as the case list leaves them out."""
    wanted = [s for s in case_files.summaries() if _has_open_action(s)]
    actions: list[Action] = []
    for done, summary in enumerate(wanted, start=1):
        with contextlib.suppress(CaseNotFound):
            actions.extend(open_actions(case_files.load_case(summary.case_id)))
        if progress is not None:
            progress(done, len(wanted))
    return sorted(actions, key=lambda a: (a.due_on, a.case_name.casefold(), a.written_on, a.record_id))


def count_overdue(summaries: Iterable[CaseSummary], today: dt.date) -> int:
    """How many open actions are past their date, from the summaries alone (no entry is opened)."""
    return sum(due < today for summary in summaries for due in summary.open_action_dates())


def mark_done(case_files: CaseFiles, action: Action) -> None:
    """Tick an action off: a new revision of its entry with the done flag set, which syncs like any
    edit. An action whose entry changed meanwhile is refused rather than guessed at."""
    case = case_files.load_case(action.case_id)
    record = next((r for r in case.entries if r.record_id == action.record_id), None)
    if record is None:
        raise CaseNotFound(_gone())
    entry = record.content
    if isinstance(entry, FollowUpNote):
        updated: FollowUpNote | HomeVisit | FamilyContact = dataclasses.replace(entry, done=True)
    elif isinstance(entry, HomeVisit | FamilyContact):
        updated = dataclasses.replace(entry, next_step_done=True)
    else:
        raise CaseNotFound(_gone())
    if updated.open_action_due() is not None or entry.open_action_due() is None:
        raise CaseNotFound(_gone())
    case_files.save(action.case_id, updated, record_id=action.record_id)


def _gone() -> str:
    return tr("Deze actie bestaat niet (meer). Vernieuw de lijst.")
