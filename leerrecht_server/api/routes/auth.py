"""Enrolment, login and the passphrase: how a laptop gets, and keeps, a device token.

Every attempt is counted before any slow work (crud.auth.take_attempt: a conditional UPDATE in the
database, so the limit holds across `--workers N` and across server processes): over the limit the
answer is 429 before an Argon2id hash is ever computed. An attempt that succeeds is given back."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import Engine

from leerrecht_core import protocol as p
from leerrecht_core.crypto.kdf import KdfParams
from leerrecht_server import security
from leerrecht_server.api.deps import ClientIp, CurrentDevice, EngineDep, SettingsDep
from leerrecht_server.api.errors import ApiError
from leerrecht_server.core.config import Settings
from leerrecht_server.crud import auth as crud
from leerrecht_server.crud.audit import audit, audit_caller
from leerrecht_server.crud.devices import new_session, replace_other_devices
from leerrecht_server.crud.org import setting
from leerrecht_server.db import read_transaction, write_transaction
from leerrecht_server.observe import note_device
from leerrecht_server.tables import LOGIN_STATUSES

router = APIRouter(prefix=p.API_PREFIX, tags=["auth"])

_RATE_LIMITED = "Too many failed attempts; try again later."
_PROOF_INVALID = ("The old passphrase could not be verified (old_auth_key missing or wrong); nothing was changed. "
                  "Log in again with the current passphrase.")


def _limits(engine: Engine, settings: Settings, *keys: tuple[tuple[str, ...], int]) -> list[crud.Limit]:
    with read_transaction(engine) as conn:
        secret = setting(conn, "server_secret") or ""
    return [crud.Limit(security.throttle_key(secret, *parts), limit) for parts, limit in keys]


def _take_attempt(engine: Engine, settings: Settings, limits: list[crud.Limit]) -> None:
    """Count this attempt against every limit first, or refuse it with 429 (counting nothing)."""
    with write_transaction(engine) as conn:
        if not crud.take_attempt(conn, limits, settings.login_window_seconds):
            raise ApiError(429, "rate_limited", _RATE_LIMITED)


def _check_kdf_floor(kdf: p.KdfJson) -> None:
    """The client's own floor (KdfParams.meets_minimum: OWASP's Argon2id minimum), shared, not copied."""
    params = KdfParams(kdf.memory_kib, kdf.iterations, kdf.lanes, bytes.fromhex(kdf.salt))
    if not params.meets_minimum():
        raise ApiError(422, "bad_request", "The Argon2id parameters are below the minimum (at least 46 MiB with "
                                           "t=1, or 19 MiB with t=2); nothing was stored.")


def _login_limits(engine: Engine, settings: Settings, username: str, ip: str) -> list[crud.Limit]:
    return _limits(engine, settings, (("login-user", username), settings.login_limit_per_user),
                   (("ip", ip), settings.login_limit_per_ip))


@router.post("/prelogin")
def prelogin(body: p.PreloginRequest, engine: EngineDep) -> p.PreloginResponse:
    with read_transaction(engine) as conn:
        row = crud.prelogin_row(conn, body.username)
        secret = setting(conn, "server_secret") or ""
    if row is not None and row.status in LOGIN_STATUSES and row.kdf:
        return p.PreloginResponse(kdf=p.KdfJson.model_validate_json(row.kdf))
    # Unknown or not yet enrolled: stable, plausible parameters (the profile new laptops use,
    # a salt derived from the name under a server secret), so the answer doesn't tell.
    decoy = KdfParams.from_env()
    return p.PreloginResponse(kdf=p.KdfJson(algorithm="argon2id", memory_kib=decoy.memory_kib,
                                            iterations=decoy.iterations, lanes=decoy.lanes,
                                            salt=security.decoy_salt(secret, body.username)))


def _code_valid(row: Any, code: str) -> bool:
    """A user row whose unexpired enrolment code is `code` (a fast hash: the code is ~100 random bits)."""
    return (row is not None and row.enrolment_code_hash is not None
            and security.constant_time_equal(row.enrolment_code_hash, security.hash_code(code))
            and (row.enrolment_expires or 0) > time.time())


@router.post("/enrol")
def enrol(body: p.EnrolRequest, request: Request, engine: EngineDep, settings: SettingsDep,
          ip: ClientIp) -> p.SessionResponse:
    _check_kdf_floor(body.kdf)
    # Wrong codes count per (user name, address): guesses from one address never lock the real
    # user out of enrolling from another. The address's own limit is shared with login.
    limits = _limits(engine, settings, (("enrol", body.username, ip), settings.login_limit_per_user),
                     (("ip", ip), settings.login_limit_per_ip))
    _take_attempt(engine, settings, limits)
    with read_transaction(engine) as conn:
        valid = _code_valid(crud.user_row(conn, body.username), body.enrolment_code)
    # The slow hash only for a valid code (its check is a fast hash, counted above).
    auth_hash, auth_params = security.hash_auth_key(body.auth_key, settings.auth_hash) if valid else (b"", "")
    with write_transaction(engine) as conn:
        row = crud.user_row(conn, body.username)
        if valid and _code_valid(row, body.enrolment_code):  # still valid: not used meanwhile
            if row.status == "reset":
                # Enrolling again after a reset (forgotten passphrase, new laptop): new keys for the
                # same person. The server keeps its id for the user, whatever the laptop's new
                # profile carries, and answers it; the client adopts it. The case keys come back
                # with `admin recover-user`.
                user_id, status = row.user_id, "awaiting_recovery"
            else:
                if row.user_id is not None and row.user_id != body.user_id:
                    raise ApiError(409, "conflict", "This account already belongs to another profile id.")
                user_id, status = body.user_id, "active"
            if crud.profile_id_taken(conn, user_id, body.username):
                raise ApiError(409, "conflict", "This profile id is already in use.")
            crud.complete_enrolment(conn, body, auth_hash, auth_params, user_id=user_id, status=status)
            result = new_session(conn, body.username, body.device_name)
            note_device(request.scope, result.device_id)
            crud.clear_attempts(conn, limits[0].key_hash)
            crud.give_back(conn, limits[1].key_hash)
            audit(conn, "enrol", actor=body.username, user_id=user_id, device_id=result.device_id, ip=ip,
                  detail="again after a reset" if status == "awaiting_recovery" else None)
            return result
    with write_transaction(engine) as conn:
        audit(conn, "enrol_failed", actor=body.username, ip=ip)
    raise ApiError(403, "enrolment_invalid", "The enrolment code is wrong, expired or already used.")


@router.post("/login")
def login(body: p.LoginRequest, request: Request, engine: EngineDep, settings: SettingsDep,
          ip: ClientIp) -> p.SessionResponse:
    limits = _login_limits(engine, settings, body.username, ip)
    _take_attempt(engine, settings, limits)
    with read_transaction(engine) as conn:
        row = crud.login_row(conn, body.username)
    # An auth key set by a device that was revoked since (a passphrase change from a stolen laptop)
    # no longer logs in: the admin resets the user.
    usable = (row is not None and row.status in LOGIN_STATUSES and row.auth_hash and row.auth_params
              and row.setter_state != "revoked")
    if usable:
        ok = security.verify_auth_key(body.auth_key, row.auth_hash, row.auth_params)
    else:
        security.burn_auth_time(body.auth_key, settings.auth_hash)
        ok = False
    if not ok:
        with write_transaction(engine) as conn:
            audit(conn, "login_failed", actor=body.username, ip=ip)
        raise ApiError(401, "unauthorized", "User name or passphrase is wrong.")
    with write_transaction(engine) as conn:
        result = new_session(conn, body.username, body.device_name, minted_by=row.auth_set_by)
        note_device(request.scope, result.device_id)
        crud.clear_attempts(conn, limits[0].key_hash)
        crud.give_back(conn, limits[1].key_hash)
        audit(conn, "login", actor=body.username, user_id=result.user.user_id, device_id=result.device_id, ip=ip)
    return result


@router.post("/account/passphrase", status_code=204)
def change_passphrase(body: p.PassphraseChange, c: CurrentDevice, engine: EngineDep,
                      settings: SettingsDep) -> Response:
    """A new KDF, auth key and wrap, proven with the old auth key (a token alone changes nothing).
    Every other token of the account stops working (its laptops are replaced, see
    crud.devices.replace_other_devices); the caller's keeps working."""
    _check_kdf_floor(body.kdf)
    # Counted per device: wrong proofs from a stolen token never lock the user's other laptops out.
    limits = _limits(engine, settings, (("passphrase", c.device_id), settings.login_limit_per_user))
    _take_attempt(engine, settings, limits)
    with read_transaction(engine) as conn:
        row = crud.proof_row(conn, c.user_id)
    if row is None or not row.auth_hash or not row.auth_params or body.old_auth_key is None:
        security.burn_auth_time(body.auth_key, settings.auth_hash)
        ok = False
    else:
        ok = security.verify_auth_key(body.old_auth_key, row.auth_hash, row.auth_params)
    if not ok:
        with write_transaction(engine) as conn:
            audit_caller(conn, c, "passphrase_change_refused")
        raise ApiError(403, "passphrase_proof_invalid", _PROOF_INVALID)
    auth_hash, auth_params = security.hash_auth_key(body.auth_key, settings.auth_hash)
    with write_transaction(engine) as conn:
        if not crud.change_passphrase(conn, c.user_id, body, auth_hash, auth_params,
                                      proven_hash=bytes(row.auth_hash), device_id=c.device_id):
            # Changed by another request since the proof was checked: that one won.
            raise ApiError(403, "passphrase_proof_invalid", _PROOF_INVALID)
        replaced = replace_other_devices(conn, c.user_id, c.device_id)
        crud.clear_attempts(conn, limits[0].key_hash)
        audit_caller(conn, c, "passphrase_change", detail=f"other devices replaced {replaced}")
    return Response(status_code=204)
