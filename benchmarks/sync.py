"""Budgets of DESIGN.md section 6 that concern sync, measured against a real server on loopback.

    python benchmarks/sync.py [--entries 1000,10000,60000] [--quick] [--runs 20] [--json out.json]

Per size (cases = entries / 30, demo data, production Argon2id cost): a `leerrecht-server serve` on a
free loopback port over a temporary SQLite file; a coordinator laptop with the generated cases is
enrolled and pushes everything (the first full push); a fresh second laptop of the same user logs in
(`login_new_laptop`) and pulls everything (the first full sync to a fresh laptop, the budget figure);
then a sync with nothing new is repeated `--runs` times on that laptop (one engine, one connection, as
the background sync keeps it).

Beside each figure, the raw cost of the same work without this project: for the no-op sync an empty
HTTP round trip to `/v1/health` on the same connection; for the full push and pull, reading the
server's revision rows (the same bytes) with sqlite3. The generated source folders are cached outside
the repo. Nothing here is a test: timings on a shared machine are noisy, so no figure is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
from platformdirs import user_cache_path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from measure import p95, timed  # noqa: E402

from leerrecht_desktop.crypto.kdf import KdfParams  # noqa: E402
from leerrecht_desktop.store.workspace import Workspace  # noqa: E402
from leerrecht_desktop.sync.account import enrol, login_new_laptop  # noqa: E402
from leerrecht_desktop.sync.engine import SyncEngine  # noqa: E402

PASSPHRASE = "benchmark zin met vier woorden"
TEAM = "Bench"
USERNAME = "bench.coordinator"
PER_CASE = 30
# None: no budget in DESIGN.md §6 (measured for information).
BUDGETS_MS: dict[str, float | None] = {
    "first_full_push": None,
    "fresh_laptop_login": None,
    "first_full_pull": 30_000,
    "noop_sync": 100,
}




def once_ms(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


# -- data ------------------------------------------------------------------------------------------


def dataset(cases: int) -> Path:
    """Generate (once) a coordinator's data folder with `cases` demo cases of PER_CASE entries."""
    from leerrecht_desktop.demo import populate

    target = user_cache_path("leerrecht-bench") / f"sync-{cases}x{PER_CASE}"
    marker = target / "complete.json"
    if marker.exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    print(f"Generating {cases} cases x {PER_CASE} entries in {target} (once) ...", flush=True)
    start = time.perf_counter()
    ws = Workspace(target, create=True)
    cf = ws.create_profile(name="Benchmark Coördinator", role="coordinator", team=TEAM,
                           passphrase=PASSPHRASE, kdf=KdfParams.default())
    ids = populate(cf, cases, entries_per_case=PER_CASE, seed=3)  # one case_files.batch() per chunk of cases
    cf.checkpoint()
    marker.write_text(json.dumps({"cases": len(ids)}))
    ws.close()
    print(f"  generated in {time.perf_counter() - start:.0f} s", flush=True)
    return target


# -- server ----------------------------------------------------------------------------------------


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_command() -> list[str]:
    script = Path(sys.executable).with_name("leerrecht-server")
    return [str(script)] if script.exists() else [sys.executable, "-m", "leerrecht_server"]


class Server:
    """`leerrecht-server serve` on a free loopback port over a SQLite file in `folder`."""

    def __init__(self, folder: Path):
        self.db_path = folder / "server.sqlite3"
        self.db_url = f"sqlite:///{self.db_path}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "server.log"
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([*server_command(), "serve", "--db", self.db_url, "--host", "127.0.0.1",
                                          "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT,
                                         cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.log.read_text(errors="replace")[-2000:])
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not come up")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.proc = None

    def admin(self, *args: str) -> str:
        result = subprocess.run([*server_command(), "admin", "--db", self.db_url, *args], capture_output=True,
                                text=True, cwd=ROOT, env=self.env, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(result.stderr)
        return result.stdout


def read_revision_rows(db_path: Path) -> tuple[int, int]:
    """The raw cost of the full sync's bytes: every revision row of the server DB read with sqlite3."""
    with closing(sqlite3.connect(db_path)) as conn:
        rows = conn.execute("SELECT * FROM revisions ORDER BY seq").fetchall()
    size = sum(len(v) if isinstance(v, (bytes, str)) else 8 for row in rows for v in row)
    return len(rows), size


# -- one size --------------------------------------------------------------------------------------


def bench_size(entries: int, runs: int) -> dict[str, Any]:
    cases = max(1, entries // PER_CASE)
    source = dataset(cases)
    work = Path(tempfile.mkdtemp(prefix="leerrecht-bench-sync-"))
    server = Server(work)
    figures: dict[str, Any] = {}
    try:
        laptop1 = work / "laptop1"
        shutil.copytree(source, laptop1, ignore=shutil.ignore_patterns("complete.json"))
        server.start()
        server.admin("create-team", TEAM)
        code = server.admin("create-user", USERNAME, "--role", "coordinator", "--team", TEAM).strip().splitlines()[-1]

        ws1 = Workspace(laptop1)
        cf1 = ws1.unlock(PASSPHRASE)
        enrol_ms, _ = once_ms(lambda: enrol(ws1, cf1, server.url, USERNAME, code, PASSPHRASE))
        engine1 = SyncEngine.for_case_files(cf1)
        push_ms, push_report = once_ms(engine1.sync_once)
        engine1.transport.close()
        ws1.close()
        revisions, size = read_revision_rows(server.db_path)
        raw_read = timed(lambda: read_revision_rows(server.db_path), 3)
        print(f"  {entries} entries: enrol + register {cases} cases {enrol_ms / 1000:.1f} s; first full push "
              f"{push_report.pushed} revisions in {push_ms / 1000:.1f} s", flush=True)
        figures["first_full_push"] = {"samples": [push_ms], "raw_label": "read revision rows with sqlite3",
                                      "raw": raw_read, "count": push_report.pushed}

        laptop2 = work / "laptop2"
        login_ms, (ws2, cf2) = once_ms(lambda: login_new_laptop(laptop2, server.url, USERNAME, PASSPHRASE))
        figures["fresh_laptop_login"] = {"samples": [login_ms], "raw_label": "(two Argon2id derivations)",
                                         "raw": None}
        engine2 = SyncEngine.for_case_files(cf2)
        pull_ms, pull_report = once_ms(engine2.sync_once)
        print(f"  first full pull {pull_report.pulled} revisions in {pull_ms / 1000:.1f} s", flush=True)
        if pull_report.pulled != revisions or pull_report.refused:
            raise RuntimeError(f"pulled {pull_report.pulled} of {revisions} revisions, refused "
                               f"{pull_report.refused}: {pull_report.errors[:3]}")
        figures["first_full_pull"] = {"samples": [pull_ms], "raw_label": "read revision rows with sqlite3",
                                      "raw": raw_read, "count": pull_report.pulled}

        def noop() -> None:
            report = engine2.sync_once()
            assert report.pulled == 0 and report.pushed == 0

        noop_samples = timed(noop, runs)
        engine2.transport.close()
        ws2.close()
        with httpx.Client() as client:
            raw_health = timed(lambda: client.get(f"{server.url}/v1/health").raise_for_status(), runs)
        figures["noop_sync"] = {"samples": noop_samples, "raw_label": "empty GET /v1/health, keep-alive",
                                "raw": raw_health}
        return {"entries": entries, "cases": cases, "revisions": revisions, "revision_bytes": size,
                "figures": figures}
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def print_table(result: dict[str, Any]) -> dict[str, Any]:
    print(f"\n{result['entries']} entries ({result['cases']} cases, {result['revisions']} revisions, "
          f"{result['revision_bytes'] / 1e6:.1f} MB on the server); {os.cpu_count()} cores\n")
    print(f"{'figure':20} {'n':>3} {'median':>11} {'p95':>11} {'budget':>9}  {'raw median':>11}  ratio  raw = ")
    out: dict[str, Any] = {}
    for name, fig in result["figures"].items():
        med, high = statistics.median(fig["samples"]), p95(fig["samples"])
        raw = fig.get("raw")
        raw_med = statistics.median(raw) if raw else None
        ratio = f"{med / raw_med:6.1f}x" if raw_med else "       "
        raw_txt = f"{raw_med:9.2f}ms" if raw_med is not None else " " * 11
        budget = BUDGETS_MS[name]
        budget_txt = f"{budget:7.0f}ms" if budget is not None else "        -"
        flag = "" if budget is None else ("  [ok]" if high <= budget else "  [OVER]")
        print(f"{name:20} {len(fig['samples']):3d} {med:9.1f}ms {high:9.1f}ms {budget_txt}  {raw_txt} {ratio}  "
              f"{fig.get('raw_label') or ''}{flag}")
        out[name] = {"runs": len(fig["samples"]), "median_ms": med, "p95_ms": high, "budget_ms": budget,
                     "raw_median_ms": raw_med, "raw": fig.get("raw_label"), "count": fig.get("count")}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--entries", default="1000,10000,60000",
                        help="comma-separated data sizes in entries (cases = entries / 30)")
    parser.add_argument("--quick", action="store_true", help="1,000 entries only")
    parser.add_argument("--runs", type=int, default=20, help="repetitions of the sync with nothing new")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    sizes = [1000] if args.quick else [int(s) for s in args.entries.split(",") if s.strip()]
    report: dict[str, Any] = {"sizes": []}
    for entries in sizes:
        print(f"Size {entries} entries ...", flush=True)
        result = bench_size(entries, args.runs)
        figures = print_table(result)
        report["sizes"].append({k: v for k, v in result.items() if k != "figures"} | {"figures": figures})
        if args.json:  # written after every size, so a long run keeps what it measured
            args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
