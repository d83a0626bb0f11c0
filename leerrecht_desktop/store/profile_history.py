"""The history of a case's profile (issue 13, item 2): what the store records at every profile save,
and the one derivation, from the stored revisions, of the history of a case saved before the history
existed (or last saved by a version of the app that dropped it).

A profile's `history` is complete once it is not empty: the first save that records a step onto a
head without one starts from the derived history, so later reads need only the head."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, select

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.i18n import tr
from leerrecht_desktop.models.case import (
    HISTORY_FIELDS,
    CaseProfile,
    ProfileChange,
    history_value,
    known_names,
    sorted_history,
)
from leerrecht_desktop.models.enums import CaseStatus, Kind
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.sealed_store import SealedStore


def derive_history(revisions: Sequence[Record]) -> list[ProfileChange]:
    """A profile's history from its revisions, oldest first (`CaseFiles.history`).

    A revision that carries a history brings it as it is (it is complete, see above); every revision
    without one whose status, school or assignment differs from the revision before becomes a step (the
    first revision: a step for each field it sets), dated by the day that revision was saved, by its
    author. A derived close has the profile's closing reason."""
    steps: list[ProfileChange] = []
    names: dict[str, str] = {}
    for record in revisions:
        if isinstance(record.content, CaseProfile):
            names.update(known_names(record.content))
    previous: CaseProfile | None = None
    for record in revisions:
        profile = record.content
        if not isinstance(profile, CaseProfile):
            continue
        if profile.history:
            steps = list(profile.history)
        else:
            on = record.saved_at.date()
            for name in HISTORY_FIELDS:
                value = history_value(profile, name)
                if previous is None and not value and name != "status":
                    continue
                if previous is not None and value == history_value(previous, name):
                    continue
                reason = profile.closed_reason if name == "status" and value == CaseStatus.AFGESLOTEN else ""
                steps.append(ProfileChange(on=on, field=name, value=value, reason=reason,
                                           by_id=record.author_id, by_name=names.get(record.author_id, "")))
        previous = profile
    return sorted_history(steps)


class ProfileHistory(SealedStore):
    """The history side of `CaseFiles`: reading a case's history, and the head a profile save starts from."""

    def profile_history(self, case_id: str) -> list[ProfileChange]:
        """A case's history, oldest first: the head profile's, or, when it has none, the derived one."""
        with self._lock, self.engine.connect() as conn:
            row = conn.execute(
                select(t.records.c.record_id).where(t.records.c.case_id == case_id, t.records.c.kind == Kind.CASE.value,
                                                    t.records.c.is_head.is_(True))
            ).first()
            if row is None:
                raise CaseNotFound(tr("Dit dossier bestaat niet (meer) op deze laptop."))
            previous = self._previous_profile(conn, row.record_id)
        return [] if previous is None else previous.history

    def _previous_profile(self, conn: Connection, record_id: str) -> CaseProfile | None:
        """The head profile a new revision of `record_id` is built on, with its history (derived when
        the head has none); None for a new record. Read on `conn`, so a batch sees its own saves."""
        head = self._head(conn, record_id)
        if head is None or head.deleted:
            return None
        record = self._open_row(conn, head)
        if record is None or not isinstance(record.content, CaseProfile):
            return None
        profile = copy.deepcopy(record.content)
        if not profile.history:
            rows = conn.execute(
                select(t.records).where(t.records.c.record_id == record_id).order_by(t.records.c.revision)
            ).all()
            revisions: list[Record] = []
            for row in rows:
                try:
                    opened = self._open_row(conn, row)
                except (CryptoError, CaseNotFound):
                    continue  # a damaged old revision leaves a gap in the history, it does not stop a save
                if opened is not None:
                    revisions.append(opened)
            profile.history = derive_history(revisions)
        return profile

    def _record_profile_changes(self, conn: Connection, record_id: str, profile: CaseProfile,
                                on: dt.date, reason: str) -> None:
        """The one place every profile save records its history: against the head, by this user."""
        previous = self._previous_profile(conn, record_id)
        profile.record_changes(previous, on, self.user.user_id, self.user.name, reason)

    def closed_on(self, case_id: str) -> dt.date | None:
        """The day the case was closed (None while it is open), what retention goes by: the day of the
        last step to 'afgesloten' in its history (derived for a case saved before the history existed),
        else the day its head profile was saved."""
        with self._lock, self.engine.connect() as conn:
            head = conn.execute(
                select(t.records.c.record_id, t.records.c.deleted, t.records.c.saved_at)
                .where(t.records.c.case_id == case_id, t.records.c.kind == Kind.CASE.value,
                       t.records.c.is_head.is_(True))
            ).first()
            if head is None or head.deleted:
                return None
            profile = self._previous_profile(conn, head.record_id)
        if profile is None or profile.status != CaseStatus.AFGESLOTEN:
            return None
        return profile.closed_on() or dt.date.fromisoformat(head.saved_at[:10])
