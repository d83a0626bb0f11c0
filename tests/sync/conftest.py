"""Fixtures of the sync client tests (not the merge tests'); helpers live in synckit.py."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synckit import ServerProcess, server_available


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    if not server_available():
        pytest.skip("leerrecht_server is not importable yet")
    proc = ServerProcess(tmp_path / "server")
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()
