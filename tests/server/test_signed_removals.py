"""Issue 12, finding 6: a removal carries its author's signature, the server stores it (schema 0006)
and serves it with the "removed" event; a removal sent without one (an older client) is served
without a proof, which a laptop does not act on. A `device_revoked` answer carries a proof signed by
the server identity (made by migration 0006) whose public half the session answer gave."""

from __future__ import annotations

import os
import uuid
from typing import Any

from leerrecht_core import protocol as p
from leerrecht_core.crypto.keys import UserSecrets, new_case_key, public_signing_key
from leerrecht_server import admin

from .conftest import Actor, Case, World, grant


def _remove_signed(world: World, by: Actor, case: Case, who: Actor, remaining: list[Actor],
                   signature: bytes | None) -> Any:
    version = case.key_version + 1
    key = new_case_key()
    grants = [grant(by, case.case_id, version, a.user_id, a.secrets.exchange_public, key) for a in remaining]
    body = p.MemberRemove.model_validate({"user_id": who.user_id, "grants": grants, "signature": signature})
    r = world.http.post(f"/v1/cases/{case.case_id}/members/remove", json=body.model_dump(mode="json"),
                        headers=by.headers)
    assert r.status_code == 200, r.text
    case.keys[version] = key
    return version


def test_a_signed_removal_is_served_with_its_proof(world: World) -> None:
    anna, bert = world.user("anna"), world.user("bert")
    case = world.register(anna, bert)
    _, cursor = world.pull_all(bert)
    signature = anna.secrets.signing.sign(p.removal_message(case.case_id, bert.user_id, 2))
    version = _remove_signed(world, anna, case, bert, [anna], signature)
    (event,) = world.pull(bert, after=cursor)["memberships"]
    assert event["action"] == "removed"
    proof = p.RemovalProof.model_validate(event["proof"])
    assert (proof.author_id, proof.key_version, proof.signature, proof.team_id) == \
        (anna.user_id, version, signature, None)
    public_signing_key(anna.secrets.signing_public).verify(proof.signature,
                                                           p.removal_message(case.case_id, bert.user_id, 2))


def test_a_removal_without_a_signature_is_served_without_a_proof(world: World) -> None:
    anna, bert = world.user("anna"), world.user("bert")
    case = world.register(anna, bert)
    _, cursor = world.pull_all(bert)
    _remove_signed(world, anna, case, bert, [anna], None)
    (event,) = world.pull(bert, after=cursor)["memberships"]
    assert event["action"] == "removed" and event["proof"] is None


def test_a_revocation_carries_a_proof_by_the_identity_given_at_enrolment(world: World) -> None:
    code = world.code("dora")
    user_id = str(uuid.uuid4())
    dora = Actor("dora", user_id, UserSecrets.generate(user_id), os.urandom(32), "Team Noord", "netsterk")
    session = p.SessionResponse.model_validate(world.http.post("/v1/enrol", json=world.enrol_body(dora, code)).json())
    assert session.server_identity is not None
    dora.token = session.device_token
    admin.revoke_device(world.engine, session.device_id)
    r = world.http.get("/v1/pull", params={"after": 0}, headers=dora.headers)
    body = p.ErrorBody.model_validate(r.json())
    assert r.status_code == 401 and body.code == "device_revoked" and body.revoked is not None
    assert body.revoked.device_id == session.device_id
    public_signing_key(session.server_identity).verify(
        body.revoked.signature, p.revoked_message(session.device_id, body.revoked.revoked_at))
