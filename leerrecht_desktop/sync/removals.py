"""Signed removals (issue 12, finding 6): the member or coordinator who takes someone off a case (or
transfers it to another team) signs it, and a laptop acts on a "removed" event only when that
signature verifies against the author's known signing key (the directory, trusted on first use, and
their former keys). An unsigned or badly signed removal acts on nothing: the case stays, readable,
and the sync report says so (docs/threat-model.md section 12)."""

from __future__ import annotations

import logging

from cryptography.exceptions import InvalidSignature

from leerrecht_core.i18n import tr
from leerrecht_core.protocol import MembershipEvent, removal_message, transfer_message
from leerrecht_desktop.sync.directory import DirectorySync
from leerrecht_desktop.sync.progress import SyncReport

log = logging.getLogger("leerrecht_desktop.sync.engine")


def removal_signature(engine: DirectorySync, case_id: str, user_id: str, key_version: int) -> bytes:
    """This user's signature of taking `user_id` off a case, at the case's next key version."""
    return engine.case_files.secrets.signing.sign(removal_message(case_id, user_id, key_version))


def transfer_signature(engine: DirectorySync, case_id: str, team_id: str, key_version: int) -> bytes:
    """This coordinator's signature of transferring a case to `team_id`, at the case's next key version."""
    return engine.case_files.secrets.signing.sign(transfer_message(case_id, team_id, key_version))


def removal_proven(engine: DirectorySync, event: MembershipEvent, report: SyncReport) -> bool:
    """Did a known colleague sign this removal of ours? Its key version must be one this laptop does not
    hold (the new key the removed user never gets), so an old removal is not replayed after the user was
    added again."""
    proof = event.proof
    if proof is None:
        return False
    held = [row.key_version for row in engine.store.key_versions(event.case_id)]
    if held and proof.key_version <= max(held):
        return False
    keys = engine.store.known_keys(proof.author_id)
    if keys is None and not engine._directory_fresh:
        engine.refresh_directory(report)  # a colleague (or another team's coordinator) not met yet
        keys = engine.store.known_keys(proof.author_id)
    if keys is None:
        return False
    message = (transfer_message(event.case_id, proof.team_id, proof.key_version) if proof.team_id is not None
               else removal_message(event.case_id, event.user_id, proof.key_version))
    try:
        engine._verify_grant_signature(proof.author_id, keys[1], proof.signature, message)
    except InvalidSignature:
        return False
    return True


def unproven_message() -> str:
    return tr("De server meldt dat je van een dossier gehaald bent, maar kan niet aantonen wie dat deed. Het "
              "dossier blijft op deze laptop en blijft leesbaar; er wordt niets gewist. Meld dit aan je "
              "coördinator.")
