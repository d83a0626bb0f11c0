"""A decrypted record as the rest of the app sees it: metadata plus a case profile or an entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.codec import from_dict, to_dict
from leerrecht_desktop.models.entries import ENTRY_TYPES, Entry
from leerrecht_desktop.models.enums import Kind

Content = CaseProfile | Entry


@dataclass(frozen=True)
class Record:
    record_id: str
    case_id: str
    kind: Kind
    revision: int
    author_id: str
    saved_at: dt.datetime
    content: Content


def kind_of(content: Content) -> Kind:
    return Kind.CASE if isinstance(content, CaseProfile) else content.kind


def encode(content: Content) -> dict[str, Any]:
    data: dict[str, Any] = to_dict(content)
    return data


def decode(kind: Kind, payload: dict[str, Any]) -> Content:
    if kind == Kind.CASE:
        return from_dict(CaseProfile, payload)
    return from_dict(ENTRY_TYPES[kind], payload)
