"""Budgets of DESIGN.md section 6 that concern sync, measured against a real server on loopback.

    python benchmarks/sync.py [--entries 1000,10000,60000] [--quick] [--runs 20] [--json out.json]

Per size (the data sets of benchmarks/data.py: sync-1000, sync-10000, coordinator, stress): a
`leerrecht-server serve` on a free loopback port over a temporary SQLite file; a coordinator laptop
with the generated cases is enrolled and pushes everything (the first full push); a fresh second
laptop of the same user logs in (`login_new_laptop`) and pulls everything (the first full sync to a
fresh laptop, the budget figure); then a sync with nothing new is repeated `--runs` times on that
laptop (one engine, one connection, as the background sync keeps it).

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
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx

# Siblings in benchmarks/: `python benchmarks/sync.py` puts this folder first on the path; the packages
# come from the installed checkout (`make` installs it editable).
import pouchdb_peer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from data import PASSPHRASE, SYNC_SIZES, TEAM, dataset, info
from measure import figure, once_ms, print_table, summarise, timed

from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.sync.account import enrol, login_new_laptop
from leerrecht_desktop.sync.engine import SyncEngine

# The checkout these scripts belong to: the child processes they start run its code from its folder.
ROOT = Path(__file__).resolve().parents[1]

USERNAME = "bench.coordinator"
# None: no budget in DESIGN.md §6 (measured for information).
BUDGETS_MS: dict[str, float | None] = {
    "enrol_and_register": None,
    "first_full_push": None,
    "fresh_laptop_login": None,
    "first_full_pull": 30_000,
    "noop_sync": 100,
}


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


def crypto_floor(db_path: Path, work: Path) -> float:
    """The physical floor of a full sync, in ms, on one thread: per revision of the server (same count,
    same sizes) one Ed25519 verify, one AES-256-GCM open with associated data, one JSON decode and one
    SQLite insert (batches of 500, WAL, synchronous=FULL, one commit per batch). The records are sealed
    and signed with fresh keys before the clock starts."""
    with closing(sqlite3.connect(db_path)) as conn:
        lengths = [int(n) for (n,) in conn.execute("SELECT length(ciphertext) FROM revisions ORDER BY seq")]
    signing, key = Ed25519PrivateKey.generate(), AESGCM.generate_key(bit_length=256)
    public, aead = signing.public_key(), AESGCM(key)
    header = os.urandom(200)  # about what a record's header and associated data take
    sealed = []
    for n in lengths:
        nonce = os.urandom(12)
        body = json.dumps({"text": "x" * max(0, n - 16 - 12)}).encode()
        ciphertext = aead.encrypt(nonce, body, header)
        sealed.append((nonce, ciphertext, signing.sign(header + nonce + ciphertext)))
    target = work / "floor.sqlite3"
    with closing(sqlite3.connect(target, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE records (revision_id TEXT PRIMARY KEY, nonce BLOB, ciphertext BLOB, "
                   "signature BLOB, payload_len INTEGER)")
        start = time.perf_counter()
        for i in range(0, len(sealed), 500):
            rows = []
            for j, (nonce, ciphertext, signature) in enumerate(sealed[i:i + 500], start=i):
                public.verify(signature, header + nonce + ciphertext)
                payload = json.loads(aead.decrypt(nonce, ciphertext, header))
                rows.append((str(j), nonce, ciphertext, signature, len(payload)))
            db.execute("BEGIN")
            db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?)", rows)
            db.execute("COMMIT")
        elapsed = (time.perf_counter() - start) * 1000
    target.unlink(missing_ok=True)
    return elapsed


# -- one size --------------------------------------------------------------------------------------


def bench_size(entries: int, runs: int) -> dict[str, Any]:
    """Push, fresh-laptop login, first full pull and no-op syncs at the data set of about `entries`."""
    source = dataset(SYNC_SIZES[entries])
    meta = info(source)
    cases = meta["cases"]
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
        floor = [crypto_floor(server.db_path, work)]
        print(f"  {meta['entries']} entries: enrol + register {cases} cases {enrol_ms / 1000:.1f} s; first full "
              f"push {push_report.pushed} revisions in {push_ms / 1000:.1f} s", flush=True)
        raws = [("floor: one verify + open + insert per revision, one thread", floor),
                ("read revision rows with sqlite3", raw_read)]
        figures["enrol_and_register"] = figure([enrol_ms], None, count=cases, note="cases registered")
        figures["first_full_push"] = figure([push_ms], BUDGETS_MS["first_full_push"], raws, count=push_report.pushed)

        laptop2 = work / "laptop2"
        login_ms, (ws2, cf2) = once_ms(lambda: login_new_laptop(laptop2, server.url, USERNAME, PASSPHRASE))
        figures["fresh_laptop_login"] = figure([login_ms], BUDGETS_MS["fresh_laptop_login"],
                                               note="two Argon2id derivations")
        engine2 = SyncEngine.for_case_files(cf2)
        pull_ms, pull_report = once_ms(engine2.sync_once)
        print(f"  first full pull {pull_report.pulled} revisions in {pull_ms / 1000:.1f} s", flush=True)
        if pull_report.pulled != revisions or pull_report.refused:
            raise RuntimeError(f"pulled {pull_report.pulled} of {revisions} revisions, refused "
                               f"{pull_report.refused}: {pull_report.errors[:3]}")
        figures["first_full_pull"] = figure([pull_ms], BUDGETS_MS["first_full_pull"], raws, count=pull_report.pulled)

        def noop() -> None:
            report = engine2.sync_once()
            assert report.pulled == 0 and report.pushed == 0

        noop_samples = timed(noop, runs)
        engine2.transport.close()
        ws2.close()
        with httpx.Client() as client:
            raw_health = timed(lambda: client.get(f"{server.url}/v1/health").raise_for_status(), runs)
        figures["noop_sync"] = figure(noop_samples, BUDGETS_MS["noop_sync"],
                                      [("empty GET /v1/health, keep-alive", raw_health)])
        return {"entries": meta["entries"], "cases": cases, "revisions": revisions, "revision_bytes": size,
                "figures": figures}
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def peer_beside(revisions: int, revision_bytes: int, rows: dict[str, Any]) -> dict[str, Any]:
    """PouchDB replicating as many documents of the same mean size; prints ours / theirs."""
    peer = pouchdb_peer.replicate(revisions, round(revision_bytes / revisions))
    out = {"push_ms": peer["push_ms"], "pull_ms": peer["pull_ms"],
           "push_ratio": rows["first_full_push"]["median_ms"] / peer["push_ms"],
           "pull_ratio": rows["first_full_pull"]["median_ms"] / peer["pull_ms"]}
    print(f"  PouchDB, {revisions} documents: push {peer['push_ms'] / 1000:.2f} s (ours {out['push_ratio']:.2f}x), "
          f"pull {peer['pull_ms'] / 1000:.2f} s (ours {out['pull_ratio']:.2f}x; goal 0.5x)", flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--entries", default="1000,10000,60000",
                        help=f"comma-separated data sizes in entries, of {', '.join(map(str, SYNC_SIZES))}")
    parser.add_argument("--quick", action="store_true", help="1,000 entries only")
    parser.add_argument("--runs", type=int, default=20, help="repetitions of the sync with nothing new")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--peer", action="store_true",
                        help="also PouchDB with as many documents, in the same run (benchmarks/pouchdb_peer.py)")
    args = parser.parse_args()
    sizes = [1000] if args.quick else [int(s) for s in args.entries.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SYNC_SIZES]
    if unknown:
        parser.error(f"no data set of {unknown} entries; one of {', '.join(map(str, SYNC_SIZES))}")
    report: dict[str, Any] = {"sizes": []}
    for entries in sizes:
        print(f"Size {entries} entries ...", flush=True)
        result = bench_size(entries, args.runs)
        rows = {name: summarise(fig) for name, fig in result["figures"].items()}
        print_table(rows, f"{result['entries']} entries ({result['cases']} cases, {result['revisions']} revisions, "
                          f"{result['revision_bytes'] / 1e6:.1f} MB on the server); {os.cpu_count()} cores")
        entry = {k: v for k, v in result.items() if k != "figures"} | {"figures": rows}
        if args.peer:
            entry["peer"] = peer_beside(result["revisions"], result["revision_bytes"], rows)
        report["sizes"].append(entry)
        if args.json:  # written after every size, so a long run keeps what it measured
            args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
