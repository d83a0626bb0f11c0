"""The invented young person and family of one demo case: name, school, address, contacts, and the
words (pronouns, the main contact, ...) the texts of the case are filled in with."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from leerrecht_desktop.demo.pools import (
    BSO_OPTIONS,
    LOWER_ONLY,
    MOVED_TO,
    ORIGINS,
    PHONE_PREFIXES,
    POSTCODES,
    PRIMARY_SCHOOLS,
    PROFESSIONAL_FIRST,
    PROFESSIONAL_LAST,
    STREETS,
    UPPER_ONLY,
    WEEKDAYS,
    Origin,
)
from leerrecht_desktop.models.case import Contact
from leerrecht_desktop.models.enums import Role

# Level of the young person by the role of the worker whose laptop this is (see DOMAIN.md: OA in
# secondary BSO schools, bridge figures in primary schools, Netsterk and coordinators see everything).
_LEVEL_WEIGHTS: dict[str, dict[str, int]] = {
    Role.ONDERWIJSASSISTENT.value: {"graad1": 30, "graad2": 35, "graad3": 30, "schoolverlater": 5},
    Role.BRUGFIGUUR.value: {"lager": 85, "kleuter": 5, "graad1": 10},
    Role.NETSTERK.value: {"kleuter": 2, "lager": 30, "graad1": 24, "graad2": 20, "graad3": 14,
                          "schoolverlater": 10},
    Role.COORDINATOR.value: {"kleuter": 2, "lager": 30, "graad1": 24, "graad2": 20, "graad3": 14,
                             "schoolverlater": 10},
}
_AGE_BY_LEVEL = {"kleuter": (4, 5), "lager": (7, 12), "graad1": (12, 14), "graad2": (14, 16),
                 "graad3": (16, 18), "schoolverlater": (17, 20)}


@dataclass
class Young:
    """The invented young person and family, with the words the texts need."""

    first_name: str
    last_name: str
    gender: str
    birth_date: dt.date
    level: str
    school: str
    class_name: str
    language: str
    address: str
    contacts: list[Contact]
    main_contact: str
    words: dict[str, str] = field(default_factory=dict)

    def text(self, template: str, rng: random.Random, partners: Sequence[str], **extra: Any) -> str:
        values: dict[str, Any] = {
            **self.words,
            "partner": rng.choice(partners),
            "n": rng.randint(4, 18),
            "m": rng.randint(2, 12),
            "dag": rng.choice(WEEKDAYS),
            "stad": rng.choice(MOVED_TO),
            "bedrag": rng.randrange(45, 480, 5),
            **extra,
        }
        return template.format(**values)


def pick_weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _phone(rng: random.Random) -> str:
    prefix = rng.choice(PHONE_PREFIXES)
    return f"{prefix} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"


def _address(rng: random.Random) -> str:
    street = rng.choice(STREETS)
    number = str(rng.randint(1, 180))
    if rng.random() < 0.3:
        number += f" bus {rng.randint(1, 12)}"
    codes = list(POSTCODES)
    postcode, town, _ = rng.choices(codes, weights=[c[2] for c in codes])[0]
    return f"{street} {number}, {postcode} {town}"


def _surname_forms(rng: random.Random, origin: Origin) -> tuple[str, str]:
    """(male form, female form) of a surname; the same unless the language genders it."""
    name = rng.choice(origin.surnames)
    return name if isinstance(name, tuple) else (name, name)


def _school_and_class(rng: random.Random, level: str, schools: list[str]) -> tuple[str, str]:
    primary = [s for s in schools if s in PRIMARY_SCHOOLS]
    secondary = [s for s in schools if s not in PRIMARY_SCHOOLS and s != "Andere school"]
    if level in ("kleuter", "lager"):
        pool = primary or schools
    elif level == "graad1":
        pool = [s for s in secondary if s not in UPPER_ONLY] or schools
    elif level in ("graad2", "graad3"):
        pool = [s for s in secondary if s not in LOWER_ONLY] or schools
    else:  # a school leaver is still known by the last school
        pool = secondary or schools
    school = rng.choice(pool)
    if rng.random() < 0.05 and "Andere school" in schools:
        school = "Andere school"
    letter = rng.choice("ABCD")
    if level == "kleuter":
        return school, f"K{rng.randint(2, 3)}{letter}"
    if level == "lager":
        return school, f"{rng.randint(1, 6)}{letter}"
    if level == "graad1":
        return school, f"{rng.randint(1, 2)}{rng.choice('AB')}"
    if level == "graad2":
        return school, f"{rng.randint(3, 4)} {rng.choice(BSO_OPTIONS)}"
    if level == "graad3":
        return school, f"{rng.randint(5, 7)} {rng.choice(BSO_OPTIONS)}"
    return school, ""


def invent_young(rng: random.Random, role: str, schools: list[str], today: dt.date) -> Young:
    origin = rng.choices(ORIGINS, weights=[o.weight for o in ORIGINS])[0]
    gender = rng.choices(("m", "v", "x"), weights=(49, 49, 2))[0]
    if gender == "x":
        first = rng.choice(origin.boys + origin.girls)
    else:
        first = rng.choice(origin.boys if gender == "m" else origin.girls)
    family_male, family_female = _surname_forms(rng, origin)
    last = family_female if gender == "v" else family_male
    level = pick_weighted(rng, _LEVEL_WEIGHTS.get(role, _LEVEL_WEIGHTS[Role.NETSTERK.value]))
    lo, hi = _AGE_BY_LEVEL[level]
    age = rng.randint(lo, hi)
    birth = today - dt.timedelta(days=age * 365 + rng.randint(30, 330))
    school, class_name = _school_and_class(rng, level, schools)
    language = rng.choice(origin.languages)

    def relative(pool: tuple[str, ...], female: bool) -> str:
        # Belgian mothers keep their own surname, so a mother or aunt gets another family name.
        other_male, other_female = _surname_forms(rng, origin)
        return f"{rng.choice(pool)} {other_female if female else other_male}"

    def professional() -> str:
        return f"{rng.choice(PROFESSIONAL_FIRST)} {rng.choice(PROFESSIONAL_LAST)}"

    contacts: list[Contact] = []
    unaccompanied = origin.key in ("afghaans", "eritrees", "syrisch") and age >= 15 and rng.random() < 0.4
    if unaccompanied:
        contacts.append(Contact(professional(), "voogd", _phone(rng)))
        main = "de voogd"
    else:
        shape = rng.choices(("beide", "moeder", "vader", "grootmoeder", "pleeg"), weights=(50, 33, 8, 6, 3))[0]
        if shape in ("beide", "moeder"):
            contacts.append(Contact(relative(origin.mothers, True), "moeder", _phone(rng)))
        if shape in ("beide", "vader"):
            contacts.append(Contact(f"{rng.choice(origin.fathers)} {family_male}", "vader", _phone(rng)))
        if shape == "grootmoeder":
            contacts.append(Contact(relative(origin.mothers, True), "grootmoeder", _phone(rng)))
        if shape == "pleeg":
            contacts.append(Contact(professional(), "pleegmoeder", _phone(rng)))
        if rng.random() < 0.2:
            contacts.append(Contact(relative(origin.mothers, True), "tante", _phone(rng)))
        main = {"beide": rng.choice(("mama", "mama", "papa")), "moeder": "mama", "vader": "papa",
                "grootmoeder": "oma", "pleeg": "de pleegmoeder"}[shape]

    subject, possessive, obj = {"m": ("hij", "zijn", "hem"), "v": ("ze", "haar", "haar"),
                                "x": ("die", "hun", "hen")}[gender]
    words = {
        "naam": first, "hij": subject, "Hij": subject.capitalize(), "zijn": possessive,
        "Zijn": possessive.capitalize(), "hem": obj, "ouder": main, "Ouder": main[0].upper() + main[1:],
        "school": school, "taal": language.split(" en ")[0],
    }
    return Young(first, last, gender, birth, level, school, class_name, language, _address(rng), contacts,
                  main, words)
