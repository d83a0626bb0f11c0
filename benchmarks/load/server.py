"""The measured server: `leerrecht-server serve --workers N` on a free loopback port, over a PostgreSQL
schema of its own, and the processes that belong to it (for the CPU figures of watch.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
PG_DEFAULT = "postgresql+psycopg://leerrecht:leerrecht@127.0.0.1:5432/leerrecht_test"
# Every connection of the measured server says who it is, so pg_stat_activity shows only ours.
APPLICATION_NAME = "leerrecht-bench-load"


def pg_url() -> str:
    """The cluster of tests/server (scripts/start-test-postgres.sh), or LEERRECHT_TEST_PG_URL."""
    return os.environ.get("LEERRECHT_TEST_PG_URL", PG_DEFAULT)


def pg_unavailable(url: str) -> str | None:
    """None when PostgreSQL answers at `url`; otherwise the sentence to skip with."""
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: no PostgreSQL to measure on
        shown = make_url(url).render_as_string(hide_password=True)
        return (f"PostgreSQL is not reachable at {shown} ({type(exc).__name__}); start it with "
                "`sudo bash scripts/start-test-postgres.sh` or set LEERRECHT_TEST_PG_URL")


@contextmanager
def schema(url: str) -> Iterator[str]:
    """A fresh schema for one run, dropped afterwards; yields the URL whose connections work in it."""
    engine = sa.create_engine(url)
    name = f"load_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {name}"))
    try:
        yield make_url(url).update_query_dict({"options": f"-csearch_path={name}",
                                               "application_name": APPLICATION_NAME}
                                              ).render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {name} CASCADE"))
        engine.dispose()


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (uvicorn's workers under the serve process), from /proc."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


class Server:
    def __init__(self, db_url: str, workers: int, log: Path) -> None:
        self.db_url, self.workers, self.log_path = db_url, workers, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        script = Path(sys.executable).with_name("leerrecht-server")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "leerrecht_server"]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [*command, "serve", "--db", self.db_url, "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers), "--log-level", "warning"],
                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)})
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.log_path.read_text(errors="replace")[-2000:])
            try:
                # With several workers, wait until every one of them is up, not only the first.
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200 and (
                        self.workers == 1 or len(children(self.proc.pid)) >= self.workers):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not come up")

    def pids(self) -> list[int]:
        """The serve process and its workers."""
        if self.proc is None:
            return []
        return [self.proc.pid, *children(self.proc.pid)]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.proc = None
