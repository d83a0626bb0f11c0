"""Attachments through a real server on loopback (issue 15, sync/blobs.py).

    python benchmarks/attachments.py [--runs 5]

- `attachment_10mb_push` / `attachment_10mb_pull`: sending a sealed 10 MiB attachment (40 chunk
  requests, the announcement and the manifest) and fetching it on a colleague's laptop (40 requests,
  each chunk checked and stored, then the whole checked: every tag and the plaintext's hash), beside a
  plain httpx POST / GET of the same number of bytes in one request to a trivial ASGI app under the
  same uvicorn on loopback. The goal: at least half the raw throughput (a time ratio of at most 2.0x).
  Beside it a second raw: the same bytes written durably into SQLite (WAL, synchronous=FULL, a commit
  per 2 MiB), the floor of storing them at all on this disk; both sides store every chunk.
- `noop_sync_1000_attachments`: a sync round with nothing new on a laptop holding 1,000 synced
  attachments, beside the same laptop's round before it had any (must stay flat).
- `attachment_25mb_sync`: sending then fetching a 25 MiB attachment, with the peak of Python's traced
  memory (tracemalloc) during each in the note: chunk by chunk, it stays at a few chunks.

Nothing is asserted (timings on a shared machine are noisy)."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
from measure import figure, print_table, summarise, timed
from sync import ROOT, Server, free_port

from leerrecht_desktop.models.case import CaseProfile, Referral
from leerrecht_desktop.store.attachment_sync import AttachmentSync
from leerrecht_desktop.store.attachments import Attachments
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.sync import blobs
from leerrecht_desktop.sync.account import enrol
from leerrecht_desktop.sync.engine import SyncEngine

PASSPHRASE = "bijlagen bank met vier woorden"
TEAM = "Bench"
PNG = b"\x89PNG\r\n\x1a\n"
MIB = 1024 * 1024

# A trivial ASGI app: takes a POST body and answers 204; answers a GET with N bytes (the raw figures).
_RAW_APP = """
import sys, uvicorn
SIZE = int(sys.argv[2])
PAYLOAD = b"x" * SIZE
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["method"] == "POST":
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
    else:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/octet-stream")]})
        await send({"type": "http.response.body", "body": PAYLOAD})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def log(message: str) -> None:
    print(message, flush=True)


def _laptop(server: Server, folder: Path, username: str, role: str) -> tuple[Workspace, CaseFiles]:
    ws = Workspace(folder, create=True)
    cf = ws.create_profile(name=f"Fictieve {username}", role=role, team=TEAM, passphrase=PASSPHRASE)
    code = server.admin("create-user", username, "--role", role, "--team", TEAM).strip().splitlines()[-1]
    enrol(ws, cf, server.url, username, code, PASSPHRASE)
    return ws, cf


def _case(cf: CaseFiles) -> str:
    profile = CaseProfile(first_name="Fictief", last_name="Bijlagekind", birth_date=dt.date(2012, 4, 1),
                          referral=Referral(source="school", referred_on=dt.date(2025, 1, 6), concern="Fictief"))
    return cf.create_case(profile).case_id


def _png(size: int) -> io.BytesIO:
    return io.BytesIO(PNG + os.urandom(size - len(PNG)))


def _raw_server(size: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", _RAW_APP, str(port), str(size)], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the raw server did not come up")


def _sqlite_writes(folder: Path, size: int) -> Any:
    """The floor of storing the same bytes durably: SQLite in WAL mode with synchronous=FULL (as the
    server's database), one transaction per 2 MiB as the server commits a request of eight chunks."""
    import sqlite3

    conn = sqlite3.connect(folder / "raw.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS chunks (id INTEGER PRIMARY KEY, data BLOB)")
    parts = [os.urandom(256 * 1024 + 28) for _ in range(size // (256 * 1024))]

    def write() -> None:
        for i in range(0, len(parts), 8):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO chunks (data) VALUES (?)", [(p,) for p in parts[i:i + 8]])
            conn.execute("COMMIT")
        conn.execute("DELETE FROM chunks")

    return write


def run_all(runs: int) -> dict[str, dict[str, Any]]:
    work = Path(tempfile.mkdtemp(prefix="leerrecht-bench-attachments-"))
    server = Server(work)
    raw_proc: subprocess.Popen[bytes] | None = None
    figures: dict[str, dict[str, Any]] = {}
    try:
        server.start()
        server.admin("create-team", TEAM)
        ws1, worker = _laptop(server, work / "worker", "bench.werker", "netsterk")
        ws2, coord = _laptop(server, work / "coord", "bench.coord", "coordinator")
        case_id = _case(worker)
        engine1, engine2 = SyncEngine.for_case_files(worker), SyncEngine.for_case_files(coord)
        engine1.sync_once()
        engine2.sync_once()

        log("Attachments: no-op sync without attachments ...")
        noop_without = timed(engine1.sync_once, runs * 4)

        log(f"Attachments: 10 MiB push and pull, {runs} runs ...")
        size = 10 * MIB
        store1, store2 = AttachmentSync(worker), AttachmentSync(coord)
        ids = [Attachments(worker).add(case_id, _png(size), f"Fictief {i}", file_name="scan.png").attachment_id
               for i in range(runs + 1)]
        pending = list(ids)
        push = timed(lambda: blobs.send(engine1.transport, store1, pending.pop(0)), runs)
        saved, blobs.BACKGROUND_BYTES = blobs.BACKGROUND_BYTES, 0
        try:
            engine2.sync_once()  # lists the manifests only
        finally:
            blobs.BACKGROUND_BYTES = saved
        manifests = [store2.manifest(a)[0] for a in ids]
        pull = timed(lambda: blobs.fetch(engine2.transport, store2, manifests.pop(0)), runs)
        raw_proc, raw_url = _raw_server(size)
        payload = os.urandom(size)
        with httpx.Client() as client:
            raw_post = timed(lambda: client.post(f"{raw_url}/sink", content=payload).raise_for_status(), runs)
            raw_get = timed(lambda: client.get(f"{raw_url}/source").raise_for_status(), runs)
        raw_proc.terminate()
        raw_proc.wait(timeout=15)
        raw_proc = None
        stored = timed(_sqlite_writes(work, size), runs)
        durable = ("the same bytes into SQLite (WAL, synchronous=FULL), 2 MiB per commit", stored)
        figures["attachment_10mb_push"] = figure(push, None, [("one httpx POST of 10 MiB, same uvicorn", raw_post),
                                                              durable],
                                                 note="5 requests of 8 chunks + announcement + manifest")
        figures["attachment_10mb_pull"] = figure(pull, None, [("one httpx GET of 10 MiB, same uvicorn", raw_get),
                                                              durable],
                                                 note="5 requests of 8 chunks, each checked and stored, then the whole")

        log("Attachments: 1,000 small attachments, then the no-op sync again ...")
        for i in range(1000):
            Attachments(worker).add(case_id, _png(2000), f"Klein {i}", file_name="klein.png")
        engine1.sync_once()
        noop_with = timed(engine1.sync_once, runs * 4)
        figures["noop_sync_1000_attachments"] = figure(
            noop_with, 100, [("the same laptop's no-op sync with no attachments", noop_without)],
            note=f"{1000 + runs + 1} attachments synced on the laptop")

        log("Attachments: 25 MiB sent and fetched under tracemalloc ...")
        big = Attachments(worker).add(case_id, _png(25 * MIB), "Groot", file_name="groot.png").attachment_id
        tracemalloc.start()
        start = time.perf_counter()
        blobs.send(engine1.transport, store1, big)
        up_ms = (time.perf_counter() - start) * 1000
        _, up_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        engine2.sync_once()  # lists it and fetches it in the background (within the per-round budget)
        _, down_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures["attachment_25mb_sync"] = figure(
            [up_ms], None, note=f"peak traced memory {up_peak / MIB:.1f} MiB sending, {down_peak / MIB:.1f} MiB "
                                f"in the round that fetched it (25 MiB file)",
            peak_upload_mib=up_peak / MIB, peak_download_mib=down_peak / MIB)
        for engine in (engine1, engine2):
            engine.transport.close()
        ws1.close()
        ws2.close()
        return figures
    finally:
        if raw_proc is not None:
            raw_proc.kill()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    table = {name: summarise(fig) for name, fig in run_all(args.runs).items()}
    print_table(table, "Attachments on loopback")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
