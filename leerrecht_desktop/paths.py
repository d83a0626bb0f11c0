"""Where a user's data lives by default (the platform's data folder); `--data-dir` overrides it."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path, user_log_path

APP_NAME = "Leerrecht"
APP_AUTHOR = "Stad Mechelen"


def default_data_dir() -> Path:
    override = os.environ.get("LEERRECHT_DATA_DIR")
    return Path(override).expanduser() if override else user_data_path(APP_NAME, APP_AUTHOR)


def default_log_dir() -> Path:
    return user_log_path(APP_NAME, APP_AUTHOR)
