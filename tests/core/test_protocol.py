"""The wire format: what a client sends is what a server reads back, and malformed input is refused."""

from __future__ import annotations

import json
import os
import uuid

import pytest
from pydantic import ValidationError

from leerrecht_core.protocol import KdfJson, PushRequest, WireRevision, grant_message


def revision(**changes: object) -> WireRevision:
    data: dict[str, object] = {
        "revision_id": str(uuid.uuid4()), "record_id": str(uuid.uuid4()), "case_id": str(uuid.uuid4()),
        "kind": "note", "revision": 2, "base_revision": 1, "author_id": str(uuid.uuid4()),
        "key_version": 1, "nonce": os.urandom(12), "ciphertext": os.urandom(48), "signature": os.urandom(64),
    }
    data.update(changes)
    return WireRevision.model_validate(data)


def test_a_revision_round_trips_through_json_with_bytes_as_base64() -> None:
    original = revision()
    text = original.model_dump_json()
    assert original.ciphertext not in text.encode()
    assert WireRevision.model_validate_json(text) == original


@pytest.mark.parametrize(("field", "value"), [
    ("kind", "diary"), ("revision", 0), ("nonce", "not base64!"), ("case_id", "../../etc"),
    ("signature", "AAAA"),
])
def test_malformed_fields_are_refused(field: str, value: object) -> None:
    data = json.loads(revision().model_dump_json())
    data[field] = value
    with pytest.raises(ValidationError):
        WireRevision.model_validate(data)


def test_unknown_fields_and_empty_or_oversized_batches_are_refused() -> None:
    good = revision().model_dump(mode="json")
    with pytest.raises(ValidationError):
        WireRevision.model_validate({**good, "plaintext": "Fictieve naam"})
    with pytest.raises(ValidationError):
        PushRequest.model_validate({"revisions": []})
    with pytest.raises(ValidationError):
        PushRequest.model_validate({"revisions": [good] * 501})


def test_kdf_parameters_below_the_floor_are_refused_on_the_wire() -> None:
    with pytest.raises(ValidationError):
        KdfJson(algorithm="argon2id", memory_kib=1024, iterations=2, lanes=1, salt="00" * 16)


def test_a_grant_message_binds_case_recipient_and_version() -> None:
    base = grant_message("c1", "u1", 1, b"e" * 32, b"x" * 60)
    assert base != grant_message("c2", "u1", 1, b"e" * 32, b"x" * 60)
    assert base != grant_message("c1", "u2", 1, b"e" * 32, b"x" * 60)
    assert base != grant_message("c1", "u1", 2, b"e" * 32, b"x" * 60)
