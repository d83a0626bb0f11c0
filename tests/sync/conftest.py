"""Fixtures of the sync client tests (not the merge tests'); helpers live in synckit.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kits.synckit import Laptop, ServerProcess, enrolled, running_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    with running_server(tmp_path / "server") as proc:
        yield proc


@pytest.fixture
def pair(server: ServerProcess, tmp_path: Path) -> Iterator[tuple[Laptop, Laptop]]:
    """A worker and the coordinator of team Noord, both enrolled."""
    server.admin("create-team", "Noord")
    w1 = enrolled(server, tmp_path / "w1", "werker1", "Fictieve Werker Een", "netsterk", "Noord")
    coord = enrolled(server, tmp_path / "coord", "coord", "Fictieve Coordinator", "coordinator", "Noord")
    yield w1, coord
    w1.close()
    coord.close()
