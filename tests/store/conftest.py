"""Fixtures of the store tests; the helpers themselves live in storekit.py."""

from __future__ import annotations

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
