"""Fixtures of the store tests; the helpers themselves live in storekit.py."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from leerrecht_core.crypto.kdf import KdfParams
from leerrecht_desktop.store import workspace as workspace_module
from leerrecht_desktop.store.workspace import Workspace
from tests.kits.storekit import PASSPHRASE, WORKER_NAME, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ws(data_dir: Path, clock: FakeClock) -> Iterator[Workspace]:
    """A workspace with a profile, on the fake clock."""
    w = Workspace(data_dir, create=True, clock=clock)
    w.create_profile(name=WORKER_NAME, role="brugfiguur", team="Team Fictief", passphrase=PASSPHRASE)
    yield w
    w.close()


@pytest.fixture
def kdf_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every passphrase that reaches Argon2id, to tell a refusal before checking from one after
    (a damaged vault must be refused before)."""
    calls: list[str] = []
    real = workspace_module.derive_master_key

    def counting(passphrase: str, params: KdfParams) -> bytes:
        calls.append(passphrase)
        return real(passphrase, params)

    monkeypatch.setattr(workspace_module, "derive_master_key", counting)
    return calls


# A full disk, simulated (tests/store/test_full_disk.py, test_access_log.py).
@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs of its own, unmounted afterwards."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a full disk is simulated with a small tmpfs, and mounting one needs root")
    mount_point = tmp_path / "schijf"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"no tmpfs can be mounted here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)
