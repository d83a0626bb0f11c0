"""A city's load (issue 17): simulated laptops against `leerrecht-server serve --workers N` over PostgreSQL.

    python -m benchmarks.load [--laptops 300] [--duration 180] [--workers 1,2,4] [--think 6] [--quick] [--json F]

Setup (world.py, not measured): one PostgreSQL schema; teams of --team-size laptops (a coordinator and
workers), each laptop an enrolled device of its own user, --cases-per-team cases per team with
--revisions-per-case sealed revisions each. Then, for each worker count in turn, over the same data: the
server is started, every laptop works and thinks (an exponential think time of mean --think seconds
between its operations, so the offered rate is laptops / think per second) for --duration seconds,
the server is stopped, and the consistency check (consistency.py) runs over everything so far.

The mix (laptop.py): 90 % syncs with nothing to send, 9 % pushes of 1-5 revisions, 1 % a coordinator's
first pull of its team's cases. Printed per worker count: requests/s, p50/p95/p99 latency per kind and
per endpoint, errors (must be 0), cores busy per process group and what PostgreSQL's connections were
doing (watch.py). The last line is one JSON object of every figure. Without PostgreSQL it says why and
exits 0 with {"skipped": ...}. Nothing here is a test: figures on a shared machine are noisy."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.load import consistency
from benchmarks.load.laptop import KINDS, Log, Trace, drive
from benchmarks.load.server import Server, pg_unavailable, pg_url, schema
from benchmarks.load.watch import Watch
from benchmarks.load.world import World, build
from leerrecht_server.db import migrate, open_engine

QUICK = {"laptops": 20, "duration": 15.0, "workers": "1", "cases_per_team": 30, "revisions_per_case": 3,
         "think": 2.0}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentiles(seconds: list[float]) -> dict[str, float | None]:
    if not seconds:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    if len(seconds) == 1:
        return {"p50_ms": seconds[0] * 1000, "p95_ms": seconds[0] * 1000, "p99_ms": seconds[0] * 1000}
    q = statistics.quantiles(seconds, n=100, method="inclusive")
    return {"p50_ms": statistics.median(seconds) * 1000, "p95_ms": q[94] * 1000, "p99_ms": q[98] * 1000}


def figures(run: Log, elapsed: float) -> dict[str, Any]:
    kinds = {}
    for kind in KINDS:
        ops = [o for o in run.ops if o.kind == kind]
        kinds[kind] = {"count": len(ops), "per_s": len(ops) / elapsed, "errors": sum(not o.ok for o in ops),
                       **percentiles([o.seconds for o in ops if o.ok])}
    endpoints = {}
    for endpoint in sorted({e for e, _, _ in run.requests}):
        reqs = [(s, status) for e, s, status in run.requests if e == endpoint]
        endpoints[endpoint] = {"count": len(reqs), "per_s": len(reqs) / elapsed,
                               "errors": sum(status != 200 for _, status in reqs),
                               **percentiles([s for s, status in reqs if status == 200])}
    return {"seconds": elapsed, "operations": len(run.ops), "ops_per_s": len(run.ops) / elapsed,
            "requests": len(run.requests), "requests_per_s": len(run.requests) / elapsed,
            "errors": len(run.errors), "first_errors": run.errors[:5], "kinds": kinds, "endpoints": endpoints}


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def print_table(results: list[dict[str, Any]]) -> None:
    print(f"{'workers':>7}  {'kind':<16} {'count':>6} {'per s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'errors':>6}")
    for res in results:
        rows = [(k, v) for k, v in res["kinds"].items()] + [(f"req {k}", v) for k, v in res["endpoints"].items()]
        for kind, v in rows:
            print(f"{res['workers']:>7}  {kind:<16} {v['count']:>6} {v['per_s']:>7.1f} {_ms(v['p50_ms']):>7} "
                  f"{_ms(v['p95_ms']):>7} {_ms(v['p99_ms']):>7} {v['errors']:>6}")
        cores = ", ".join(f"{k} {v}" for k, v in res["watch"]["cores"].items())
        states = ", ".join(f"{k} {v:.0%}" for k, v in res["watch"]["pg_states"].items())
        verdict = "ok" if res["consistency"]["ok"] else f"FAILED: {res['consistency']['first_problems'][:3]}"
        print(f"{'':>7}  all: {res['requests_per_s']:.1f} requests/s, {res['ops_per_s']:.1f} operations/s, "
              f"{res['errors']} errors; consistency {verdict}")
        print(f"{'':>7}  cores busy: {cores}")
        print(f"{'':>7}  PostgreSQL connections (mean active {res['watch']['pg_active_mean']}): {states}")


def measure(args: argparse.Namespace, inspect: Callable[[sa.Engine, World, dict[str, Trace]], None] | None = None
            ) -> dict[str, Any]:
    """Set up, load with each worker count, check. `inspect` (for the tests) is called with the
    database, the world and the traces after the last check, before the schema is dropped."""
    workers = [int(w) for w in str(args.workers).split(",") if w.strip()]
    out: dict[str, Any] = {"laptops": args.laptops, "duration_s": args.duration, "think_s": args.think,
                           "offered_ops_per_s": args.laptops / args.think, "team_size": args.team_size,
                           "cases_per_team": args.cases_per_team, "revisions_per_case": args.revisions_per_case,
                           "runs": []}
    with schema(pg_url()) as url, tempfile.TemporaryDirectory(prefix="leerrecht-bench-load-") as folder:
        engine = open_engine(url)
        try:
            migrate(engine)
            start = time.monotonic()
            world = build(engine, url, laptops=args.laptops, team_size=args.team_size,
                          cases_per_team=args.cases_per_team, revisions_per_case=args.revisions_per_case, log=log)
            # Fresh planner statistics, as a server long in use has (autovacuum would get there later):
            # without them the first minutes of load would measure plans made for empty tables.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))
            out["setup_s"] = time.monotonic() - start
            log(f"setup: {len(world.laptops)} laptops, {len(world.case_keys)} cases, {len(world.seeded)} "
                f"revisions in {out['setup_s']:.0f} s")
            traces: dict[str, Trace] = {}
            for n in workers:
                server = Server(url, n, Path(folder) / f"server-{n}.log")
                server.start()
                run = Log(traces=traces)
                try:
                    log(f"load: {args.laptops} laptops for {args.duration:.0f} s against {n} server process(es), "
                        f"offered {args.laptops / args.think:.0f} operations/s")
                    with Watch(url, server.pids) as watch:
                        elapsed = asyncio.run(drive(world, server.url, duration=args.duration, think=args.think,
                                                    seed=args.seed + n, log=run))
                finally:
                    server.stop()
                res = {"workers": n, **figures(run, elapsed), "watch": watch.result(),
                       "consistency": consistency.check(engine, world, traces)}
                log(f"  {res['requests_per_s']:.1f} requests/s, {res['errors']} errors, consistency "
                    f"{'ok' if res['consistency']['ok'] else 'FAILED'}")
                out["runs"].append(res)
            if inspect is not None:
                inspect(engine, world, traces)
        finally:
            engine.dispose()
    out["errors"] = sum(r["errors"] for r in out["runs"])
    out["consistent"] = all(r["consistency"]["ok"] for r in out["runs"])
    return out


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--laptops", type=int, default=300)
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of load per worker count")
    parser.add_argument("--workers", default="1,2,4", help="server processes, comma-separated, one run each")
    parser.add_argument("--think", type=float, default=6.0, help="mean seconds a laptop waits between operations")
    parser.add_argument("--team-size", type=int, default=30, help="laptops per team (one is the coordinator)")
    parser.add_argument("--cases-per-team", type=int, default=300, help="a coordinator's cases")
    parser.add_argument("--revisions-per-case", type=int, default=10, help="revisions of each case at the start")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--quick", action="store_true", help="a smoke run: " + ", ".join(
        f"{k.replace('_', '-')} {v}" for k, v in QUICK.items()))
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.quick:
        given = {a.split("=")[0].lstrip("-").replace("-", "_") for a in (argv or sys.argv[1:]) if a.startswith("--")}
        for key, value in QUICK.items():
            if key not in given:
                setattr(args, key, value)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    reason = pg_unavailable(pg_url())
    if reason:
        print(f"bench-load skipped: {reason}", flush=True)
        print(json.dumps({"skipped": reason}), flush=True)
        return 0
    result = measure(args)
    print_table(result["runs"])
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
        log(f"Figures written to {args.json}")
    print(json.dumps(result, separators=(",", ":"), default=str), flush=True)
    return 0 if result["errors"] == 0 and result["consistent"] else 1

