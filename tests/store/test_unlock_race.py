"""The unlock delay under concurrency: wrong passphrases tried in parallel, by separate processes on one
real data folder, are each counted before Argon2id runs, or refused by the delay the others caused.

Each process opens the folder itself (its own engine and connections). Their Argon2id is held until
every other process has either finished its try or reached Argon2id as well, so the tries overlap
for certain: no sleeps, and no assertion on how long anything took."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

import pytest

from leerrecht_core.crypto.kdf import KdfParams
from leerrecht_desktop.store import workspace as workspace_module
from leerrecht_desktop.store.errors import UnlockThrottled
from leerrecht_desktop.store.workspace import Workspace, delay_after
from tests.kits.storekit import PASSPHRASE, WORKER_NAME, FakeClock, raw_query

WRONG = "rode fiets op de markt"
PROCESSES = 5
FROZEN_NOW = 1_750_000_000.0
GATE_TIMEOUT = 60.0  # only reached when the code under test is broken (the others never arrive)


class SharedClock:
    """A wall clock shared by the processes that jumps 61 s forward at every reading: longer than the
    longest delay, so no try ever has to wait and every one of them is checked."""

    def __init__(self, now: Synchronized[float]) -> None:
        self.now = now

    def __call__(self) -> float:
        with self.now.get_lock():
            self.now.value += 61.0
            return float(self.now.value)


def _try_wrong_passphrase(data_dir: str, shared_now: Synchronized[float] | None, reached_kdf: Synchronized[int],
                          finished: Synchronized[int], start: Any, results: Any) -> None:
    """One process: open the folder, wait for the others, try a wrong passphrase, say what happened."""
    real_derive = workspace_module.derive_master_key
    checked = False

    def held_derive(passphrase: str, params: KdfParams) -> bytes:
        nonlocal checked
        checked = True
        with reached_kdf.get_lock():
            reached_kdf.value += 1
        # Wait until every other process has finished its try or reached this point too.
        deadline = time.monotonic() + GATE_TIMEOUT
        while reached_kdf.value + finished.value < PROCESSES and time.monotonic() < deadline:
            time.sleep(0.01)
        return real_derive(passphrase, params)

    workspace_module.derive_master_key = held_derive  # type: ignore[assignment]
    clock = SharedClock(shared_now) if shared_now is not None else FakeClock(FROZEN_NOW)
    ws = Workspace(Path(data_dir), clock=clock)
    outcome: tuple[str, float, str]
    try:
        start.wait(GATE_TIMEOUT)
        try:
            ws.unlock(WRONG)
            outcome = ("unlocked", 0.0, "")
        except UnlockThrottled as exc:
            outcome = ("checked" if checked else "refused", exc.wait_seconds, str(exc))
    finally:
        ws.close()
        with finished.get_lock():
            finished.value += 1
    results.put(outcome)


def _race(data_dir: Path, *, clock_jumps: bool) -> list[tuple[str, float, str]]:
    ctx = multiprocessing.get_context("spawn")
    shared_now = ctx.Value("d", FROZEN_NOW) if clock_jumps else None
    reached_kdf, finished = ctx.Value("i", 0), ctx.Value("i", 0)
    start, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [ctx.Process(target=_try_wrong_passphrase,
                         args=(str(data_dir), shared_now, reached_kdf, finished, start, results))
             for _ in range(PROCESSES)]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=300) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    return outcomes


@pytest.fixture
def folder(data_dir: Path) -> Iterator[Path]:
    ws = Workspace(data_dir, create=True)
    ws.create_profile(name=WORKER_NAME, role="brugfiguur", team="Team Fictief", passphrase=PASSPHRASE)
    ws.close()
    yield data_dir


def _failed_attempts(data_dir: Path) -> int:
    return int(raw_query(data_dir, "SELECT failed_attempts FROM vault")[0][0])


def test_parallel_wrong_tries_during_the_delay_are_refused_before_argon2id(folder: Path) -> None:
    # The same moment for every process: the first try counted sets a delay that all the others meet.
    outcomes = _race(folder, clock_jumps=False)
    kinds = sorted(kind for kind, _wait, _msg in outcomes)
    assert kinds == ["checked"] + ["refused"] * (PROCESSES - 1)
    assert _failed_attempts(folder) == 1
    for kind, wait, message in outcomes:
        assert wait == 1
        if kind == "refused":
            assert message == "Te veel foute pogingen. Probeer opnieuw over 1 seconde."


def test_parallel_wrong_tries_that_are_checked_each_raise_the_count(folder: Path) -> None:
    # A clock that never leaves a delay pending: every process's passphrase reaches Argon2id, at the
    # same time, and each must have been counted (the waits are 1, 2, 4, ... one per try, none lost).
    outcomes = _race(folder, clock_jumps=True)
    assert [kind for kind, _wait, _msg in outcomes] == ["checked"] * PROCESSES
    assert _failed_attempts(folder) == PROCESSES
    assert sorted(wait for _kind, wait, _msg in outcomes) == [delay_after(n) for n in range(1, PROCESSES + 1)]


def test_a_try_is_counted_before_argon2id_runs_and_a_right_one_resets_it(
    folder: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen_during_kdf: list[int] = []
    real = workspace_module.derive_master_key

    def observing(passphrase: str, params: KdfParams) -> bytes:
        # What another process would read while this one is busy with Argon2id.
        seen_during_kdf.append(_failed_attempts(folder))
        return real(passphrase, params)

    monkeypatch.setattr(workspace_module, "derive_master_key", observing)
    ws = Workspace(folder, clock=clock)
    try:
        with pytest.raises(UnlockThrottled):
            ws.unlock(WRONG)
        clock.advance(1)
        ws.unlock(PASSPHRASE).lock()
        assert seen_during_kdf == [1, 2]
        assert raw_query(folder, "SELECT failed_attempts, last_failed_at FROM vault") == [(0, None)]
    finally:
        ws.close()


def test_a_passphrase_changed_during_an_unlock_keeps_its_check(
    folder: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process changes the passphrase while this one is in Argon2id with the old one: this unlock
    # succeeds on the secrets it read, and must not record its (old) wrapped secrets as the folder's.
    new_passphrase = "groene tram naar de Grote Markt"
    real = workspace_module.derive_master_key
    other = Workspace(folder, clock=clock)
    changed: list[bool] = []

    def meanwhile(passphrase: str, params: KdfParams) -> bytes:
        if not changed:
            changed.append(True)
            clock.advance(1)  # past the delay this very try set
            other.change_passphrase(PASSPHRASE, new_passphrase, new_passphrase)
        return real(passphrase, params)

    monkeypatch.setattr(workspace_module, "derive_master_key", meanwhile)
    ws = Workspace(folder, clock=clock)
    try:
        ws.unlock(PASSPHRASE).lock()
        assert changed == [True]
        monkeypatch.setattr(workspace_module, "derive_master_key", real)
        assert ws.unlock(new_passphrase).user.name == WORKER_NAME
    finally:
        ws.close()
        other.close()
