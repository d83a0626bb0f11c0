"""Sealed records: whatever an attacker changes (content, nonce, any header field, signature), the record
is refused with a sentence a field worker understands, and never opened."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from leerrecht_core.crypto.errors import CryptoError, TamperedRecord
from leerrecht_core.crypto.keys import new_case_key
from leerrecht_core.crypto.records import RecordHeader, SealedRecord, open_sealed, seal, verify
from leerrecht_core.i18n import set_language

PAYLOAD: dict[str, Any] = {"text": "Fictieve notitie over een fictieve jongere: Zoë Testkind.", "done": False}

HEADER = RecordHeader(
    record_id="9f1c2d3e-0000-4000-8000-00000000a001", revision_id="9f1c2d3e-0000-4000-8000-00000000b001",
    case_id="9f1c2d3e-0000-4000-8000-00000000c001", kind="note", revision=2, base_revision=1,
    author_id="9f1c2d3e-0000-4000-8000-00000000d001", key_version=1, deleted=False,
)

# For each header field, a different value an attacker could write in its place.
CHANGED_FIELDS: dict[str, Any] = {
    "record_id": "9f1c2d3e-0000-4000-8000-00000000a002",
    "revision_id": "9f1c2d3e-0000-4000-8000-00000000b002",
    "case_id": "9f1c2d3e-0000-4000-8000-00000000c002",
    "kind": "home_visit",
    "revision": 3,
    "base_revision": None,
    "author_id": "9f1c2d3e-0000-4000-8000-00000000d002",
    "key_version": 2,
    "deleted": True,
}


@dataclasses.dataclass
class Sealing:
    case_key: bytes
    author: Ed25519PrivateKey
    record: SealedRecord

    def open(self, record: SealedRecord | None = None, *, signed: bool = True) -> dict[str, Any]:
        return open_sealed(record or self.record, self.case_key, self.author.public_key() if signed else None)


@pytest.fixture
def sealing() -> Sealing:
    key, author = new_case_key(), Ed25519PrivateKey.generate()
    return Sealing(key, author, seal(HEADER, PAYLOAD, key, author))


def flipped(data: bytes, index: int) -> bytes:
    changed = bytearray(data)
    changed[index] ^= 0x01
    return bytes(changed)


def positions(length: int) -> Iterator[int]:
    """First, middle and last byte (for AES-GCM ciphertext, the last 16 bytes are the tag)."""
    yield from sorted({0, length // 2, length - 1})


def assert_refused_in_dutch(exc: TamperedRecord, record: SealedRecord) -> None:
    message = str(exc)
    assert message.startswith("Een deel van een dossier is gewijzigd buiten de app of beschadigd")
    assert "wordt niet getoond" in message and message.endswith("Meld dit aan je coördinator.")
    # It names the record briefly, so a coordinator can find it, without dumping ids.
    assert f"record {record.header.record_id[:8]}, versie {record.header.revision}" in message


def test_sealed_record_opens_to_its_payload(sealing: Sealing) -> None:
    assert sealing.open() == PAYLOAD
    assert sealing.open(signed=False) == PAYLOAD


def test_ciphertext_does_not_contain_the_plaintext(sealing: Sealing) -> None:
    assert b"Testkind" not in sealing.record.ciphertext
    assert len(sealing.record.nonce) == 12


def test_two_seals_of_the_same_payload_differ(sealing: Sealing) -> None:
    again = seal(HEADER, PAYLOAD, sealing.case_key, sealing.author)
    assert again.nonce != sealing.record.nonce
    assert again.ciphertext != sealing.record.ciphertext


@pytest.mark.parametrize("signed", [True, False], ids=["with-signature", "aead-only"])
def test_a_changed_ciphertext_byte_is_refused(sealing: Sealing, signed: bool) -> None:
    for index in positions(len(sealing.record.ciphertext)):
        tampered = dataclasses.replace(sealing.record, ciphertext=flipped(sealing.record.ciphertext, index))
        with pytest.raises(TamperedRecord) as caught:
            sealing.open(tampered, signed=signed)
        assert_refused_in_dutch(caught.value, tampered)


@pytest.mark.parametrize("signed", [True, False], ids=["with-signature", "aead-only"])
def test_a_changed_nonce_byte_is_refused(sealing: Sealing, signed: bool) -> None:
    for index in positions(len(sealing.record.nonce)):
        tampered = dataclasses.replace(sealing.record, nonce=flipped(sealing.record.nonce, index))
        with pytest.raises(TamperedRecord) as caught:
            sealing.open(tampered, signed=signed)
        assert_refused_in_dutch(caught.value, tampered)


def test_truncated_or_extended_ciphertext_is_refused(sealing: Sealing) -> None:
    for ciphertext in (sealing.record.ciphertext[:-1], sealing.record.ciphertext + b"\x00", b""):
        with pytest.raises(TamperedRecord):
            sealing.open(dataclasses.replace(sealing.record, ciphertext=ciphertext), signed=False)


@pytest.mark.parametrize("field_name", sorted(CHANGED_FIELDS))
@pytest.mark.parametrize("signed", [True, False], ids=["with-signature", "aead-only"])
def test_a_changed_header_field_is_refused(sealing: Sealing, field_name: str, signed: bool) -> None:
    # The header is associated data of AES-GCM and part of what the author signed: moving a
    # ciphertext to another record, case, kind or revision, or flipping the tombstone flag, fails.
    header = dataclasses.replace(HEADER, **{field_name: CHANGED_FIELDS[field_name]})
    tampered = dataclasses.replace(sealing.record, header=header)
    with pytest.raises(TamperedRecord) as caught:
        sealing.open(tampered, signed=signed)
    assert_refused_in_dutch(caught.value, tampered)


def test_every_header_field_is_covered_by_the_tamper_test() -> None:
    assert set(CHANGED_FIELDS) == {f.name for f in dataclasses.fields(RecordHeader)}
    for name, value in CHANGED_FIELDS.items():
        assert getattr(HEADER, name) != value


def test_a_changed_signature_byte_is_refused(sealing: Sealing) -> None:
    for index in positions(len(sealing.record.signature)):
        tampered = dataclasses.replace(sealing.record, signature=flipped(sealing.record.signature, index))
        with pytest.raises(TamperedRecord) as caught:
            sealing.open(tampered)
        assert_refused_in_dutch(caught.value, tampered)
        with pytest.raises(TamperedRecord):
            verify(tampered, sealing.author.public_key())


def test_a_record_signed_by_someone_else_is_refused(sealing: Sealing) -> None:
    impostor = Ed25519PrivateKey.generate()
    with pytest.raises(TamperedRecord):
        open_sealed(sealing.record, sealing.case_key, impostor.public_key())
    # Even an impostor who has the case key can't pass as the author: the signature is theirs.
    forged = seal(HEADER, {"text": "Vervalste fictieve notitie"}, sealing.case_key, impostor)
    with pytest.raises(TamperedRecord):
        sealing.open(forged)


def test_a_record_sealed_for_one_record_or_case_does_not_open_as_another(sealing: Sealing) -> None:
    # Same case key, same author, a genuine seal: only the place it is presented at differs.
    for other in (
        dataclasses.replace(HEADER, record_id=CHANGED_FIELDS["record_id"]),
        dataclasses.replace(HEADER, case_id=CHANGED_FIELDS["case_id"]),
    ):
        moved = SealedRecord(other, sealing.record.nonce, sealing.record.ciphertext, sealing.record.signature)
        with pytest.raises(TamperedRecord):
            sealing.open(moved)
        with pytest.raises(TamperedRecord):
            sealing.open(moved, signed=False)


def test_an_older_revision_can_not_be_replayed_as_a_newer_one(sealing: Sealing) -> None:
    first = seal(dataclasses.replace(HEADER, revision=1, base_revision=None), {"text": "oud"},
                 sealing.case_key, sealing.author)
    replayed = dataclasses.replace(first, header=HEADER)
    with pytest.raises(TamperedRecord):
        sealing.open(replayed)
    with pytest.raises(TamperedRecord):
        sealing.open(replayed, signed=False)


def test_the_wrong_case_key_is_refused(sealing: Sealing) -> None:
    with pytest.raises(TamperedRecord):
        open_sealed(sealing.record, new_case_key(), sealing.author.public_key())


def test_the_refusal_is_a_crypto_error_and_speaks_english_when_asked(sealing: Sealing) -> None:
    set_language("en")
    tampered = dataclasses.replace(sealing.record, ciphertext=flipped(sealing.record.ciphertext, 0))
    with pytest.raises(CryptoError) as caught:
        sealing.open(tampered)
    assert isinstance(caught.value, TamperedRecord)
    assert str(caught.value) == (
        "Part of a case file was changed outside the app or is damaged, and is not shown "
        f"(record {HEADER.record_id[:8]}, version 2). Report this to your coordinator."
    )


def test_the_associated_data_is_what_records_were_sealed_with_before() -> None:
    """Stored and synced records are bound to these exact bytes: the form may never change."""
    header = RecordHeader(record_id="r", revision_id="v", case_id="c", kind="follow_up_note", revision=3,
                          base_revision=2, author_id="a", key_version=1, deleted=False)
    expected = json.dumps({"v": 1, **dataclasses.asdict(header)}, sort_keys=True, separators=(",", ":")).encode()
    assert header.associated_data() == expected
    assert expected == (b'{"author_id":"a","base_revision":2,"case_id":"c","deleted":false,"key_version":1,'
                        b'"kind":"follow_up_note","record_id":"r","revision":3,"revision_id":"v","v":1}')
