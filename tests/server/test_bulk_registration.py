"""Registering cases in bulk (`POST /v1/case-registrations`): each case decided as `POST /v1/cases`
decides it, in one request and one transaction; only the caller's own cases; bad input refused whole,
with a code the laptop says in Dutch; sending the same request again changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leerrecht_core import protocol as p
from leerrecht_core.crypto.keys import new_case_key
from leerrecht_desktop.sync.transport import refusal
from leerrecht_server.tables import SEQ_COUNTER, counters, memberships

from .conftest import Actor, World, grant


def _registration(owner: Actor, *others: Actor) -> dict[str, Any]:
    case_id = str(uuid.uuid4())
    key = new_case_key()
    return {"case_id": case_id, "grants": [grant(owner, case_id, 1, a.user_id, a.secrets.exchange_public, key)
                                           for a in (owner, *others)]}


def _counter(world: World) -> int:
    with world.engine.connect() as conn:
        return int(conn.execute(sa.select(counters.c.value).where(counters.c.name == SEQ_COUNTER)).scalar_one())


def test_many_cases_in_one_request_and_again_changes_nothing(world: World, client: TestClient) -> None:
    coord = world.user("carla", role="coordinator")
    anna = world.user("anna")
    cases = [_registration(anna, coord) for _ in range(3)]
    r = client.post("/v1/case-registrations", json={"cases": cases}, headers=anna.headers)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["case_id"] for x in results] == [c["case_id"] for c in cases]
    assert all(x["code"] is None and sorted(x["state"]["members"]) == sorted([anna.user_id, coord.user_id])
               for x in results)
    # Each case reaches its members' pull, as one registered alone does.
    pulled = world.pull(coord)
    assert {e["case_id"] for e in pulled["memberships"]} == {c["case_id"] for c in cases}
    high = _counter(world)
    with world.engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(memberships)).scalar_one()
    # The answer lost and the request sent again: the same states, no new number, no new member row.
    again = client.post("/v1/case-registrations", json={"cases": cases}, headers=anna.headers)
    assert again.status_code == 200 and again.json()["results"] == results
    assert _counter(world) == high
    with world.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(memberships)).scalar_one() == rows


def test_only_your_own_cases(world: World, client: TestClient) -> None:
    coord = world.user("carla", role="coordinator")
    anna, bert = world.user("anna"), world.user("bert")
    zoe = world.user("zoe", team="Team Zuid")
    world.user("zack", role="coordinator", team="Team Zuid")
    annas = world.register(anna, coord)
    mine = _registration(bert, coord)
    # Anna's case id in Bert's request (his grants): answered as an unknown id, exactly as POST /cases
    # answers it; his own case beside it is registered.
    taken = _registration(bert, coord) | {"case_id": annas.case_id}
    taken["grants"] = [grant(bert, annas.case_id, 1, a.user_id, a.secrets.exchange_public, new_case_key())
                       for a in (bert, coord)]
    r = client.post("/v1/case-registrations", json={"cases": [taken, mine]}, headers=bert.headers)
    assert r.status_code == 200, r.text
    first, second = r.json()["results"]
    assert first == {"case_id": annas.case_id, "state": None, "code": "not_found", "status": 404}
    single = client.post("/v1/cases", json=taken, headers=bert.headers)
    assert (single.status_code, single.json()["code"]) == (404, "not_found")
    assert second["state"] is not None and bert.user_id in second["state"]["members"]
    # Nothing of Anna's case changed: Bert is not on it.
    assert bert.user_id not in client.get(f"/v1/cases/{annas.case_id}", headers=anna.headers).json()["members"]
    # A grant for a user of another team is refused per case, the rest kept.
    outside = _registration(bert, coord, zoe)
    r = client.post("/v1/case-registrations", json={"cases": [outside, _registration(bert, coord)]},
                    headers=bert.headers)
    codes = [(x["code"], x["status"], x["state"] is None) for x in r.json()["results"]]
    assert codes == [("bad_request", 400, True), (None, None, False)]
    assert client.get(f"/v1/cases/{outside['case_id']}", headers=bert.headers).status_code == 404
    # No token, no registration.
    assert client.post("/v1/case-registrations", json={"cases": [_registration(bert, coord)]}).status_code == 401


def test_bad_input_is_refused_whole_in_words_the_laptop_says_in_dutch(world: World, client: TestClient) -> None:
    coord = world.user("carla", role="coordinator")
    anna = world.user("anna")
    one = _registration(anna, coord)
    high = _counter(world)
    for body in ({"cases": []}, {"cases": [one, one]}, {"cases": [one] * (p.MAX_CASE_REGISTRATIONS + 1)},
                 {"cases": "x"}, {"cases": [{**one, "case_id": "not-a-uuid"}]}, {"cases": [{**one, "grants": []}]}):
        r = client.post("/v1/case-registrations", json=body, headers=anna.headers)
        assert r.status_code == 400, (body, r.text)
        p.ErrorBody.model_validate(r.json())
        assert r.json()["code"] == "bad_request"
        message = str(refusal(r.json()["code"], r.status_code))
        assert message.startswith("De server weigerde het verzoek als ongeldig"), message
    assert _counter(world) == high  # nothing written
    # Grants without the team's coordinator: that case refused, in the same Dutch words on the laptop.
    missing = _registration(anna)
    result = client.post("/v1/case-registrations", json={"cases": [missing]}, headers=anna.headers).json()["results"]
    assert (result[0]["code"], result[0]["status"]) == ("bad_request", 400)
    assert str(refusal(result[0]["code"], result[0]["status"])).startswith("De server weigerde")
