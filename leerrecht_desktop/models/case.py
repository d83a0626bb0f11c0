"""The case file (dossier) profile: the young person, context, referral, target groups, status, consent."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.catalog import pick_lists
from leerrecht_desktop.models.codec import to_dict
from leerrecht_desktop.models.enums import GENDERS, CaseStatus
from leerrecht_desktop.models.validation import Checker

SHORT = 200
LONG = 20_000


@dataclass
class Contact:
    name: str = ""
    relation: str = ""
    phone: str = ""


@dataclass
class WorkerRef:
    user_id: str = ""
    name: str = ""


@dataclass
class Referral:
    source: str = ""
    referred_on: dt.date | None = None
    referred_by: str = ""
    concern: str = ""


@dataclass
class Consent:
    given: bool = False
    on: dt.date | None = None
    recorded_by: str = ""
    # The scanned form, an attachment of the case (issue 15; store/attachments.py); "" when none.
    attachment_id: str = ""


# The profile fields whose changes the history keeps (issue 13, item 2).
HISTORY_FIELDS = ("status", "assigned", "school")


@dataclass
class ProfileChange:
    """One step in a case's history: its status, assignment or school changed on `on`. `value` is the
    new status, the new school key, or the assigned workers' user ids separated by spaces; `reason`
    the closing reason key for a close, or what the worker wrote; `by_*` who made the change."""

    on: dt.date | None = None
    field: str = ""
    value: str = ""
    reason: str = ""
    by_id: str = ""
    by_name: str = ""


@dataclass
class CaseProfile:
    first_name: str = ""
    last_name: str = ""
    birth_date: dt.date | None = None
    gender: str = ""
    school: str = ""
    level: str = ""
    class_name: str = ""
    home_language: str = ""
    address: str = ""
    contacts: list[Contact] = field(default_factory=list)
    network: str = ""
    referral: Referral = field(default_factory=Referral)
    target_groups: list[str] = field(default_factory=list)
    life_domains: list[str] = field(default_factory=list)
    status: str = CaseStatus.AANGEMELD.value
    closed_reason: str = ""
    assigned: list[WorkerRef] = field(default_factory=list)
    consent: Consent = field(default_factory=Consent)
    # Oldest first. Empty for a case saved before the history existed (schema of issue 13).
    history: list[ProfileChange] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def age(self, on: dt.date) -> int | None:
        return age_on(self.birth_date, on)

    def closed_on(self) -> dt.date | None:
        """The day the case was closed: the latest history step to 'afgesloten', while it is closed.
        None when it is open, or closed before the history existed (the caller decides what stands in)."""
        if self.status != CaseStatus.AFGESLOTEN:
            return None
        for change in reversed(self.history):
            if change.field == "status" and change.value == CaseStatus.AFGESLOTEN and change.on is not None:
                return change.on
        return None

    def record_changes(self, previous: CaseProfile | None, on: dt.date, by_id: str, by_name: str,
                       reason: str = "") -> list[ProfileChange]:
        """Make this profile's history `previous`'s plus a step for every HISTORY_FIELDS field this
        save changes (all of them, when set, for a new case: `previous` None), dated `on`, by the
        saving user. The reason of a close is its closing reason; `reason` is what the worker wrote.
        Whatever history this profile carried is replaced: the store's head is the truth. Returns the
        new steps (none when nothing in HISTORY_FIELDS changed)."""
        steps: list[ProfileChange] = []
        for name in HISTORY_FIELDS:
            value = history_value(self, name)
            if previous is None:
                if not value and name != "status":
                    continue
            elif value == history_value(previous, name):
                continue
            why = self.closed_reason if name == "status" and value == CaseStatus.AFGESLOTEN else reason.strip()
            steps.append(ProfileChange(on=on, field=name, value=value, reason=why, by_id=by_id, by_name=by_name))
        self.history = sorted_history([*(previous.history if previous is not None else []), *steps])
        return steps

    def validate(self, today: dt.date) -> None:
        lists = pick_lists()
        c = Checker()
        c.required("first_name", self.first_name, tr("Vul de voornaam van de jongere in."))
        c.required("last_name", self.last_name, tr("Vul de familienaam van de jongere in."))
        for name in ("first_name", "last_name", "school", "class_name", "home_language"):
            c.max_length(name, getattr(self, name), SHORT)
        c.max_length("address", self.address, 500)
        c.max_length("network", self.network, LONG)
        c.max_length("referral.concern", self.referral.concern, LONG)
        if self.birth_date is not None:
            if self.birth_date > today:
                c.fail("birth_date", tr("De geboortedatum ligt in de toekomst. Kijk de datum na."))
            elif today.year - self.birth_date.year > 30:
                c.fail("birth_date", tr("Deze geboortedatum maakt de jongere ouder dan 30. Kijk de datum na."))
        c.one_of("gender", self.gender, set(GENDERS))
        c.one_of("level", self.level, lists.keys("levels"))
        c.one_of("referral.source", self.referral.source, lists.keys("referral_sources"))
        c.not_in_future("referral.referred_on", self.referral.referred_on, today)
        for key in self.target_groups:
            c.one_of("target_groups", key, lists.keys("target_groups"), allow_empty=False)
        for key in self.life_domains:
            c.one_of("life_domains", key, lists.keys("life_domains"), allow_empty=False)
        c.one_of("status", self.status, {s.value for s in CaseStatus}, allow_empty=False)
        if self.status == CaseStatus.AFGESLOTEN and not self.closed_reason:
            c.fail("closed_reason", tr("Kies waarom het dossier afgesloten wordt."))
        for i, contact in enumerate(self.contacts):
            if not contact.name.strip():
                c.fail(f"contacts.{i}.name", tr("Vul de naam van contactpersoon {n} in.", n=i + 1))
            phone = contact.phone.replace(" ", "").replace("/", "").replace(".", "").replace("-", "")
            if phone and not (phone.lstrip("+").isdigit() and 8 <= len(phone.lstrip("+")) <= 15):
                c.fail(
                    f"contacts.{i}.phone",
                    tr("Het telefoonnummer van {name} klopt niet: gebruik alleen cijfers, bv. 0470 12 34 56.",
                       name=contact.name.strip() or tr("contactpersoon {n}", n=i + 1)),
                )
        if self.consent.given:
            c.not_in_future("consent.on", self.consent.on, today)
        c.raise_if_any()


def history_value(profile: CaseProfile, name: str) -> str:
    """A HISTORY_FIELDS field of a profile as a step stores it (the assigned workers' ids, space-separated)."""
    if name == "assigned":
        return " ".join(ref.user_id or ref.name for ref in profile.assigned)
    value: str = getattr(profile, name)
    return value


def history_key(change: ProfileChange) -> tuple[str, str]:
    """The order of a history, the same on every laptop: by date (none first), then by the step's
    canonical JSON, as the merge orders the union of two histories (sync/merge.py, docs/merge.md)."""
    return (change.on.isoformat() if change.on else "",
            json.dumps(to_dict(change), sort_keys=True, ensure_ascii=False))


def sorted_history(changes: Sequence[ProfileChange]) -> list[ProfileChange]:
    """The steps in `history_key` order, each once."""
    unique: dict[tuple[str, str], ProfileChange] = {}
    for change in changes:
        unique.setdefault(history_key(change), change)
    return [unique[key] for key in sorted(unique)]


def check_change(on: dt.date, reason: str, today: dt.date) -> None:
    """The date and reason a worker gave for a change of status, school or assignment."""
    c = Checker()
    if on > today:
        c.fail("changed_on", tr("De datum van de wijziging ligt in de toekomst. Kies vandaag of een datum ervoor."))
    c.max_length("change_reason", reason, SHORT)
    c.raise_if_any()


# Within one day the order of steps is not known (a step has a date, no time): the status a day ends
# with is then the one furthest along, unless it is the last day with steps (the current status is known).
_STATUS_RANK = {CaseStatus.AANGEMELD.value: 0, CaseStatus.ACTIEF.value: 1, CaseStatus.AFGESLOTEN.value: 2}


def value_on(profile: CaseProfile, name: str, day: dt.date) -> str | None:
    """What a HISTORY_FIELDS field was at the end of `day`, by the profile's history; None before the
    case's first step of that field. With no later step it is the profile's current value."""
    steps = [c for c in profile.history if c.field == name and c.on is not None]
    if not steps:
        return None
    if all(c.on is not None and c.on <= day for c in steps):
        return history_value(profile, name)
    before = [c for c in steps if c.on is not None and c.on <= day]
    if not before:
        return None
    last_day = [c for c in before if c.on == before[-1].on]
    if name == "status" and len(last_day) > 1:
        return max(last_day, key=lambda c: _STATUS_RANK.get(c.value, -1)).value
    return last_day[-1].value


def started_on(profile: CaseProfile) -> dt.date | None:
    """The case's first day by its history (the first step), None without a history."""
    days = [c.on for c in profile.history if c.on is not None]
    return min(days) if days else None


def statuses_during(profile: CaseProfile, start: dt.date | None, end: dt.date) -> set[str]:
    """Every status the case had at some moment of [start, end], by its history (empty without one)."""
    if not profile.history:
        return set()
    held: set[str] = set()
    if start is not None:
        at_start = value_on(profile, "status", start - dt.timedelta(days=1))
        if at_start is not None:
            held.add(at_start)
    for change in profile.history:
        if change.field == "status" and change.on is not None and change.on <= end \
                and (start is None or change.on >= start):
            held.add(change.value)
    return held


def closed_during(profile: CaseProfile, start: dt.date | None, end: dt.date) -> bool:
    """Whether the history has a close dated in [start, end]."""
    return any(c.field == "status" and c.value == CaseStatus.AFGESLOTEN and c.on is not None
               and c.on <= end and (start is None or c.on >= start) for c in profile.history)


def known_names(profile: CaseProfile) -> dict[str, str]:
    """The colleagues' names a profile knows, by user id: whoever made a step, and who is assigned now."""
    names = {c.by_id: c.by_name for c in profile.history if c.by_id and c.by_name}
    names.update({ref.user_id: ref.name for ref in profile.assigned if ref.user_id and ref.name})
    return names


def age_on(birth_date: dt.date | None, on: dt.date) -> int | None:
    if birth_date is None:
        return None
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
