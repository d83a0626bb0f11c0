"""After the load: nothing pushed was lost, doubled, changed or withheld from a member.

Checked against the server's database and against what every simulated laptop pulled:
- every revision pushed (in setup and under load, each answered `accepted`) is in the `revisions`
  table exactly once, with the ciphertext that was pushed, and the table holds nothing else;
- every pushed revision reached every member of its case that synced after the push was answered,
  and by the first such sync (a revision committed before a sync starts must be in that sync), with
  the same ciphertext; every coordinator's first pull that started after it contains it too;
- no laptop received a revision of a case it is not a member of."""

from __future__ import annotations

import base64
import bisect
from collections import Counter
from typing import Any

import sqlalchemy as sa

from benchmarks.load.laptop import Trace
from benchmarks.load.world import World, digest

MAX_SHOWN = 10


def check(engine: sa.Engine, world: World, traces: dict[str, Trace]) -> dict[str, Any]:
    problems: list[str] = []
    expected = dict(world.seeded)
    pushed = [(name, x) for name, t in traces.items() for x in t.pushed]
    expected.update({x.revision_id: x.digest for _, x in pushed})

    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT revision_id, case_id, ciphertext FROM revisions")).all()
    on_server = Counter(str(r.revision_id) for r in rows)
    stored = {str(r.revision_id): digest(base64.b64encode(bytes(r.ciphertext)).decode("ascii")) for r in rows}
    case_of = {str(r.revision_id): str(r.case_id) for r in rows}
    for rev_id, want in expected.items():
        count = on_server.get(rev_id, 0)
        if count != 1:
            problems.append(f"revision {rev_id} is on the server {count} times")
        elif stored[rev_id] != want:
            problems.append(f"revision {rev_id} is on the server with other bytes than were pushed")
    for rev_id in set(on_server) - set(expected):
        problems.append(f"revision {rev_id} is on the server but nobody pushed it")

    deliveries = 0
    for _, x in pushed:
        for member in world.members[x.case_id]:
            trace = traces.get(member)
            if trace is None:
                continue
            starts = [s for s, _ in trace.syncs]
            first_after = bisect.bisect_right(starts, x.acked)
            if first_after < len(starts):
                deliveries += 1
                got = trace.received.get(x.revision_id)
                if got is None:
                    problems.append(f"{member} synced after revision {x.revision_id} was pushed but never got it")
                elif got[0] > first_after:
                    problems.append(f"{member} got revision {x.revision_id} only {got[0] - first_after} syncs late")
                elif got[1] != x.digest:
                    problems.append(f"{member} got revision {x.revision_id} with other bytes than were pushed")
            for start, seen in trace.first_pulls:
                if start > x.acked:
                    deliveries += 1
                    if seen.get(x.revision_id) != x.digest:
                        problems.append(f"{member}'s first pull after revision {x.revision_id} lacks it")

    laptops = world.by_name()
    for name, trace in traces.items():
        allowed = set(laptops[name].cases)
        everything = set(trace.received) | {r for _, seen in trace.first_pulls for r in seen}
        foreign = [r for r in everything if case_of.get(r) not in allowed]
        if foreign:
            problems.append(f"{name} received {len(foreign)} revisions of cases it is not a member of")

    return {"ok": not problems, "revisions_on_server": len(rows), "expected": len(expected),
            "pushed_under_load": len(pushed), "deliveries_checked": deliveries, "problems": len(problems),
            "first_problems": problems[:MAX_SHOWN]}
