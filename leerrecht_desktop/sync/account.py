"""Enrolment of this laptop with the sync server (DESIGN.md §2).

First laptop of a user: the local profile exists already (maybe with cases); with the admin's one-time
code the client sends its user id, display name, Argon2id parameters, the *authentication key*
(HKDF(master, PURPOSE_AUTH), which decrypts nothing) and its public keys and sealed private keys. Then
it registers every local case with grants for self, the team's coordinators and the recovery key.

A further laptop: user name and passphrase only. The server gives the Argon2id parameters (prelogin),
the client derives the authentication key, logs in, and builds the local profile from the sealed keys
the server keeps for it, unwrapped here with the passphrase."""

from __future__ import annotations

import platform
from pathlib import Path

from leerrecht_core.crypto.kdf import PURPOSE_AUTH, KdfParams, derive_master_key, derive_subkey
from leerrecht_core.protocol import (
    MAX_DEVICE_NAME_LEN,
    EnrolRequest,
    KdfJson,
    LoginRequest,
    PassphraseChange,
    PreloginRequest,
    PreloginResponse,
    SessionResponse,
    has_control_character,
)
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.profile_rebind import rebind_user_id, set_profile
from leerrecht_desktop.store.server_identity import pin as pin_server_identity
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.sync.engine import SyncEngine, SyncReport
from leerrecht_desktop.sync.transport import (
    DeviceRevoked,
    EnrolmentInvalid,
    ServerRefused,
    SyncError,
    Transport,
    outgoing,
    refusal,
)


def device_name() -> str:
    # The machine's network name says which laptop a device is in the admin's list; trimmed to the limit,
    # without the control characters the server refuses.
    name = "".join(c for c in platform.node() if not has_control_character(c)).strip()
    return (name or "laptop")[:MAX_DEVICE_NAME_LEN]


def _invalid() -> ServerRefused:
    return refusal("enrolment_invalid", 400)


def auth_key(passphrase: str, kdf: KdfParams) -> bytes:
    return derive_subkey(derive_master_key(passphrase, kdf), PURPOSE_AUTH)


def _transport(server_url: str, pinned_sha256: str | None, ca_file: str | None) -> Transport:
    return Transport(server_url, pinned_sha256=pinned_sha256, ca_file=ca_file)


def enrol(workspace: Workspace, case_files: CaseFiles, server_url: str, username: str, code: str,
          passphrase: str, *, pinned_sha256: str | None = None, ca_file: str | None = None,
          transport: Transport | None = None, profile_from_server: bool = False) -> SyncReport:
    """Enrol the first laptop of a user (or the first after a reset); returns the report of registering
    the local cases. When `report.rebound`, the profile took the account's user id and `case_files` is
    locked: unlock the workspace again. `profile_from_server`: the local name, role and team become the
    server's (a profile made anew by sync/reenrol.py)."""
    store = SyncStore(case_files)
    workspace.verify_passphrase(passphrase)  # the same throttling as unlock
    kdf_json = workspace.kdf_json()
    params = KdfParams.from_json(kdf_json)
    secrets = case_files.secrets
    request = outgoing(
        EnrolRequest, username=username.strip(), enrolment_code=code.strip(), user_id=case_files.user.user_id,
        display_name=case_files.user.name, kdf=KdfJson.model_validate(kdf_json),
        auth_key=auth_key(passphrase, params), exchange_public=secrets.exchange_public,
        signing_public=secrets.signing_public, wrapped_secrets=workspace.wrapped_secrets(),
        device_name=device_name(),
    )
    transport = transport or _transport(server_url, pinned_sha256, ca_file)
    try:
        session = transport.post("/enrol", request, SessionResponse)
    except EnrolmentInvalid:
        # The code is single-use: if an earlier try was accepted but its answer lost on the way, the
        # account exists with this very authentication key, and logging in finishes the enrolment.
        try:
            session = transport.post("/login", LoginRequest(username=request.username, auth_key=request.auth_key,
                                                            device_name=request.device_name), SessionResponse)
        except ServerRefused:
            raise EnrolmentInvalid(str(_invalid()), "enrolment_invalid", 400) from None
    report = SyncReport()
    if session.user.user_id != case_files.user.user_id:
        # Enrolling again after a reset: the server keeps the account's user id and this profile, made
        # fresh with `leerrecht init`, takes it (refused if it holds cases: they name the other id).
        case_files = rebind_user_id(workspace, case_files, passphrase, session.user.user_id)
        store = SyncStore(case_files)
        report.rebound = True
    if profile_from_server:
        set_profile(workspace, case_files, name=session.user.display_name, role=session.user.role,
                    team=session.user.team_name)
    store.save_enrolment(server_url=transport.server_url, device_id=session.device_id,
                         device_token=session.device_token, team_id=session.user.team_id, role=session.user.role,
                         recovery_public=session.recovery_public, pinned_sha256=transport.pinned_sha256)
    pin_server_identity(case_files.engine, session.server_identity)
    transport.with_token(session.device_token)
    engine = SyncEngine(case_files, transport)
    if report.rebound:
        # The wrapped secrets the server got were sealed for the profile's former id: send them again,
        # sealed for the account's, the way a passphrase change goes (queued if the server is away).
        # The proof is the authentication key just enrolled with (the same passphrase).
        queue_passphrase_change(workspace, case_files, passphrase, proof=request.auth_key)
        engine.send_passphrase_change(report)
    # Cases made before enrolment go to the server now (and any that fail, at the next sync).
    engine.refresh_directory(report)
    engine.register_cases(report)
    return report


def login_new_laptop(data_dir: Path, server_url: str, username: str, passphrase: str, *,
                     pinned_sha256: str | None = None, ca_file: str | None = None,
                     transport: Transport | None = None) -> tuple[Workspace, CaseFiles]:
    """Set up a further laptop of an enrolled user in an empty data folder; returns the open workspace and
    the unlocked case files (the caller closes the workspace)."""
    transport = transport or _transport(server_url, pinned_sha256, ca_file)
    pre = transport.post("/prelogin", outgoing(PreloginRequest, username=username.strip()), PreloginResponse)
    params = KdfParams.from_json(pre.kdf.model_dump())
    session = transport.post("/login", outgoing(LoginRequest, username=username.strip(),
                                                auth_key=auth_key(passphrase, params),
                                                device_name=device_name()), SessionResponse)
    workspace = Workspace(data_dir, create=True)
    try:
        case_files = workspace.adopt_profile(
            user_id=session.user.user_id, kdf=session.kdf.model_dump(), wrapped_secrets=session.wrapped_secrets,
            exchange_public=session.exchange_public, signing_public=session.signing_public,
            passphrase=passphrase, name=session.user.display_name, role=session.user.role,
            team=session.user.team_name,
        )
        SyncStore(case_files).save_enrolment(
            server_url=transport.server_url, device_id=session.device_id, device_token=session.device_token,
            team_id=session.user.team_id, role=session.user.role, recovery_public=session.recovery_public,
            pinned_sha256=transport.pinned_sha256)
        pin_server_identity(case_files.engine, session.server_identity)
    except BaseException:
        workspace.close()
        raise
    return workspace, case_files


def change_passphrase(workspace: Workspace, case_files: CaseFiles, old: str, new: str,
                      confirm: str | None = None) -> bool:
    """Change the passphrase on this laptop (`Workspace.change_passphrase`, with its checks) and, when
    it is enrolled, queue the change for the server, proven with the old authentication key (no
    network: safe on the store's worker thread; the next sync sends it). True when queued. A wrong
    old passphrase is refused by the local change (throttled, as unlock); the proof derived from it
    before is then dropped, never sent. Costs up to four Argon2id derivations."""
    store = SyncStore(case_files)
    if not store.is_enrolled():
        workspace.change_passphrase(old, new, confirm)
        return False
    # The proof: the authentication key of the passphrase the server knows, `old` (unless an earlier
    # change still waits: `_queue` keeps that one's proof, since the server never saw the one between).
    proof = None if store.pending_passphrase_change() is not None else \
        auth_key(old, KdfParams.from_json(workspace.kdf_json()))
    workspace.change_passphrase(old, new, confirm)
    _queue(workspace, store, new, proof)
    return True


def queue_passphrase_change(workspace: Workspace, case_files: CaseFiles, passphrase: str, *,
                            proof: bytes | None) -> bool:
    """Queue, sealed, for the next sync: the server is to take the Argon2id parameters, authentication
    key and wrap of `passphrase` (the one the vault is wrapped with now), proven with `proof`, the
    authentication key the server knows (an earlier change still waiting keeps its own proof). False
    when this laptop is not enrolled."""
    store = SyncStore(case_files)
    if not store.is_enrolled():
        return False
    # Never send an authentication key for anything but the passphrase the vault is wrapped with now:
    # the server would then lock this user out of every further laptop.
    workspace.verify_passphrase(passphrase)
    _queue(workspace, store, passphrase, proof)
    return True


def _queue(workspace: Workspace, store: SyncStore, passphrase: str, proof: bytes | None) -> None:
    # A change queued by an app from before the proof has none: the server refuses it with a message.
    pending = store.pending_passphrase_change()
    if pending is not None:
        proof = PassphraseChange.model_validate(pending).old_auth_key
    kdf_json = workspace.kdf_json()
    change = PassphraseChange(kdf=KdfJson.model_validate(kdf_json),
                              auth_key=auth_key(passphrase, KdfParams.from_json(kdf_json)),
                              wrapped_secrets=workspace.wrapped_secrets(), old_auth_key=proof)
    store.set_pending_passphrase_change(change.model_dump(mode="json"))


def push_passphrase_change(workspace: Workspace, case_files: CaseFiles, transport: Transport | None,
                           old: str, new: str, confirm: str | None = None) -> bool:
    """`change_passphrase`, then send it now: the server takes the new Argon2id parameters,
    authentication key and wrapped secrets (proven with the old authentication key), so a further
    laptop logs in with the NEW passphrase (and no longer with the old one), and every other laptop
    of the account is replaced (it sends what it had not sent, then stops).

    If the server can't be reached (or refuses) the change stays queued, sealed under the local key
    (`SyncStore.set_pending_passphrase_change`), and the next `SyncEngine.sync_once` sends it. Returns
    True when the server has it, False when it waits (or when this laptop is not enrolled: then there
    is nothing to tell). `transport` defaults to one built from the enrolment."""
    if not change_passphrase(workspace, case_files, old, new, confirm):
        return False
    own = transport is None
    if transport is None:
        transport = SyncEngine.for_case_files(case_files).transport
    try:
        return SyncEngine(case_files, transport).send_passphrase_change(SyncReport())
    except DeviceRevoked:
        raise
    except SyncError:
        return False  # offline: queued, sent with the next sync
    finally:
        if own:
            transport.close()
