"""Pick lists and the wellbeing questionnaire, loaded from `resources/` so a team can adapt them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from leerrecht_core.i18n import current_language
from leerrecht_core.resources import load_json


@dataclass(frozen=True)
class Choice:
    key: str
    labels: dict[str, str]

    @property
    def label(self) -> str:
        return self.labels.get(current_language()) or self.labels.get("nl") or self.key


def _choices(raw: list[Any]) -> tuple[Choice, ...]:
    out = []
    for item in raw:
        if isinstance(item, str):
            out.append(Choice(item, {"nl": item}))
        else:
            out.append(Choice(item["key"], {k: v for k, v in item.items() if k != "key"}))
    return tuple(out)


@dataclass(frozen=True)
class PickLists:
    schools: tuple[Choice, ...]
    levels: tuple[Choice, ...]
    target_groups: tuple[Choice, ...]
    life_domains: tuple[Choice, ...]
    channels: tuple[Choice, ...]
    referral_sources: tuple[Choice, ...]
    partners: tuple[Choice, ...]
    support_measures: tuple[Choice, ...]
    wellbeing_places: tuple[Choice, ...]
    closed_reasons: tuple[Choice, ...]

    def label(self, list_name: str, key: str) -> str:
        """The shown label for a stored key; an unknown key (e.g. removed from the list) shows as itself."""
        for choice in getattr(self, list_name):
            if choice.key == key:
                return choice.label
        return key

    def keys(self, list_name: str) -> set[str]:
        return {c.key for c in getattr(self, list_name)}


@cache
def pick_lists() -> PickLists:
    raw = load_json("picklists.json")
    return PickLists(**{name: _choices(raw[name]) for name in PickLists.__dataclass_fields__})


@dataclass(frozen=True)
class Question:
    id: str
    labels: dict[str, str]

    @property
    def text(self) -> str:
        return self.labels.get(current_language()) or self.labels["nl"]


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: int
    titles: dict[str, str]
    instructions: dict[str, str]
    answers: tuple[tuple[int, dict[str, str]], ...]
    items: tuple[Question, ...]

    @property
    def title(self) -> str:
        return self.titles.get(current_language()) or self.titles["nl"]

    @property
    def instruction(self) -> str:
        return self.instructions.get(current_language()) or self.instructions["nl"]

    def answer_label(self, value: int) -> str:
        for v, labels in self.answers:
            if v == value:
                return labels.get(current_language()) or labels["nl"]
        return str(value)

    @property
    def min_value(self) -> int:
        return min(v for v, _ in self.answers)

    @property
    def max_value(self) -> int:
        return max(v for v, _ in self.answers)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.items)


@cache
def wellbeing_questionnaire() -> Questionnaire:
    raw = load_json("questionnaires/welbevindenschaal.json")
    return Questionnaire(
        id=raw["id"],
        version=raw["version"],
        titles=raw["title"],
        instructions=raw["instruction"],
        answers=tuple((a["value"], {k: v for k, v in a.items() if k != "value"}) for a in raw["answers"]),
        items=tuple(Question(q["id"], {k: v for k, v in q.items() if k != "id"}) for q in raw["items"]),
    )
