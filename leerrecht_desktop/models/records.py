"""A decrypted record as the rest of the app sees it: metadata plus a case profile or an entry.

The author's save time travels inside the sealed payload, under the reserved key `SAVED_AT_KEY`, so
it is covered by the AEAD tag and the author's signature and the server learns nothing new. It is
never content: `decode`, the merge (sync/merge.py) and every reader of a payload as fields drop it
(`without_saved_at`); the store reads it (`signed_time`) to date a revision by its author's clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.codec import from_dict, to_dict
from leerrecht_desktop.models.entries import ENTRY_TYPES, Entry
from leerrecht_desktop.models.enums import Kind

Content = CaseProfile | Entry

SAVED_AT_KEY: Final = "_saved_at"
"""The payload key of the author's save time (UTC ISO 8601 with milliseconds), set when sealing."""

CLOCK_AHEAD: Final = dt.timedelta(days=1)
"""A signed time further than this ahead of its arrival is a wrong clock, not a time: not believed."""


@dataclass(frozen=True)
class Record:
    record_id: str
    case_id: str
    kind: Kind
    revision: int
    author_id: str
    saved_at: dt.datetime  # the author's save time; only the time this laptop received it if time_received
    content: Content
    # The revision carries no (believable) signed save time and came from elsewhere: `saved_at` is
    # when it arrived here. A revision of this laptop's user without one (written before the time was
    # signed, on this laptop or on the user's other laptop) counts as theirs: the laptop can't tell.
    time_received: bool = False


def kind_of(content: Content) -> Kind:
    return Kind.CASE if isinstance(content, CaseProfile) else content.kind


def encode(content: Content) -> dict[str, Any]:
    data: dict[str, Any] = to_dict(content)
    return data


def decode(kind: Kind, payload: dict[str, Any]) -> Content:
    payload = without_saved_at(payload)
    if kind == Kind.CASE:
        return from_dict(CaseProfile, payload)
    return from_dict(ENTRY_TYPES[kind], payload)


def time_text(moment: dt.datetime) -> str:
    """A moment as the store writes it: UTC, ISO 8601, milliseconds ("2026-03-16T14:05:09.123+00:00")."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def saved_text(record: Record) -> str:
    """When a record was last saved, for people, in this computer's time zone ("03/12/2026 om 18:31"),
    marked as the time it arrived here when that is all this laptop knows (`time_received`)."""
    local = record.saved_at.astimezone()
    moment = tr("{date} om {time}", date=local.strftime("%d/%m/%Y"), time=local.strftime("%H:%M"))
    return tr("{moment} (tijd van ontvangst)", moment=moment) if record.time_received else moment


def with_saved_at(payload: dict[str, Any], saved_at: str) -> dict[str, Any]:
    """The payload to seal: its content plus the author's save time."""
    return {**without_saved_at(payload), SAVED_AT_KEY: saved_at}


def without_saved_at(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload's content only (the same dict when it carries no save time)."""
    if SAVED_AT_KEY not in payload:
        return payload
    return {k: v for k, v in payload.items() if k != SAVED_AT_KEY}


def signed_time(payload: dict[str, Any] | None, received: dt.datetime) -> dt.datetime | None:
    """The author's save time a payload carries, in UTC; None when it carries none, or one that is not
    an ISO 8601 moment with its time zone, or one more than `CLOCK_AHEAD` after `received`."""
    raw = None if payload is None else payload.get(SAVED_AT_KEY)
    if not isinstance(raw, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    try:
        moment = moment.astimezone(dt.UTC)
    except OverflowError:  # "0001-01-01T00:00+01:00": a moment before the first one a datetime holds
        return None
    if moment > received + CLOCK_AHEAD:
        return None
    return moment


def author_time(payload: dict[str, Any], stored: dt.datetime, author_is_me: bool) -> tuple[dt.datetime, bool]:
    """(when the revision was saved, whether that is only the time it was received) from an opened
    payload and the row's stored time. A believable signed time wins; without any signed time, the
    stored time is this user's own save time or, for another author, when it arrived; a signed time
    that is not believable falls back to the stored (arrival) time, marked as received."""
    signed = signed_time(payload, stored)
    if signed is not None:
        return signed, False
    if SAVED_AT_KEY in payload:
        return stored, True
    return stored, not author_is_me
