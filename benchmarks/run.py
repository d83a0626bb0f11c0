"""`make bench`: every budget of DESIGN.md section 6 at the coordinator size, how cost grows, and the peer.

    python benchmarks/run.py [--runs 15] [--full] [--no-stress] [--no-peer] [--json out.json]
    python benchmarks/run.py --compare before.json after.json

1. Data: the sizes of benchmarks/data.py, generated once (timed) and cached in ~/.cache/leerrecht-bench.
2. The table at the coordinator size (2,000 cases, ~60,000 entries): per figure the median and 95th
   percentile over repeated runs, the budget, and the raw cost of the same work without this project
   with the ratio. Sync figures come from a real `leerrecht-server` on loopback (benchmarks/sync.py).
3. Growth: unlock, search and opening a case at worker, coordinator and stress size; full sync and
   no-op sync at 1,000 / 10,000 / 60,000 entries (and 300,000 with --full); a computed verdict on
   whether the no-op sync stays flat and the full sync grows no worse than linearly.
4. Attachments (benchmarks/attachments.py): a 10 MiB attachment pushed and pulled beside one plain HTTP
   request of the same bytes, the no-op sync with 1,000 attachments beside none, 25 MiB under tracemalloc.
5. The peer: PouchDB replicating the same number of documents of the same size over HTTP on loopback
   (benchmarks/pouchdb_peer.py), beside our full push and pull.

Nothing is asserted: on a shared machine timings are noisy; the table says ok or OVER per figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

# Siblings in benchmarks/: `python benchmarks/run.py` puts this folder first on the path; the packages
# come from the installed checkout (`make` installs it editable).
import attachments as attachments_bench
import data
import local_slice
import pouchdb_peer
import report as report_bench
import sync as sync_bench
from measure import figure, growth_exponent, print_table, ratios, summarise, timed

# A no-op sync is "flat" when time ~ size^k with k at most this between the smallest and largest size
# (0.15: at most 1.85x slower over 60x the data; noise on a shared machine is about that).
FLAT_EXPONENT = 0.15
# Issue 17: our full push and pull each at most this times PouchDB's, measured in the same run.
PEER_GOAL = 0.5
# A full sync grows "no worse than linearly" when k is at most this (1.0 plus room for noise).
LINEAR_EXPONENT = 1.15


def log(message: str) -> None:
    print(message, flush=True)


# -- the parts ---------------------------------------------------------------------------------------


def generate(names: list[str]) -> dict[str, Any]:
    out = {}
    for name in names:
        start = time.perf_counter()
        folder = data.dataset(name)
        meta = data.info(folder)
        out[name] = {"cases": meta["cases"], "entries": meta["entries"],
                     "generated_s": meta.get("generated_s"), "cached": time.perf_counter() - start < 5}
    return out


def coordinator_table(runs: int) -> dict[str, dict[str, Any]]:
    folder = data.dataset("coordinator")
    log("Coordinator size: unlock, save, open a case, search, cold start ...")
    figures = local_slice.run_all(folder, runs)
    log("Case summary PDF ...")
    profile, records = report_bench.make_case(190)
    render = timed(lambda: report_bench.render(profile, records, False), max(5, runs * 2 // 3))
    raw = timed(lambda: report_bench.raw_render(profile, records), max(5, runs * 2 // 3))
    pages = report_bench.page_count(report_bench.render(profile, records, False))
    figures["case_summary_pdf"] = figure(render, report_bench.BUDGET_MS,
                                         [("plain ReportLab paragraphs of the same text", raw)],
                                         note=f"{len(records)} entries, {pages} pages")
    return figures


def sync_series(sizes: list[int], runs: int) -> list[dict[str, Any]]:
    out = []
    for entries in sizes:
        log(f"Sync at {entries} entries (real server on loopback) ...")
        result = sync_bench.bench_size(entries, runs)
        result["figures"] = {name: summarise(fig) for name, fig in result["figures"].items()}
        out.append(result)
    return out


def local_growth(names: list[str], runs: int, coordinator: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """unlock, search and open a case per size (the coordinator's come from its table)."""
    out: dict[str, Any] = {}
    for name in names:
        meta = data.info(data.dataset(name))
        if name == "coordinator":
            rows = {k: coordinator[k] for k in ("unlock_to_case_list", "unlock_to_full_case_list", "search_keystroke",
                                                "open_case_300_entries")}
        else:
            log(f"Growth at {name} size: unlock, search, open a case ...")
            folder = data.dataset(name)
            rows = {**{k: summarise(fig) for k, fig in local_slice.bench_unlock(folder, runs).items()},
                    "search_keystroke": summarise(local_slice.bench_search(folder, runs)),
                    "open_case_300_entries": summarise(local_slice.bench_open_case(folder, runs))}
        out[name] = {"cases": meta["cases"], "entries": meta["entries"], "figures": rows}
    return out


def peer_series(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """PouchDB with as many documents as our full sync moved revisions, of the same mean size."""
    out = []
    for result in series:
        if result["entries"] < 5_000:
            continue
        docs, doc_bytes = result["revisions"], round(result["revision_bytes"] / result["revisions"])
        log(f"PouchDB peer: {docs} documents of ~{doc_bytes} B ...")
        peer = pouchdb_peer.replicate(docs, doc_bytes)
        out.append({"entries": result["entries"], "docs": docs, "doc_bytes": doc_bytes, "pouchdb": peer,
                    "ours": {k: result["figures"][k]["median_ms"] for k in ("first_full_push", "first_full_pull",
                                                                            "noop_sync")}})
    return out


# -- verdicts and printing -----------------------------------------------------------------------------


def verdicts(series: list[dict[str, Any]], growth: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    if len(series) >= 2:
        sizes = [r["entries"] for r in series]
        noop = [r["figures"]["noop_sync"]["median_ms"] for r in series]
        k = growth_exponent(sizes, noop)
        worst = max(r["figures"]["noop_sync"]["p95_ms"] for r in series)
        out.append({"claim": "a sync with nothing new stays flat", "sizes": sizes, "median_ms": noop,
                    "exponent": k, "holds": k is not None and k <= FLAT_EXPONENT,
                    "detail": f"time ~ size^{k:.2f} (flat: <= {FLAT_EXPONENT}); worst p95 {worst:.1f} ms "
                              f"of 100 ms"})
        for name, claim in (("first_full_pull", "the first full sync (pull to a fresh laptop)"),
                            ("first_full_push", "the first full push")):
            times = [r["figures"][name]["median_ms"] for r in series]
            revs = [r["revisions"] for r in series]
            k = growth_exponent(revs, times)
            steps = [growth_exponent(revs[i:i + 2], times[i:i + 2]) for i in range(len(revs) - 1)]
            per = ", ".join(f"{t / n * 1000:.0f} µs" for t, n in zip(times, revs, strict=True))
            out.append({"claim": f"{claim} grows no worse than linearly", "sizes": revs, "median_ms": times,
                        "exponent": k, "holds": k is not None and k <= LINEAR_EXPONENT,
                        "detail": f"time ~ revisions^{k:.2f} overall, per step "
                                  + ", ".join(f"{s:.2f}" for s in steps if s is not None)
                                  + f" (linear: <= {LINEAR_EXPONENT}); per revision {per}"})
    names = list(growth)
    if len(names) >= 2:
        cases = [growth[n]["cases"] for n in names]
        for fig, expect in (("unlock_to_case_list", "shows the case list's first part, the rest behind it"),
                            ("search_keystroke", "matches every case summary"),
                            ("open_case_300_entries", "reads one case's rows by index")):
            times = [growth[n]["figures"][fig]["median_ms"] for n in names]
            k = growth_exponent(cases, times)
            budget = growth[names[-1]]["figures"][fig]["budget_ms"]
            largest = growth[names[-1]]["figures"][fig]["p95_ms"]
            out.append({"claim": f"{fig} ({expect}) stays within budget at {names[-1]} size",
                        "sizes": cases, "median_ms": times, "exponent": k,
                        "holds": largest <= budget,
                        "detail": f"time ~ cases^{k:.2f}; at {cases[-1]} cases p95 {largest:.1f} ms of "
                                  f"{budget:.0f} ms budget"})
    return out


def print_growth(series: list[dict[str, Any]], growth: dict[str, Any], checks: list[dict[str, Any]]) -> None:
    if growth:
        log("\nGrowth, local (median ms): " + ", ".join(f"{n} = {g['cases']} cases / {g['entries']} entries"
                                                        for n, g in growth.items()))
        log(f"{'figure':24}" + "".join(f"{n:>14}" for n in growth))
        for fig in ("unlock_to_case_list", "unlock_to_full_case_list", "search_keystroke", "open_case_300_entries"):
            log(f"{fig:24}" + "".join(f"{g['figures'][fig]['median_ms']:14.2f}" for g in growth.values()))
    if series:
        log("\nGrowth, sync on loopback (median ms)")
        log(f"{'entries':>8} {'revisions':>9} {'MB':>6} {'enrol+reg':>10} {'full push':>10} {'full pull':>10} "
            f"{'no-op':>8} {'no-op p95':>9} {'health':>7}")
        for r in series:
            f = r["figures"]
            log(f"{r['entries']:8d} {r['revisions']:9d} {r['revision_bytes'] / 1e6:6.1f} "
                f"{f['enrol_and_register']['median_ms']:10.0f} {f['first_full_push']['median_ms']:10.0f} "
                f"{f['first_full_pull']['median_ms']:10.0f} {f['noop_sync']['median_ms']:8.1f} "
                f"{f['noop_sync']['p95_ms']:9.1f} {f['noop_sync']['raws'][0]['median_ms']:7.2f}")
    if checks:
        log("\nVerdicts")
        for c in checks:
            log(f"  [{'holds' if c['holds'] else 'DOES NOT HOLD'}] {c['claim']}: {c['detail']}")


def print_peer(peers: list[dict[str, Any]]) -> None:
    if not peers:
        return
    versions = peers[0]["pouchdb"]["versions"]
    log(f"\nPeer: PouchDB {versions['pouchdb']} + express-pouchdb {versions['express-pouchdb']}, "
        f"{peers[0]['pouchdb']['adapter']} adapter on both sides, batch_size 500, loopback, same run")
    log(f"{'docs':>7} {'bytes':>6}  {'push ours':>10} {'PouchDB':>8} {'ratio':>6}  {'pull ours':>10} "
        f"{'PouchDB':>8} {'ratio':>6}  {'no-op ours':>10} {'PouchDB':>8}")
    for p in peers:
        o, q = p["ours"], p["pouchdb"]
        log(f"{p['docs']:7d} {p['doc_bytes']:6d}  {o['first_full_push'] / 1000:9.1f}s {q['push_ms'] / 1000:7.1f}s "
            f"{o['first_full_push'] / q['push_ms']:5.1f}x  {o['first_full_pull'] / 1000:9.1f}s "
            f"{q['pull_ms'] / 1000:7.1f}s {o['first_full_pull'] / q['pull_ms']:5.1f}x  "
            f"{o['noop_sync']:8.1f}ms {q['noop_median_ms']:6.1f}ms")
    # Issue 17's goals: push and pull each at most half of PouchDB's, in the same run.
    for p in peers:
        o, q = p["ours"], p["pouchdb"]
        verdicts = [f"{name} {o[key] / q[ms]:.2f}x of PouchDB {'ok' if o[key] / q[ms] <= PEER_GOAL else 'OVER'}"
                    for name, key, ms in (("push", "first_full_push", "push_ms"),
                                          ("pull", "first_full_pull", "pull_ms"))]
        log(f"  goal <= {PEER_GOAL}x at {p['docs']} documents: " + "; ".join(verdicts))


def compare(a_path: Path, b_path: Path) -> int:
    a, b = json.loads(a_path.read_text()), json.loads(b_path.read_text())
    log(f"{'figure':32} {'A median':>10} {'B median':>10} {'change':>8}   {'A p95':>9} {'B p95':>9}  budget")
    rows = [(k, a["figures"][k], b["figures"][k]) for k in a.get("figures", {}) if k in b.get("figures", {})]
    for sa, sb in zip(a.get("sync", []), b.get("sync", []), strict=False):
        # The coordinator size's sync figures are in the table already.
        if sa["entries"] == sb["entries"] != data.SIZES["coordinator"].entries:
            rows += [(f"{k} @{sa['entries']}", sa["figures"][k], sb["figures"][k]) for k in sa["figures"]
                     if k in sb["figures"]]
    for name, fa, fb in rows:
        change = (fb["median_ms"] / fa["median_ms"] - 1) * 100 if fa["median_ms"] else 0.0
        budget = "-" if fb.get("budget_ms") is None else f"{fb['budget_ms']:.0f}ms"
        log(f"{name:32} {fa['median_ms']:10.2f} {fb['median_ms']:10.2f} {change:+7.0f}%   {fa['p95_ms']:9.2f} "
            f"{fb['p95_ms']:9.2f}  {budget}")
    return 0


# -- main ----------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="repetitions per figure (unlock and cold start fewer)")
    parser.add_argument("--full", action="store_true",
                        help="also the full and no-op sync at the stress size (300,000 entries)")
    parser.add_argument("--no-stress", action="store_true", help="leave the stress size out (no generation)")
    parser.add_argument("--no-peer", action="store_true", help="leave the PouchDB comparison out")
    parser.add_argument("--sync", default="1000,10000,60000",
                        help="entries of the sync series (of 1000, 10000, 60000, 300000); 60000 is the budget size")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"), help="compare two --json runs")
    args = parser.parse_args()
    if args.compare:
        return compare(*args.compare)

    started = time.perf_counter()
    local_names = ["worker", "coordinator"] + ([] if args.no_stress else ["stress"])
    sync_sizes = sorted({int(n) for n in args.sync.split(",") if n.strip()}
                        | ({300_000} if args.full and not args.no_stress else set()))
    if any(n not in data.SYNC_SIZES for n in sync_sizes):
        parser.error(f"--sync sizes are of {', '.join(map(str, data.SYNC_SIZES))}")
    generated = generate(list(dict.fromkeys([*local_names, *(data.SYNC_SIZES[n] for n in sync_sizes)])))
    table = {name: summarise(fig) for name, fig in coordinator_table(args.runs).items()}
    log("Attachments: 10 MiB push and pull, no-op sync with 1,000 attachments, 25 MiB under tracemalloc ...")
    table.update({name: summarise(fig) for name, fig in attachments_bench.run_all(max(3, args.runs // 3)).items()})
    series = sync_series(sync_sizes, args.runs)
    for r in series:
        if r["entries"] == data.SIZES["coordinator"].entries:
            for name in ("first_full_pull", "noop_sync", "first_full_push", "enrol_and_register",
                         "fresh_laptop_login"):
                table[name] = r["figures"][name]
    growth = local_growth(local_names, max(5, args.runs * 2 // 3), table)
    peers = [] if args.no_peer else peer_series(series)
    checks = verdicts(series, growth)

    meta = data.info(data.dataset("coordinator"))
    log("\n" + "=" * 100)
    print_table(table, f"DESIGN.md section 6 at the coordinator size ({meta['cases']} cases, {meta['entries']} "
                       f"entries); {os.cpu_count()} cores, Python {platform.python_version()}")
    print_growth(series, growth, checks)
    print_peer(peers)
    total = time.perf_counter() - started
    gen = ", ".join(f"{n} {g['generated_s']:.0f} s" for n, g in generated.items()
                    if not g["cached"] and g["generated_s"] is not None)
    log(f"\nTotal {total / 60:.1f} min" + (f" (data generated this run: {gen})" if gen else " (data from the cache)"))
    over = [n for n, r in table.items() if r.get("within_budget") is False]
    log("Over budget: " + (", ".join(over) if over else "none"))
    result = {
        "when": dt.datetime.now().isoformat(timespec="seconds"), "cores": os.cpu_count(),
        "python": platform.python_version(), "machine": platform.machine(), "total_s": total,
        "generated": generated, "figures": table, "growth": growth, "verdicts": checks,
        "sync": series, "peer": peers, "runs": args.runs, "load_average": os.getloadavg(),
        "ratios": ratios(table, peers),
    }
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
        log(f"Figures written to {args.json}")
    # The run's last line: every figure and ratio as one JSON object, for a script (`tail -n 1 | jq`).
    print(json.dumps(result, separators=(",", ":"), default=str), flush=True)
    return 0



if __name__ == "__main__":
    raise SystemExit(main())
