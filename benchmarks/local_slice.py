"""Budgets of DESIGN.md section 6 that concern the local slice, measured on generated data.

    python benchmarks/local_slice.py [--cases 2000] [--entries-per-case 30] [--runs 15] [--json out.json]

Prints, per figure, the median and 95th percentile, the budget, and the raw cost of the same work
without this project (plaintext SQLite, one AES-GCM call) with the ratio. The data set is generated
once (demo data, production Argon2id cost) and cached outside the repo. Nothing here is a test:
timings on a shared machine are noisy, so no figure is asserted anywhere.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from platformdirs import user_cache_path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from measure import p95, timed  # noqa: E402

from leerrecht_desktop.crypto.kdf import KdfParams  # noqa: E402
from leerrecht_desktop.models.entries import FollowUpNote  # noqa: E402
from leerrecht_desktop.store.casefiles import CaseFiles  # noqa: E402
from leerrecht_desktop.store.workspace import Workspace  # noqa: E402

PASSPHRASE = "benchmark zin met vier woorden"
BUDGETS_MS = {
    "unlock_to_case_list": 1500,
    "save_entry_durable": 50,
    "open_case_300_entries": 200,
    "search_keystroke": 100,
    "cold_start_to_unlock_window": 2000,
}




def dataset(cases: int, per_case: int) -> Path:
    """Generate (once) a data folder with `cases` demo cases, one of them with 300 entries."""
    from leerrecht_desktop.demo import populate

    target = user_cache_path("leerrecht-bench") / f"local-{cases}x{per_case}"
    marker = target / "complete.json"
    if marker.exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    print(f"Generating {cases} cases x {per_case} entries in {target} (once) ...", flush=True)
    start = time.perf_counter()
    ws = Workspace(target, create=True)
    cf = ws.create_profile(name="Benchmark Coördinator", role="coordinator", team="Bench",
                           passphrase=PASSPHRASE, kdf=KdfParams.default())
    ids = populate(cf, cases - 1, entries_per_case=per_case, seed=1)
    big = populate(cf, 1, entries_per_case=300, seed=2)[0]
    marker.write_text(json.dumps({"big_case": big, "cases": len(ids) + 1}))
    ws.close()
    print(f"  generated in {time.perf_counter() - start:.0f} s", flush=True)
    return target


def unlocked(data: Path) -> tuple[Workspace, CaseFiles]:
    ws = Workspace(data)
    return ws, ws.unlock(PASSPHRASE)


def bench_unlock(data: Path, runs: int) -> dict[str, Any]:
    def once() -> None:
        ws = Workspace(data)
        cf = ws.unlock(PASSPHRASE)
        rows = sorted(cf.summaries(), key=lambda s: (s.next_action or dt.date.max, s.last_name))
        assert len(rows) > 0
        ws.close()

    ws = Workspace(data)
    params = KdfParams.from_json(json.loads(ws._vault_row().kdf))
    ws.close()
    from leerrecht_desktop.crypto.kdf import derive_master_key

    kdf = timed(lambda: derive_master_key(PASSPHRASE, params), max(3, runs // 3))
    return {"samples": timed(once, max(3, runs // 3)), "raw_label": "Argon2id alone (deliberate)", "raw": kdf}


def bench_save(data: Path, runs: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp()) / "data"
    shutil.copytree(data, work)
    ws, cf = unlocked(work)
    case_id = cf.summaries()[0].case_id
    note = "Gesprek aan de schoolpoort met moeder; afspraak om volgende week samen naar het CLB te gaan. " * 4

    def once() -> None:
        cf.save(case_id, FollowUpNote(text=note, action="Samen naar CLB", action_owner="Werker",
                                      due_on=dt.date.today() + dt.timedelta(days=7)))

    samples = timed(once, runs)
    ws.close()
    # Raw: the same payload size into plaintext SQLite, same durability (WAL + synchronous=FULL).
    raw_db = work.parent / "raw.sqlite3"
    conn = sqlite3.connect(raw_db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    payload = json.dumps({"text": note})

    def raw() -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (body) VALUES (?)", (payload,))
        conn.execute("COMMIT")

    raw_samples = timed(raw, runs)
    conn.close()
    shutil.rmtree(work.parent, ignore_errors=True)
    return {"samples": samples, "raw_label": "plaintext SQLite insert, WAL+FULL", "raw": raw_samples}


def bench_open_case(data: Path, runs: int) -> dict[str, Any]:
    big = json.loads((data / "complete.json").read_text())["big_case"]
    ws, cf = unlocked(data)

    def once() -> None:
        cf._case_keys.clear()  # each open pays for unwrapping the case key, as after unlock
        cf._signers.clear()
        case = cf.load_case(big)
        assert len(case.entries) >= 300

    samples = timed(once, runs)
    ws.close()
    conn = sqlite3.connect(data / "leerrecht.sqlite3")

    def raw() -> None:
        rows = conn.execute("SELECT ciphertext FROM records WHERE case_id=? AND is_head=1", (big,)).fetchall()
        assert len(rows) >= 300

    raw_samples = timed(raw, runs)
    conn.close()
    return {"samples": samples, "raw_label": "reading the same rows from SQLite", "raw": raw_samples}


def bench_search(data: Path, runs: int) -> dict[str, Any]:
    ws, cf = unlocked(data)
    summaries = cf.summaries()
    typed = "peeters maur"
    prefixes = [typed[: i + 1] for i in range(len(typed))]

    def once() -> None:
        for prefix in prefixes:  # one keystroke each
            [s for s in summaries if s.matches(prefix)]

    samples = [v / len(prefixes) for v in timed(once, runs)]
    ws.close()
    return {"samples": samples, "raw_label": None, "raw": None}


def bench_cold_start(data: Path, runs: int) -> dict[str, Any]:
    """A whole process, offscreen: interpreter start, imports, database open, unlock window painted."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    probe = [sys.executable, str(ROOT / "benchmarks" / "startup_probe.py"), str(data)]

    def once() -> None:
        proc = subprocess.Popen(probe, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        proc.wait()
        if line != "shown":
            raise RuntimeError(proc.stderr.read() if proc.stderr else "probe failed")

    def bare() -> None:
        subprocess.run([sys.executable, "-c", "pass"], check=True)

    return {"samples": timed(once, max(5, runs // 2)), "raw_label": "bare python -c pass",
            "raw": timed(bare, 5)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--entries-per-case", type=int, default=30)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    data = dataset(args.cases, args.entries_per_case)
    figures: dict[str, dict[str, Any]] = {
        "unlock_to_case_list": bench_unlock(data, args.runs),
        "save_entry_durable": bench_save(data, args.runs),
        "open_case_300_entries": bench_open_case(data, args.runs),
        "search_keystroke": bench_search(data, args.runs),
        "cold_start_to_unlock_window": bench_cold_start(data, args.runs),
    }
    print(f"\nData: {args.cases} cases, ~{args.cases * args.entries_per_case} entries; {os.cpu_count()} cores\n")
    print(f"{'figure':30} {'median':>9} {'p95':>9} {'budget':>8}  {'raw median':>10}  ratio  raw = ")
    report: dict[str, Any] = {"cases": args.cases, "entries_per_case": args.entries_per_case, "figures": {}}
    for name, fig in figures.items():
        if not fig.get("samples"):
            print(f"{name:30} not measured: {fig.get('error')}")
            continue
        med, high = statistics.median(fig["samples"]), p95(fig["samples"])
        raw = fig.get("raw")
        raw_med = statistics.median(raw) if raw else None
        ratio = f"{med / raw_med:5.1f}x" if raw_med else "     "
        raw_txt = f"{raw_med:8.2f}ms" if raw_med is not None else " " * 10
        flag = "ok" if high <= BUDGETS_MS[name] else "OVER"
        print(f"{name:30} {med:7.2f}ms {high:7.2f}ms {BUDGETS_MS[name]:6d}ms  {raw_txt}  {ratio}  "
              f"{fig.get('raw_label') or ''}  [{flag}]")
        report["figures"][name] = {"median_ms": med, "p95_ms": high, "budget_ms": BUDGETS_MS[name],
                                   "raw_median_ms": raw_med, "raw": fig.get("raw_label")}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
