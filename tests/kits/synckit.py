"""Helpers for the sync client tests: a real `leerrecht-server` process on loopback over a temporary
SQLite file, its admin commands, and client laptops (data folders) enrolled with it. Every name and
note is fictitious. (Imported through the path conftest.py adds; the name avoids clashing with
other test helpers.)"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from leerrecht_desktop.models.case import CaseProfile, Contact, Referral
from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.sync.account import enrol
from leerrecht_desktop.sync.engine import SyncEngine, SyncReport
from leerrecht_desktop.sync.transport import Transport

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "groene tram naar de vaart"
DAY = dt.date(2025, 2, 3)
PAUSE_ENV = "LEERRECHT_SERVER_TEST_PAUSE_FILE"


def server_available() -> bool:
    return importlib.util.find_spec("leerrecht_server") is not None and \
        importlib.util.find_spec("leerrecht_server.app") is not None


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    def __init__(self, folder: Path, db_url: str | None = None):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.db_path = folder / "server.sqlite3"
        self.db_url = db_url or f"sqlite:///{self.db_path}"
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = folder / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop(PAUSE_ENV, None)
        env.update(extra or {})
        return env

    def start(self, *, pause_file: Path | None = None) -> None:
        extra = {PAUSE_ENV: str(pause_file)} if pause_file else {}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "leerrecht_server", "serve", "--db", self.db_url, "--host", "127.0.0.1",
                 "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=self._env(extra))
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

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def admin(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "leerrecht_server", "admin", "--db", self.db_url, *args],
                                capture_output=True, text=True, cwd=ROOT, env=self._env(), timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def create_user(self, username: str, role: str, team: str) -> str:
        return self.admin("create-user", username, "--role", role, "--team", team).strip().splitlines()[-1]

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if not self.db_url.startswith("sqlite"):
            engine = sa.create_engine(self.db_url)
            try:
                with engine.connect() as conn:
                    return [tuple(r) for r in conn.exec_driver_sql(sql.replace("?", "%s"), params).all()]
            finally:
                engine.dispose()
        with closing(sqlite3.connect(self.db_path)) as conn:
            return conn.execute(sql, params).fetchall()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        with closing(sqlite3.connect(self.db_path)) as conn, conn:
            conn.execute(sql, params)


@contextmanager
def running_server(folder: Path, *, team: str | None = None) -> Iterator[ServerProcess]:
    """A `leerrecht-server serve` process for one test (with `team` created), stopped afterwards."""
    if not server_available():
        pytest.skip("leerrecht_server is not importable")
    proc = ServerProcess(folder)
    proc.start()
    try:
        if team is not None:
            proc.admin("create-team", team)
        yield proc
    finally:
        proc.stop()


@dataclass
class Laptop:
    name: str
    data_dir: Path
    workspace: Workspace
    case_files: CaseFiles
    client: httpx.Client | None = None

    @property
    def user_id(self) -> str:
        return self.case_files.user.user_id

    def engine(self, **kw: Any) -> SyncEngine:
        if self.client is None:
            return SyncEngine.for_case_files(self.case_files, **kw)
        state = SyncEngine.for_case_files(self.case_files).store.state()
        transport = Transport(state.server_url, token=state.device_token, client=self.client)
        return SyncEngine(self.case_files, transport, **kw)

    def sync(self, **kw: Any) -> SyncReport:
        engine = self.engine(**kw)
        try:
            return engine.sync_once()
        finally:
            if self.client is None:
                engine.transport.close()

    def close(self) -> None:
        self.workspace.close()


def new_profile(folder: Path, name: str, role: str, team: str) -> Laptop:
    ws = Workspace(folder, create=True)
    cf = ws.create_profile(name=name, role=role, team=team, passphrase=PASSPHRASE)
    return Laptop(name, folder, ws, cf)


def enrolled(server: ServerProcess, folder: Path, username: str, name: str, role: str, team: str,
             *, before: int = 0) -> Laptop:
    """A laptop with a local profile (and `before` cases made before enrolment), enrolled with the server."""
    laptop = new_profile(folder, name, role, team)
    for _ in range(before):
        make_case(laptop.case_files)
    code = server.create_user(username, role, team)
    enrol(laptop.workspace, laptop.case_files, server.url, username, code, PASSPHRASE)
    return laptop


def profile(tag: str | None = None) -> CaseProfile:
    tag = tag or uuid.uuid4().hex[:6]
    return CaseProfile(
        first_name=f"Fictiefsync{tag}", last_name=f"Testkindsync{tag}", birth_date=dt.date(2012, 4, 1),
        gender="v", school="Den Anker", level="lager", class_name="6A",
        contacts=[Contact(name=f"Fictieve Ouder {tag}", relation="moeder", phone="0470 00 00 00")],
        referral=Referral(source="school", referred_on=dt.date(2025, 1, 6), concern=f"Fictieve zorg {tag}"),
        target_groups=["spijbelaar"], life_domains=["school"],
    )


def worker_and_coordinator(server: ServerProcess, tmp_path: Path) -> Iterator[tuple[Laptop, Laptop]]:
    """A worker and the coordinator of team Noord, both enrolled; closed afterwards (a fixture's body)."""
    server.admin("create-team", "Noord")
    w1 = enrolled(server, tmp_path / "w1", "werker1", "Fictieve Werker Een", "netsterk", "Noord")
    coord = enrolled(server, tmp_path / "coord", "coord", "Fictieve Coordinator", "coordinator", "Noord")
    yield w1, coord
    w1.close()
    coord.close()


def make_case(cf: CaseFiles, notes: int = 2) -> str:
    record = cf.create_case(profile(), today=DAY)
    for i in range(notes):
        cf.save(record.case_id, FollowUpNote(occurred_on=DAY, text=f"Fictieve notitie {i} {uuid.uuid4().hex[:6]}"),
                today=DAY)
    return record.case_id


def snapshot(cf: CaseFiles, case_id: str) -> dict[str, Any]:
    """What a user sees of a case: profile and entries by record id, decrypted."""
    from leerrecht_desktop.models.records import encode

    case = cf.load_case(case_id)
    assert case.refused == []
    return {"profile": encode(case.profile.content),
            "entries": {r.record_id: encode(r.content) for r in case.entries}}


def user_id_of(server: ServerProcess, username: str) -> str:
    rows = server.query("SELECT user_id FROM users WHERE username = ?", (username,))
    return str(rows[0][0])
