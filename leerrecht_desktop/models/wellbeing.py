"""Scoring of the wellbeing scale: total, mean, and change per item and in total since the previous time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from leerrecht_desktop.models.catalog import wellbeing_questionnaire
from leerrecht_desktop.models.entries import WellbeingScale


@dataclass(frozen=True)
class ScoredScale:
    occurred_on: dt.date
    answers: dict[str, int]
    total: int
    mean: float
    previous_on: dt.date | None = None
    total_change: int | None = None
    item_changes: dict[str, int] | None = None

    @property
    def max_total(self) -> int:
        q = wellbeing_questionnaire()
        return q.max_value * len(q.items)

    @property
    def min_total(self) -> int:
        q = wellbeing_questionnaire()
        return q.min_value * len(q.items)


def score(scale: WellbeingScale) -> ScoredScale:
    items = wellbeing_questionnaire().item_ids
    values = [scale.answers[i] for i in items if i in scale.answers]
    total = sum(values)
    mean = round(total / len(values), 2) if values else 0.0
    return ScoredScale(scale.occurred_on, dict(scale.answers), total, mean)


def series(scales: Iterable[WellbeingScale]) -> list[ScoredScale]:
    """Every scale of a case in date order, each with its change since the one before."""
    out: list[ScoredScale] = []
    for scale in sorted(scales, key=lambda s: s.occurred_on):
        current = score(scale)
        if out:
            prev = out[-1]
            changes = {k: v - prev.answers[k] for k, v in current.answers.items() if k in prev.answers}
            current = ScoredScale(
                current.occurred_on, current.answers, current.total, current.mean,
                previous_on=prev.occurred_on, total_change=current.total - prev.total, item_changes=changes,
            )
        out.append(current)
    return out
