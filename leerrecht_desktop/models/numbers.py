"""Numbers as Flemish readers write them: a decimal comma ("3,38") and a dot between thousands
("20.000"); in English the other way round. One place, for the app, the PDFs and the CSV."""

from __future__ import annotations

from leerrecht_core.i18n import current_language


def decimal_text(value: float, digits: int = 1, *, signed: bool = False) -> str:
    """`value` with `digits` decimals: 3,4 in Dutch, 3.4 in English; "+0,5" when `signed`."""
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text.replace(".", ",") if current_language() == "nl" else text


def whole_text(value: int) -> str:
    """A whole number with its thousands marked: 20.000 in Dutch, 20,000 in English."""
    text = f"{value:,}"
    return text.replace(",", ".") if current_language() == "nl" else text
