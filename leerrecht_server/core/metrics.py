"""`GET /metrics` through prometheus_client, exact across the processes of `serve --workers N`.

With several workers, `serve` points PROMETHEUS_MULTIPROC_DIR at a private folder before they start:
prometheus_client then keeps every counter in a file per process there, and a scrape, answered by
whichever process the kernel hands the connection to, sums all of them (MultiProcessCollector). One
process alone (one worker, tests) keeps its counters in memory, in a registry of its application's
own, so two applications in one process don't add up.

The gauges are read at each scrape: from the database (the same in every process) and this process's
uptime."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, generate_latest, multiprocess, values
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics import disable_created_metrics
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from leerrecht_core import protocol as p
from leerrecht_server.core.config import MULTIPROC_ENV
from leerrecht_server.tables import SCHEMA_HEAD

# The text format /metrics has always answered in.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
# No `*_created` series beside each counter: the names /metrics exposes stay the ones documented.
disable_created_metrics()

_DATABASE_GAUGES = (("revisions_stored", "Sealed revisions in the database."),
                    ("sequence_high_water", "Highest committed sequence number."),
                    ("cases", "Cases in the database."),
                    ("users_active", "Enrolled users."),
                    ("users_pending", "Users awaiting enrolment."),
                    ("devices_registered", "Devices not revoked."),
                    ("devices_revoked", "Revoked devices."))


def multiprocess_mode() -> bool:
    """Whether prometheus_client counts in PROMETHEUS_MULTIPROC_DIR. It decides once, when it is
    first imported, from the environment; so ask it rather than the environment."""
    return values.ValueClass is not values.MutexValue


class ExportedCounters:
    """The counters /metrics exposes, for all processes of this server together."""

    def __init__(self) -> None:
        self.multiprocess = multiprocess_mode()
        own = None if self.multiprocess else CollectorRegistry()
        self.requests = Counter("leerrecht_http_requests", "Requests served by all processes of this server.",
                                ("method", "route", "status_class"), registry=own)
        self.pushes = Counter("leerrecht_pushes", "Successful push requests served by all processes.", registry=own)
        self.pulls = Counter("leerrecht_pulls", "Successful pull requests served by all processes.", registry=own)
        if own is None:
            own = CollectorRegistry()
            multiprocess.MultiProcessCollector(own)  # reads every process's file at each scrape
        self._counters: Collector = own

    def record(self, method: str, route: str, status: int) -> None:
        self.requests.labels(method, route, f"{status // 100}xx").inc()
        if status == 200 and method == "POST" and route == f"{p.API_PREFIX}/push":
            self.pushes.inc()
        elif status == 200 and method == "GET" and route == f"{p.API_PREFIX}/pull":
            self.pulls.inc()

    def exposition(self, healthy: bool, report: dict[str, Any], uptime: float) -> bytes:
        """The text /metrics answers: the gauges of `report` (observe.status_report), then the counters."""
        return generate_latest(_StatusGauges(healthy, report, uptime)) + generate_latest(self._counters)


def process_exited() -> None:
    """At a worker's exit: its live gauges leave the sum (its counters stay in it, as counters must)."""
    if multiprocess_mode() and os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())


class _StatusGauges(Collector):
    def __init__(self, healthy: bool, report: dict[str, Any], uptime: float) -> None:
        self._healthy, self._report, self._uptime = healthy, report, uptime

    def collect(self) -> Iterable[Metric]:
        return list(self._gauges())

    def _gauges(self) -> Iterator[Metric]:
        db = self._report["database"]
        yield GaugeMetricFamily("leerrecht_up", "1 if the database is reachable and at this version's schema.",
                                value=1 if self._healthy else 0)
        yield GaugeMetricFamily("leerrecht_database_reachable", "1 if the database answered.",
                                value=1 if db["reachable"] else 0)
        info = GaugeMetricFamily("leerrecht_schema_info", "The database's schema version (label).",
                                 labels=("version", "expected"))
        info.add_metric((str(db["schema_version"]), SCHEMA_HEAD), 1)
        yield info
        yield GaugeMetricFamily("leerrecht_process_uptime_seconds", "Seconds since this process started.",
                                value=round(self._uptime, 1))
        if db["reachable"]:
            for key, help_text in _DATABASE_GAUGES:
                yield GaugeMetricFamily(f"leerrecht_{key}", help_text, value=db[key])
            seen = GaugeMetricFamily("leerrecht_devices_seen", "Devices (not revoked) seen within the window.",
                                     labels=("window",))
            seen.add_metric(("24h",), db["devices_seen_24h"])
            seen.add_metric(("7d",), db["devices_seen_7d"])
            yield seen
