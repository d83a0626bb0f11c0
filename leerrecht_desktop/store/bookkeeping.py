"""The laptop's local bookkeeping, authenticated under the local data key.

Three kinds of rows stay in the clear because queries select on them, yet decide what the app trusts:
`case_keys` (which wrapped key opens a case), `known_keys` (whose signature is whose, to whom a case key
is wrapped) and the head flag of `records` (which revision is a record's current one). Each carries an
HMAC-SHA256 under its own subkey of the local data key (leerrecht_core/crypto/local.py), over the
columns that matter. Every write goes through here; every read that uses such a row checks it first,
and a row that fails is refused (`TamperedRecord`), never used.

Heads: the MAC sits on the head revision's row (`records.head_mac`, cleared when the revision is
replaced), over its revision id, record, case, kind and revision number. A flag flipped onto an old
revision has no valid MAC; a flag cleared (a head deleted) leaves a record without a head; a head moved
back to an earlier revision, even with an old MAC copied back, is older than the record's newest stored
revision. Both are found when a case is opened (`check_heads`).

Folders from before migration 0004 have no MACs: the first unlock after the upgrade authenticates every
row in one transaction (`adopt`), and records that in the sealed profile so it never happens again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, select, update

from leerrecht_core.crypto.errors import TamperedRecord
from leerrecht_core.crypto.local import local_mac_key, mac_row, row_is_authentic
from leerrecht_core.i18n import tr
from leerrecht_desktop.store import tables as t

# Stored in the sealed profile once the rows of a folder are authenticated (see `adopt`).
ADOPTED_FIELD = "bookkeeping"
ADOPTED_VERSION = 1

def case_key_refused() -> TamperedRecord:
    return TamperedRecord(tr("De sleutel van dit dossier op deze laptop is gewijzigd buiten de app en wordt niet "
                             "gebruikt. Meld dit aan je coördinator."))


def known_key_refused() -> TamperedRecord:
    return TamperedRecord(tr("Een sleutel van een gebruiker op deze laptop is gewijzigd buiten de app en wordt "
                             "niet gebruikt. Meld dit aan je coördinator."))


def head_refused() -> TamperedRecord:
    return TamperedRecord(tr("Welke versie van een deel van dit dossier de huidige is, is gewijzigd buiten de app. "
                             "Dat deel wordt niet getoond. Meld dit aan je coördinator."))


@dataclass(frozen=True)
class Bookkeeping:
    """The three MAC subkeys of one unlocked session; dropped with the session's other keys."""
    case_keys_key: bytes
    known_keys_key: bytes
    heads_key: bytes

    @classmethod
    def under(cls, local_key: bytes) -> Bookkeeping:
        return cls(local_mac_key(local_key, "case_keys"), local_mac_key(local_key, "known_keys"),
                   local_mac_key(local_key, "record_heads"))

    # -- case_keys -----------------------------------------------------------------------------

    def case_key_mac(self, case_id: str, key_version: int, recipient_id: str, ephemeral_public: bytes,
                     ciphertext: bytes) -> bytes:
        return mac_row(self.case_keys_key, case_id, key_version, recipient_id, ephemeral_public, ciphertext)

    def check_case_key(self, row: Row[Any]) -> None:
        if not row_is_authentic(self.case_keys_key, row.mac, row.case_id, row.key_version, row.recipient_id,
                                row.ephemeral_public, row.ciphertext):
            raise case_key_refused()

    def checked_case_keys(self, rows: list[Row[Any]]) -> list[Row[Any]]:
        for row in rows:
            self.check_case_key(row)
        return rows

    def insert_case_key(self, conn: Connection, case_id: str, key_version: int, recipient_id: str,
                        ephemeral_public: bytes, ciphertext: bytes) -> None:
        conn.execute(t.case_keys.insert().values(
            case_id=case_id, key_version=key_version, recipient_id=recipient_id, ephemeral_public=ephemeral_public,
            ciphertext=ciphertext,
            mac=self.case_key_mac(case_id, key_version, recipient_id, ephemeral_public, ciphertext)))

    # -- known_keys ----------------------------------------------------------------------------

    def known_keys_mac(self, user_id: str, exchange_public: bytes, signing_public: bytes) -> bytes:
        return mac_row(self.known_keys_key, user_id, exchange_public, signing_public)

    def check_known_keys(self, row: Row[Any]) -> None:
        if not row_is_authentic(self.known_keys_key, row.mac, row.user_id, row.exchange_public, row.signing_public):
            raise known_key_refused()

    def known_keys_row(self, conn: Connection, user_id: str) -> Row[Any] | None:
        """A colleague's stored keys, checked; None if none are stored."""
        row = conn.execute(select(t.known_keys).where(t.known_keys.c.user_id == user_id)).first()
        if row is not None:
            self.check_known_keys(row)
        return row

    def insert_known_keys(self, conn: Connection, user_id: str, exchange_public: bytes,
                          signing_public: bytes) -> None:
        conn.execute(t.known_keys.insert().values(
            user_id=user_id, exchange_public=exchange_public, signing_public=signing_public,
            mac=self.known_keys_mac(user_id, exchange_public, signing_public)))

    # -- heads ---------------------------------------------------------------------------------

    def head_mac(self, revision_id: str, record_id: str, case_id: str, kind: str, revision: int) -> bytes:
        return mac_row(self.heads_key, revision_id, record_id, case_id, kind, revision)

    def head_is_authentic(self, row: Any) -> bool:
        return bool(row.is_head) and row_is_authentic(self.heads_key, row.head_mac, row.revision_id, row.record_id,
                                                      row.case_id, row.kind, row.revision)

    def check_head(self, row: Any) -> None:
        if not self.head_is_authentic(row):
            raise head_refused()

    def promote(self, conn: Connection, revision_id: str) -> None:
        """Make a stored revision its record's head again (the one after it was discarded)."""
        row = conn.execute(select(t.records).where(t.records.c.revision_id == revision_id)).one()
        conn.execute(update(t.records).where(t.records.c.revision_id == revision_id).values(
            is_head=True, head_mac=self.head_mac(row.revision_id, row.record_id, row.case_id, row.kind,
                                                 row.revision)))

    def check_heads(self, conn: Connection, case_id: str, heads: Sequence[Row[Any]]) -> tuple[list[Row[Any]], int]:
        """The head rows of a case that are authentic and current, and how many records were refused:
        a head without a valid MAC, a record whose head was cleared, a head older than its record's
        newest revision (moved back)."""
        newest = dict(conn.execute(
            select(t.records.c.record_id, func.max(t.records.c.revision))
            .where(t.records.c.case_id == case_id).group_by(t.records.c.record_id)).all())
        good: list[Row[Any]] = []
        seen: set[str] = set()
        refused = 0
        for row in heads:
            if row.record_id in seen or not self.head_is_authentic(row) or row.revision != newest.get(row.record_id):
                refused += 1
                continue
            seen.add(row.record_id)
            good.append(row)
        refused += len(set(newest) - {row.record_id for row in heads})
        return good, refused

    # -- folders from before migration 0004 --------------------------------------------------------

    def adopt(self, conn: Connection) -> None:
        """Authenticate every bookkeeping row that has no MAC yet (a folder just upgraded), in the
        caller's transaction. Only called when the sealed profile says it never ran. On the driver's
        cursor: a coordinator's folder has tens of thousands of heads, and SQLAlchemy's per-row
        processing was most of the time."""
        steps = (
            ("SELECT case_id, key_version, recipient_id, ephemeral_public, ciphertext FROM case_keys "
             "WHERE mac IS NULL",
             "UPDATE case_keys SET mac = ? WHERE case_id = ? AND key_version = ? AND recipient_id = ?",
             lambda r: (self.case_key_mac(*r), r[0], r[1], r[2])),
            ("SELECT user_id, exchange_public, signing_public FROM known_keys WHERE mac IS NULL",
             "UPDATE known_keys SET mac = ? WHERE user_id = ?",
             lambda r: (self.known_keys_mac(*r), r[0])),
            ("SELECT revision_id, record_id, case_id, kind, revision FROM records "
             "WHERE is_head = 1 AND head_mac IS NULL",
             "UPDATE records SET head_mac = ? WHERE revision_id = ?",
             lambda r: (self.head_mac(*r), r[0])),
        )
        for query, change, params in steps:
            rows = conn.exec_driver_sql(query).fetchall()
            if rows:
                conn.exec_driver_sql(change, [params(r) for r in rows])
