"""Fixtures of the sync client tests (not the merge tests'); helpers live in synckit.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kits.synckit import Laptop, ServerProcess, running_server, worker_and_coordinator


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    with running_server(tmp_path / "server") as proc:
        yield proc


@pytest.fixture
def pair(server: ServerProcess, tmp_path: Path) -> Iterator[tuple[Laptop, Laptop]]:
    """A worker and the coordinator of team Noord, both enrolled."""
    yield from worker_and_coordinator(server, tmp_path)
