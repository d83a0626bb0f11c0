"""What only this laptop keeps (case list index, drafts, the profile) is sealed under the local data key,
bound to its purpose and its id."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from leerrecht_core.crypto.errors import TamperedRecord
from leerrecht_core.crypto.local import open_local, seal_local

DATA = {"first_name": "Fictief", "last_name": "Testkind-Noël", "note": "Fictieve kladversie"}


@pytest.fixture
def key() -> bytes:
    return AESGCM.generate_key(256)


def test_round_trip_keeps_unicode(key: bytes) -> None:
    blob = seal_local(key, "draft", "d-1", DATA)
    assert open_local(key, "draft", "d-1", blob) == DATA
    assert "Noël".encode() not in blob and b"Testkind" not in blob


@pytest.mark.parametrize(("purpose", "ident"), [("draft", "d-2"), ("case-index", "d-1"), ("profile", "d-1")])
def test_a_blob_is_bound_to_its_purpose_and_id(key: bytes, purpose: str, ident: str) -> None:
    # A draft can't be swapped in as another draft, nor as a case-list entry or the profile.
    blob = seal_local(key, "draft", "d-1", DATA)
    with pytest.raises(TamperedRecord) as caught:
        open_local(key, purpose, ident, blob)
    assert str(caught.value) == "Lokale gegevens zijn beschadigd of gewijzigd buiten de app."


def test_a_changed_byte_or_another_key_is_refused(key: bytes) -> None:
    blob = seal_local(key, "draft", "d-1", DATA)
    for index in (0, 11, 12, len(blob) // 2, len(blob) - 1):
        changed = bytearray(blob)
        changed[index] ^= 0x80
        with pytest.raises(TamperedRecord):
            open_local(key, "draft", "d-1", bytes(changed))
    with pytest.raises(TamperedRecord):
        open_local(AESGCM.generate_key(256), "draft", "d-1", blob)


# -- MACs of the local bookkeeping -----------------------------------------------------------------

def test_a_row_mac_checks_only_the_same_fields_under_the_same_table_key(key: bytes) -> None:
    from leerrecht_core.crypto.local import local_mac_key, mac_row, row_is_authentic

    case_keys, known_keys = local_mac_key(key, "case_keys"), local_mac_key(key, "known_keys")
    assert case_keys != known_keys and key not in (case_keys, known_keys)
    mac = mac_row(case_keys, "case-1", 1, "user-1", b"\x01" * 32, b"wrap")
    assert row_is_authentic(case_keys, mac, "case-1", 1, "user-1", b"\x01" * 32, b"wrap")
    assert not row_is_authentic(known_keys, mac, "case-1", 1, "user-1", b"\x01" * 32, b"wrap")  # other table
    assert not row_is_authentic(case_keys, mac, "case-1", 2, "user-1", b"\x01" * 32, b"wrap")  # other version
    assert not row_is_authentic(case_keys, None, "case-1", 1, "user-1", b"\x01" * 32, b"wrap")  # none yet
    assert not row_is_authentic(case_keys, mac[:-1], "case-1", 1, "user-1", b"\x01" * 32, b"wrap")


@pytest.mark.parametrize(("one", "other"), [
    (("ab", "c"), ("a", "bc")),  # field boundaries count
    (("1",), (1,)),  # text is not a number
    ((None,), ("",)),  # NULL is not empty
    ((b"x",), ("x",)),  # bytes are not text
    ((True,), (1,)),
])
def test_the_canonical_encoding_never_confuses_two_rows(key: bytes, one: tuple[object, ...],
                                                         other: tuple[object, ...]) -> None:
    from leerrecht_core.crypto.local import local_mac_key, mac_row

    table = local_mac_key(key, "record_heads")
    assert mac_row(table, *one) != mac_row(table, *other)  # type: ignore[arg-type]
