"""The load's people, laptops and cases, made real on the server before any load runs.

Every simulated laptop is an enrolled device of its own user: the admin functions create the team and
the user (as `leerrecht-server admin create-team/create-user` do), then the laptop enrols through the
real API (`POST /v1/enrol`) with fresh X25519/Ed25519 keys, registers its cases with key grants wrapped
for itself and its coordinator (`POST /v1/cases`) and pushes their first revisions, sealed and signed
(`POST /v1/push`). Setup talks to the application in-process (fastapi's TestClient over the same
database the measured servers use) with the login limits raised: 300 enrolments from one address
would otherwise hit the per-address limit that protects a real server, and nothing of setup is measured.

Teams of `team_size` laptops: one coordinator and workers. A team holds `cases_per_team` cases, dealt
out to its workers in turn; the coordinator is a member of every one (as the server requires), so a
coordinator's first pull fetches `cases_per_team` cases. Nothing here is personal data: the payloads
are fictitious filler text."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import queue
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leerrecht_core import protocol as p
from leerrecht_core.crypto.kdf import KdfParams
from leerrecht_core.crypto.keys import UserSecrets, new_case_key, wrap_case_key
from leerrecht_core.crypto.records import RecordHeader, seal
from leerrecht_server import admin
from leerrecht_server.app import create_app
from leerrecht_server.core.config import Settings

# About the size of a real note's payload (the floor in issue 17 is measured at 742 sealed bytes).
FILLER = ("Fictief verslag van een huisbezoek; afspraken over de volgende stap en wie wat opvolgt. " * 7)[:600]
UNLIMITED = 10**9


@dataclass
class Laptop:
    """One simulated laptop: its user's keys, its device token and what it may see."""

    name: str
    user_id: str
    role: str
    team: str
    secrets: UserSecrets
    token: str = ""
    device_id: str = ""
    cases: list[str] = field(default_factory=list)  # every case it is a member of
    own: list[str] = field(default_factory=list)  # the cases it registered (a worker's)
    # Its own records, for edits: record id -> (case id, kind, latest revision).
    records: dict[str, tuple[str, p.Kind, int]] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    laptops: list[Laptop]
    case_keys: dict[str, bytes]
    members: dict[str, list[str]]  # case id -> names of its member laptops
    seeded: dict[str, str]  # revision id -> sha256 of its ciphertext, pushed during setup

    def by_name(self) -> dict[str, Laptop]:
        return {lap.name: lap for lap in self.laptops}


def sealed_revision(lap: Laptop, case_id: str, key: bytes, record_id: str | None = None) -> dict[str, Any]:
    """A new revision of one of `lap`'s records (a new record when `record_id` is None), sealed with
    the case key and signed with the laptop's user's key, in its wire form; `lap.records` moves on."""
    kind: p.Kind = "note"
    revision = 0
    if record_id is None:
        record_id = str(uuid.uuid4())
    else:
        case_id, kind, revision = lap.records[record_id]
    header = RecordHeader(record_id=record_id, revision_id=str(uuid.uuid4()), case_id=case_id, kind=kind,
                          revision=revision + 1, base_revision=revision or None, author_id=lap.user_id,
                          key_version=1)
    rec = seal(header, {"text": FILLER, "n": revision + 1}, key, lap.secrets.signing)
    lap.records[record_id] = (case_id, kind, revision + 1)
    return p.WireRevision(revision_id=header.revision_id, record_id=record_id, case_id=case_id, kind=kind,
                          revision=header.revision, base_revision=header.base_revision, author_id=lap.user_id,
                          key_version=1, nonce=rec.nonce, ciphertext=rec.ciphertext,
                          signature=rec.signature).model_dump(mode="json", exclude={"seq"})


def digest(wire_ciphertext: str) -> str:
    """What the check compares a revision by: its ciphertext as the wire carries it (base64 text)."""
    return hashlib.sha256(wire_ciphertext.encode()).hexdigest()


def _grant(lap: Laptop, case_id: str, key: bytes, to: Laptop) -> dict[str, Any]:
    wrapped = wrap_case_key(key, case_id, 1, to.user_id, to.secrets.exchange_public)
    sig = lap.secrets.signing.sign(p.grant_message(case_id, to.user_id, 1, wrapped.ephemeral_public,
                                                   wrapped.ciphertext))
    return p.KeyGrant(recipient_id=to.user_id, key_version=1, ephemeral_public=wrapped.ephemeral_public,
                      ciphertext=wrapped.ciphertext, granted_by=lap.user_id, signature=sig).model_dump(mode="json")


def _enrol(http: TestClient, engine: sa.Engine, lap: Laptop) -> None:
    code = admin.create_user(engine, lap.name, lap.role, lap.team)
    body = p.EnrolRequest(
        username=lap.name, enrolment_code=code, user_id=lap.user_id, display_name=f"Fictief {lap.name}",
        kdf=p.KdfJson.model_validate(KdfParams.minimum().to_json()), auth_key=os.urandom(32),
        exchange_public=lap.secrets.exchange_public, signing_public=lap.secrets.signing_public,
        wrapped_secrets=lap.secrets.wrap(os.urandom(32)), device_name="Laptop 1").model_dump(mode="json")
    r = http.post("/v1/enrol", json=body)
    r.raise_for_status()
    lap.token, lap.device_id = r.json()["device_token"], r.json()["device_id"]


def _check_pushed(r: Any) -> None:
    r.raise_for_status()
    refused = [x for x in r.json()["results"] if x["status"] != "accepted"]
    if refused:
        raise RuntimeError(f"setup push refused: {refused[:3]}")


def _team(http: TestClient, engine: sa.Engine, t: int, size: int, cases: int, revisions_per_case: int
          ) -> World:
    """One team: its users created and enrolled, its cases registered and filled (a world of its own)."""
    world = World([], {}, {}, {})
    team = f"Team Last {t + 1:03d}"
    admin.create_team(engine, team)
    # The coordinator first: a case's registration must grant its key to every coordinator.
    crew = [Laptop(f"last.{t + 1:03d}.{i:02d}", user_id, "coordinator" if i == 0 else "netsterk", team,
                   UserSecrets.generate(user_id))
            for i, user_id in ((i, str(uuid.uuid4())) for i in range(size))]
    for lap in crew:
        _enrol(http, engine, lap)
    world.laptops += crew
    coordinator, workers = crew[0], crew[1:] or crew[:1]
    for _, owner in zip(range(cases), itertools.cycle(workers), strict=False):
        case_id, key = str(uuid.uuid4()), new_case_key()
        grants = [_grant(owner, case_id, key, who) for who in {id(x): x for x in (owner, coordinator)}.values()]
        http.post("/v1/cases", json={"case_id": case_id, "grants": grants}, headers=owner.headers).raise_for_status()
        world.case_keys[case_id] = key
        world.members[case_id] = sorted({owner.name, coordinator.name})
        owner.own.append(case_id)
        for lap in {owner.name: owner, coordinator.name: coordinator}.values():
            lap.cases.append(case_id)
    for owner in workers:
        revs = [sealed_revision(owner, c, world.case_keys[c]) for c in owner.own for _ in range(revisions_per_case)]
        for i in range(0, len(revs), p.MAX_PUSH_BATCH):
            _check_pushed(http.post("/v1/push", json={"revisions": revs[i:i + p.MAX_PUSH_BATCH]},
                                    headers=owner.headers))
        world.seeded.update({r["revision_id"]: digest(r["ciphertext"]) for r in revs})
    return world


def build(engine: sa.Engine, db_url: str, *, laptops: int, team_size: int, cases_per_team: int,
          revisions_per_case: int, log: Any = print, threads: int = 3) -> World:
    """Create, enrol and fill everything on the (migrated) database behind `engine`, a few teams at a
    time (each thread its own in-process client): much of a registration's time is PostgreSQL's."""
    settings = Settings(login_limit_per_ip=UNLIMITED, login_limit_per_user=UNLIMITED)
    world = World([], {}, {}, {})
    clients: queue.Queue[TestClient] = queue.Queue()
    teams = -(-laptops // team_size)
    start = time.monotonic()
    with contextlib.ExitStack() as stack:
        for _ in range(min(threads, teams)):
            clients.put(stack.enter_context(TestClient(create_app(db_url, settings=settings, engine=engine))))

        def one(t: int) -> World:
            http = clients.get()
            try:
                return _team(http, engine, t, min(team_size, laptops - t * team_size), cases_per_team,
                             revisions_per_case)
            finally:
                clients.put(http)

        with ThreadPoolExecutor(max_workers=min(threads, teams)) as pool:
            for t, part in enumerate(pool.map(one, range(teams))):
                world.laptops += part.laptops
                world.case_keys.update(part.case_keys)
                world.members.update(part.members)
                world.seeded.update(part.seeded)
                log(f"  setup: team {t + 1} of {teams}: {len(part.laptops)} laptops enrolled, {cases_per_team} "
                    f"cases, {len(part.seeded)} revisions ({time.monotonic() - start:.0f} s)")
    return world
