"""The team overview as an A4 PDF: key figures as tiles, then one table per breakdown with a bar beside
each row (a horizontal bar chart that shares the table's labels, drawn with reportlab.graphics).

Only what `overview_sections.sections()` lets out is drawn: a suppressed count never reaches this module as a
number. A "<5" row gets an open, dashed bar up to 5 on the table's scale (an upper bound, the same for
1 as for 4); an "x" row gets no bar. The page frame (footer with "Vertrouwelijk", page x of y, who made
it and when) is the case summary's, from `layout.build_pdf`, so both reports look alike."""

from __future__ import annotations

import datetime as dt

from reportlab.graphics.shapes import Drawing, Line, Rect
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from leerrecht_core.i18n import tr
from leerrecht_desktop.reports.fonts import BOLD, rich
from leerrecht_desktop.reports.layout import CONTENT_WIDTH, HEAD_FILL, MUTED, RULE, build_pdf, styles
from leerrecht_desktop.reports.overview_counts import THRESHOLD, TeamOverview
from leerrecht_desktop.reports.overview_sections import Row, Section, legend, period_text, sections

BAR = colors.HexColor("#4a6f9c")
SMALL_FILL = colors.HexColor("#e9eef5")
LABEL_WIDTH = 78 * mm
VALUE_WIDTH = 16 * mm
BAR_WIDTH = CONTENT_WIDTH - LABEL_WIDTH - VALUE_WIDTH
BAR_HEIGHT = 7.0
TILE_COLUMNS = 3


def _bar(row: Row, scale: int) -> Drawing:
    width = BAR_WIDTH - 4 * mm
    d = Drawing(width, BAR_HEIGHT + 2)
    d.add(Line(0, 0, 0, BAR_HEIGHT + 2, strokeColor=RULE, strokeWidth=0.5))
    if row.count:
        d.add(Rect(0, 1, width * row.count / scale, BAR_HEIGHT, fillColor=BAR, strokeColor=None))
    elif row.value == "<5":
        # Up to the threshold, open and dashed: "somewhere below this", whatever the true 1 to 4.
        d.add(Rect(0, 1, width * THRESHOLD / scale, BAR_HEIGHT, fillColor=SMALL_FILL, strokeColor=BAR,
                   strokeWidth=0.7, strokeDashArray=[1.5, 1.5]))
    return d


def _section(section: Section, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    head = [Paragraph(rich(section.title), st["h1"])]
    if section.note:
        head.append(Paragraph(rich(section.note), st["small"]))
    charted = [r for r in section.rows if r.chart]
    # The scale: the largest printed count, and at least twice the threshold, so that in a table of
    # only "<5" rows the open bars don't run across the page as if they were large.
    scale = max([2 * THRESHOLD, *(r.count or 0 for r in charted)])
    value_style = st["cell"].clone("value", alignment=2)
    data: list[list[object]] = [[Paragraph(tr("Onderdeel"), st["cell_head"]),
                                 Paragraph(tr("Aantal"), st["cell_head"].clone("vh", alignment=2)), ""]]
    for row in section.rows:
        data.append([Paragraph(rich(row.label, multiline=False), st["cell"]),
                     Paragraph(row.value, value_style),
                     _bar(row, scale) if section.chart and row.chart else ""])
    table = Table(data, colWidths=[LABEL_WIDTH, VALUE_WIDTH, BAR_WIDTH], repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
        ("LEFTPADDING", (2, 0), (2, -1), 4 * mm),
    ]))
    # A short table stays with its heading; a long one (many workers) may break, its head repeated.
    if len(section.rows) <= 18:
        return [KeepTogether([*head, Spacer(1, 2), table])]
    return [*head, Spacer(1, 2), table]


def _tiles(section: Section, st: dict[str, ParagraphStyle]) -> Table:
    number = st["title"].clone("tile_number", fontName=BOLD, fontSize=18, leading=21, spaceAfter=1)
    label = st["small"].clone("tile_label", textColor=MUTED)
    cells = [[Paragraph(row.value, number), Paragraph(rich(row.label), label)] for row in section.rows]
    grid: list[list[object]] = []
    for i in range(0, len(cells), TILE_COLUMNS):
        line: list[object] = list(cells[i:i + TILE_COLUMNS])
        grid.append(line + [""] * (TILE_COLUMNS - len(line)))
    width = CONTENT_WIDTH / TILE_COLUMNS
    table = Table(grid, colWidths=[width] * TILE_COLUMNS)
    table.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        ("INNERGRID", (0, 0), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
    ]))
    return table


def render(overview: TeamOverview, *, made_by: str, made_at: dt.datetime) -> bytes:
    st = styles()
    story: list[Flowable] = [
        Paragraph(tr("Teamoverzicht"), st["title"]),
        Paragraph(rich(tr("Periode: {period}", period=period_text(overview))), st["body"]),
        Paragraph(rich(tr("Aantallen zonder namen.") + " " + legend()), st["small"]),
        Spacer(1, 4 * mm),
    ]
    parts = sections(overview)
    figures = parts[0]
    story += [Paragraph(rich(figures.title), st["h1"]), _tiles(figures, st)]
    for section in parts[1:]:
        story += _section(section, st)
    # The title is metadata a file manager shows without opening the file: neutral, no names.
    return build_pdf(story, title=tr("Teamoverzicht"), made_by=made_by, made_at=made_at)

