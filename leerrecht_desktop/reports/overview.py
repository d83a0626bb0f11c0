"""The team overview for a coordinator: counts for a period, without names, as CSV and as a PDF.

The input is what the lead's composition root already has after unlock: every readable case as its
profile plus its records (domain objects only; this package never touches the store, the vault or Qt).
Everything that leaves this module is a count, a pick-list label, a colleague's name or a date of the
period: no young person's name, birth date, address or free text. Counts from 1 to 4 are shown as "<5",
and where that single hidden number could be worked back from the rest of its table, a second number
is hidden too (see `suppress` and docs/overview.md for the rules and their limits).

    overview = compute_overview(cases, start=date(2024, 9, 1), end=date(2025, 6, 30))
    write_overview_csv(overview, Path("overzicht.csv"))
    pdf_bytes = render_overview_pdf(overview, made_by="An Coördinator", made_at=datetime.now())
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from leerrecht_core.i18n import tr

# The public names of the overview, importable from here as before the split into modules.
from leerrecht_desktop.reports.overview_counts import (
    HIDDEN,
    SMALL,
    THRESHOLD,
    TeamOverview,
    compute_overview,
)
from leerrecht_desktop.reports.overview_csv import write_overview_csv
from leerrecht_desktop.reports.overview_sections import (
    Row,
    Section,
    format_decimal,
    legend,
    period_text,
    sections,
    shown,
    suppress,
)

__all__ = [
    "HIDDEN",
    "SMALL",
    "THRESHOLD",
    "Row",
    "Section",
    "TeamOverview",
    "compute_overview",
    "format_decimal",
    "legend",
    "period_text",
    "render_overview",
    "render_overview_pdf",
    "sections",
    "shown",
    "suppress",
    "write_overview",
    "write_overview_csv",
]


def render_overview_pdf(overview: TeamOverview, *, made_by: str, made_at: dt.datetime) -> bytes:
    """The overview as an A4 PDF with tables and bar charts, in the current language."""
    # Imported here so that the CSV path (and the CLI's --help) does not load reportlab.
    from leerrecht_desktop.reports.overview_pdf import render

    return render(overview, made_by=made_by, made_at=made_at)


def render_overview(overview: TeamOverview, suffix: str, *, made_by: str, made_at: dt.datetime) -> bytes:
    """The overview as the bytes of a `.pdf` or `.csv` file, in memory, so the caller can write it
    atomically (the CLI and the app write a temporary file beside the target and rename it)."""
    suffix = suffix.lower()
    if suffix == ".csv":
        buffer = io.BytesIO()
        write_overview_csv(overview, buffer)
        return buffer.getvalue()
    if suffix == ".pdf":
        return render_overview_pdf(overview, made_by=made_by, made_at=made_at)
    raise ValueError(tr("Kies een bestandsnaam die eindigt op .pdf of .csv, bv. teamoverzicht.pdf."))


def write_overview(overview: TeamOverview, out: Path, *, made_by: str, made_at: dt.datetime) -> None:
    """Save the overview as the file the name asks for: `.pdf` or `.csv` (for `leerrecht overview --out`)."""
    out.write_bytes(render_overview(overview, out.suffix, made_by=made_by, made_at=made_at))
