"""Reading a spreadsheet into a header and rows of cells: .xlsx through openpyxl (its first sheet), or
CSV in UTF-8 (with or without BOM) or Windows-1252, separated by `;`, `,` or a tab.

Nothing is written anywhere while reading: openpyxl reads the zip in memory and the CSV is decoded
from its bytes, so no temporary copy of the caseload lands on disk."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr

# A cell as it comes out of the file: text from a CSV; text, numbers, dates or booleans from Excel.
Cell = str | int | float | bool | dt.datetime | dt.date | dt.time | None

SUFFIXES = (".csv", ".xlsx")
# More rows than any team's caseload: a file this long is almost certainly the wrong one, and reading
# it whole would hold it in memory for nothing.
MAX_ROWS = 100_000


class SheetError(LeerrechtError):
    """The file can't be read as a spreadsheet; the sentence says why and what to do."""


@dataclass
class Row:
    number: int  # as the spreadsheet shows it: the header is row 1
    cells: list[Cell]

    def cell(self, index: int) -> Cell:
        return self.cells[index] if index < len(self.cells) else None


@dataclass
class Sheet:
    header: list[str]
    rows: list[Row]  # the non-empty rows under the header


def read_sheet(path: Path) -> Sheet:
    """The header and rows of a .csv or .xlsx file; SheetError for anything that isn't one."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        if suffix == ".xls":
            raise SheetError(tr("Leerrecht leest geen oude .xls-bestanden. Bewaar het in Excel als .xlsx of .csv "
                                "en probeer opnieuw."))
        raise SheetError(tr("Leerrecht kan alleen een .csv- of .xlsx-bestand inlezen, niet '{name}'.",
                            name=path.name))
    if not path.is_file():
        raise SheetError(tr("Het bestand {path} bestaat niet.", path=str(path)))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SheetError(tr("Het bestand {path} kan niet gelezen worden: {reason}.", path=str(path),
                            reason=exc.strerror or type(exc).__name__)) from None
    if not data.strip():
        raise SheetError(tr("Het bestand {name} is leeg.", name=path.name))
    table = _read_xlsx(data, path.name) if suffix == ".xlsx" else _read_csv(data, path.name)
    return _to_sheet(table, path.name)


def _to_sheet(table: Iterable[Iterable[Cell]], name: str) -> Sheet:
    rows = iter(table)
    first = next(rows, None)
    header = [_header_text(c) for c in first] if first is not None else []
    while header and not header[-1]:
        header.pop()
    if not any(header):
        raise SheetError(tr("De eerste rij van {name} heeft geen kolomnamen. Zet de kolomnamen (Voornaam, Naam, "
                            "Geboortedatum, ...) in rij 1.", name=name))
    out: list[Row] = []
    for number, cells in enumerate(rows, start=2):
        values = [None if isinstance(c, str) and not c.strip() else c for c in cells]
        if all(v is None for v in values):
            continue  # an empty line between blocks of rows, or Excel's formatted-but-empty tail
        if len(out) >= MAX_ROWS:
            raise SheetError(tr("{name} heeft meer dan {n} rijen. Splits het bestand en lees het in delen in.",
                                name=name, n=MAX_ROWS))
        out.append(Row(number, values))
    if not out:
        raise SheetError(tr("{name} heeft kolomnamen maar geen rijen eronder.", name=name))
    return Sheet(header, out)


def _header_text(cell: Cell) -> str:
    return "" if cell is None else " ".join(str(cell).split())


def _read_xlsx(data: bytes, name: str) -> list[tuple[Cell, ...]]:
    import openpyxl  # here, so that `leerrecht --help` and the window's start don't load it

    try:
        # data_only: a formula's last computed value, not its text; read_only streams the rows.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        # Whatever a damaged or foreign file makes the parser raise (zip, XML, a missing part), the
        # file is no workbook; the parser's own text could quote the file's content.
        raise SheetError(_not_xlsx(name)) from None
    try:
        if not book.worksheets:
            raise SheetError(tr("Het bestand {name} is leeg.", name=name))
        return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    except SheetError:
        raise
    except Exception:
        raise SheetError(_not_xlsx(name)) from None
    finally:
        book.close()


def _not_xlsx(name: str) -> str:
    return tr("{name} is geen geldig Excel-bestand (.xlsx). Open het in Excel en bewaar het opnieuw als .xlsx of "
              ".csv.", name=name)


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        # UTF-16 (some "Unicode text" exports) or a binary file with the wrong name.
        raise SheetError(tr("{name} is geen tekstbestand in UTF-8 of Windows-1252. Bewaar het in Excel als "
                            "\"CSV UTF-8\" of als .xlsx.", name=name))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Excel's plain "CSV" on a Belgian Windows laptop: Windows-1252, with é, ë, ç.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise SheetError(tr("{name} is geen tekstbestand in UTF-8 of Windows-1252. Bewaar het in Excel als "
                            "\"CSV UTF-8\" of als .xlsx.", name=name)) from None


def separator(text: str) -> str:
    """`;` (Excel with Belgian settings), `,` or a tab: the one the header line holds most of (column
    names hardly ever hold one), else what csv's sniffer makes of the first lines."""
    first = text.splitlines()[0] if text else ""
    counts = {sep: first.count(sep) for sep in ";,\t"}
    best = max(counts, key=lambda sep: counts[sep])
    if counts[best] and sorted(counts.values())[-2] < counts[best]:
        return best
    try:
        return csv.Sniffer().sniff("\n".join(text.splitlines()[:20]), delimiters=";,\t").delimiter
    except csv.Error:
        return best if counts[best] else ","


def _read_csv(data: bytes, name: str) -> list[list[Cell]]:
    text = _decode(data, name)
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator(text))]
    except csv.Error:
        raise SheetError(tr("{name} kan niet gelezen worden als CSV: kijk na of elk aanhalingsteken gesloten "
                            "wordt.", name=name)) from None
