"""The retention sweep: every case closed longer than the organisation's period and not under a hold is
erased (`crud.erasure.erase_case`, cause "retention"), one write transaction per case, with one audit
entry per case (actor "retention", the case id, the policy). `serve` runs it at start and then every
hour in a background thread (`Sweeper`); `admin run-retention [--dry-run]` runs it by hand. The same
sweep gives up attachment uploads that were begun more than a week ago and never completed
(`crud.blobs.abandoned`): their chunks and reserved quota go, and the laptop, which still has the
attachment, sends it again in full at its next round.

Two sweeps at once (several processes over one PostgreSQL, or an admin run during the server's) are
harmless: each case is re-checked inside its own write transaction with its row locked, so the second
sweep waits for the first and then finds the case gone."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine

from leerrecht_server.crud import blobs
from leerrecht_server.crud import retention as crud
from leerrecht_server.crud.audit import audit
from leerrecht_server.crud.erasure import erase_case
from leerrecht_server.db import read_transaction, write_transaction

log = logging.getLogger(__name__)
SWEEP_INTERVAL_SECONDS = 3600.0
RETENTION_ACTOR = "retention"


@dataclass
class SweepResult:
    closed_days: int
    erased: list[str] = field(default_factory=list)  # case ids (a dry run: those it would erase)
    dry_run: bool = False
    abandoned: list[str] = field(default_factory=list)  # attachment uploads given up (a dry run: would be)


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def sweep(engine: Engine, *, today: dt.date | None = None, dry_run: bool = False,
          now: dt.datetime | None = None) -> SweepResult:
    today = today or utc_today()
    now = now or dt.datetime.now(dt.UTC)
    with read_transaction(engine) as conn:
        days = crud.closed_days(conn)
        candidates = [r.case_id for r in crud.erasable(conn, today, days)]
        given_up = blobs.abandoned(conn, now)
    result = SweepResult(days, dry_run=dry_run)
    if dry_run:
        result.erased, result.abandoned = candidates, given_up
        return result
    _give_up_uploads(engine, now, result)
    for case_id in candidates:
        with write_transaction(engine) as conn:
            # Again, under the case's lock: reopened, held, or erased by another sweep since the list?
            due = crud.erasable(conn, today, days, case_id)
            if not due:
                continue
            erase_case(conn, case_id, cause="retention", closed_days=days, closed_on=due[0].closed_on)
            audit(conn, "retention_erase", actor=RETENTION_ACTOR, case_ids=[case_id], detail=f"closed_days={days}")
        result.erased.append(case_id)
    if result.erased:
        log.info("retention: %d case(s) erased (closed more than %d days ago)", len(result.erased), days)
    return result


def _give_up_uploads(engine: Engine, now: dt.datetime, result: SweepResult) -> None:
    """The abandoned uploads, again inside the write transaction (one that completed since the read
    is not touched), with one audit entry for all of them."""
    with write_transaction(engine) as conn:
        ids = blobs.abandoned(conn, now)
        if not ids:
            return
        blobs.erase(conn, ids)
        audit(conn, "attachment_abandoned", actor=RETENTION_ACTOR, detail=f"{len(ids)} upload(s) begun before "
              f"{(now - blobs.ABANDONED_AFTER).date().isoformat()} and never completed")
    result.abandoned = ids
    log.info("retention: %d attachment upload(s) not completed in %d days given up", len(ids),
             blobs.ABANDONED_AFTER.days)


class Sweeper:
    """The sweep in a daemon thread of the `serve` process: at once, then every `interval` seconds,
    until `stop()`. A failed sweep (the database away) is logged by type and tried at the next turn."""

    def __init__(self, engine: Engine, interval: float = SWEEP_INTERVAL_SECONDS) -> None:
        self._engine = engine
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention-sweep", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sweep(self._engine)
            except Exception as exc:
                log.warning("retention sweep failed (%s); tried again in %.0f s", type(exc).__name__, self._interval)
            self._stop.wait(self._interval)
