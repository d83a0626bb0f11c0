"""The case list panel on the left: search, filters (status, school, target group, mine), sort,
the count, and keyboard search-pick-open. Search looks at the names, schools and classes of the
summaries and, through the in-memory index of all text (notes_search.py), in every entry: a case found
in an entry says where ("Gevonden in: …" under the list and in the row's tooltip) and opens at it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.catalog import pick_lists
from leerrecht_desktop.models.enums import CaseStatus
from leerrecht_desktop.models.summary import CaseSummary
from leerrecht_desktop.store.queries import case_list
from leerrecht_desktop.store.search_index import Hit
from leerrecht_desktop.ui.main_window.base import WindowBase
from leerrecht_desktop.ui.main_window.notes_search import NotesSearch
from leerrecht_desktop.ui.models import (
    LIST_PART,
    CaseColumn,
    CaseFilterProxy,
    CaseListModel,
    SortMode,
    case_column_titles,
)
from leerrecht_desktop.ui.search_text import building_text, hit_text


class CaseListMixin(WindowBase):
    """The list panel: built once, reloaded after every write, filtered and sorted in its proxy."""

    def _build_list_panel(self) -> QWidget:
        self._list_partial = False  # the list is still coming in after unlock (reload_list)
        panel = QWidget()
        panel.setMinimumWidth(420)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(12, 12, 6, 12)
        layout.setSpacing(8)

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(tr("Zoek op naam, school, klas of in de notities  (Ctrl+F)"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName(tr("Zoeken in dossiers"))
        self.search_edit.textChanged.connect(self._search_changed)
        self.search_edit.returnPressed.connect(self._open_from_search)
        self.search_edit.installEventFilter(self)
        layout.addWidget(self.search_edit)
        # The index of all text: built after the list is there, current after every write, gone at lock.
        self.notes_search = NotesSearch(self._submit, self)
        self.notes_search.changed.connect(self._notes_progressed)
        self.store_events.store_changed.connect(self.notes_search.store_changed)
        self.locked.connect(self._drop_search)

        self.status_combo = QComboBox()
        self.status_combo.addItem(tr("Alle statussen"), "")
        for status in CaseStatus:
            self.status_combo.addItem(status.label, status.value)
        self.status_combo.setAccessibleName(tr("Filter op status"))
        self.school_combo = QComboBox()
        self.school_combo.addItem(tr("Alle scholen"), "")
        self.school_combo.setAccessibleName(tr("Filter op school"))
        self.school_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.school_combo.setMinimumContentsLength(12)
        self.group_combo = QComboBox()
        self.group_combo.addItem(tr("Alle doelgroepen"), "")
        for choice in pick_lists().target_groups:
            self.group_combo.addItem(choice.label, choice.key)
        self.group_combo.setAccessibleName(tr("Filter op doelgroep"))
        self.mine_check = QCheckBox(tr("Mijn dossiers"))
        self.mine_check.setToolTip(tr("Toon alleen de dossiers waaraan jij toegewezen bent."))
        filters = QHBoxLayout()
        filters.setSpacing(6)
        filters.addWidget(self.status_combo, 1)
        filters.addWidget(self.school_combo, 1)
        filters.addWidget(self.group_combo, 1)
        layout.addLayout(filters)

        self.sort_combo = QComboBox()
        # Plain ints as item data: an IntEnum would not be found again by findData.
        self.sort_combo.addItem(tr("Volgende actie"), int(SortMode.NEXT_ACTION))
        self.sort_combo.addItem(tr("Laatste contact"), int(SortMode.LAST_CONTACT))
        self.sort_combo.addItem(tr("Naam"), int(SortMode.NAME))
        sort_label = QLabel(tr("Sorteer op"))
        sort_label.setBuddy(self.sort_combo)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        second = QHBoxLayout()
        second.addWidget(self.mine_check)
        second.addSpacing(12)
        second.addWidget(sort_label)
        second.addWidget(self.sort_combo)
        second.addStretch(1)
        second.addWidget(self.count_label)
        layout.addLayout(second)

        self.case_model = CaseListModel(self)
        self.proxy = CaseFilterProxy(self)
        self.proxy.setSourceModel(self.case_model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        self.table.setAccessibleName(tr("Dossiers"))
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(CaseColumn.NAME, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        fm = self.fontMetrics()
        bold = QFont(self.font())
        bold.setBold(True)
        hm = QFontMetrics(bold)
        titles = case_column_titles()

        def fit(col: CaseColumn, *samples: str) -> int:
            words = titles[col].split(" ", 1) if col >= CaseColumn.LAST_CONTACT else [titles[col]]
            return max([hm.horizontalAdvance(w) for w in words] + [fm.horizontalAdvance(x) for x in samples]) + 22

        widths = {
            CaseColumn.SCHOOL: fit(CaseColumn.SCHOOL, "Scheppers secundair"),
            CaseColumn.CLASS: fit(CaseColumn.CLASS, "5 STW"),
            CaseColumn.STATUS: fit(CaseColumn.STATUS, *(s.label for s in CaseStatus)),
            CaseColumn.LAST_CONTACT: fit(CaseColumn.LAST_CONTACT, "00/00/00"),
            CaseColumn.NEXT_ACTION: fit(CaseColumn.NEXT_ACTION, "00/00/00"),
        }
        for col, width in widths.items():
            self.table.setColumnWidth(col, width)
        # Room for a long Flemish name beside the other columns (issue 14: "Jansse…", "Wiśniewski, Szy…").
        self._list_min_width = sum(widths.values()) + fm.horizontalAdvance("Vandenbroucke, Marie-Louise") + 40
        self.table.activated.connect(self._open_index)
        self.table.clicked.connect(self._open_index)
        self.table.selectionModel().currentChanged.connect(lambda *_: self._show_found())
        layout.addWidget(self.table, 1)

        self.empty_label = QLabel()
        self.empty_label.setObjectName("placeholder")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setVisible(False)
        layout.addWidget(self.empty_label, 1)

        # Where the current (or first) case was found when not by its name, and that the notes are
        # still being indexed. Wraps: a snippet never widens the list.
        self.found_label = QLabel()
        self.found_label.setObjectName("muted")
        self.found_label.setWordWrap(True)
        self.found_label.setTextFormat(Qt.TextFormat.PlainText)
        self.found_label.setVisible(False)
        layout.addWidget(self.found_label)

        self.status_combo.currentIndexChanged.connect(self._filters_changed)
        self.school_combo.currentIndexChanged.connect(self._filters_changed)
        self.group_combo.currentIndexChanged.connect(self._filters_changed)
        self.mine_check.toggled.connect(self._filters_changed)
        self.sort_combo.currentIndexChanged.connect(self._sort_changed)
        header.sortIndicatorChanged.connect(self._header_sorted)
        self._sort_changed()
        return panel

    def reload_list(self, select_case: str | None = None) -> None:
        case_files = self.case_files
        if not case_files.summaries_complete:
            # Just unlocked: the first part is shown while the rest comes in, a store operation per part.
            self._list_partial = True
            self._submit(lambda: case_files.read_summaries(LIST_PART),
                         lambda result: self._part_loaded(result[0], result[1], select_case))
            return
        self._submit(lambda: case_list(case_files),
                     lambda result: self._list_loaded(result[0], result[1], select_case=select_case))

    def _part_loaded(self, summaries: list[CaseSummary], complete: bool, select_case: str | None) -> None:
        """A part of the list came in: its rows are added (the proxy sorts and filters them in place).
        Once it is whole, the normal reload shows the exact list, school filter and search index."""
        if self.is_locked:
            return
        shown = self.case_model.rowCount()
        held = self.case_model.summaries()
        if shown > len(summaries) or any(a is not b for a, b in zip(held, summaries[:shown], strict=True)):
            self.case_model.set_summaries(summaries)  # not the list this model holds the start of
        else:
            self.case_model.add_summaries(summaries[shown:])
        self._refresh_school_filter(summaries)  # the schools seen so far; the filter keeps its choice
        if complete:
            self._list_partial = False
        self.reload_list(select_case)  # the next part, or (complete) the whole list
        self._update_count()

    def _list_loaded(self, summaries: list[CaseSummary], pending: int, select_case: str | None = None) -> None:
        self._list_partial = False
        self.case_model.set_summaries(summaries)
        self._refresh_school_filter(summaries)
        self.sync.note_waiting(pending)  # the indicator (linked or not) shows the outbox as counted now
        self._update_count()
        if not self.notes_search.started and not self.is_locked:
            self.notes_search.start(self.case_files, [s.case_id for s in summaries])
        target = select_case or self._current_case_id
        if target:
            self.select_case(target)
        if select_case:
            self.open_case(select_case)

    def _refresh_school_filter(self, summaries: list[CaseSummary]) -> None:
        current = self.school_combo.currentData()
        schools = sorted({s.school for s in summaries if s.school}, key=str.casefold)
        self.school_combo.blockSignals(True)
        self.school_combo.clear()
        self.school_combo.addItem(tr("Alle scholen"), "")
        for school in schools:
            self.school_combo.addItem(school, school)
        index = self.school_combo.findData(current) if current else 0
        self.school_combo.setCurrentIndex(max(0, index))
        self.school_combo.blockSignals(False)
        if current and index < 0:
            self._filters_changed()

    def _search_changed(self, text: str) -> None:
        self.proxy.set_search(text, self.notes_search.search(text) if text.strip() else {})
        self._update_count()

    def _notes_progressed(self) -> None:
        """A batch of the index landed (or it was dropped): the search's result may have grown."""
        self._search_changed(self.search_edit.text())

    def _show_found(self) -> None:
        lines: list[str] = []
        hit = self._current_hit()
        if hit is not None:
            lines.append(hit_text(hit))
        searching = bool(self.search_edit.text().strip())
        if searching and self.notes_search.building:
            lines.append(building_text(*self.notes_search.progress))
        self.found_label.setText("\n".join(lines))
        self.found_label.setVisible(bool(lines))

    def _current_hit(self) -> Hit | None:
        """The hit of the current row, else of the first row (what Enter in the search box opens)."""
        if self.proxy.rowCount() == 0:
            return None
        current = self.table.currentIndex()
        return self.proxy.hit_for(self.proxy.summary_at(current.row() if current.isValid() else 0))

    def _drop_search(self) -> None:
        """At lock: the index and every hit (each holds its case's text) go with the keys."""
        self._after_load = None  # a hit waiting for its case to load
        self.proxy.set_search("", {})
        self.notes_search.drop()

    def _filters_changed(self, *_args: object) -> None:
        self.proxy.set_status(str(self.status_combo.currentData() or ""))
        self.proxy.set_school(str(self.school_combo.currentData() or ""))
        self.proxy.set_target_group(str(self.group_combo.currentData() or ""))
        self.proxy.set_mine_only(self.case_files.user.user_id if self.mine_check.isChecked() else None)
        self._update_count()

    def _sort_changed(self, *_args: object) -> None:
        mode = SortMode(self.sort_combo.currentData())
        column, order = {
            SortMode.NEXT_ACTION: (CaseColumn.NEXT_ACTION, Qt.SortOrder.AscendingOrder),
            SortMode.LAST_CONTACT: (CaseColumn.LAST_CONTACT, Qt.SortOrder.DescendingOrder),
            SortMode.NAME: (CaseColumn.NAME, Qt.SortOrder.AscendingOrder),
        }[mode]
        self.table.sortByColumn(column, order)

    def _header_sorted(self, column: int, order: Qt.SortOrder) -> None:
        # Clicking a column header is another way to sort; keep the combo truthful when it matches.
        match = {
            (CaseColumn.NEXT_ACTION, Qt.SortOrder.AscendingOrder): SortMode.NEXT_ACTION,
            (CaseColumn.LAST_CONTACT, Qt.SortOrder.DescendingOrder): SortMode.LAST_CONTACT,
            (CaseColumn.NAME, Qt.SortOrder.AscendingOrder): SortMode.NAME,
        }.get((CaseColumn(column), order))
        if match is not None:
            self.sort_combo.blockSignals(True)
            self.sort_combo.setCurrentIndex(self.sort_combo.findData(int(match)))
            self.sort_combo.blockSignals(False)

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.case_model.rowCount()
        if self._list_partial and total:
            # Counts, search and filters are over the part that is in: say so until the list is whole.
            self.count_label.setText(tr("{count} (lijst nog bezig)", count=tr(
                "{shown} van {total} dossiers", shown=shown, total=total) if shown != total else tr(
                "{n} dossiers", n=total)))
            self.empty_label.setText(tr("Nog geen dossiers gevonden: de lijst wordt nog geladen."))
            self.table.setVisible(shown > 0)
            self.empty_label.setVisible(shown == 0)
            self._show_found()
            return
        if total == 0:
            self.count_label.setText("")
            self.empty_label.setText(tr("Nog geen dossiers op deze laptop. Begin met een nieuwe aanmelding (Ctrl+N)."))
        elif shown == total:
            self.count_label.setText(tr("{n} dossiers", n=total) if total != 1 else tr("1 dossier"))
        else:
            text = tr("{shown} van {total} dossiers", shown=shown, total=total)
            if self.search_edit.text().strip() and self.notes_search.building:
                # Short here (the row holds the sort too); the line under the list says it in full.
                text = tr("{count} (notities nog bezig)", count=text)
            self.count_label.setText(text)
            if shown == 0:
                self.empty_label.setText(tr("Geen dossiers gevonden. Pas je zoekopdracht of filters aan."))
        self.table.setVisible(shown > 0)
        self.empty_label.setVisible(shown == 0)
        self._show_found()

    def visible_summaries(self) -> list[CaseSummary]:
        """The cases in the list as the user sees them: filtered and sorted."""
        return [self.proxy.summary_at(row) for row in range(self.proxy.rowCount())]

    def select_case(self, case_id: str) -> None:
        source_row = self.case_model.row_of(case_id)
        if source_row < 0:
            return
        index = self.proxy.mapFromSource(self.case_model.index(source_row, 0))
        if index.isValid():
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self.table.scrollTo(index)

    def focus_search(self) -> None:
        if self.stack.currentWidget() is not self.normal_page:
            return
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def _open_from_search(self) -> None:
        if self.proxy.rowCount() == 0:
            return
        current = self.table.currentIndex()
        row = current.row() if current.isValid() else 0
        self._open_index(self.proxy.index(row, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Arrow down in the search box moves into the list, so search-pick-open needs no mouse.
        if watched is self.search_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Down and self.proxy.rowCount():
                self.table.setFocus()
                if not self.table.currentIndex().isValid():
                    self.table.setCurrentIndex(self.proxy.index(0, 0))
                return True
        return super().eventFilter(watched, event)

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            summary = self.proxy.summary_at(index.row())
            hit = self.proxy.hit_for(summary)
            if hit is None:
                self.open_case(summary.case_id)
                return
            # Opened from a search in the notes: at the entry found. Only its ids wait, not its text.
            record_id, kind = hit.record_id, hit.kind
            self.open_case(summary.case_id, lambda _case: self.case_view.show_record(record_id, kind))
