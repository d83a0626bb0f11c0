"""Pseudonymising a case for a case consultation (casusoverleg).

A pseudonymised summary is shown to partners around a table who need the story, not the identity.
We pseudonymise the *data* before rendering, so the renderer never sees what must not be printed and
no layout path can leak it.

Rules (also in docs/reports.md):

- The young person becomes "de jongere"; each contact becomes their relation ("moeder", "oom"), numbered
  when two share one ("broer 1", "broer 2"), or "contactpersoon N" when no relation is filled in. We use
  neutral labels, not initials: around a consultation table in a small city, initials plus school and
  age often identify a family, and a label reads more naturally in a sentence.
- Address, phone numbers and the date of birth are removed from the profile. The age stays (computed
  before the birth date goes).
- Inside every free-text field (notes, observations, agreements, the concern, the network, "with whom"...):
  every occurrence of the case's own names is replaced by "[label]": the full names and each name part,
  case-insensitive, whole words only, tolerant of missing diacritics ("Ozturk" matches "Öztürk",
  "Lukasz" matches "Łukasz", Arabic without vowel marks matches with). Consecutive name parts become one
  label ("Çağlar Öztürk" → "[de jongere]"). A name part shared by several people (a family name) becomes
  "[naam]". Particles such as "de", "van", "el" are only replaced next to a real name part, so ordinary
  Dutch words survive. Phone-number-looking strings, the case's own address (street with or without
  its number), street addresses in general ("Kerkstraat 12") and the date of birth written as a date
  are masked too.
- Workers' names stay (assigned workers, authors of entries, who recorded consent): they are the
  colleagues at the table, and the consultation needs to know who to ask.
- School, class, level, home language, target groups and status stay: they are what the consultation
  discusses. A name not recorded in the case (a classmate mentioned in a note) can't be recognised.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.case import CaseProfile, Contact, Referral
from leerrecht_desktop.models.entries import Entry

T = TypeVar("T")

# Entry fields that hold keys, ids or colleagues' names, never case text: left as they are.
_KEEP_FIELDS = frozenset({
    "author_id", "author_name", "channel", "measure", "level", "place", "gender", "filled_in_by", "start_time",
    "topics",
})

# Name particles (Dutch, French, German, Arabic, Spanish/Portuguese, Italian): replaced only as part of a
# run with a real name part, because on their own they are everyday words ("de", "van", "in").
_PARTICLES = frozenset({
    "de", "van", "der", "den", "het", "t", "ten", "ter", "te", "op", "in", "vande", "vanden", "vander",
    "le", "la", "les", "du", "des", "d", "von", "zu", "el", "al", "ben", "bin", "ibn", "bint", "abu", "ou",
    "da", "das", "do", "dos", "di", "del", "della", "y", "e", "mac", "mc", "o",
})

# Letters that Unicode does not decompose into a base letter plus a mark.
_FOLD_SPECIAL = str.maketrans({
    "ł": "l", "ø": "o", "đ": "d", "ı": "i", "ħ": "h", "ŧ": "t",
    # Arabic letter variants people write interchangeably in names.
    "ة": "ه", "ى": "ي",
})

# Belgian numbers start with 0 or a country code; at least 8 digits with optional single separators.
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{2,3}|0)(?:[ ./\-]?\d){7,12}(?!\w)")
# A date where a phone pattern starts (05/03/2025, 2025-03-05) is a date: never masked as a phone.
_DATE_PREFIX = re.compile(r"\d{1,2}[./\-]\d{1,2}[./\-]\d{2,4}(?!\d)|\d{4}[./\-]\d{1,2}[./\-]\d{1,2}(?!\d)")
# A street address in Flemish/Dutch style: a capitalised word ending in a street word, then a number.
_STREET_WORDS = ("straat|laan|lei|plein|steenweg|weg|dreef|kaai|vest|markt|hof|baan|dijk|singel|gang|"
                 "straatje|pad|park|veld|berg|vliet|brug|rui|beemd|kouter|kant")
_STREET_ADDRESS = re.compile(
    rf"\b[A-ZÀ-Ý][\w'’\-]*(?:{_STREET_WORDS})\s+\d+(?:\s*[a-zA-Z]\b)?(?:\s*(?:bus|/)\s*\d+\w?)?",
)


def fold(text: str) -> tuple[str, list[int]]:
    """Text for matching: case-folded, without diacritics (Latin accents, Arabic vowel marks), plus for
    every folded character the index of the original character it came from, so a match in the folded
    text maps back to a span of the original."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFD", ch):
            if unicodedata.combining(c):
                continue
            for folded in c.translate(_FOLD_SPECIAL).casefold().translate(_FOLD_SPECIAL):
                chars.append(folded)
                origin.append(i)
    return "".join(chars), origin


@dataclass
class _Person:
    label: str
    core: set[str] = field(default_factory=set)
    particles: set[str] = field(default_factory=set)

    def add(self, name: str, *, first_is_core: bool) -> None:
        for n, token in enumerate(t for t in re.split(r"[^\w]+", fold(name)[0]) if t):
            if token in _PARTICLES and not (first_is_core and n == 0):
                self.particles.add(token)
            elif len(token) >= 2:
                # Single letters (an initial "A.") would hit every "a" in Dutch text.
                self.core.add(token)


class Pseudonymiser:
    """Replaces one case's names, phone numbers, address and birth date in free text."""

    def __init__(self, profile: CaseProfile) -> None:
        self.young_label = tr("de jongere")
        self.contact_labels: list[str] = _contact_labels(profile.contacts)
        young = _Person(self.young_label)
        # A first name is never a particle ("Ben", "Do"); in family names "de", "van", "el" are.
        young.add(profile.first_name, first_is_core=True)
        young.add(profile.last_name, first_is_core=False)
        self.people: list[_Person] = [young]
        for contact, label in zip(profile.contacts, self.contact_labels, strict=True):
            person = _Person(label)
            person.add(contact.name, first_is_core=True)
            self.people.append(person)
        self._owners: dict[str, set[int]] = {}
        for index, person in enumerate(self.people):
            for token in person.core:
                self._owners.setdefault(token, set()).add(index)
        self._core = set(self._owners)
        tokens = self._core.union(*(p.particles for p in self.people))
        # Longest first, so "vanderlinden" is tried before "van".
        usable = sorted(tokens, key=len, reverse=True)
        self._names = re.compile("(?<!\\w)(?:" + "|".join(map(re.escape, usable)) + ")(?!\\w)") if usable else None
        self._phones = {_digits(c.phone) for c in profile.contacts if len(_digits(c.phone)) >= 6}
        self._address = _address_patterns(profile.address)
        self._birth = _date_patterns(profile.birth_date)

    # -- free text -----------------------------------------------------------------------------------

    def text(self, value: str) -> str:
        if not value:
            return value
        value = self._replace_names(value)
        for pattern in self._address:
            value = pattern.sub(tr("[adres]"), value)
        value = _STREET_ADDRESS.sub(tr("[adres]"), value)
        for pattern in self._birth:
            value = pattern.sub(tr("[geboortedatum]"), value)
        return _PHONE.sub(self._phone_mask, value)

    def _phone_mask(self, match: re.Match[str]) -> str:
        found = match.group()
        if _DATE_PREFIX.match(found) and _digits(found) not in self._phones:
            return found
        return tr("[telefoonnummer]")

    def _replace_names(self, value: str) -> str:
        if self._names is None:
            return value
        value = unicodedata.normalize("NFC", value)
        folded, origin = fold(value)
        hits = list(self._names.finditer(folded))
        if not hits:
            return value
        # Hits separated only by spaces, hyphens or apostrophes form one run: "Çağlar Şükrü Öztürk" is
        # one person and becomes one label.
        runs: list[list[re.Match[str]]] = [[hits[0]]]
        for hit in hits[1:]:
            gap = folded[runs[-1][-1].end():hit.start()]
            if len(gap) <= 3 and re.fullmatch(r"[\s\-'’]+", gap):
                runs[-1].append(hit)
            else:
                runs.append([hit])
        out: list[str] = []
        pos = 0
        for run in runs:
            core = [h.group() for h in run if h.group() in self._core]
            if not core:
                continue  # only particles ("de", "van"): ordinary words here
            start = origin[run[0].start()]
            end = origin[run[-1].end() - 1] + 1
            # Marks that folding dropped after the last letter (Arabic vowel marks) go with the name.
            while end < len(value) and unicodedata.combining(value[end]):
                end += 1
            out.append(value[pos:start])
            out.append(f"[{self._label_for(core)}]")
            pos = end
        out.append(value[pos:])
        return "".join(out)

    def _label_for(self, core: Iterable[str]) -> str:
        candidates: set[int] | None = None
        for token in core:
            owners = self._owners[token]
            candidates = set(owners) if candidates is None else candidates & owners
        if candidates and len(candidates) == 1:
            return self.people[next(iter(candidates))].label
        # A family name shared by the young person and a parent: we can't tell who is meant.
        return tr("naam")

    # -- whole objects -------------------------------------------------------------------------------

    def profile(self, profile: CaseProfile) -> CaseProfile:
        contacts = [Contact(name=label, relation=contact.relation, phone="")
                    for contact, label in zip(profile.contacts, self.contact_labels, strict=True)]
        referral = Referral(source=profile.referral.source, referred_on=profile.referral.referred_on,
                            referred_by=self.text(profile.referral.referred_by),
                            concern=self.text(profile.referral.concern))
        return dataclasses.replace(
            profile, first_name=self.young_label, last_name="", birth_date=None, address="", contacts=contacts,
            network=self.text(profile.network), referral=referral,
        )

    def entry(self, entry: T) -> T:
        assert isinstance(entry, Entry)
        changes: dict[str, Any] = {}
        for f in dataclasses.fields(entry):
            if f.name in _KEEP_FIELDS:
                continue
            value = getattr(entry, f.name)
            if isinstance(value, str):
                changes[f.name] = self.text(value)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                changes[f.name] = [self.text(v) for v in value]
        return dataclasses.replace(entry, **changes)


def _contact_labels(contacts: list[Contact]) -> list[str]:
    relations = [c.relation.strip().lower() for c in contacts]
    labels: list[str] = []
    seen: dict[str, int] = {}
    for i, relation in enumerate(relations, start=1):
        if not relation:
            labels.append(tr("contactpersoon {n}", n=i))
        elif relations.count(relation) > 1:
            seen[relation] = seen.get(relation, 0) + 1
            labels.append(f"{relation} {seen[relation]}")
        else:
            labels.append(relation)
    return labels


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _address_patterns(address: str) -> list[re.Pattern[str]]:
    """The case's address and its street (with or without number), tolerant of spacing and case.
    Postcode and city stay: everyone in these files lives in Mechelen."""
    if not address.strip():
        return []
    street_part = re.split(r"[,\n]", address.strip())[0].strip()
    patterns = [re.escape(address.strip()), re.escape(street_part)]
    street_name = re.sub(r"\s*\d.*$", "", street_part).strip()
    if len(street_name) >= 4:
        patterns.append(re.escape(street_name) + r"(?:\s+\d+\w*(?:\s*(?:bus|/)\s*\d+\w?)?)?")
    return [re.compile(r"(?<!\w)" + p.replace(r"\ ", r"\s+") + r"(?!\w)", re.IGNORECASE) for p in patterns]


def _date_patterns(day: dt.date | None) -> list[re.Pattern[str]]:
    if day is None:
        return []
    d, m, y = day.day, day.month, day.year
    sep = r"[./\-]"
    return [
        re.compile(rf"(?<!\d)0?{d}{sep}0?{m}{sep}(?:{y}|{y % 100:02d})(?!\d)"),
        re.compile(rf"(?<!\d){y}{sep}0?{m}{sep}0?{d}(?!\d)"),
    ]


def pseudonymise(profile: CaseProfile, entries: list[T]) -> tuple[CaseProfile, list[T]]:
    """The profile and entries with the case's identifying data replaced (see the module docstring)."""
    p = Pseudonymiser(profile)
    return p.profile(profile), [p.entry(e) for e in entries]
