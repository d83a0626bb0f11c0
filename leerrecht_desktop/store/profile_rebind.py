"""Giving a fresh local profile the user id of an existing account (enrolling after a reset on a
folder made with `leerrecht init`): the server keeps the account's user id, so the profile takes it.

Only a profile with nothing in it can: records, case keys and signatures name their author and
recipients by user id. The key pairs stay the same; what is bound to the user id is sealed again
(the wrapped secrets, the sealed profile) and the own row of `known_keys` follows."""

from __future__ import annotations

import dataclasses

from sqlalchemy import delete, func, select, update

from leerrecht_core.crypto.kdf import PURPOSE_WRAP, KdfParams, derive_master_key, derive_subkey
from leerrecht_core.i18n import tr
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.database import write_transaction
from leerrecht_desktop.store.errors import StoreError
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.store.workspace import Workspace, seal_profile


class ProfileNotEmpty(StoreError):
    pass


def holds_cases(case_files: CaseFiles) -> bool:
    with case_files.engine.connect() as conn:
        return any(conn.execute(select(func.count()).select_from(table)).scalar_one()
                   for table in (t.records, t.case_keys, t.case_index))


def rebind_user_id(workspace: Workspace, case_files: CaseFiles, passphrase: str, user_id: str) -> CaseFiles:
    """Give this empty profile `user_id`; returns the case files unlocked anew (the given ones are locked).
    Costs one Argon2id derivation (the wrap key for the re-sealed secrets)."""
    if holds_cases(case_files):
        raise ProfileNotEmpty(tr(
            "Dit profiel heeft al dossiers en kan daarom niet aan je bestaande account gekoppeld worden. Meld je "
            "aan in een lege map (na 'leerrecht init') of op de laptop met je oude profiel."))
    old_id = case_files.user.user_id
    secrets = dataclasses.replace(case_files.secrets, user_id=user_id)
    profile = dataclasses.replace(case_files.user, user_id=user_id)
    master = derive_master_key(passphrase, KdfParams.from_json(workspace.kdf_json()))
    with write_transaction(workspace.engine) as conn:
        conn.execute(update(t.vault).values(
            user_id=user_id, wrapped_secrets=secrets.wrap(derive_subkey(master, PURPOSE_WRAP)),
            sealed_profile=seal_profile(secrets, dataclasses.asdict(profile))))
        conn.execute(delete(t.known_keys).where(t.known_keys.c.user_id == old_id))
    case_files.lock()
    rebound = CaseFiles(workspace, profile, secrets)
    # Through the store's own function, so whatever it adds to a known_keys row is there.
    SyncStore(rebound).remember_keys(user_id, secrets.exchange_public, secrets.signing_public)
    return rebound


def set_profile(workspace: Workspace, case_files: CaseFiles, *, name: str, role: str, team: str) -> None:
    """The name, role and team the server keeps for this account, for a profile made anew (the old
    one's are sealed under a key that can't be opened any more)."""
    profile = dataclasses.replace(case_files.user, name=name.strip(), role=role, team=team.strip())
    with write_transaction(workspace.engine) as conn:
        conn.execute(update(t.vault).values(
            sealed_profile=seal_profile(case_files.secrets, dataclasses.asdict(profile))))
    case_files.user = profile
