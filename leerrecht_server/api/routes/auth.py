"""Enrolment, login and the passphrase: how a laptop gets, and keeps, a device token."""

from __future__ import annotations

import time

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
from leerrecht_server.crud.devices import new_session
from leerrecht_server.crud.org import setting
from leerrecht_server.db import read_transaction, write_transaction
from leerrecht_server.observe import note_device
from leerrecht_server.tables import LOGIN_STATUSES

router = APIRouter(prefix=p.API_PREFIX, tags=["auth"])


def _check_rate_limit(engine: Engine, settings: Settings, username: str, ip: str) -> None:
    with read_transaction(engine) as conn:
        per_user, per_ip = crud.failed_attempts(conn, username, ip, time.time() - settings.login_window_seconds)
    if per_user >= settings.login_limit_per_user or per_ip >= settings.login_limit_per_ip:
        raise ApiError(429, "rate_limited", "Too many failed attempts; try again later.")


def _record_failure(engine: Engine, settings: Settings, username: str, ip: str, action: str) -> None:
    with write_transaction(engine) as conn:
        crud.record_failure(conn, username, ip, action, settings.login_window_seconds)


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


@router.post("/enrol")
def enrol(body: p.EnrolRequest, request: Request, engine: EngineDep, settings: SettingsDep,
          ip: ClientIp) -> p.SessionResponse:
    _check_rate_limit(engine, settings, body.username, ip)
    auth_hash, auth_params = security.hash_auth_key(body.auth_key, settings.auth_hash)
    with write_transaction(engine) as conn:
        row = crud.user_row(conn, body.username)
        valid = (row is not None and row.enrolment_code_hash is not None
                 and security.constant_time_equal(row.enrolment_code_hash, security.hash_code(body.enrolment_code))
                 and (row.enrolment_expires or 0) > time.time())
        if row is not None and valid:
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
            audit(conn, "enrol", actor=body.username, user_id=user_id, device_id=result.device_id, ip=ip,
                  detail="again after a reset" if status == "awaiting_recovery" else None)
            return result
    _record_failure(engine, settings, body.username, ip, "enrol_failed")
    raise ApiError(403, "enrolment_invalid", "The enrolment code is wrong, expired or already used.")


@router.post("/login")
def login(body: p.LoginRequest, request: Request, engine: EngineDep, settings: SettingsDep,
          ip: ClientIp) -> p.SessionResponse:
    _check_rate_limit(engine, settings, body.username, ip)
    with read_transaction(engine) as conn:
        row = crud.login_row(conn, body.username)
    if row is not None and row.status in LOGIN_STATUSES and row.auth_hash and row.auth_params:
        ok = security.verify_auth_key(body.auth_key, row.auth_hash, row.auth_params)
    else:
        security.burn_auth_time(body.auth_key, settings.auth_hash)
        ok = False
    if not ok:
        _record_failure(engine, settings, body.username, ip, "login_failed")
        raise ApiError(401, "unauthorized", "User name or passphrase is wrong.")
    with write_transaction(engine) as conn:
        result = new_session(conn, body.username, body.device_name)
        note_device(request.scope, result.device_id)
        crud.clear_failures(conn, body.username)
        audit(conn, "login", actor=body.username, user_id=result.user.user_id, device_id=result.device_id, ip=ip)
    return result


@router.post("/account/passphrase", status_code=204)
def change_passphrase(body: p.PassphraseChange, c: CurrentDevice, engine: EngineDep,
                      settings: SettingsDep) -> Response:
    auth_hash, auth_params = security.hash_auth_key(body.auth_key, settings.auth_hash)
    with write_transaction(engine) as conn:
        crud.change_passphrase(conn, c.user_id, body, auth_hash, auth_params)
        audit_caller(conn, c, "passphrase_change")
    return Response(status_code=204)
