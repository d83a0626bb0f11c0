"""Validation errors that name the field and say, in the user's language, what to do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ValidationError(LeerrechtError, ValueError):
    """Raised with every problem of a form at once, so the user can fix them in one go."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))

    def for_field(self, field: str) -> str | None:
        for e in self.errors:
            if e.field == field:
                return e.message
        return None


class Checker:
    """Collects field errors while a form is checked."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def required(self, field: str, value: str, message: str) -> None:
        if not value.strip():
            self.fail(field, message)

    def max_length(self, field: str, value: str, limit: int) -> None:
        if len(value) > limit:
            self.fail(field, tr("Deze tekst is te lang: {length} tekens, maximaal {limit}. Kort hem in.",
                                length=len(value), limit=limit))

    def one_of(self, field: str, value: str, allowed: set[str], allow_empty: bool = True) -> None:
        if value == "" and allow_empty:
            return
        if value not in allowed:
            self.fail(field, tr("Kies een waarde uit de lijst."))

    def not_in_future(self, field: str, value: dt.date | None, today: dt.date) -> None:
        if value is not None and value > today:
            self.fail(field, tr("Deze datum ligt in de toekomst. Kies vandaag of een datum ervoor."))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def parse_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def date_str(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
