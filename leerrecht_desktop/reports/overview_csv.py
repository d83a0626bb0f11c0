"""The overview as a CSV file for the city's spreadsheets (Belgian Excel dialect)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import IO, cast

from leerrecht_core.i18n import tr
from leerrecht_desktop.reports.overview_counts import TeamOverview
from leerrecht_desktop.reports.overview_sections import sections


def write_overview_csv(overview: TeamOverview, out: Path | IO[str] | IO[bytes]) -> None:
    """The overview as one long table for the city's spreadsheets: Periode van;Periode tot;Sectie;Onderdeel;Aantal.

    The period is on every row, so the files of several years can be pasted under each other and
    pivoted. Dialect: Belgian Excel opens it with a double click: UTF-8 with a BOM (or é and ë break),
    ';' between fields (',' is the decimal sign there), a decimal comma, CRLF line ends, dates as
    YYYY-MM-DD. The dialect stays the same when the app is in English; only the words change."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([tr("Periode van"), tr("Periode tot"), tr("Sectie"), tr("Onderdeel"), tr("Aantal")])
    start = overview.start.isoformat() if overview.start else ""
    end = overview.end.isoformat() if overview.end else ""
    for section in sections(overview):
        for row in section.rows:
            # The mean change: a decimal comma whatever the language, and no leading '+' (a formula to Excel).
            value = row.value.replace(".", ",").lstrip("+")
            writer.writerow([start, end, section.title, _csv_safe(row.label), value])
    data = buffer.getvalue()
    if isinstance(out, Path):
        out.write_text(data, encoding="utf-8-sig", newline="")
        return
    if isinstance(out, io.TextIOBase) or "b" not in getattr(out, "mode", "b"):
        cast(IO[str], out).write("\ufeff" + data)
    else:
        cast(IO[bytes], out).write(("\ufeff" + data).encode("utf-8"))


def _csv_safe(text: str) -> str:
    """A label never starts a formula in Excel (a worker's name or a team's pick list is typed by
    people; '=HYPERLINK(...)' in a cell is the classic CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

