"""One case file on screen: who the young person is, buttons to add to the file, and its entries
as a timeline, per kind, as a wellbeing trend and as a profile overview.

The view only shows; opening forms, loading and saving are the main window's work (it owns the
TaskRunner and knows which dialogs are open when the app locks)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.catalog import pick_lists
from leerrecht_desktop.models.enums import ENTRY_KINDS, Kind
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.store.casefiles import CaseFile, RemovedEntry, timeline_key
from leerrecht_desktop.ui import style
from leerrecht_desktop.ui.attachments import AttachmentsPanel, scan_link
from leerrecht_desktop.ui.flow_layout import FlowLayout
from leerrecht_desktop.ui.history_panel import HistoryPanel
from leerrecht_desktop.ui.models import EntryColumn, EntryListModel, format_date, status_label
from leerrecht_desktop.ui.wellbeing_panel import WellbeingPanel

# Tabs that list one kind of entry; the wellbeing scale has its own richer tab.
LIST_KINDS = (Kind.HOME_VISIT, Kind.FAMILY_CONTACT, Kind.NOTE, Kind.SUPPORT)


def plural_label(kind: Kind) -> str:
    return {
        Kind.HOME_VISIT: tr("Huisbezoeken"),
        Kind.FAMILY_CONTACT: tr("Contacten"),
        Kind.WELLBEING: tr("Welbevinden"),
        Kind.NOTE: tr("Notities"),
        Kind.SUPPORT: tr("Steun"),
    }[kind]


# The keys of "+ Huisbezoek" and friends (the window's Dossier menu has them too: ui/main_window/actions.py).
ADD_SHORTCUTS: dict[Kind, str] = {Kind.HOME_VISIT: "Ctrl+Shift+H", Kind.FAMILY_CONTACT: "Ctrl+Shift+C",
                                  Kind.WELLBEING: "Ctrl+Shift+W", Kind.NOTE: "Ctrl+Shift+N",
                                  Kind.SUPPORT: "Ctrl+Shift+S"}


def add_label(kind: Kind) -> str:
    """Short button texts, so the five buttons fit one row beside the case list."""
    return {
        Kind.HOME_VISIT: tr("+ Huisbezoek"),
        Kind.FAMILY_CONTACT: tr("+ Contact"),
        Kind.WELLBEING: tr("+ Welbevinden"),
        Kind.NOTE: tr("+ Notitie"),
        Kind.SUPPORT: tr("+ Steun"),
    }[kind]


def gender_label(gender: str) -> str:
    return {"m": tr("jongen"), "v": tr("meisje"), "x": tr("x (anders of liever niet gezegd)")}.get(gender, gender)


class CurrentPageStack(QStackedWidget):
    """A stack as small as the page it shows: Qt's takes the largest page's minimum, so the empty
    "choose a case" page held the window as tall as a full case (too tall for 1366×768 at 125 %)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.currentChanged.connect(lambda _i: self.updateGeometry())

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()


class EntryTable(QWidget):
    """A list of entries with a friendly line when there are none yet."""

    open_record = Signal(object)  # Record

    def __init__(self, empty_text: str, show_kind: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = EntryListModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(EntryColumn.SUMMARY, QHeaderView.ResizeMode.Stretch)
        fm = self.fontMetrics()
        self.view.setColumnWidth(EntryColumn.DATE, fm.horizontalAdvance("00/00/0000") + 28)
        self.view.setColumnWidth(EntryColumn.KIND, max(fm.horizontalAdvance(k.label) for k in ENTRY_KINDS) + 28)
        self.view.setColumnWidth(EntryColumn.AUTHOR, fm.horizontalAdvance("Fictieve Werkerin") + 20)
        self.view.setColumnHidden(EntryColumn.KIND, not show_kind)
        self.view.doubleClicked.connect(self._open)
        self.view.activated.connect(self._open)
        self.empty = QLabel(empty_text)
        self.empty.setObjectName("placeholder")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.view)
        layout.addWidget(self.empty)
        self.set_records([])

    def set_records(self, records: Sequence[Record | RemovedEntry]) -> None:
        self.model.set_records(records)
        self.view.setVisible(bool(records))
        self.empty.setVisible(not records)

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            record = self.model.record_at(index.row())
            if isinstance(record, Record):  # a deleted entry's row has nothing to open
                self.open_record.emit(record)


class CaseView(QWidget):
    add_entry_requested = Signal(object)  # Kind
    edit_record_requested = Signal(object)  # Record
    read_record_requested = Signal(object)  # Record: the read view (ui/entry_view.py), from there edit or delete
    edit_profile_requested = Signal()
    handover_requested = Signal()
    conflicts_requested = Signal()  # sync: the user wants to choose between conflicting values
    share_requested = Signal()  # sync: "Delen met collega…" (shown by the main window once enrolled)
    assign_requested = Signal()  # sync: "Overdragen…", the hand-over dialog (shown like sharing)
    print_requested = Signal()  # "Samenvatting afdrukken…" (the main window opens the dialog; Ctrl+P there too)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.case_file: CaseFile | None = None
        self._today: dt.date | None = None

        self.stack = CurrentPageStack()
        self.placeholder = QLabel(tr("Kies een dossier in de lijst, of maak een nieuwe aanmelding met Ctrl+N."))
        self.placeholder.setObjectName("placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.loading = QLabel(tr("Dossier wordt geopend…"))
        self.loading.setObjectName("placeholder")
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.content = QWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.loading)
        self.stack.addWidget(self.content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self._build_header())
        layout.addLayout(self._build_actions())
        self.refused_label = QLabel()
        self.refused_label.setObjectName("warningBanner")
        self.refused_label.setWordWrap(True)
        self.refused_label.setVisible(False)
        layout.addWidget(self.refused_label)
        # Sync: fields changed differently on two laptops (filled by the main window, which asks the store).
        self.conflict_banner = QFrame()
        self.conflict_banner.setObjectName("conflictBanner")
        self.conflict_banner.setStyleSheet(
            f"QFrame#conflictBanner {{ background: {style.WARNING_SOFT}; border: 1px solid #efd6a5; "
            f"border-radius: 6px; }} QFrame#conflictBanner QLabel {{ color: {style.WARNING}; font-weight: bold; }}")
        banner_layout = QHBoxLayout(self.conflict_banner)
        banner_layout.setContentsMargins(10, 6, 10, 6)
        self.conflict_label = QLabel()
        self.conflict_label.setWordWrap(True)
        self.conflict_button = QPushButton(tr("Bekijken en kiezen…"))
        self.conflict_button.clicked.connect(self.conflicts_requested)
        banner_layout.addWidget(self.conflict_label, 1)
        banner_layout.addWidget(self.conflict_button)
        self.conflict_banner.setVisible(False)
        layout.addWidget(self.conflict_banner)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(False)
        self.timeline = EntryTable(
            tr("Nog niets in dit dossier. Voeg hierboven een huisbezoek, contact of notitie toe."))
        self.timeline.open_record.connect(self.read_record_requested)
        self.tabs.addTab(self.timeline, tr("Tijdlijn"))
        self.kind_tables: dict[Kind, EntryTable] = {}
        for kind in (Kind.HOME_VISIT, Kind.FAMILY_CONTACT):
            self._add_kind_tab(kind)
        self.wellbeing = WellbeingPanel()
        self.wellbeing.open_record.connect(self.edit_record_requested)
        self.wellbeing.add_requested.connect(lambda: self.add_entry_requested.emit(Kind.WELLBEING))
        self.wellbeing.handover_requested.connect(self.handover_requested)
        self.tabs.addTab(self.wellbeing, plural_label(Kind.WELLBEING))
        for kind in (Kind.NOTE, Kind.SUPPORT):
            self._add_kind_tab(kind)
        self.profile_view = QTextBrowser()
        self.profile_view.setOpenLinks(False)
        self.profile_view.setOpenExternalLinks(False)
        self.profile_view.document().setDocumentMargin(14)
        self.tabs.addTab(self.profile_view, tr("Profiel"))
        # Issue 15: the case's scans and photos; files dropped on the case or pasted (Ctrl+V) go there.
        self.attachments = AttachmentsPanel()
        self.attachments.install_on(self)
        self.attachments.follow_links_of(self.profile_view)  # the consent's "Scan van het formulier"
        self.attachments.count_changed.connect(lambda n: self.tabs.setTabText(
            self.tabs.indexOf(self.attachments), tr("Bijlagen ({n})", n=n) if n else tr("Bijlagen")))
        self.tabs.addTab(self.attachments, tr("Bijlagen"))
        self.history_panel = HistoryPanel()
        self.tabs.addTab(self.history_panel, tr("Geschiedenis"))
        layout.addWidget(self.tabs, 1)
        self.show_placeholder()

    # -- building -----------------------------------------------------------------------------------

    def _build_header(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("caseHeader")
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(4)
        top = QHBoxLayout()
        self.name_label = QLabel()
        self.name_label.setObjectName("caseName")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel()
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.edit_profile_button = QPushButton(tr("Profiel bewerken"))
        self.edit_profile_button.clicked.connect(self.edit_profile_requested)
        # A long name wraps instead of widening the window (1366×768 laptops, issue 14).
        self.name_label.setWordWrap(True)
        top.addWidget(self.name_label, 1)
        top.addSpacing(8)
        top.addWidget(self.status_label, 0, Qt.AlignmentFlag.AlignVCenter)
        # The header's buttons wrap onto a second row where the case pane is narrow: before, they held
        # the whole window at least 1125 px wide and pushed columns out of view.
        buttons = FlowLayout(spacing=5)
        self.share_button = QPushButton(tr("Delen met collega…"))
        self.share_button.clicked.connect(self.share_requested)
        self.share_button.setVisible(False)
        buttons.addWidget(self.share_button)
        self.assign_button = QPushButton(tr("Overdragen…"))
        self.assign_button.setToolTip(tr("Geef dit dossier aan een collega: 'Toegewezen aan' en de toegang gaan mee"))
        self.assign_button.clicked.connect(self.assign_requested)
        self.assign_button.setVisible(False)
        buttons.addWidget(self.assign_button)
        self.print_button = QPushButton(tr("Samenvatting afdrukken…"))
        self.print_button.setToolTip(tr("Druk een samenvatting van dit dossier af of bewaar ze als PDF (Ctrl+P)"))
        self.print_button.clicked.connect(self.print_requested)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.edit_profile_button)
        layout.addLayout(top)
        layout.addLayout(buttons)
        self.details_label = QLabel()
        self.details_label.setWordWrap(True)
        self.workers_label = QLabel()
        self.workers_label.setObjectName("muted")
        self.workers_label.setWordWrap(True)
        layout.addWidget(self.details_label)
        layout.addWidget(self.workers_label)
        return frame

    def _build_actions(self) -> FlowLayout:
        row = FlowLayout(spacing=5)
        self.action_buttons: dict[Kind, QWidget] = {}
        for kind in (Kind.HOME_VISIT, Kind.FAMILY_CONTACT):
            row.addWidget(self._add_button(kind))
        scale = QToolButton()
        scale.setObjectName("action")
        scale.setText(add_label(Kind.WELLBEING))
        scale.setToolTip(tr("Geef de laptop aan de jongere om de welbevindenschaal in te vullen."))
        scale.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        scale.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        menu = QMenu(scale)
        menu.addAction(tr("Laat de jongere invullen"), self.handover_requested.emit)
        menu.addAction(tr("Zelf invullen"), lambda: self.add_entry_requested.emit(Kind.WELLBEING))
        scale.setMenu(menu)
        scale.clicked.connect(self.handover_requested)
        self.action_buttons[Kind.WELLBEING] = scale
        row.addWidget(scale)
        for kind in (Kind.NOTE, Kind.SUPPORT):
            row.addWidget(self._add_button(kind))
        return row

    def _add_button(self, kind: Kind) -> QPushButton:
        button = QPushButton(add_label(kind))
        keys = QKeySequence(ADD_SHORTCUTS[kind]).toString(QKeySequence.SequenceFormat.NativeText)
        button.setToolTip(tr("Voeg een {kind} toe ({keys})", kind=kind.label.lower(), keys=keys))
        button.clicked.connect(lambda: self.add_entry_requested.emit(kind))
        self.action_buttons[kind] = button
        return button

    def _add_kind_tab(self, kind: Kind) -> None:
        table = EntryTable(tr("Nog niets van deze soort in dit dossier."), show_kind=False)
        table.setToolTip(kind.label)
        table.open_record.connect(self.read_record_requested)
        self.kind_tables[kind] = table
        self.tabs.addTab(table, plural_label(kind))

    # -- state --------------------------------------------------------------------------------------

    @property
    def case_id(self) -> str | None:
        return self.case_file.case_id if self.case_file else None

    @property
    def timeline_model(self) -> EntryListModel:
        return self.timeline.model

    def show_placeholder(self) -> None:
        self.stack.setCurrentWidget(self.placeholder)

    def show_loading(self) -> None:
        self.stack.setCurrentWidget(self.loading)

    def clear(self) -> None:
        """Forget everything shown (the app locks, or the case was erased)."""
        self.case_file = None
        for label in (self.name_label, self.status_label, self.details_label, self.workers_label,
                      self.refused_label):
            label.clear()
        self.refused_label.setVisible(False)
        self.set_conflict_count(0)
        self.timeline.set_records([])
        for table in self.kind_tables.values():
            table.set_records([])
        self.wellbeing.set_records([])
        self.profile_view.clear()
        self.history_panel.set_profile(None)
        self.attachments.clear()
        self.show_placeholder()

    def set_conflict_count(self, n: int) -> None:
        """Sync: show (n > 0) or hide the banner "N velden in conflict"."""
        text = tr("1 veld in conflict") if n == 1 else tr("{n} velden in conflict", n=n)
        self.conflict_label.setText(text if n else "")
        self.conflict_banner.setVisible(n > 0)

    def set_case_file(self, case_file: CaseFile, today: dt.date | None = None) -> None:
        keep_tab = self.tabs.currentIndex() if self.case_file and self.case_file.case_id == case_file.case_id else 0
        self.case_file = case_file
        self._today = today
        profile = case_file.content
        self._fill_header(profile, today or dt.date.today())
        if case_file.refused:
            lines = [tr("Een deel van dit dossier kon niet veilig geopend worden en wordt niet getoond:")]
            lines += [f"• {message}" for message in case_file.refused]
            self.refused_label.setText("\n".join(lines))
        self.refused_label.setVisible(bool(case_file.refused))
        # Newest first, deleted entries among them by the day they were deleted.
        self.timeline.set_records(sorted(
            [*case_file.entries, *case_file.removed], reverse=True,
            key=lambda r: (r.removed_at.astimezone().date(), r.removed_at) if isinstance(r, RemovedEntry)
            else timeline_key(r)))
        self.tabs.setTabToolTip(0, _count_text(len(case_file.entries)))
        for kind, table in self.kind_tables.items():
            records = case_file.of_kind(kind)
            table.set_records(records)
            self.tabs.setTabToolTip(self.tabs.indexOf(table), _count_text(len(records)))
        scales = case_file.of_kind(Kind.WELLBEING)
        self.wellbeing.set_records(scales)
        self.tabs.setTabToolTip(self.tabs.indexOf(self.wellbeing), _count_text(len(scales)))
        self.profile_view.setHtml(profile_html(profile, today or dt.date.today()))
        self.history_panel.set_profile(profile)
        self.tabs.setCurrentIndex(keep_tab)
        self.stack.setCurrentWidget(self.content)

    def show_record(self, record_id: str, kind: Kind) -> bool:
        """The entry a search found, selected and scrolled to in the timeline (the profile: its tab)."""
        if kind == Kind.CASE:
            self.tabs.setCurrentWidget(self.profile_view)
            return True
        model = self.timeline.model
        for row in range(model.rowCount()):
            record = model.record_at(row)
            if isinstance(record, Record) and record.record_id == record_id:
                self.tabs.setCurrentWidget(self.timeline)
                self.timeline.view.selectRow(row)
                self.timeline.view.scrollTo(model.index(row, 0))
                return True
        return False

    def _fill_header(self, profile: CaseProfile, today: dt.date) -> None:
        lists = pick_lists()
        self.name_label.setText(profile.full_name)
        self.status_label.setText(status_label(profile.status))
        fg, bg = style.STATUS_COLOURS.get(profile.status, (style.INK, style.BACKGROUND))
        self.status_label.setStyleSheet(
            f"background: {bg}; color: {fg}; border-radius: 10px; padding: 3px 12px; font-weight: 600;")
        details: list[str] = []
        age = profile.age(today)
        if age is not None:
            details.append(tr("{age} jaar", age=age))
        if profile.school:
            details.append(profile.school)
        if profile.class_name:
            details.append(tr("klas {name}", name=profile.class_name))
        if profile.level:
            details.append(lists.label("levels", profile.level))
        if profile.target_groups:
            details.append(", ".join(lists.label("target_groups", k) for k in profile.target_groups))
        self.details_label.setText(" · ".join(details))
        workers = ", ".join(w.name for w in profile.assigned if w.name)
        info = [tr("Begeleid door {names}", names=workers) if workers else tr("Nog niemand toegewezen")]
        if profile.referral.referred_on:
            info.append(tr("aangemeld op {date}", date=format_date(profile.referral.referred_on)))
        self.workers_label.setText(" · ".join(info))


def _count_text(n: int) -> str:
    return tr("1 item") if n == 1 else tr("{n} items", n=n)


def profile_html(profile: CaseProfile, today: dt.date) -> str:
    """The profile as a readable page. Everything typed by a user is escaped: it is text, never markup."""
    lists = pick_lists()

    def row(label: str, value: str) -> str:
        if not value:
            return ""
        body = html.escape(value).replace("\n", "<br>")
        return (f"<tr><td width='190' style='color:{style.MUTED}; padding:3px 12px 3px 0'>{html.escape(label)}</td>"
                f"<td style='padding:3px 0'>{body}</td></tr>")

    def section(title: str, rows: list[str]) -> str:
        filled = "".join(r for r in rows if r)
        if not filled:
            return ""
        heading = (f"<tr><td colspan='2' style='padding:14px 0 4px 0; color:{style.ACCENT_DARK}; "
                   f"font-size:large; font-weight:600'>{html.escape(title)}</td></tr>")
        return heading + filled

    age = profile.age(today)
    birth = format_date(profile.birth_date)
    if birth and age is not None:
        birth = tr("{date} ({age} jaar)", date=birth, age=age)
    if profile.consent.given and profile.consent.on:
        consent = tr("gegeven op {date}", date=format_date(profile.consent.on))
    else:
        consent = tr("gegeven") if profile.consent.given else tr("nog niet geregistreerd")
    parts = [
        section(tr("Jongere"), [
            row(tr("Naam"), profile.full_name),
            row(tr("Geboortedatum"), birth),
            row(tr("Geslacht"), gender_label(profile.gender)),
            row(tr("School"), profile.school),
            row(tr("Niveau"), lists.label("levels", profile.level) if profile.level else ""),
            row(tr("Klas"), profile.class_name),
            row(tr("Thuistaal"), profile.home_language),
            row(tr("Adres"), profile.address),
        ]),
        section(tr("Contactpersonen"), [
            row(c.relation or tr("Contact"), " · ".join(x for x in (c.name, c.phone) if x)) for c in profile.contacts
        ]),
        section(tr("Netwerk rond de jongere"), [row(tr("Netwerk"), profile.network)]),
        section(tr("Aanmelding"), [
            row(tr("Aangemeld door"), " · ".join(x for x in (
                lists.label("referral_sources", profile.referral.source) if profile.referral.source else "",
                profile.referral.referred_by) if x)),
            row(tr("Datum"), format_date(profile.referral.referred_on)),
            row(tr("Bezorgdheid"), profile.referral.concern),
        ]),
        section(tr("Begeleiding"), [
            row(tr("Status"), status_label(profile.status)),
            row(tr("Reden afsluiting"),
                lists.label("closed_reasons", profile.closed_reason) if profile.closed_reason else ""),
            row(tr("Doelgroep"), ", ".join(lists.label("target_groups", k) for k in profile.target_groups)),
            row(tr("Levensdomeinen"), ", ".join(lists.label("life_domains", k) for k in profile.life_domains)),
            row(tr("Begeleiders"), ", ".join(w.name for w in profile.assigned if w.name)),
        ]),
        section(tr("Toestemming"), [
            row(tr("Toestemming"), consent),
            row(tr("Geregistreerd door"), profile.consent.recorded_by),
            scan_link(profile.consent.attachment_id),
        ]),
    ]
    return "<table cellspacing='0'>" + "".join(parts) + "</table>"
