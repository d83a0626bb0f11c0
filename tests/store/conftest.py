"""Fixtures of the store tests; the helpers themselves live in storekit.py."""

from __future__ import annotations

import pytest

from tests.kits.storekit import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
