"""What the case list needs of a case, kept small so thousands of cases load in a blink after unlock.

A summary holds the profile fields the list shows and, per entry, its contribution to "last contact"
and "next action". Updating it for one saved entry needs nothing but that entry, so a save never has
to decrypt the rest of the case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from leerrecht_desktop.models.case import CaseProfile, age_on
from leerrecht_desktop.models.entries import Entry
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.folding import fold, fold_words


@dataclass
class Contribution:
    kind: str = ""
    contact_on: dt.date | None = None
    action_due: dt.date | None = None


@dataclass
class CaseSummary:
    case_id: str = ""
    first_name: str = ""
    last_name: str = ""
    birth_date: dt.date | None = None
    school: str = ""
    level: str = ""
    class_name: str = ""
    status: str = ""
    target_groups: list[str] = field(default_factory=list)
    assigned_ids: list[str] = field(default_factory=list)
    assigned_names: list[str] = field(default_factory=list)
    referred_on: dt.date | None = None
    entries: dict[str, Contribution] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def age(self, on: dt.date) -> int | None:
        return age_on(self.birth_date, on)

    @property
    def last_contact(self) -> dt.date | None:
        dates = [c.contact_on for c in self.entries.values() if c.contact_on]
        return max(dates) if dates else None

    def open_action_dates(self) -> list[dt.date]:
        """The due date of every open action: a note's action or a family contact's next step stays
        until done; of the home visits only the latest one's next step counts (a later visit replaces
        the plan of an earlier one). "Volgende actie" and the overdue count both read this."""
        dates = [c.action_due for c in self.entries.values() if c.action_due and c.kind != Kind.HOME_VISIT]
        visits = [c for c in self.entries.values() if c.kind == Kind.HOME_VISIT and c.contact_on]
        if visits:
            latest = max(visits, key=lambda c: c.contact_on or dt.date.min)
            if latest.action_due:
                dates.append(latest.action_due)
        return dates

    @property
    def next_action(self) -> dt.date | None:
        """The soonest open action (open_action_dates)."""
        dates = self.open_action_dates()
        return min(dates) if dates else None

    @property
    def entry_count(self) -> int:
        return len(self.entries)

    def apply_profile(self, profile: CaseProfile) -> None:
        self.first_name = profile.first_name
        self.last_name = profile.last_name
        self.birth_date = profile.birth_date
        self.school = profile.school
        self.level = profile.level
        self.class_name = profile.class_name
        self.status = profile.status
        self.target_groups = list(profile.target_groups)
        self.assigned_ids = [w.user_id for w in profile.assigned]
        self.assigned_names = [w.name for w in profile.assigned]
        self.referred_on = profile.referral.referred_on

    def apply_entry(self, record_id: str, entry: Entry | None) -> None:
        """Record an entry's contribution; None (a deleted entry) removes it."""
        if entry is None:
            self.entries.pop(record_id, None)
            return
        self.entries[record_id] = Contribution(entry.kind.value, entry.contact_date(), entry.open_action_due())

    def matches(self, text: str) -> bool:
        """Search as you type: every word must occur in the name, school or class, case and accents
        ignored ("chloe" finds "Chloë"; models/folding.py)."""
        return self.matches_words(fold_words(text))

    def matches_words(self, words: list[str]) -> bool:
        """`matches` for a query folded once (the list asks 2,000 summaries per keystroke)."""
        haystack = fold(f"{self.first_name} {self.last_name} {self.school} {self.class_name}")
        return all(word in haystack for word in words)
