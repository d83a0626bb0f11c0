"""Issue 12, finding 6: a revision sealed under a key the case rotated past is refused (a member removed
since holds that key), with the one fixed reason the client acts on; a revision taken before the
rotation and pushed again is still a duplicate."""

from __future__ import annotations

from leerrecht_core import protocol as p

from .conftest import World


def test_a_revision_under_a_rotated_out_key_is_refused_with_the_fixed_reason(world: World) -> None:
    anna, bert, cleo = world.user("anna"), world.user("bert"), world.user("cleo")
    case = world.register(anna, bert, cleo)
    before = world.sealed(anna, case, {"n": 1})
    assert world.push(anna, before)[0]["status"] == "accepted"
    assert world.remove(anna, case, bert, [anna, cleo]).status_code == 200  # key version 2; bert holds 1
    old = world.sealed(cleo, case, {"n": 2}, key_version=1)
    result = world.push(cleo, old)[0]
    assert result["status"] == "rejected" and result["reason"] == p.KEY_ROTATED_REASON
    assert old["revision_id"] not in [r["revision_id"] for r in world.pull_all(anna)[0]]
    # Sealed again under the current key, the same revision is taken.
    assert world.push(cleo, world.sealed(cleo, case, {"n": 2}))[0]["status"] == "accepted"
    # A revision taken under key 1 before the rotation, pushed again (its answer lost): a duplicate.
    again = world.push(anna, before)[0]
    assert again["status"] == "duplicate" and again["seq"] is not None
