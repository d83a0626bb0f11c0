"""Fixtures shared by the whole suite. Every name, address and note in tests is fictitious."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# pydantic's validators fully loaded first: imported for the first time under shiboken's import hook
# (a UI test file run on its own) they fail halfway with a circular-import error.
import pydantic._internal._validators  # noqa: F401  (imported for that side effect)
import pytest

# Tests use the OWASP minimum Argon2id cost instead of the ~0.5 s production cost; the code path is the same.
os.environ.setdefault("LEERRECHT_KDF_PROFILE", "minimum")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The app's log goes to the platform's log folder (platformdirs, $XDG_STATE_HOME on Linux): keep the
# test run's logs, also those of `leerrecht` subprocesses, out of the real one.
if "LEERRECHT_TEST_KEEP_XDG" not in os.environ:
    import tempfile

    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="leerrecht-test-state-")

from leerrecht_core.i18n import set_language
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace

PASSPHRASE = "blauwe fiets op de markt"
WORKER_NAME = "Fictieve Werker"


@pytest.fixture(autouse=True)
def _dutch_by_default() -> Iterator[None]:
    set_language("nl")
    yield
    set_language("nl")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def workspace(data_dir: Path) -> Iterator[Workspace]:
    ws = Workspace(data_dir, create=True)
    yield ws
    ws.close()


@pytest.fixture
def case_files(workspace: Workspace) -> CaseFiles:
    return workspace.create_profile(
        name=WORKER_NAME, role="onderwijsassistent", team="Team Noord", passphrase=PASSPHRASE
    )
