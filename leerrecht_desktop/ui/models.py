"""Qt item models: the case list (with its filter and sort proxy) and lists of entries.

They hold decrypted data in memory only; `clear()` drops it when the app locks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.catalog import pick_lists
from leerrecht_desktop.models.entries import FamilyContact, FollowUpNote, HomeVisit, SupportMeasure, WellbeingScale
from leerrecht_desktop.models.enums import CaseStatus
from leerrecht_desktop.models.folding import fold_words
from leerrecht_desktop.models.records import Record, saved_text
from leerrecht_desktop.models.summary import CaseSummary
from leerrecht_desktop.models.wellbeing import score
from leerrecht_desktop.store.casefiles import RemovedEntry
from leerrecht_desktop.store.search_index import Hit
from leerrecht_desktop.ui import style
from leerrecht_desktop.ui.search_text import hit_text

AnyIndex = QModelIndex | QPersistentModelIndex
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2


def format_date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def format_short_date(value: dt.date | None) -> str:
    """Dates in narrow list columns: 05/03/26."""
    return value.strftime("%d/%m/%y") if value else ""


def status_label(status: str) -> str:
    try:
        return CaseStatus(status).label
    except ValueError:
        return status


def one_line(text: str, limit: int = 140) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _next_step(content: HomeVisit | FamilyContact) -> str:
    if content.next_step_done and (content.next_step.strip() or content.next_step_on):
        return tr("volgende stap gedaan")
    if content.next_step_on:
        return tr("volgende stap {date}", date=format_date(content.next_step_on))
    return tr("volgende stap: {step}", step=one_line(content.next_step, 60)) if content.next_step.strip() else ""


def entry_summary(content: object) -> str:
    """What a timeline row says about an entry, in one line."""
    lists = pick_lists()
    parts: list[str] = []
    if isinstance(content, HomeVisit):
        main = content.purpose or content.observations or content.agreements
        parts.append(one_line(main))
        parts.append(_next_step(content))
    elif isinstance(content, FamilyContact):
        channel = lists.label("channels", content.channel) if content.channel else ""
        head = tr("{channel} met {who}", channel=channel, who=content.with_whom) if channel else content.with_whom
        parts.append(head + (": " + one_line(content.notes) if content.notes.strip() else ""))
        if content.referrals:
            parts.append(tr("doorverwezen naar {partners}", partners=", ".join(content.referrals)))
        parts.append(_next_step(content))
    elif isinstance(content, WellbeingScale):
        scored = score(content)
        parts.append(tr("Totaal {total} van {max}", total=scored.total, max=scored.max_total))
        by = {"samen": tr("samen met de jongere ingevuld"), "medewerker": tr("ingevuld door de medewerker")}
        if content.filled_in_by in by:
            parts.append(by[content.filled_in_by])
    elif isinstance(content, FollowUpNote):
        if content.text.strip():
            parts.append(one_line(content.text))
        if content.action.strip():
            action = tr("Actie: {action}", action=one_line(content.action, 80))
            if content.done:
                action += " " + tr("(afgerond)")
            elif content.due_on:
                action += " " + tr("(tegen {date})", date=format_date(content.due_on))
            parts.append(action)
    elif isinstance(content, SupportMeasure):
        parts.append(lists.label("support_measures", content.measure))
        if content.level:
            parts.append(lists.label("levels", content.level))
        if content.note.strip():
            parts.append(one_line(content.note))
    elif isinstance(content, CaseProfile):
        parts.append(content.full_name)
    return one_line(" · ".join(p for p in parts if p), 200)


# -- case list --------------------------------------------------------------------------------------


class CaseColumn(IntEnum):
    NAME = 0
    SCHOOL = 1
    CLASS = 2
    STATUS = 3
    LAST_CONTACT = 4
    NEXT_ACTION = 5


def case_column_titles() -> list[str]:
    return [tr("Naam"), tr("School"), tr("Klas"), tr("Status"), tr("Laatste contact"), tr("Volgende actie")]


# After unlock the case list comes in parts (docs/performance.md, "Unlock"): the unlock opens the first
# FIRST_PART summaries, the list shows them, and store operations of LIST_PART each bring in the rest,
# with saves and the GUI free in between.
FIRST_PART = 500
LIST_PART = 1500


class CaseListModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None, today: dt.date | None = None):
        super().__init__(parent)
        self._rows: list[CaseSummary] = []
        self._titles = case_column_titles()
        self._today = today

    @property
    def today(self) -> dt.date:
        return self._today or dt.date.today()

    def set_summaries(self, summaries: list[CaseSummary]) -> None:
        self.beginResetModel()
        self._rows = list(summaries)
        self.endResetModel()

    def add_summaries(self, summaries: list[CaseSummary]) -> None:
        """More rows at the end (a case list coming in parts): the view keeps its selection and scroll."""
        if summaries:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(summaries) - 1)
            self._rows.extend(summaries)
            self.endInsertRows()

    def clear(self) -> None:
        self.set_summaries([])

    def summaries(self) -> list[CaseSummary]:
        return list(self._rows)

    def summary_at(self, row: int) -> CaseSummary:
        return self._rows[row]

    def row_of(self, case_id: str) -> int:
        for i, s in enumerate(self._rows):
            if s.case_id == case_id:
                return i
        return -1

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(CaseColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            title = self._titles[section]
            # Two lines keep the date columns as narrow as the dates under them.
            if section in (CaseColumn.LAST_CONTACT, CaseColumn.NEXT_ACTION):
                return title.replace(" ", "\n", 1)
            return title
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return self._titles[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        s = self._rows[index.row()]
        col = CaseColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if col == CaseColumn.NAME:
                return f"{s.last_name}, {s.first_name}" if s.last_name and s.first_name else s.full_name
            if col == CaseColumn.SCHOOL:
                return s.school
            if col == CaseColumn.CLASS:
                return s.class_name
            if col == CaseColumn.STATUS:
                return status_label(s.status)
            if col == CaseColumn.LAST_CONTACT:
                return format_short_date(s.last_contact)
            return format_short_date(s.next_action)
        if role == SUMMARY_ROLE:
            return s
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == CaseColumn.NEXT_ACTION and s.next_action and s.next_action < self.today:
                return QColor(style.ERROR)
            if col == CaseColumn.STATUS:
                return QColor(style.STATUS_COLOURS.get(s.status, (style.INK, ""))[0])
            if s.status == CaseStatus.AFGESLOTEN and col != CaseColumn.STATUS:
                return QColor(style.MUTED)
        due_now = col == CaseColumn.NEXT_ACTION and s.next_action is not None and s.next_action <= self.today
        if role == Qt.ItemDataRole.FontRole and due_now:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and due_now:
            return tr("Deze actie is over datum.") if s.next_action != self.today else tr("Deze actie is voor vandaag.")
        return None


class SortMode(IntEnum):
    NEXT_ACTION = 0
    LAST_CONTACT = 1
    NAME = 2


class CaseFilterProxy(QSortFilterProxyModel):
    """Search as you type plus the list's filters; sorting keeps cases without a date at the bottom.

    A case is found when every typed word is in its name, school or class (its summary), or when the
    all-text index (store/search_index.py) found them in its entries: `set_search(text, hits)`."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._text = ""
        self._words: list[str] = []
        self._hits: dict[str, Hit] = {}
        self._status = ""
        self._school = ""
        self._target_group = ""
        self._mine_id = ""
        self.setDynamicSortFilter(True)

    # Filters. Each setter re-filters once; an unchanged value costs nothing.

    def _change(self, attr: str, value: str) -> None:
        if getattr(self, attr) != value:
            self._refilter(lambda: setattr(self, attr, value))

    def _refilter(self, apply: Callable[[], None]) -> None:
        begin = getattr(self, "beginFilterChange", None)
        if begin is not None:  # Qt 6.9+: the non-deprecated way
            begin()
            apply()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            apply()
            self.invalidateFilter()

    def set_search_text(self, text: str) -> None:
        self.set_search(text, self._hits if text.strip() == self._text else {})

    def set_search(self, text: str, hits: dict[str, Hit]) -> None:
        """The typed text and the cases the index found it in (each with its matching entry)."""
        text = text.strip()
        if text == self._text and hits.keys() == self._hits.keys():
            self._hits = hits  # the same cases: no re-filtering, only the newer hits
            return

        def apply() -> None:
            self._text, self._words, self._hits = text, fold_words(text), hits

        self._refilter(apply)

    def hit_for(self, summary: CaseSummary) -> Hit | None:
        """Where the search found a case, when not in its name, school or class (then nothing needs saying)."""
        hit = self._hits.get(summary.case_id)
        if hit is None or summary.matches_words(self._words):
            return None
        return hit

    def set_status(self, status: str) -> None:
        self._change("_status", status)

    def set_school(self, school: str) -> None:
        self._change("_school", school)

    def set_target_group(self, key: str) -> None:
        self._change("_target_group", key)

    def set_mine_only(self, user_id: str | None) -> None:
        self._change("_mine_id", user_id or "")

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, CaseListModel)
        s = model.summary_at(source_row)
        if self._status and s.status != self._status:
            return False
        if self._school and s.school != self._school:
            return False
        if self._target_group and self._target_group not in s.target_groups:
            return False
        if self._mine_id and self._mine_id not in s.assigned_ids:
            return False
        return not self._words or s.case_id in self._hits or s.matches_words(self._words)

    def sort_by(self, mode: SortMode) -> None:
        if mode == SortMode.NEXT_ACTION:
            self.sort(CaseColumn.NEXT_ACTION, Qt.SortOrder.AscendingOrder)
        elif mode == SortMode.LAST_CONTACT:
            self.sort(CaseColumn.LAST_CONTACT, Qt.SortOrder.DescendingOrder)
        else:
            self.sort(CaseColumn.NAME, Qt.SortOrder.AscendingOrder)

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, CaseListModel)
        a = model.summary_at(left.row())
        b = model.summary_at(right.row())
        col = left.column()
        # Qt sorts descending by asking lessThan(right, left). Missing dates and ties on the name are
        # answered the other way round then, so they read the same in both directions: no date last,
        # equal dates by name A-Z.
        ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
        by_name = _name_key(a) < _name_key(b) if ascending else _name_key(b) < _name_key(a)
        if col in (CaseColumn.NEXT_ACTION, CaseColumn.LAST_CONTACT):
            da = a.next_action if col == CaseColumn.NEXT_ACTION else a.last_contact
            db = b.next_action if col == CaseColumn.NEXT_ACTION else b.last_contact
            if da != db:
                if da is None or db is None:
                    return (db is None) == ascending
                return da < db
            return by_name
        if col == CaseColumn.STATUS:
            order = {s.value: i for i, s in enumerate(CaseStatus)}
            ka, kb = order.get(a.status, 9), order.get(b.status, 9)
            if ka != kb:
                return ka < kb
            return by_name
        texts = {
            CaseColumn.NAME: (_name_key(a), _name_key(b)),
            CaseColumn.SCHOOL: ((a.school.casefold(), *_name_key(a)), (b.school.casefold(), *_name_key(b))),
            CaseColumn.CLASS: ((a.class_name.casefold(), *_name_key(a)), (b.class_name.casefold(), *_name_key(b))),
        }
        ka2, kb2 = texts[CaseColumn(col)]
        return ka2 < kb2

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        value = super().data(index, role)
        if role == Qt.ItemDataRole.ToolTipRole and self._hits and index.isValid():
            # Found in an entry: every cell of the row says where ("the action is overdue" stays first).
            hit = self.hit_for(self.summary_at(index.row()))
            if hit is not None:
                return hit_text(hit) if not value else f"{value}\n{hit_text(hit)}"
        return value

    def summary_at(self, proxy_row: int) -> CaseSummary:
        source = self.mapToSource(self.index(proxy_row, 0))
        model = self.sourceModel()
        assert isinstance(model, CaseListModel)
        return model.summary_at(source.row())


def _name_key(s: CaseSummary) -> tuple[str, str]:
    return s.last_name.casefold(), s.first_name.casefold()


# -- entries ----------------------------------------------------------------------------------------


class EntryColumn(IntEnum):
    DATE = 0
    KIND = 1
    AUTHOR = 2
    SUMMARY = 3


class EntryListModel(QAbstractTableModel):
    """Entries of one case, newest first (the order CaseFiles.load_case gives them)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._rows: list[Record | RemovedEntry] = []
        self._titles = [tr("Datum"), tr("Soort"), tr("Auteur"), tr("Samenvatting")]

    def set_records(self, records: Sequence[Record | RemovedEntry]) -> None:
        self.beginResetModel()
        self._rows = list(records)
        self.endResetModel()

    def clear(self) -> None:
        self.set_records([])

    def record_at(self, row: int) -> Record | RemovedEntry:
        return self._rows[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(EntryColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._titles[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record = self._rows[index.row()]
        col = EntryColumn(index.column())
        if isinstance(record, RemovedEntry):
            return self._removed_data(record, col, role)
        if role == Qt.ItemDataRole.DisplayRole:
            content = record.content
            if col == EntryColumn.DATE:
                return format_date(getattr(content, "occurred_on", None) or record.saved_at.date())
            if col == EntryColumn.KIND:
                return record.kind.label
            if col == EntryColumn.AUTHOR:
                return getattr(content, "author_name", "")
            return entry_summary(content)
        if role == Qt.ItemDataRole.ToolTipRole and col == EntryColumn.SUMMARY:
            return entry_summary(record.content) + "\n\n" + tr("Dubbelklik om te lezen; bewerken of verwijderen "
                                                                 "kan van daaruit.")
        if role == Qt.ItemDataRole.ToolTipRole and col in (EntryColumn.DATE, EntryColumn.AUTHOR):
            # The author's own save time (sealed with the entry), or when it arrived here, marked so.
            return tr("Laatst opgeslagen op {moment}", moment=saved_text(record))
        if role == RECORD_ROLE:
            return record
        return None

    @staticmethod
    def _removed_data(removed: RemovedEntry, col: EntryColumn, role: int) -> Any:
        """A deleted entry's row: when, what kind, by whom; nothing of what it held."""
        if role == Qt.ItemDataRole.DisplayRole:
            return {EntryColumn.DATE: format_date(removed.removed_at.astimezone().date()),
                    EntryColumn.KIND: removed.kind.label, EntryColumn.AUTHOR: removed.author_name,
                    EntryColumn.SUMMARY: tr("Verwijderd")}[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return tr("Dit onderdeel is verwijderd op {moment}{by}.",
                      moment=removed.removed_at.astimezone().strftime("%d/%m/%Y %H:%M"),
                      by=tr(" door {name}", name=removed.author_name) if removed.author_name else "")
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor("#6b7280")
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setItalic(True)
            return font
        return None
