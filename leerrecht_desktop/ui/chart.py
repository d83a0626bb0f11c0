"""The wellbeing trend of one young person, drawn with QPainter (QtCharts is not part of PySide6-Essentials).

Two views: the total (8–40) as a bold line, or the eight questions (1–5) as thin lines with a legend.
The x axis is time, so a long gap between two scales looks like one."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.catalog import wellbeing_questionnaire
from leerrecht_desktop.models.numbers import decimal_text
from leerrecht_desktop.models.wellbeing import ScoredScale
from leerrecht_desktop.ui import style

Mode = Literal["total", "items"]

_LEFT_PAD = 10
_TOP = 34
_BOTTOM = 40
_RIGHT = 20
_X_INSET = 28  # keeps the first and last point off the axes
_HIT_RADIUS = 12


def _short_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%y")


class WellbeingChart(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._series: list[ScoredScale] = []
        self._mode: Mode = "total"
        self.setMinimumSize(320, 150)  # small laptop screens: the chart shrinks before buttons go off-screen
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setAccessibleName(tr("Grafiek van het welbevinden"))
        self._update_description()

    # -- public -------------------------------------------------------------------------------------

    def set_series(self, scored: list[ScoredScale]) -> None:
        self._series = sorted(scored, key=lambda s: s.occurred_on)
        self._update_description()
        self.update()

    def series(self) -> list[ScoredScale]:
        return list(self._series)

    def set_mode(self, mode: Mode) -> None:
        if mode not in ("total", "items"):
            raise ValueError(f"unknown chart mode {mode!r}")
        self._mode = mode
        self._update_description()
        self.update()

    def mode(self) -> Mode:
        return self._mode

    def legend_labels(self) -> list[str]:
        """The legend entries shown (per-item mode only)."""
        if self._mode != "items":
            return []
        return [tr("Vraag {n}", n=i) for i in range(1, len(wellbeing_questionnaire().items) + 1)]

    def point_positions(self) -> list[QPointF]:
        """Where each scale's total is drawn, oldest first (used for hover and by tests)."""
        plot = self._plot_rect()
        lo, hi = self._y_range("total")
        return [QPointF(self._x(plot, s.occurred_on), self._y(plot, s.total, lo, hi)) for s in self._series]

    def sizeHint(self) -> QSize:
        return QSize(640, 300)

    # -- geometry -----------------------------------------------------------------------------------

    def _y_range(self, mode: Mode | None = None) -> tuple[int, int]:
        q = wellbeing_questionnaire()
        if (mode or self._mode) == "total":
            return q.min_value * len(q.items), q.max_value * len(q.items)
        return q.min_value, q.max_value

    def _y_ticks(self) -> list[tuple[int, str]]:
        lo, hi = self._y_range()
        if self._mode == "total":
            step = max(1, (hi - lo) // 4)
            return [(v, str(v)) for v in range(lo, hi + 1, step)]
        q = wellbeing_questionnaire()
        return [(v, f"{v} {q.answer_label(v).lower()}") for v in range(lo, hi + 1)]

    def _legend_width(self) -> int:
        if self._mode != "items":
            return 0
        fm = QFontMetrics(self._small_font())
        return max(fm.horizontalAdvance(label) for label in self.legend_labels()) + 34

    def _plot_rect(self) -> QRectF:
        fm = QFontMetrics(self._small_font())
        label_w = max(fm.horizontalAdvance(text) for _, text in self._y_ticks()) + 12
        left = _LEFT_PAD + label_w
        right = self.width() - _RIGHT - self._legend_width()
        return QRectF(left, _TOP, max(10.0, right - left), max(10.0, self.height() - _TOP - _BOTTOM))

    def _x(self, plot: QRectF, day: dt.date) -> float:
        if len(self._series) < 2:
            return plot.center().x()
        first, last = self._series[0].occurred_on, self._series[-1].occurred_on
        span = (last - first).days
        inner_left, inner_w = plot.left() + _X_INSET, plot.width() - 2 * _X_INSET
        if span == 0:
            return plot.center().x()
        return inner_left + inner_w * (day - first).days / span

    @staticmethod
    def _y(plot: QRectF, value: float, lo: int, hi: int) -> float:
        return plot.bottom() - plot.height() * (value - lo) / (hi - lo)

    def _small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(8.0, font.pointSizeF() * 0.85))
        return font

    # -- painting -----------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(style.SURFACE))
        plot = self._plot_rect()
        self._draw_axes(p, plot)
        if not self._series:
            p.setPen(QColor(style.MUTED))
            p.setFont(self.font())
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       tr("Nog geen welbevindenschaal in dit dossier."))
            p.end()
            return
        self._draw_x_labels(p, plot)
        if self._mode == "total":
            self._draw_total(p, plot)
        else:
            self._draw_items(p, plot)
        p.end()

    def _draw_axes(self, p: QPainter, plot: QRectF) -> None:
        small = self._small_font()
        p.setFont(small)
        fm = QFontMetrics(small)
        lo, hi = self._y_range()
        for value, text in self._y_ticks():
            y = self._y(plot, value, lo, hi)
            p.setPen(QPen(QColor("#e6eaee"), 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(QColor(style.MUTED))
            p.drawText(QRectF(_LEFT_PAD, y - fm.height() / 2, plot.left() - _LEFT_PAD - 8, fm.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        p.setPen(QPen(QColor(style.BORDER), 1))
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        p.drawLine(plot.bottomLeft(), plot.topLeft())
        title = (tr("Totaalscore ({lo}–{hi})", lo=lo, hi=hi) if self._mode == "total"
                 else tr("Antwoord per vraag ({lo}–{hi})", lo=lo, hi=hi))
        heading = QFont(small)
        heading.setBold(True)
        p.setFont(heading)
        p.setPen(QColor(style.INK))
        p.drawText(QRectF(_LEFT_PAD, 6, self.width() - 2 * _LEFT_PAD, 20),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)

    def _draw_x_labels(self, p: QPainter, plot: QRectF) -> None:
        small = self._small_font()
        p.setFont(small)
        fm = QFontMetrics(small)
        p.setPen(QColor(style.MUTED))
        # Newest first: when labels would overlap, the most recent dates are the ones kept.
        left_edge = float("inf")
        for s in reversed(self._series):
            x = self._x(plot, s.occurred_on)
            text = _short_date(s.occurred_on)
            w = fm.horizontalAdvance(text)
            if x + w / 2 + 6 > left_edge:
                continue
            p.setPen(QPen(QColor(style.BORDER), 1))
            p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4))
            p.setPen(QColor(style.MUTED))
            p.drawText(QRectF(x - w / 2 - 2, plot.bottom() + 7, w + 4, fm.height()),
                       Qt.AlignmentFlag.AlignCenter, text)
            left_edge = x - w / 2

    def _draw_total(self, p: QPainter, plot: QRectF) -> None:
        points = self.point_positions()
        colour = QColor(style.ACCENT)
        if len(points) > 1:
            path = QPainterPath(points[0])
            for pt in points[1:]:
                path.lineTo(pt)
            p.setPen(QPen(colour, 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)
        label_font = QFont(self.font())
        label_font.setBold(True)
        fm = QFontMetrics(label_font)
        p.setFont(label_font)
        left_edge = float("inf")
        for s, pt in reversed(list(zip(self._series, points, strict=True))):
            p.setPen(QPen(colour, 2.5))
            p.setBrush(QColor(style.SURFACE))
            p.drawEllipse(pt, 5.5, 5.5)
            text = str(s.total)
            w = fm.horizontalAdvance(text)
            if pt.x() + w / 2 + 4 > left_edge:
                continue
            p.setPen(QColor(style.INK))
            p.drawText(QRectF(pt.x() - w / 2 - 4, pt.y() - 10 - fm.height(), w + 8, fm.height()),
                       Qt.AlignmentFlag.AlignCenter, text)
            left_edge = pt.x() - w / 2

    def _draw_items(self, p: QPainter, plot: QRectF) -> None:
        q = wellbeing_questionnaire()
        lo, hi = self._y_range()
        n = len(q.items)
        for i, item in enumerate(q.items):
            colour = QColor(style.SERIES_COLOURS[i % len(style.SERIES_COLOURS)])
            # Answers are whole numbers, so lines would lie on top of each other; a small offset per
            # question keeps every line visible without changing what value it reads as.
            offset = (i - (n - 1) / 2) * 2.2
            pts = [
                QPointF(self._x(plot, s.occurred_on), self._y(plot, s.answers[item.id], lo, hi) + offset)
                for s in self._series if item.id in s.answers
            ]
            p.setPen(QPen(colour, 1.8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            p.setBrush(Qt.BrushStyle.NoBrush)
            if len(pts) > 1:
                path = QPainterPath(pts[0])
                for pt in pts[1:]:
                    path.lineTo(pt)
                p.drawPath(path)
            p.setBrush(colour)
            for pt in pts:
                p.drawEllipse(pt, 3.2, 3.2)
        self._draw_legend(p, plot)

    def _draw_legend(self, p: QPainter, plot: QRectF) -> None:
        small = self._small_font()
        fm = QFontMetrics(small)
        p.setFont(small)
        x = plot.right() + 16
        y = plot.top()
        for i, label in enumerate(self.legend_labels()):
            colour = QColor(style.SERIES_COLOURS[i % len(style.SERIES_COLOURS)])
            row_y = y + i * (fm.height() + 6)
            p.setPen(QPen(colour, 3))
            p.drawLine(QPointF(x, row_y + fm.height() / 2), QPointF(x + 14, row_y + fm.height() / 2))
            p.setPen(QColor(style.INK))
            p.drawText(QRectF(x + 20, row_y, self.width() - x - 20, fm.height()),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)

    # -- hover and accessibility ----------------------------------------------------------------------

    def _point_text(self, s: ScoredScale) -> str:
        text = tr("{date}: totaal {total} (gemiddeld {mean})", date=s.occurred_on.strftime("%d/%m/%Y"),
                  total=s.total, mean=decimal_text(s.mean))
        if s.total_change is not None:
            text += " · " + tr("{change} sinds de vorige keer", change=f"{s.total_change:+d}")
        return text

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        for s, pt in zip(self._series, self.point_positions(), strict=True):
            x_only = self._mode == "items"  # in per-item mode, hovering a date column is enough
            near = abs(pt.x() - pos.x()) <= _HIT_RADIUS and (x_only or abs(pt.y() - pos.y()) <= _HIT_RADIUS)
            if near:
                text = self._point_text(s)
                if x_only:
                    q = wellbeing_questionnaire()
                    text += "\n" + "\n".join(
                        f"{i}. {item.text} {s.answers.get(item.id, '–')}" for i, item in enumerate(q.items, start=1)
                    )
                QToolTip.showText(event.globalPosition().toPoint(), text, self)
                return
        QToolTip.hideText()

    def _update_description(self) -> None:
        if not self._series:
            self.setAccessibleDescription(tr("Nog geen welbevindenschaal in dit dossier."))
        else:
            self.setAccessibleDescription("; ".join(self._point_text(s) for s in self._series))
