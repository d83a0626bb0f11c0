"""Grants made by `recover-user` (granted_by RECOVERY_GRANTER) are taken only when their HMAC tag
verifies under the recovery public key this laptop pinned at enrolment: a changed tag, or one made
with another recovery key (as a server planting its own would), is refused with a message and used
for nothing. A real server pins the key; the grants are checked the way a pulled case state is."""

from __future__ import annotations

import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from leerrecht_core.crypto.keys import new_case_key, wrap_case_key
from leerrecht_core.crypto.recovery import recovery_grant_key, recovery_grant_tag
from leerrecht_core.protocol import RECOVERY_GRANTER, CaseState, KeyGrant
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.progress import SyncReport
from tests.kits.synckit import Laptop, ServerProcess, enrolled


def _grant(laptop: Laptop, case_id: str, case_key: bytes, recovery: X25519PrivateKey, *,
           tamper: bool = False) -> KeyGrant:
    me, public = laptop.user_id, laptop.case_files.secrets.exchange_public
    wrapped = wrap_case_key(case_key, case_id, 1, me, public)
    tag = recovery_grant_tag(recovery_grant_key(recovery, public, me), case_id, me, 1, wrapped.ephemeral_public,
                             wrapped.ciphertext)
    if tamper:
        tag = bytes([tag[0] ^ 1]) + tag[1:]
    return KeyGrant(recipient_id=me, key_version=1, ephemeral_public=wrapped.ephemeral_public,
                    ciphertext=wrapped.ciphertext, granted_by=RECOVERY_GRANTER, signature=tag)


def _offer(laptop: Laptop, case_id: str, grant: KeyGrant) -> SyncReport:
    report = SyncReport()
    engine = laptop.engine()
    try:
        engine.accept_case_state(CaseState(case_id=case_id, team_id="t", members=[laptop.user_id], key_version=1,
                                           grants=[grant]), report)
    finally:
        engine.transport.close()
    return report


def test_a_recovered_grant_needs_the_pinned_recovery_key_s_tag(server: ServerProcess, tmp_path: Path) -> None:
    server.admin("create-team", "Noord")
    printed = server.admin("create-recovery-key").strip().splitlines()[-1]
    recovery = X25519PrivateKey.from_private_bytes(bytes.fromhex(printed))
    laptop = enrolled(server, tmp_path / "w", "werker1", "Fictieve Werker Een", "netsterk", "Noord")
    try:
        store = SyncStore(laptop.case_files)
        assert store.state().recovery_public is not None  # pinned at enrolment
        for bad in (dict(recovery=recovery, tamper=True), dict(recovery=X25519PrivateKey.generate())):
            case_id, case_key = str(uuid.uuid4()), new_case_key()
            report = _offer(laptop, case_id, _grant(laptop, case_id, case_key, **bad))  # type: ignore[arg-type]
            assert report.refused == 1
            assert any("herstelsleutel van je organisatie" in e for e in report.errors)
            assert not store.has_key(case_id, 1)
        case_id, case_key = str(uuid.uuid4()), new_case_key()
        report = _offer(laptop, case_id, _grant(laptop, case_id, case_key, recovery))
        assert report.refused == 0 and report.errors == []
        assert store.has_key(case_id, 1)
        assert laptop.case_files.case_key(case_id, 1)[1] == case_key
    finally:
        laptop.close()
