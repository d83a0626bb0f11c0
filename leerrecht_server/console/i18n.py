"""The console's language: Dutch first (the source language of every message, as in the app), English
when the beheerder picks it (a cookie). Messages are Dutch literals, translated by the catalogue in
resources/i18n/en/ (console.json), like leerrecht_core.i18n.tr; but per request, not per process, as
two beheerders may use two languages at once.

Templates call `tr("...")` with a literal; Python code marks a message it hands to a template with
`N_("...")` (a no-op), and the template translates it. tests/server/test_console.py finds both and
checks that each has its English, with the same placeholders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from leerrecht_core.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, catalog

LANGUAGE_COOKIE = "lr_admin_lang"


def N_(message: str) -> str:
    """Marks a Dutch message for translation where it is shown (in a template), not where it is written."""
    return message


# The roles as people say them (the code's "coordinator" has no diaeresis, and "netsterk" is a project, not a job).
ROLE_LABELS = {
    "onderwijsassistent": N_("onderwijsassistent"), "netsterk": N_("Netsterk-medewerker"),
    "brugfiguur": N_("brugfiguur"), "coordinator": N_("coördinator"), "admin": N_("beheerder"),
}


def language_of(cookie: str | None) -> str:
    return cookie if cookie in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def translator(language: str) -> Callable[..., str]:
    catalogue = catalog(language_of(language))

    def tr(message: str, /, **params: Any) -> str:
        text = catalogue.get(message, message)
        return text.format(**params) if params else text

    return tr
