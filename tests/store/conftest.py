"""Fixtures of the store tests; the helpers themselves live in storekit.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from storekit import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
