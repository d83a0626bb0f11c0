"""Translations. Dutch (Flemish) is the source language: messages are written in Dutch in the code
and `resources/i18n/<lang>.json` maps them to other languages, gettext style. A missing translation
falls back to the Dutch text rather than failing."""

from __future__ import annotations

from functools import cache
from typing import Any

from leerrecht_desktop.models.resources import load_json

SUPPORTED_LANGUAGES = {"nl": "Nederlands", "en": "English"}
DEFAULT_LANGUAGE = "nl"

_current = DEFAULT_LANGUAGE


@cache
def _catalog(language: str) -> dict[str, str]:
    if language == DEFAULT_LANGUAGE:
        return {}
    data: dict[str, str] = load_json(f"i18n/{language}.json")
    return data


def set_language(language: str) -> None:
    global _current
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {', '.join(SUPPORTED_LANGUAGES)}")
    _current = language


def current_language() -> str:
    return _current


def tr(message: str, /, **params: Any) -> str:
    """Translate a Dutch message into the current language, then fill in `{name}` parameters."""
    text = _catalog(_current).get(message, message) if _current != DEFAULT_LANGUAGE else message
    return text.format(**params) if params else text
