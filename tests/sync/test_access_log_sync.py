"""The laptop's access log reaches the server's audit log at the next sync, as metadata only, and is
gone from the laptop afterwards (issue 13, item 6); with a real server process."""

from __future__ import annotations

from pathlib import Path

import httpx

from leerrecht_desktop.store.access_log import AccessLog
from leerrecht_desktop.store.database import database_path
from tests.kits.synckit import Laptop, ServerProcess, make_case
from tests.sync.test_faults import Faulty


def _bytes(db: Path) -> bytes:
    """The database file with its write-ahead log, as a thief would read them."""
    return b"".join(f.read_bytes() for f in db.parent.glob(db.name + "*"))


def test_openings_and_exports_reach_the_servers_audit_log_and_leave_the_laptop(
        server: ServerProcess, pair: tuple[Laptop, Laptop]) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=1)
    assert w1.sync().errors == []
    name = w1.case_files.summary(case_id).full_name
    access = AccessLog.of(w1.case_files)
    assert access.record(case_id, "case_opened")
    assert not access.record(case_id, "case_opened")  # opened again a minute later: one entry
    w1.case_files.export(case_ids=[case_id])  # an access request: recorded by the store
    assert access.pending_count() == 2
    on_disk = _bytes(database_path(w1.data_dir))
    assert name.encode() not in on_disk and b"case_opened" not in on_disk

    assert w1.sync().errors == []
    assert access.pending_count() == 0
    rows = server.query("SELECT action, user_id, case_ids FROM audit_log WHERE action IN "
                        "('case_opened', 'case_exported') ORDER BY action")
    assert rows == [("case_exported", w1.user_id, case_id), ("case_opened", w1.user_id, case_id)]
    assert name.encode() not in _bytes(server.db_path)
    # The coordinator sees them in the case's access log.
    engine = coord.engine()
    try:
        coord.sync()
        from leerrecht_core.protocol_access import CaseAccessLog

        log = engine.transport.get(f"/cases/{case_id}/access-log", CaseAccessLog)
    finally:
        engine.transport.close()
    assert {e.action for e in log.entries} >= {"case_opened", "case_exported"}


def test_a_sync_with_nothing_to_log_makes_no_access_log_request(server: ServerProcess,
                                                              pair: tuple[Laptop, Laptop]) -> None:
    w1, _ = pair
    case_id = make_case(w1.case_files, notes=1)
    w1.sync()
    transport = Faulty(lambda req, n: None)
    w1.client = httpx.Client(base_url=server.url + "/v1", transport=transport)
    AccessLog.of(w1.case_files).record(case_id, "case_printed")
    w1.sync()
    assert transport.calls.get("/v1/access-log") == 1
    transport.calls.clear()
    w1.sync()
    assert transport.calls == {"/v1/pull": 1}
