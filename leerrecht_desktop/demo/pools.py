"""The name, place and text pools of the demo data, read from `resources/demo/*.json`.

They are data files so that a team can read and adapt them without touching code; the weights and the
shape of a case stay in code (people.py, writer.py), as they are the model and not the wording. Every
pool is a tuple in the order of its file, so the same seed draws the same values as ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leerrecht_core.resources import load_json


@dataclass(frozen=True)
class Origin:
    """Names and home languages of one group of Mechelen families. A surname given as a pair has a
    male and a female form (Polish -ski/-ska)."""

    key: str
    weight: int
    boys: tuple[str, ...]
    girls: tuple[str, ...]
    surnames: tuple[str | tuple[str, str], ...]
    fathers: tuple[str, ...]
    mothers: tuple[str, ...]
    languages: tuple[str, ...]


def _origin(raw: dict[str, Any]) -> Origin:
    return Origin(
        key=raw["key"], weight=int(raw["weight"]), boys=tuple(raw["boys"]), girls=tuple(raw["girls"]),
        # JSON has no tuples: a pair comes back as a list, and people.py tells the two apart by type.
        surnames=tuple(name if isinstance(name, str) else (name[0], name[1]) for name in raw["surnames"]),
        fathers=tuple(raw["fathers"]), mothers=tuple(raw["mothers"]), languages=tuple(raw["languages"]),
    )


def _pool(raw: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {key: tuple(values) for key, values in raw.items()}


_names = load_json("demo/names.json")
_places = load_json("demo/places.json")
_texts = load_json("demo/texts.json")

# -- names -----------------------------------------------------------------------------------------
ORIGINS: tuple[Origin, ...] = tuple(_origin(raw) for raw in _names["origins"])
# Guardians of unaccompanied minors and other professionals are mostly Flemish names.
PROFESSIONAL_FIRST: tuple[str, ...] = tuple(_names["professional_first"])
PROFESSIONAL_LAST: tuple[str, ...] = tuple(_names["professional_last"])

# -- places ----------------------------------------------------------------------------------------
STREETS: tuple[str, ...] = tuple(_places["streets"])
POSTCODES: tuple[tuple[str, str, int], ...] = tuple((code, town, int(weight))
                                                    for code, town, weight in _places["postcodes"])
MOVED_TO: tuple[str, ...] = tuple(_places["moved_to"])
PHONE_PREFIXES: tuple[str, ...] = tuple(_places["phone_prefixes"])
# Which schools of the pick list are primary schools; anything else counts as secondary.
PRIMARY_SCHOOLS: frozenset[str] = frozenset(_places["primary_schools"])
UPPER_ONLY: frozenset[str] = frozenset(_places["upper_only"])
LOWER_ONLY: frozenset[str] = frozenset(_places["lower_only"])
BSO_OPTIONS: tuple[str, ...] = tuple(_places["bso_options"])
WEEKDAYS: tuple[str, ...] = tuple(_places["weekdays"])

# -- texts, the way a worker writes them (placeholders: see the file's _comment) ----------------------
CONCERNS = _pool(_texts["concerns"])
REFERRED_BY = _pool(_texts["referred_by"])
NETWORK: tuple[str, ...] = tuple(_texts["network"])
VISIT_PURPOSE_FIRST: str = _texts["visit_purpose_first"]
VISIT_PURPOSES: tuple[str, ...] = tuple(_texts["visit_purposes"])
VISIT_OBSERVATIONS: tuple[str, ...] = tuple(_texts["visit_observations"])
VISIT_AGREEMENTS: tuple[str, ...] = tuple(_texts["visit_agreements"])
VISIT_NEXT_STEPS: tuple[str, ...] = tuple(_texts["visit_next_steps"])
VISIT_LOCATIONS: tuple[str, ...] = tuple(_texts["visit_locations"])
VISIT_PRESENT: tuple[str, ...] = tuple(_texts["visit_present"])
CONTACT_NOTES = _pool(_texts["contact_notes"])
NOTE_TEXTS: tuple[str, ...] = tuple(_texts["note_texts"])
NOTE_ACTIONS: tuple[str, ...] = tuple(_texts["note_actions"])
NOTE_OWNERS: tuple[str, ...] = tuple(_texts["note_owners"])
SUPPORT_NOTES = _pool(_texts["support_notes"])
CLOSING_NOTES: dict[str, str] = dict(_texts["closing_notes"])

del _names, _places, _texts
