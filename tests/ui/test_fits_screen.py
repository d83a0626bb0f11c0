"""Every window and dialog fits a school laptop's screen (issue 14): the main window with a case open,
every entry form and every dialog the window opens, on 1366×768 and 1280×720 screens and on 1366×768 at
125 % scaling, have every button and their whole frame on the screen; at 1366×768 the case list shows
long Flemish names and school names whole. Each screen is Qt's offscreen
platform with that geometry, in its own process (tests/ui/fit_probe.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("width", "height", "scale"), [(1366, 768, 1.0), (1280, 720, 1.0), (1366, 768, 1.25)])
def test_every_button_is_on_the_screen(tmp_path: Path, width: int, height: int, scale: float) -> None:
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": width, "height": height,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "QT_SCALE_FACTOR": str(scale),
           "PYTHONPATH": str(ROOT), "LEERRECHT_KDF_PROFILE": "minimum"}
    if (width, scale) == (1366, 1.0):  # the default size: no name or school in the case list is cut
        env["FIT_CHECK_NAMES"] = "1"
    result = subprocess.run([sys.executable, str(ROOT / "tests" / "ui" / "fit_probe.py")], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    problems = json.loads(result.stdout.strip().splitlines()[-1])
    assert problems == [], "\n".join(problems)
