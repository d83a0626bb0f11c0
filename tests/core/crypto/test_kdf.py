"""Passphrase -> master key: Argon2id with parameters stored beside the salt, never below OWASP's minimum."""

from __future__ import annotations

from typing import Any

import pytest

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.crypto.kdf import (
    PURPOSE_AUTH,
    PURPOSE_WRAP,
    KdfParams,
    derive_master_key,
    derive_subkey,
)

# OWASP Password Storage Cheat Sheet, Argon2id: m = 19 MiB (19456 KiB), t = 2, p = 1.
OWASP_MEMORY_KIB = 19 * 1024
OWASP_ITERATIONS = 2


def test_the_default_is_at_or_above_owasps_minimum() -> None:
    params = KdfParams.default()
    assert params.memory_kib >= OWASP_MEMORY_KIB
    assert params.iterations >= OWASP_ITERATIONS
    assert params.lanes >= 1
    assert len(params.salt) >= 16


def test_the_test_profile_is_exactly_owasps_minimum() -> None:
    params = KdfParams.minimum()
    assert (params.memory_kib, params.iterations, params.lanes) == (OWASP_MEMORY_KIB, OWASP_ITERATIONS, 1)


def test_from_env_selects_the_minimum_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEERRECHT_KDF_PROFILE", "minimum")
    assert KdfParams.from_env().memory_kib == OWASP_MEMORY_KIB
    monkeypatch.delenv("LEERRECHT_KDF_PROFILE")
    assert KdfParams.from_env().memory_kib == KdfParams.default().memory_kib


def test_every_profile_gets_its_own_salt() -> None:
    salts = {KdfParams.default().salt for _ in range(10)} | {KdfParams.minimum().salt for _ in range(10)}
    assert len(salts) == 20
    params = KdfParams.minimum()
    renewed = params.with_new_salt()
    assert renewed.salt != params.salt
    assert (renewed.memory_kib, renewed.iterations, renewed.lanes) == (params.memory_kib, params.iterations,
                                                                       params.lanes)


def test_params_round_trip_through_json() -> None:
    for params in (KdfParams.default(), KdfParams.minimum()):
        data = params.to_json()
        assert data["algorithm"] == "argon2id"
        assert {"memory_kib", "iterations", "lanes", "salt"} <= data.keys()
        assert KdfParams.from_json(data) == params


def _json(**changes: Any) -> dict[str, Any]:
    data = KdfParams.minimum().to_json()
    data.update(changes)
    return data


@pytest.mark.parametrize("data", [
    _json(memory_kib=OWASP_MEMORY_KIB - 1),
    _json(memory_kib=1024),
    _json(iterations=0),
    _json(salt="00" * 8),
    _json(salt=""),
    _json(iterations=1),
    _json(lanes=0),
    _json(memory_kib="veel"),
], ids=["memory-just-below", "memory-1MiB", "no-iterations", "short-salt", "no-salt", "t1-at-19MiB",
        "no-lanes", "not-a-number"])
def test_stored_params_below_the_minimum_are_refused(data: dict[str, Any]) -> None:
    # A data folder edited to make guessing cheap must not be accepted as it is, and says so plainly.
    with pytest.raises(CryptoError, match="beschadigd of gewijzigd buiten de app"):
        KdfParams.from_json(data)


def test_owasp_equivalent_single_pass_at_46_mib_is_accepted() -> None:
    params = KdfParams.from_json(_json(memory_kib=46 * 1024, iterations=1))
    assert params.meets_minimum()


@pytest.mark.parametrize("algorithm", ["pbkdf2", "scrypt", None])
def test_other_algorithms_are_refused(algorithm: str | None) -> None:
    with pytest.raises(CryptoError):
        KdfParams.from_json(_json(algorithm=algorithm))


def test_the_master_key_depends_on_passphrase_and_salt_and_is_reproducible() -> None:
    params = KdfParams.minimum()
    key = derive_master_key("blauwe fiets op de markt", params)
    assert len(key) == 32
    assert derive_master_key("blauwe fiets op de markt", params) == key
    assert derive_master_key("blauwe fiets op de marKt", params) != key
    assert derive_master_key("blauwe fiets op de markt", params.with_new_salt()) != key


def test_purpose_keys_are_distinct_and_differ_from_the_master_key() -> None:
    master = derive_master_key("blauwe fiets op de markt", KdfParams.minimum())
    wrap, auth = derive_subkey(master, PURPOSE_WRAP), derive_subkey(master, PURPOSE_AUTH)
    # The server will see the authentication key: it must not be the key that unwraps anything.
    assert len({master, wrap, auth}) == 3
    assert derive_subkey(master, PURPOSE_WRAP) == wrap
