"""Former signing keys (store/former_keys.py): a revision signed with a key its author had before a
reset still opens, now and at every later load; the row holding them is sealed under the local key,
so one edited on disk is refused and never used."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select, update

from leerrecht_core.crypto.errors import TamperedRecord
from leerrecht_core.crypto.keys import new_case_key
from leerrecht_core.crypto.records import RecordHeader, seal
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.database import write_transaction
from leerrecht_desktop.store.former_keys import PREFIX, add_former_keys, former_keys, open_signed, signers
from tests.kits.synckit import new_profile


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_a_revision_signed_with_a_former_key_opens_and_a_stranger_s_does_not(tmp_path: Path) -> None:
    laptop = new_profile(tmp_path / "w", "Fictieve Werker", "netsterk", "Noord")
    try:
        cf = laptop.case_files
        old, new, stranger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
        colleague = "11111111-2222-4333-8444-555555555555"
        key = new_case_key()
        header = RecordHeader(record_id="r1", revision_id="v1", case_id="c1", kind="note", revision=1,
                              base_revision=None, author_id=colleague, key_version=1, deleted=False)
        by_old = seal(header, {"tekst": "fictief"}, key, old)
        by_stranger = seal(header, {"tekst": "fictief"}, key, stranger)
        with cf.engine.connect() as conn:
            keys = signers(conn, cf.secrets.local_key, colleague, _raw(new))
        with pytest.raises(TamperedRecord):
            open_signed(by_old, key, keys)  # before: only the current key counts
        assert add_former_keys(cf.engine, cf.secrets.local_key, colleague, [_raw(old)])
        assert not add_former_keys(cf.engine, cf.secrets.local_key, colleague, [_raw(old)])  # no duplicate
        with cf.engine.connect() as conn:
            keys = signers(conn, cf.secrets.local_key, colleague, _raw(new))
        assert open_signed(by_old, key, keys) == {"tekst": "fictief"}
        with pytest.raises(TamperedRecord):
            open_signed(by_stranger, key, keys)
    finally:
        laptop.close()


def test_a_former_key_row_edited_on_disk_is_refused(tmp_path: Path) -> None:
    laptop = new_profile(tmp_path / "w", "Fictieve Werker", "netsterk", "Noord")
    try:
        cf = laptop.case_files
        colleague = "11111111-2222-4333-8444-555555555555"
        add_former_keys(cf.engine, cf.secrets.local_key, colleague, [_raw(Ed25519PrivateKey.generate())])
        with cf.engine.connect() as conn:
            value = conn.execute(select(t.settings.c.value).where(t.settings.c.key == PREFIX + colleague)).scalar()
        assert value is not None
        blob = bytearray(base64.b64decode(value))
        blob[-1] ^= 1
        with write_transaction(cf.engine) as conn:
            conn.execute(update(t.settings).where(t.settings.c.key == PREFIX + colleague)
                         .values(value=base64.b64encode(bytes(blob)).decode("ascii")))
        with pytest.raises(TamperedRecord):
            former_keys(cf.engine, cf.secrets.local_key, colleague)
        # Moved to another user's row: bound to the user id, refused too.
        other = "99999999-2222-4333-8444-555555555555"
        add_former_keys(cf.engine, cf.secrets.local_key, other, [_raw(Ed25519PrivateKey.generate())])
        with write_transaction(cf.engine) as conn:
            good = conn.execute(select(t.settings.c.value).where(t.settings.c.key == PREFIX + other)).scalar()
            conn.execute(update(t.settings).where(t.settings.c.key == PREFIX + colleague).values(value=good))
        with pytest.raises(TamperedRecord):
            former_keys(cf.engine, cf.secrets.local_key, colleague)
    finally:
        laptop.close()
