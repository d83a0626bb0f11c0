"""Where the time goes while the load runs: CPU per process group from /proc, and what the server's
PostgreSQL connections are doing (pg_stat_activity), sampled twice a second in a thread.

The groups: the load generator (this process), the server (the serve process and its workers) and
PostgreSQL (the backends whose application_name is the server's, server.APPLICATION_NAME). A group's
figure is CPU seconds over wall seconds, i.e. cores kept busy; the machine's total comes from
/proc/stat. The connection states count samples: `active` with no wait event means working on the
CPU, a `Lock` wait means a row or table lock (the push's counter lock), `IO`/`LWLock` the database."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from benchmarks.load.server import APPLICATION_NAME

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of every CPU, from the first line of /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return float(sum(values) - idle), float(sum(values))


def statement(query: str) -> str:
    """A statement short enough to name: its select list (SQLAlchemy names every column) left out."""
    text = " ".join(query.split())
    verb, _, rest = text.partition(" ")
    if verb.upper() == "SELECT" and " FROM " in rest:
        text = f"SELECT … FROM {rest.split(' FROM ', 1)[1]}"
    return text[:140]


class Watch:
    def __init__(self, db_url: str, server_pids: Callable[[], list[int]]) -> None:
        # Under a name of its own: its query must not count among the server's connections.
        url = make_url(db_url).update_query_dict({"application_name": APPLICATION_NAME + "-watch"})
        self.engine = sa.create_engine(url, pool_size=1, max_overflow=0)
        self.server_pids = server_pids
        self.stop_event = threading.Event()
        self.last: dict[tuple[str, int], float] = {}
        self.used: dict[str, float] = dict.fromkeys(("load generator", "server", "postgresql"), 0.0)
        self.states: Counter[str] = Counter()
        self.queries: Counter[str] = Counter()  # the statements active connections were running
        self.busy_backends: list[int] = []
        self.thread = threading.Thread(target=self._loop, name="bench-load-watch", daemon=True)

    def _groups(self, conn: sa.Connection) -> dict[str, list[int]]:
        rows = conn.execute(sa.text(
            "SELECT pid, state, wait_event_type, wait_event, left(query, 600) AS query FROM pg_stat_activity "
            "WHERE application_name = :a"),
            {"a": APPLICATION_NAME}).all()
        active = 0
        for row in rows:
            if row.state == "active":
                active += 1
                self.states[f"active: {row.wait_event_type or 'CPU'}"
                            + (f" ({row.wait_event})" if row.wait_event else "")] += 1
                self.queries[statement(str(row.query))] += 1
            elif row.state:
                self.states[row.state] += 1
        self.busy_backends.append(active)
        return {"load generator": [os.getpid()], "server": self.server_pids(),
                "postgresql": [int(row.pid) for row in rows]}

    def _sample(self, conn: sa.Connection) -> None:
        for group, pids in self._groups(conn).items():
            for pid in pids:
                now = cpu_seconds(pid)
                if now is None:
                    continue
                before = self.last.get((group, pid))
                self.last[(group, pid)] = now
                if before is not None:
                    self.used[group] += now - before

    def _loop(self) -> None:
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            while not self.stop_event.is_set():
                self._sample(conn)
                self.stop_event.wait(0.5)

    def __enter__(self) -> Watch:
        self.start_wall = time.monotonic()
        self.start_busy = machine_busy()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.thread.join(timeout=10)
        self.engine.dispose()
        self.wall = time.monotonic() - self.start_wall
        busy, total = machine_busy()
        self.machine = (busy - self.start_busy[0]) / max(1.0, total - self.start_busy[1]) * (os.cpu_count() or 1)

    def result(self) -> dict[str, Any]:
        """Cores busy per group and for the whole machine, and the share of connection-state samples."""
        states = sum(self.states.values()) or 1
        return {
            "cores": {g: round(self.used[g] / self.wall, 3) for g in ("load generator", "server", "postgresql")}
            | {"machine (all processes)": round(self.machine, 3), "machine cpus": os.cpu_count()},
            "pg_states": {k: round(v / states, 3) for k, v in self.states.most_common(8)},
            "pg_active_mean": round(sum(self.busy_backends) / max(1, len(self.busy_backends)), 2),
            "pg_active_queries": {k: round(v / (sum(self.queries.values()) or 1), 3)
                                  for k, v in self.queries.most_common(6)},
        }
