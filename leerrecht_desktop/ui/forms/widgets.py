"""Small input widgets shared by the entry forms: pick-list combos, optional dates, check groups,
a lenient time field and the worker's wellbeing answer row. Each reads and writes domain values
(keys, dates, ints), so a form never has to know how a label maps to what is stored."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QStyle,
    QWidget,
)

from leerrecht_core.i18n import current_language, tr
from leerrecht_desktop.models.catalog import Choice
from leerrecht_desktop.ui.forms.date_field import DateField

DATE_FORMAT = "dd/MM/yyyy"


def qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


def pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def ui_locale() -> QLocale:
    # Calendars in Dutch start on Monday and name the months as Flemish users expect.
    if current_language() == "nl":
        return QLocale(QLocale.Language.Dutch, QLocale.Country.Belgium)
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


def date_edit(value: dt.date | None = None) -> DateField:
    """A date field that takes typed dates (ui/forms/date_field.py), with a Flemish calendar."""
    edit = DateField(value or dt.date.today())
    edit.calendar.setLocale(ui_locale())
    edit.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
    return edit


class OptionalDateEdit(QWidget):
    """A date that may be left empty: a calendar date field plus a 'geen datum' box."""

    changed = Signal()

    def __init__(self, value: dt.date | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = date_edit(value)
        self.none_box = QCheckBox(tr("Geen datum"))
        layout.addWidget(self.edit)
        layout.addWidget(self.none_box)
        layout.addStretch(1)
        self.setFocusProxy(self.edit)
        self.none_box.toggled.connect(self._sync)
        self.edit.dateChanged.connect(lambda _d: self.changed.emit())
        self.none_box.toggled.connect(lambda _b: self.changed.emit())
        self.set_value(value)

    def _sync(self, empty: bool) -> None:
        self.edit.setEnabled(not empty)

    def value(self) -> dt.date | None:
        return None if self.none_box.isChecked() else pydate(self.edit.date())

    def set_value(self, value: dt.date | None) -> None:
        if value is not None:
            self.edit.setDate(qdate(value))
        self.none_box.setChecked(value is None)
        self._sync(value is None)


class KeyCombo(QComboBox):
    """A pick-list combo that stores keys and shows labels. A stored key that the list no longer has
    is shown as itself instead of being dropped, so editing an old record never loses its value."""

    def __init__(self, choices: Iterable[Choice | tuple[str, str]], *, empty_label: str | None = "—",
                 parent: QWidget | None = None):
        super().__init__(parent)
        if empty_label is not None:
            self.addItem(empty_label, "")
        for choice in choices:
            key, label = (choice.key, choice.label) if isinstance(choice, Choice) else choice
            self.addItem(label, key)

    def key(self) -> str:
        data = self.currentData()
        return "" if data is None else str(data)

    def set_key(self, key: str) -> None:
        index = self.findData(key)
        if index < 0:
            self.addItem(key, key)
            index = self.count() - 1
        self.setCurrentIndex(index)


class EditableChoiceCombo(QComboBox):
    """An editable combo (e.g. the school): pick from the list or type a name that is not in it."""

    def __init__(self, choices: Iterable[Choice], parent: QWidget | None = None):
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self._choices = tuple(choices)
        self.addItem("", "")
        for choice in self._choices:
            self.addItem(choice.label, choice.key)
        completer = self.completer()
        if completer is not None:
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)

    def key(self) -> str:
        text = self.currentText().strip()
        for choice in self._choices:
            if text.casefold() in (choice.label.casefold(), choice.key.casefold()):
                return choice.key
        return text

    def set_key(self, key: str) -> None:
        for choice in self._choices:
            if choice.key == key:
                self.setCurrentIndex(self.findData(key))
                return
        self.setCurrentIndex(0)
        self.setEditText(key)


class ChecksGroup(QWidget):
    """A few checkboxes (target groups, life domains) in a grid; values are the checked keys."""

    changed = Signal()

    def __init__(self, choices: Iterable[Choice], columns: int = 2, parent: QWidget | None = None):
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._columns = columns
        self.boxes: dict[str, QCheckBox] = {}
        for choice in choices:
            self._add(choice.key, choice.label)
        first = next(iter(self.boxes.values()), None)
        if first is not None:
            self.setFocusProxy(first)

    def _add(self, key: str, label: str) -> QCheckBox:
        box = QCheckBox(label)
        n = len(self.boxes)
        self._grid.addWidget(box, n // self._columns, n % self._columns)
        box.toggled.connect(lambda _b: self.changed.emit())
        self.boxes[key] = box
        return box

    def keys(self) -> list[str]:
        return [key for key, box in self.boxes.items() if box.isChecked()]

    def set_keys(self, keys: Iterable[str]) -> None:
        wanted = list(keys)
        for key in wanted:
            if key not in self.boxes:
                self._add(key, key)
        for key, box in self.boxes.items():
            box.setChecked(key in wanted)


class CheckList(QListWidget):
    """A longer list of options (partners) as one tab stop: arrows move, space ticks, letters jump."""

    def __init__(self, choices: Iterable[Choice], visible_rows: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        for choice in choices:
            self._add(choice.key, choice.label)
        # Every option in view by default (the form scrolls, not the list): a partner that needs
        # scrolling to find is a partner nobody ticks.
        rows = visible_rows or max(self.count(), 1)
        row_height = self.sizeHintForRow(0) if self.count() else 20
        self.setFixedHeight(row_height * rows + 2 * self.frameWidth() + 4)

    def _add(self, key: str, label: str) -> QListWidgetItem:
        item = QListWidgetItem(label, self)
        item.setData(Qt.ItemDataRole.UserRole, key)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        return item

    def _items(self) -> list[QListWidgetItem]:
        return [self.item(i) for i in range(self.count())]

    def keys(self) -> list[str]:
        return [str(item.data(Qt.ItemDataRole.UserRole)) for item in self._items()
                if item.checkState() == Qt.CheckState.Checked]

    def set_keys(self, keys: Iterable[str]) -> None:
        wanted = list(keys)
        known = {item.data(Qt.ItemDataRole.UserRole) for item in self._items()}
        for key in wanted:
            if key not in known:
                self._add(key, key)
        for item in self._items():
            checked = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Space ticks the current row even when the list shows no check focus yet.
        if event.key() == Qt.Key.Key_Space and self.currentItem() is not None:
            item = self.currentItem()
            checked = item.checkState() == Qt.CheckState.Checked
            item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)
            return
        super().keyPressEvent(event)


_TIME_PATTERNS = (
    re.compile(r"^(\d{1,2})[:.hu](\d{2})$"),   # 16:30, 16.30, 16u30, 16h30
    re.compile(r"^(\d{1,2})(\d{2})$"),         # 1630, 930
    re.compile(r"^(\d{1,2})\s*[uh]?$"),        # 16, 16u
)


def normalize_time(text: str) -> str:
    """'16u30', '1630' or '9' become '16:30', '16:30' and '09:00'; anything else is left for
    validation to explain."""
    raw = text.strip().lower().replace(" ", "")
    if not raw:
        return ""
    for pattern in _TIME_PATTERNS:
        m = pattern.match(raw)
        if m:
            hour = int(m.group(1))
            minute = int(m.group(2)) if m.lastindex and m.lastindex >= 2 else 0
            if hour < 24 and minute < 60:
                return f"{hour:02d}:{minute:02d}"
    return text.strip()


class TimeEdit(QLineEdit):
    """An optional time of day typed the way people write it (16u30); tidied when leaving the field."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setPlaceholderText(tr("bv. 16:30"))
        self.setMaximumWidth(110)
        self.editingFinished.connect(self._tidy)

    def _tidy(self) -> None:
        tidy = normalize_time(self.text())
        if tidy != self.text():
            self.setText(tidy)

    def value(self) -> str:
        return normalize_time(self.text())


class OptionalNumber(QSpinBox):
    """A whole number that may be left empty: the lowest value shows as '—' and means 'not filled in'."""

    def __init__(self, lowest: int, highest: int, *, suffix: str = "", step: int = 1,
                 parent: QWidget | None = None):
        # One below the lowest real value stands for "empty".
        super().__init__(parent)
        self._empty = lowest - 1
        self.setRange(self._empty, highest)
        self.setSpecialValueText("—")
        self.setSingleStep(step)
        if suffix:
            self.setSuffix(suffix)
        self.setMaximumWidth(120)

    def number(self) -> int | None:
        v = self.value()
        return None if v == self._empty else v

    def set_number(self, value: int | None) -> None:
        self.setValue(self._empty if value is None else value)


# The longest text a long field takes (models: LONG); a form shows how much room is left (forms/base.py).
LONG_TEXT = 20_000


def plain_text(height_lines: int = 4, placeholder: str = "", *, limit: int = LONG_TEXT) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setProperty("maxChars", limit)
    edit.setTabChangesFocus(True)  # keyboard users tab on to the next field instead of typing a tab
    if placeholder:
        edit.setPlaceholderText(placeholder)
    # A fixed height keeps long forms compact; the field scrolls once the text is longer.
    line = edit.fontMetrics().lineSpacing()
    edit.setFixedHeight(line * height_lines + 2 * edit.frameWidth() + 10)
    return edit


def line_edit(placeholder: str = "", completions: Sequence[str] = ()) -> QLineEdit:
    edit = QLineEdit()
    if placeholder:
        edit.setPlaceholderText(placeholder)
    if completions:
        completer = QCompleter(list(completions), edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        edit.setCompleter(completer)
    return edit


class ScaleRow(QFrame):
    """One statement of the wellbeing scale as the worker types it over from paper: five radio
    buttons and a single tab stop. Keys 1–5 answer and move on; arrows change the answer."""

    changed = Signal()
    SPACING = 6

    def __init__(self, number: int, text: str, values: Sequence[int], button_width: int,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("scaleRow")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.values = list(values)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(self.SPACING)
        self.label = QLabel(f"{number}. {text}")
        self.label.setWordWrap(True)
        layout.addWidget(self.label, 1)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: list[QRadioButton] = []
        for value in self.values:
            # A fixed-width cell per answer lines the buttons up under the column headers.
            cell = QWidget()
            cell.setFixedWidth(button_width)
            cell_layout = QHBoxLayout(cell)
            cell_layout.setContentsMargins(0, 0, 0, 0)
            button = QRadioButton()
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip(str(value))
            # Without text a radio button still reserves room for it; trim it so it centres.
            button.setFixedWidth(button.style().pixelMetric(QStyle.PixelMetric.PM_ExclusiveIndicatorWidth) + 2)
            button.setAccessibleName(f"{number}: {value}")
            self.group.addButton(button, value)
            cell_layout.addWidget(button, 0, Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(cell)
            self.buttons.append(button)
        self.group.buttonToggled.connect(self._toggled)

    def _toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self.changed.emit()

    def value(self) -> int | None:
        v = self.group.checkedId()
        return None if v == -1 else v

    def set_value(self, value: int | None) -> None:
        if value is None:
            self.group.setExclusive(False)
            for button in self.buttons:
                button.setChecked(False)
            self.group.setExclusive(True)
        elif value in self.values:
            self.buttons[self.values.index(value)].setChecked(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if Qt.Key.Key_0 <= key <= Qt.Key.Key_9 and (key - Qt.Key.Key_0) in self.values:
            self.set_value(key - Qt.Key.Key_0)
            self.focusNextChild()
            return
        current = self.value()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step = -1 if key == Qt.Key.Key_Left else 1
            if current is None:
                self.set_value(self.values[0] if step > 0 else self.values[-1])
            else:
                i = min(max(self.values.index(current) + step, 0), len(self.values) - 1)
                self.set_value(self.values[i])
            return
        super().keyPressEvent(event)


def has_flag(widget: QWidget, name: str) -> bool:
    """Whether a dynamic property is set to "true". Asks the names first: PySide6 6.12 drops a
    reference to None each time `property()` reads a property that was never set, which crashes
    the interpreter at exit."""
    if name.encode() not in [bytes(n.data()) for n in widget.dynamicPropertyNames()]:
        return False
    return widget.property(name) == "true"


def set_flag(widget: QWidget, name: str, on: bool) -> None:
    widget.setProperty(name, "true" if on else "false")


def watch_changes(root: QWidget, callback: Callable[[], None]) -> None:
    """Call `callback` whenever the user changes any input under `root` (idempotent per widget),
    so the form can debounce a draft save without every field wiring itself."""
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if has_flag(w, "_lr_watched"):
            continue
        connected = True
        if isinstance(w, QLineEdit):
            w.textChanged.connect(lambda _t: callback())
        elif isinstance(w, QPlainTextEdit):
            w.textChanged.connect(callback)
        elif isinstance(w, QComboBox):
            w.currentIndexChanged.connect(lambda _i: callback())
        elif isinstance(w, QAbstractButton) and w.isCheckable():
            w.toggled.connect(lambda _b: callback())
        elif isinstance(w, QDateEdit | DateField):
            w.dateChanged.connect(lambda _d: callback())
        elif isinstance(w, QSpinBox):
            w.valueChanged.connect(lambda _v: callback())
        elif isinstance(w, QListWidget):
            w.itemChanged.connect(lambda _i: callback())
        else:
            connected = False
        if connected:
            set_flag(w, "_lr_watched", True)
