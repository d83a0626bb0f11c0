"""One simulated laptop under load: what it sends, what it got back, and when.

The three kinds of work, as the desktop's SyncEngine does them (leerrecht_desktop/sync/engine.py):
- `sync`: a background sync with nothing to send: `GET /v1/pull` from its cursor, page after page;
  whatever members pushed to its cases since comes with it.
- `push`: 1 to 5 new revisions of its own records (new notes or edits of earlier ones), sealed and
  signed, in one `POST /v1/push`, then the pull of the same round.
- `first_pull`: a coordinator's fresh laptop: every page from cursor 0 and, for the cases the pages
  say it was added to, their keys (`POST /v1/case-states`, as fetch_cases does). It keeps its own
  record, apart from the laptop's incremental cursor.

Every request's latency and status is kept (`Log`), and per laptop every revision it pushed (with the
moment the server's answer arrived) and every revision it pulled (with the sync that brought it), so
the consistency check can replay who must have seen what."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from benchmarks.load.world import Laptop, World, digest, sealed_revision
from leerrecht_core import protocol as p

KINDS = ("sync", "push", "first_pull")


@dataclass
class Op:
    kind: str
    laptop: str
    start: float
    seconds: float
    ok: bool
    requests: int


@dataclass
class Pushed:
    revision_id: str
    case_id: str
    digest: str
    acked: float  # monotonic time the server's answer arrived: committed by then


@dataclass
class Trace:
    """What one laptop did: syncs as (start, end) in order, and what each pulled revision came with."""

    cursor: int = 0
    syncs: list[tuple[float, float]] = field(default_factory=list)
    received: dict[str, tuple[int, str]] = field(default_factory=dict)  # revision id -> (sync index, digest)
    first_pulls: list[tuple[float, dict[str, str]]] = field(default_factory=list)  # (start, id -> digest)
    pushed: list[Pushed] = field(default_factory=list)


@dataclass
class Log:
    ops: list[Op] = field(default_factory=list)
    requests: list[tuple[str, float, int]] = field(default_factory=list)  # (endpoint, seconds, status)
    errors: list[str] = field(default_factory=list)
    traces: dict[str, Trace] = field(default_factory=dict)


class LoadError(Exception):
    """A request the server did not answer as a healthy server must (kept as an error, never retried)."""


class Runner:
    """Drives one laptop's client; every laptop has its own connection, as a real one does."""

    def __init__(self, lap: Laptop, world: World, url: str, log: Log, rng: random.Random) -> None:
        self.lap, self.world, self.log, self.rng = lap, world, log, rng
        self.trace = log.traces.setdefault(lap.name, Trace())
        # An idle connection is given up before uvicorn's 5 s keep-alive would close it: otherwise a
        # request sent as the server closes meets a reset (a race of the client, not a server fault).
        self.http = httpx.AsyncClient(base_url=url, headers=lap.headers, timeout=120,
                                      limits=httpx.Limits(keepalive_expiry=3.0))

    async def close(self) -> None:
        await self.http.aclose()

    async def _call(self, endpoint: str, method: str, path: str, **kw: Any) -> Any:
        start = time.perf_counter()
        try:
            r = await self.http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            self.log.requests.append((endpoint, time.perf_counter() - start, 0))
            raise LoadError(f"{endpoint}: {type(exc).__name__}: {exc}") from exc
        self.log.requests.append((endpoint, time.perf_counter() - start, r.status_code))
        if r.status_code != 200:
            raise LoadError(f"{endpoint}: HTTP {r.status_code}: {r.text[:200]}")
        return r.json()

    async def _pages(self, after: int, seen: dict[str, str], *, fetch_keys: bool) -> int:
        """Pull from `after` until the server says there is no more; returns the new cursor."""
        while True:
            page = await self._call("pull", "GET", "/v1/pull", params={"after": after, "limit": p.MAX_PULL_LIMIT})
            for rev in page["revisions"]:
                seen[rev["revision_id"]] = digest(rev["ciphertext"])
            added = [e["case_id"] for e in page["memberships"] if e["action"] == "added"]
            if fetch_keys and added:
                for i in range(0, len(added), p.MAX_CASE_STATES):
                    await self._call("case-states", "POST", "/v1/case-states",
                                     json={"case_ids": added[i:i + p.MAX_CASE_STATES]})
            if not page["more"] or page["next_cursor"] <= after:
                return int(page["next_cursor"])
            after = int(page["next_cursor"])

    async def sync(self) -> None:
        start = time.monotonic()
        seen: dict[str, str] = {}
        self.trace.cursor = await self._pages(self.trace.cursor, seen, fetch_keys=False)
        index = len(self.trace.syncs)
        self.trace.syncs.append((start, time.monotonic()))
        for rev_id, d in seen.items():
            self.trace.received.setdefault(rev_id, (index, d))

    async def push(self) -> None:
        lap = self.lap
        revs = []
        for _ in range(self.rng.randint(1, 5)):
            mine = list(lap.records)
            if mine and self.rng.random() < 0.5:
                record_id = self.rng.choice(mine)
                case_id = lap.records[record_id][0]
                revs.append(sealed_revision(lap, case_id, self.world.case_keys[case_id], record_id))
            else:
                case_id = self.rng.choice(lap.own)
                revs.append(sealed_revision(lap, case_id, self.world.case_keys[case_id]))
        answer = await self._call("push", "POST", "/v1/push", json={"revisions": revs})
        acked = time.monotonic()
        results = answer["results"]
        if len(results) != len(revs):
            raise LoadError(f"push: {len(results)} results for {len(revs)} revisions")
        for rev, result in zip(revs, results, strict=True):
            if result["status"] != "accepted":
                raise LoadError(f"push: {result['status']}: {str(result)[:200]}")
            self.trace.pushed.append(Pushed(rev["revision_id"], rev["case_id"], digest(rev["ciphertext"]), acked))
        await self.sync()

    async def first_pull(self) -> None:
        start = time.monotonic()
        seen: dict[str, str] = {}
        await self._pages(0, seen, fetch_keys=True)
        self.trace.first_pulls.append((start, seen))

    async def run(self, kind: str) -> None:
        start, wall = time.perf_counter(), time.monotonic()
        before = len(self.log.requests)
        ok = True
        try:
            await getattr(self, kind)()
        except LoadError as exc:
            ok = False
            self.log.errors.append(f"{self.lap.name} {kind}: {exc}")
        self.log.ops.append(Op(kind, self.lap.name, wall, time.perf_counter() - start, ok,
                               len(self.log.requests) - before))


def pick(lap: Laptop, rng: random.Random, coordinator_share: float) -> str:
    """The mix of issue 17 over all laptops: 90 % syncs with nothing new, 9 % small pushes, 1 % a
    coordinator's first pull. Pushes come from workers and first pulls from coordinators, so each
    role's own odds are scaled by its share of the laptops."""
    draw = rng.random()
    if lap.role == "coordinator":
        return "first_pull" if draw < min(1.0, 0.01 / coordinator_share) else "sync"
    return "push" if draw < min(1.0, 0.09 / (1 - coordinator_share)) else "sync"


async def drive(world: World, url: str, *, duration: float, think: float, seed: int, log: Log) -> float:
    """Every laptop at once for `duration` seconds: work, then think (exponential, mean `think` s).
    Work started before the end is finished. Returns the seconds from the first start to the last end."""
    rng = random.Random(seed)
    coordinators = sum(lap.role == "coordinator" for lap in world.laptops) / len(world.laptops)
    runners = [Runner(lap, world, url, log, random.Random(rng.random())) for lap in world.laptops]
    begin = time.monotonic()
    end = begin + duration

    async def one(r: Runner) -> None:
        # Spread the first requests over one think time, as laptops switched on over the morning.
        await asyncio.sleep(r.rng.uniform(0, think))
        while time.monotonic() < end:
            await r.run(pick(r.lap, r.rng, coordinators))
            await asyncio.sleep(min(r.rng.expovariate(1 / think), max(0.0, end - time.monotonic())))

    try:
        await asyncio.gather(*(one(r) for r in runners))
    finally:
        await asyncio.gather(*(r.close() for r in runners))
    return time.monotonic() - begin
