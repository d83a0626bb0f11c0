"""The wellbeing charts of the case summary: the total over time and one small chart per question, drawn
with reportlab.graphics (vector, sharp in print, no image files)."""

from __future__ import annotations

import datetime as dt

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from leerrecht_desktop.models.catalog import wellbeing_questionnaire
from leerrecht_desktop.models.wellbeing import ScoredScale
from leerrecht_desktop.reports.fonts import BODY, BOLD
from leerrecht_desktop.reports.layout import ACCENT, CONTENT_WIDTH, MUTED

_LINE = colors.HexColor("#1f5fa8")


def _drawing(width: float, height: float) -> Drawing:
    drawing = Drawing(width, height)
    # A drawing starts in Helvetica (a non-embedded base-14 font) unless told otherwise.
    drawing.initialFontName = BODY
    return drawing


def _x_range(scored: list[ScoredScale]) -> tuple[int, int]:
    lo, hi = scored[0].occurred_on.toordinal(), scored[-1].occurred_on.toordinal()
    pad = max(3, (hi - lo) // 25)  # keeps the first and last point off the axes
    return lo - pad, hi + pad


def _date_steps(scored: list[ScoredScale], most: int) -> list[int]:
    days = [s.occurred_on.toordinal() for s in scored]
    if len(days) <= most:
        return days
    step = (len(days) - 1) / (most - 1)
    return [days[round(i * step)] for i in range(most)]


def _plot(scored: list[ScoredScale], values: list[int], *, x: float, y: float, width: float, height: float,
          lo: int, hi: int, y_step: int, label_points: bool, date_labels: int, font_size: float) -> LinePlot:
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = x, y, width, height
    plot.data = [[(s.occurred_on.toordinal(), v) for s, v in zip(scored, values, strict=True)]]
    plot.lines[0].strokeColor = _LINE
    plot.lines[0].strokeWidth = 1.4
    plot.lines[0].symbol = makeMarker("FilledCircle", size=3.2, fillColor=_LINE, strokeColor=_LINE)
    xmin, xmax = _x_range(scored)
    ax = plot.xValueAxis
    ax.valueMin, ax.valueMax = xmin, xmax
    ax.valueSteps = _date_steps(scored, date_labels)
    ax.labelTextFormat = lambda v: dt.date.fromordinal(int(v)).strftime("%d/%m/%y")
    ax.labels.fontName, ax.labels.fontSize = BODY, font_size
    ax.labels.angle = 30 if date_labels > 4 else 0
    ax.labels.boxAnchor = "ne" if date_labels > 4 else "n"
    ax.strokeColor = MUTED
    ay = plot.yValueAxis
    ay.valueMin, ay.valueMax, ay.valueStep = lo, hi, y_step
    ay.labels.fontName, ay.labels.fontSize = BODY, font_size
    ay.strokeColor = MUTED
    ay.visibleGrid = True
    ay.gridStrokeColor = colors.HexColor("#dde3ea")
    ay.gridStrokeWidth = 0.4
    if label_points:
        plot.lineLabelFormat = "%d"
        plot.lineLabels.fontName = BOLD
        plot.lineLabels.fontSize = font_size + 0.5
        plot.lineLabels.fillColor = ACCENT
        plot.lineLabels.dy = 5
        plot.lineLabelNudge = 6
    return plot


def total_chart(scored: list[ScoredScale]) -> Drawing:
    height = 52 * mm
    drawing = _drawing(CONTENT_WIDTH, height)
    drawing.add(_plot(scored, [s.total for s in scored], x=12 * mm, y=12 * mm, width=CONTENT_WIDTH - 16 * mm,
                      height=height - 17 * mm, lo=scored[0].min_total, hi=scored[0].max_total, y_step=8,
                      label_points=len(scored) <= 16, date_labels=10, font_size=7))
    return drawing


def item_charts(scored: list[ScoredScale]) -> Drawing:
    """Eight small charts, one per question, on the same scale: what moved shows at a glance."""
    q = wellbeing_questionnaire()
    cols, rows = 4, (len(q.items) + 3) // 4
    cell_w = CONTENT_WIDTH / cols
    cell_h = 44 * mm  # room for a question of up to three lines above its chart
    drawing = _drawing(CONTENT_WIDTH, rows * cell_h)
    for n, item in enumerate(q.items):
        col, row = n % cols, n // cols
        x0 = col * cell_w
        y0 = (rows - 1 - row) * cell_h
        values = [s.answers.get(item.id, 0) for s in scored]
        drawing.add(_plot(scored, values, x=x0 + 7 * mm, y=y0 + 10 * mm, width=cell_w - 10 * mm,
                          height=cell_h - 23 * mm, lo=q.min_value, hi=q.max_value, y_step=1, label_points=False,
                          date_labels=3, font_size=6))
        # The whole question, wrapped: a title cut at "Ik was optimistisch over de to…" says nothing.
        for i, line in enumerate(_wrap(f"{n + 1}. {item.text}", cell_w - 4 * mm, BOLD, 6.5, max_lines=3)):
            drawing.add(String(x0 + 2 * mm, y0 + cell_h - 5 * mm - i * 2.8 * mm, line, fontName=BOLD,
                               fontSize=6.5, fillColor=ACCENT))
    return drawing


def _wrap(text: str, width: float, font: str, size: float, *, max_lines: int) -> list[str]:
    """The text in lines no wider than `width`, broken between words; only what would not fit in
    `max_lines` lines is cut, with an ellipsis."""
    lines: list[str] = []
    for word in text.split():
        if lines and stringWidth(f"{lines[-1]} {word}", font, size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = [*lines[:max_lines - 1], _fit(" ".join(lines[max_lines - 1:]), width, font, size)]
    return [_fit(line, width, font, size) for line in lines]


def _fit(text: str, width: float, font: str, size: float) -> str:
    """The text, cut with an ellipsis where it would run into the next chart's title."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"
