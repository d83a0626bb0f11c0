"""Translations. Dutch (Flemish) is the source language: messages are written in Dutch in the code
and the JSON files in `resources/i18n/<lang>/` map them to other languages, gettext style (one file per
part of the app, merged at load). A missing translation falls back to the Dutch text rather than failing."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from leerrecht_core.resources import resources_dir

SUPPORTED_LANGUAGES = {"nl": "Nederlands", "en": "English"}
DEFAULT_LANGUAGE = "nl"

_current = DEFAULT_LANGUAGE


@cache
def catalog(language: str) -> dict[str, str]:
    """Every message's translation into `language` (empty for Dutch, the source language); read once.
    The desktop's `tr` and the server console's per-request translator both look messages up here."""
    if language == DEFAULT_LANGUAGE:
        return {}
    merged: dict[str, str] = {}
    for path in sorted((resources_dir() / "i18n" / language).glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def set_language(language: str) -> None:
    global _current
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {', '.join(SUPPORTED_LANGUAGES)}")
    _current = language


def current_language() -> str:
    return _current


def tr(message: str, /, **params: Any) -> str:
    """Translate a Dutch message into the current language, then fill in `{name}` parameters."""
    text = catalog(_current).get(message, message) if _current != DEFAULT_LANGUAGE else message
    return text.format(**params) if params else text


def seconds(n: int) -> str:
    """'1 seconde' / '5 seconden' in the current language."""
    return tr("1 seconde") if n == 1 else tr("{n} seconden", n=n)
