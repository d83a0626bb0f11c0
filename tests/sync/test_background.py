"""The background loop's policy, one round at a time (no thread timing, no clock): back off with the
given delays while the server is unreachable, back to the normal interval after a success, stop when
the device is revoked; the status says online/offline, what waits and any conflict."""

from __future__ import annotations

import threading

from leerrecht_desktop.sync.background import BackgroundSync, SyncStatus
from leerrecht_desktop.sync.engine import SyncReport
from leerrecht_desktop.sync.transport import DeviceRevoked, Unreachable


class Script:
    def __init__(self, *steps: object):
        self.steps = list(steps)
        self.calls = 0

    def sync_once(self) -> SyncReport:
        self.calls += 1
        step = self.steps.pop(0)
        if isinstance(step, BaseException):
            raise step
        assert isinstance(step, SyncReport)
        return step


def test_backs_off_while_offline_and_resets_after_a_success() -> None:
    script = Script(Unreachable("weg"), Unreachable("weg"), SyncReport(pushed=2, waiting=1, remaining_conflicts=3),
                    Unreachable("weg"))
    seen: list[SyncStatus] = []
    loop = BackgroundSync(lambda: script, interval=60.0, delays=lambda: iter([1.0, 2.0, 4.0]),
                          on_status=seen.append)
    assert loop.run_once() == 1.0 and loop.status().online is False
    assert loop.run_once() == 2.0
    assert loop.run_once() == 60.0
    status = loop.status()
    assert (status.online, status.waiting, status.conflicts) == (True, 1, 3) and status.last_success_at
    assert loop.run_once() == 1.0  # a new outage starts the backoff from the beginning
    assert loop.status().last_success_at == status.last_success_at
    assert len(seen) == 4


def test_a_revoked_device_stops_the_loop() -> None:
    loop = BackgroundSync(lambda: Script(DeviceRevoked("ingetrokken", "device_revoked", 403)))
    assert loop.run_once() is None
    assert loop.status().stopped and loop.status().last_error == "ingetrokken"


def test_the_thread_runs_rounds_on_demand_and_stops() -> None:
    done = threading.Event()
    script = Script(*[SyncReport() for _ in range(5)])

    def engine() -> Script:
        if script.calls >= 1:
            done.set()
        return script

    loop = BackgroundSync(engine, interval=3600.0)
    loop.start()
    loop.sync_now()  # without it the second round would wait an hour
    assert done.wait(30)
    loop.stop()
    assert 2 <= script.calls <= 5
