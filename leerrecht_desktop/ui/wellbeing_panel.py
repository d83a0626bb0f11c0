"""The case view's wellbeing tab: the chart of the scale's totals over time and the table of every
scale filled in, with the change since the one before."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.catalog import wellbeing_questionnaire
from leerrecht_desktop.models.entries import WellbeingScale
from leerrecht_desktop.models.numbers import decimal_text
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.models.wellbeing import series
from leerrecht_desktop.ui import style
from leerrecht_desktop.ui.chart import WellbeingChart
from leerrecht_desktop.ui.models import format_short_date


class WellbeingPanel(QWidget):
    """The trend of the wellbeing scale: a chart and, below it, every score with its change."""

    open_record = Signal(object)  # Record
    add_requested = Signal()
    handover_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._records: list[Record] = []
        self.mode_combo = QComboBox()
        self.mode_combo.addItem(tr("Totaal"), "total")
        self.mode_combo.addItem(tr("Per vraag"), "items")
        self.chart = WellbeingChart()
        self.mode_combo.currentIndexChanged.connect(
            lambda _i: self.chart.set_mode(self.mode_combo.currentData()))
        self.handover_button = QPushButton(tr("Laat de jongere invullen"))
        self.handover_button.clicked.connect(self.handover_requested)
        self.add_button = QPushButton(tr("Zelf invullen"))
        self.add_button.setToolTip(tr("Vul de schaal zelf in, bv. op papier afgenomen of samen overlopen."))
        self.add_button.clicked.connect(self.add_requested)
        controls = QHBoxLayout()
        show = QLabel(tr("Toon:"))
        show.setBuddy(self.mode_combo)
        controls.addWidget(show)
        controls.addWidget(self.mode_combo)
        controls.addStretch(1)
        controls.addWidget(self.handover_button)
        controls.addWidget(self.add_button)

        q = wellbeing_questionnaire()
        self.item_ids = q.item_ids
        headers = [tr("Datum"), tr("Totaal"), tr("Gemiddeld"), tr("Verschil")]
        headers += [tr("V{n}", n=i) for i in range(1, len(q.items) + 1)]
        self.table = QTableWidget(0, len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        for i, item in enumerate(q.items):
            header_item = self.table.horizontalHeaderItem(4 + i)
            if header_item is not None:
                header_item.setToolTip(tr("Vraag {n}: {text}", n=i + 1, text=item.text))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for col in range(4, len(headers)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(self._open_row)
        self.table.setToolTip(tr("Dubbelklik om te openen en te bewerken."))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(controls)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.table)

    def set_records(self, records: list[Record]) -> None:
        # Oldest first, the same stable order `series` sorts in, so row i of the series is record i.
        scales = [r for r in records if isinstance(r.content, WellbeingScale)]
        ordered = sorted(scales, key=lambda r: getattr(r.content, "occurred_on", dt.date.min))
        scored = series(r.content for r in ordered if isinstance(r.content, WellbeingScale))
        self._records = list(reversed(ordered))
        self.chart.set_series(scored)
        self.table.setRowCount(0)
        self.table.setRowCount(len(scored))
        for row, s in enumerate(reversed(scored)):
            change = "" if s.total_change is None else f"{s.total_change:+d}"
            cells = [format_short_date(s.occurred_on), str(s.total), decimal_text(s.mean, 2), change]
            deltas: list[int | None] = []
            for item_id in self.item_ids:
                value = s.answers.get(item_id)
                delta = (s.item_changes or {}).get(item_id)
                text = "–" if value is None else str(value)
                if delta:  # the arrow and colour say which way; the tooltip says how much
                    text += "↑" if delta > 0 else "↓"
                cells.append(text)
                deltas.append(delta)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col > 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                change_here = s.total_change if col == 3 else deltas[col - 4] if col >= 4 else None
                if change_here:
                    item.setForeground(QColor(style.SUCCESS if change_here > 0 else style.ERROR))
                    if col >= 4:
                        item.setToolTip(tr("{change} sinds de vorige keer", change=f"{change_here:+d}"))
                self.table.setItem(row, col, item)
        self.table.setVisible(bool(scored))
        # Tall enough for the last few scales; older ones scroll. Three rows: the tab must fit a
        # 1366×768 screen at 125 % beside the case's header (issue 14).
        rows = min(len(scored), 3)
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height()
                                  + rows * self.table.verticalHeader().defaultSectionSize() + 6)

    def records(self) -> list[Record]:
        """The scales, newest first, as the table lists them."""
        return list(self._records)

    def _open_row(self, row: int, _col: int) -> None:
        if 0 <= row < len(self._records):
            self.open_record.emit(self._records[row])
