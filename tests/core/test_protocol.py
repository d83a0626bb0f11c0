"""The wire format: what a client sends is what a server reads back, and malformed input is refused."""

from __future__ import annotations

import base64
import json
import os
import uuid
from typing import Any

import jsonschema_rs  # comes with schemathesis (the dev extra)
import pytest
from pydantic import ValidationError

from leerrecht_core import protocol, protocol_transfer
from leerrecht_core.protocol import (
    EnrolRequest,
    KdfJson,
    LoginRequest,
    PreloginRequest,
    PushRequest,
    WireRevision,
    grant_message,
)


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


# -- the schema says what travels (issue 12, finding 9), names refuse control characters (finding 4) --

_MODELS = [m for m in vars(protocol).values() if isinstance(m, type) and issubclass(m, protocol.Model)]
_MODELS += [m for m in vars(protocol_transfer).values()
            if isinstance(m, type) and issubclass(m, protocol.Model) and m not in _MODELS]


def _b64_fields(model: type[protocol.Model]) -> list[tuple[str, dict[str, Any]]]:
    props = model.model_json_schema()["properties"]
    found = []
    for name, schema in props.items():
        schema = schema.get("items", schema)  # a list of bytes: its items
        if schema.get("contentEncoding") == "base64":
            found.append((name, schema))
    return found


def test_the_schema_of_every_bytes_field_describes_its_base64_text() -> None:
    checked = 0
    for model in _MODELS:
        for name, schema in _b64_fields(model):
            validator = jsonschema_rs.validator_for(schema)
            info = model.model_fields[name].metadata
            lengths = [m for m in info if hasattr(m, "min_length") or hasattr(m, "max_length")]
            low = next((m.min_length for m in lengths if getattr(m, "min_length", None) is not None), 0)
            high = next((m.max_length for m in lengths if getattr(m, "max_length", None) is not None), low + 100)
            # An exact length, or one well inside a range (at a range's ends see the next test).
            for size in {low} if low == high else {3 * ((low + high) // 6)}:
                text = base64.b64encode(os.urandom(size)).decode("ascii")
                assert validator.is_valid(text), (model.__name__, name, size, schema)
            checked += 1
    assert checked >= 19  # every key, nonce, ciphertext and signature of the wire format


def test_every_string_the_schema_allows_for_bytes_has_an_accepted_length() -> None:
    """The two ends of what a schema allows: its shortest string with the most padding (fewest bytes)
    and its longest without (most bytes). Both decode to a length the model accepts."""
    for model in _MODELS:
        for name, schema in _b64_fields(model):
            validator = jsonschema_rs.validator_for(schema)
            candidates = []
            if "minLength" in schema:
                n = schema["minLength"]
                candidates += ["A" * (n - 2) + "==", "A" * (n - 1) + "=", "A" * n]
            if "maxLength" in schema:
                n = min(schema["maxLength"], 8192)
                candidates += ["A" * (n - n % 4), "A" * (n - n % 4 - 2) + "=="]
            for text in candidates:
                if not validator.is_valid(text):
                    continue
                field = {name: [text] if "items" in model.model_json_schema()["properties"][name] else text}
                # Only this field: the rest of the model is not the question here.
                try:
                    model.model_validate(field)
                except ValidationError as exc:
                    assert all(e["loc"][0] != name for e in exc.errors()), (model.__name__, name, len(text), exc)


def test_a_real_enrolment_request_is_valid_against_its_own_schema() -> None:
    body = EnrolRequest(username="jdevos", enrolment_code="ABCDE-FGHIJ", user_id=str(uuid.uuid4()),
                        display_name="Fictieve Naam",
                        kdf=KdfJson(algorithm="argon2id", memory_kib=19 * 1024, iterations=2, lanes=1, salt="00" * 16),
                        auth_key=os.urandom(32), exchange_public=os.urandom(32), signing_public=os.urandom(32),
                        wrapped_secrets=os.urandom(200), device_name="Laptop 1")
    schema = EnrolRequest.model_json_schema()
    errors = [e.message for e in jsonschema_rs.validator_for(schema).iter_errors(json.loads(body.model_dump_json()))]
    assert errors == []
    wire = json.loads(revision().model_dump_json())
    assert jsonschema_rs.validator_for(WireRevision.model_json_schema()).is_valid(wire)


@pytest.mark.parametrize("char", ["\x00", "\x01", "\t", "\n", "\r", "\x1b", "\x7f", "\x85"])
@pytest.mark.parametrize(("model", "field"), [
    (PreloginRequest, "username"), (LoginRequest, "username"), (LoginRequest, "device_name"),
])
def test_names_with_a_control_character_are_refused(char: str, model: type[protocol.Model], field: str) -> None:
    data = {"username": "jdevos", "auth_key": base64.b64encode(os.urandom(32)).decode(), "device_name": "Laptop"}
    data = {k: v for k, v in data.items() if k in model.model_fields}
    model.model_validate(data)
    data[field] = f"jde{char}vos"
    with pytest.raises(ValidationError, match="control characters"):
        model.model_validate(data)
    assert not jsonschema_rs.validator_for(model.model_json_schema()).is_valid(data)
    data[field] = "jde\ud800vos"  # a lone surrogate (JSON allows "\ud800"): no text, refused as well
    with pytest.raises(ValidationError):
        model.model_validate(data)


def test_the_length_limits_are_shared_constants() -> None:
    too_long = {"username": "a" * (protocol.MAX_USERNAME_LEN + 1)}
    with pytest.raises(ValidationError, match=f"at most {protocol.MAX_USERNAME_LEN}"):
        PreloginRequest.model_validate(too_long)
    PreloginRequest.model_validate({"username": "a" * protocol.MAX_USERNAME_LEN})
    fields = EnrolRequest.model_json_schema()["properties"]
    assert fields["enrolment_code"]["maxLength"] == protocol.MAX_ENROLMENT_CODE_LEN
    assert fields["display_name"]["maxLength"] == protocol.MAX_DISPLAY_NAME_LEN
    assert fields["device_name"]["maxLength"] == protocol.MAX_DEVICE_NAME_LEN


def test_a_salt_of_half_a_byte_is_refused_at_the_edge() -> None:
    """Found by the fuzzer after issue 12's KDF floor: an odd number of hex digits reached bytes.fromhex."""
    import pydantic

    from leerrecht_core.protocol import KdfJson

    good = {"algorithm": "argon2id", "memory_kib": 47104, "iterations": 1, "lanes": 1, "salt": "ab" * 16}
    assert KdfJson.model_validate(good).salt == "ab" * 16
    with pytest.raises(pydantic.ValidationError):
        KdfJson.model_validate({**good, "salt": "ab" * 16 + "c"})
