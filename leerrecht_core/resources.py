"""Where the data files in `resources/` live: beside the package in a checkout, inside a PyInstaller bundle."""

from __future__ import annotations

import json
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any


@cache
def resources_dir() -> Path:
    override = os.environ.get("LEERRECHT_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def load_json(relative: str) -> Any:
    with (resources_dir() / relative).open(encoding="utf-8") as fh:
        return json.load(fh)
