"""The case file (dossier) profile: the young person, context, referral, target groups, status, consent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.catalog import pick_lists
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


def age_on(birth_date: dt.date | None, on: dt.date) -> int | None:
    if birth_date is None:
        return None
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
