"""A coordinator who enrols after a worker's cases were registered still gets them: the worker's next
sync that checks the directory shares every case of the team with the new coordinator."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kits.synckit import Laptop, ServerProcess, enrolled, make_case, snapshot

pytestmark = pytest.mark.slow


def test_a_coordinator_enrolled_later_receives_the_teams_earlier_cases(
        server: ServerProcess, tmp_path: Path) -> None:
    server.admin("create-team", "Noord")
    server.admin("create-recovery-key")
    worker: Laptop = enrolled(server, tmp_path / "w", "werker", "Fictieve Werker", "netsterk", "Noord", before=2)
    assert worker.sync().errors == []
    later = make_case(worker.case_files, notes=1)
    assert worker.sync().errors == []

    coord = enrolled(server, tmp_path / "c", "coord", "Fictieve Coordinator", "coordinator", "Noord")
    assert coord.sync().pulled == 0  # nothing was ever wrapped for this coordinator

    # The worker's laptop checks the directory (at most hourly; here: due because the check is reset).
    worker.workspace.set_setting("sync.directory_checked_at", "0")
    assert worker.sync().errors == []
    report = coord.sync()
    assert report.errors == [] and report.refused == 0
    case_ids = {s.case_id for s in worker.case_files.summaries()}
    assert later in case_ids and len(case_ids) == 3
    assert {s.case_id for s in coord.case_files.summaries()} == case_ids
    for case_id in case_ids:
        assert snapshot(coord.case_files, case_id) == snapshot(worker.case_files, case_id)

    # Once shared, a later check queues nothing again.
    worker.workspace.set_setting("sync.directory_checked_at", "0")
    worker.sync()
    from leerrecht_desktop.store.syncstore import SyncStore

    assert SyncStore(worker.case_files).pending_member_changes() == []
    worker.close()
    coord.close()
