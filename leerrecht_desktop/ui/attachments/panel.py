"""The "Bijlagen" section of a case's page: the case's attachments (name, type, size, added on and by,
state), and adding (button, files dropped on the case, an image pasted with Ctrl+V), looking
(the preview), Opslaan als… and Verwijderen…. An attachment whose bytes are not on this laptop yet
(state "remote") has "Nu ophalen" instead: `fetch_requested` starts fetching it now (fetching.py, with
its progress under the list), and opening one starts the same and shows it once it is here.

After a change the panel emits `changed(case_id)`; the main window turns that into store_changed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.i18n import tr
from leerrecht_desktop.store.attachments import AttachmentInfo, Attachments
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.attachments import asking
from leerrecht_desktop.ui.attachments.adding import Adder, dropped_files, image_png
from leerrecht_desktop.ui.attachments.consent import linked_attachment
from leerrecht_desktop.ui.attachments.fetching import Fetcher, progress_text
from leerrecht_desktop.ui.attachments.labels import is_remote, row_texts
from leerrecht_desktop.ui.attachments.preview import PreviewDialog
from leerrecht_desktop.ui.attachments.saving import save_copy
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.style import mark
from leerrecht_desktop.ui.tasks import TaskRunner
from leerrecht_desktop.ui.unlock import error_label, show_error

COLUMNS = 3  # name and file name; type, size and state; added on and by (labels.row_texts)


class AttachmentsPanel(QWidget):
    fetch_requested = Signal(str)  # attachment id: fetch its bytes now (the sync does it)
    changed = Signal(str)  # case id: an attachment was added or deleted
    count_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, runner: TaskRunner | None = None):
        super().__init__(parent)
        self.runner = runner
        self.case_files: CaseFiles | None = None
        self.case_id: str | None = None
        self.infos: list[AttachmentInfo] = []
        self._token = 0  # a list read for an earlier case (or before a lock) is dropped
        self.preview: PreviewDialog | None = None
        self.adder = Adder(self, runner)
        self.adder.added.connect(self._added)
        self.adder.refused.connect(self.show_message)
        self.adder.busy_changed.connect(self._busy_changed)
        self.fetcher = Fetcher(self, runner)
        self.fetcher.progressed.connect(self._fetch_progressed)
        self.fetcher.fetched.connect(self._fetched)
        self.fetcher.refused.connect(self._fetch_refused)
        self.fetch_requested.connect(self._fetch)
        self._open_when_fetched: str | None = None  # opened while remote: the preview follows the fetch

        self.add_button = QPushButton(tr("Bijlage toevoegen…"))
        self.add_button.setToolTip(tr("Een foto of scan (JPEG, PNG, HEIC of PDF, hoogstens 25 MB) aan dit dossier "
                                      "toevoegen. Je kan ook bestanden op het dossier slepen of een afbeelding "
                                      "plakken met Ctrl+V."))
        mark(self.add_button, "primary")
        self.add_button.clicked.connect(self.choose_and_add)
        hint = QLabel(tr("Sleep bestanden op het dossier of plak een afbeelding (Ctrl+V). Bijlagen worden "
                         "versleuteld bewaard, zoals de rest van het dossier."))
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        self.busy_label = QLabel(tr("Bijlage wordt versleuteld en bewaard…"))
        self.busy_label.setVisible(False)
        self.fetch_label = QLabel()
        self.fetch_label.setVisible(False)
        self.message = error_label()
        self.message.setObjectName("banner")

        self.list = QTreeWidget()
        self.list.setRootIsDecorated(False)
        self.list.setColumnCount(COLUMNS)
        self.list.setHeaderLabels([tr("Bijlage"), tr("Soort en staat"), tr("Toegevoegd")])
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a long file name keeps its extension
        self.list.setStyleSheet("QTreeView::item { padding: 4px 2px; }")  # two-line rows kept apart
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setAlternatingRowColors(True)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, COLUMNS):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.itemActivated.connect(lambda _item, _col: self.open_selected())
        self.empty = QLabel(tr("Nog geen bijlagen. Voeg een scan van het toestemmingsformulier, een rapport of een "
                               "brief toe."))
        self.empty.setObjectName("placeholder")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)

        self.preview_button = QPushButton(tr("Bekijken"))
        self.preview_button.clicked.connect(self.open_selected)
        self.save_button = QPushButton(tr("Opslaan als…"))
        self.save_button.clicked.connect(self.save_selected)
        self.fetch_button = QPushButton(tr("Nu ophalen"))
        self.fetch_button.setToolTip(tr("Haal deze bijlage nu van de server, om ze hier te kunnen bekijken"))
        self.fetch_button.clicked.connect(self.fetch_selected)
        self.delete_button = QPushButton(tr("Verwijderen…"))
        self.delete_button.clicked.connect(self.delete_selected)
        top = QHBoxLayout()
        top.addWidget(hint, 1)
        top.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignTop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.busy_label)
        buttons.addWidget(self.fetch_label)
        buttons.addStretch(1)
        for button in (self.preview_button, self.fetch_button, self.save_button, self.delete_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty, 1)
        layout.addLayout(buttons)
        self._fill([])

    # -- the case shown ------------------------------------------------------------------------------

    def show_case(self, case_files: CaseFiles, case_id: str) -> None:
        if case_id != self.case_id:
            show_error(self.message, None)
        self.case_files, self.case_id = case_files, case_id
        self._update_buttons()  # adding works at once, before the list is read
        self.reload()

    def reload(self) -> None:
        case_files, case_id = self.case_files, self.case_id
        if case_files is None or case_id is None:
            return
        self._token += 1
        token = self._token
        StoreOp(self, lambda: Attachments(case_files).list(case_id), runner=self.runner) \
            .success(lambda infos: self._listed(token, infos)).run()

    def clear(self) -> None:
        """Forget the case (the app locks, or the case was erased)."""
        self._token += 1
        self.case_files, self.case_id = None, None
        show_error(self.message, None)
        if self.preview is not None:
            self.preview.reject()
        self._fill([])

    def _listed(self, token: int, infos: list[AttachmentInfo]) -> None:
        if token == self._token:
            self._fill(infos)

    def _fill(self, infos: list[AttachmentInfo]) -> None:
        selected = self.selected()
        self.infos = infos
        self.list.clear()
        for info in infos:
            item = QTreeWidgetItem(row_texts(info))
            item.setData(0, Qt.ItemDataRole.UserRole, info.attachment_id)
            # The whole title and file name: at 1366×768 the column is about 170 px and elides them.
            item.setToolTip(0, info.refused or "\n".join(x for x in (info.title, info.file_name) if x))
            self.list.addTopLevelItem(item)
            if selected is not None and info.attachment_id == selected.attachment_id:
                self.list.setCurrentItem(item)
        newest = self.list.topLevelItem(len(infos) - 1) if infos else None
        if newest is not None and self.list.currentItem() is None:
            self.list.setCurrentItem(newest)
        self.list.setVisible(bool(infos))
        self.empty.setVisible(not infos)
        self._update_buttons()
        self.count_changed.emit(len(infos))

    def info(self, attachment_id: str) -> AttachmentInfo | None:
        return next((i for i in self.infos if i.attachment_id == attachment_id), None)

    def selected(self) -> AttachmentInfo | None:
        item = self.list.currentItem()
        return None if item is None else self.info(str(item.data(0, Qt.ItemDataRole.UserRole)))

    def _update_buttons(self) -> None:
        info = self.selected()
        usable = info is not None and not info.refused
        remote = info is not None and is_remote(info)
        self.preview_button.setVisible(not remote)
        self.save_button.setVisible(not remote)
        self.fetch_button.setVisible(remote)
        self.preview_button.setEnabled(usable)
        self.save_button.setEnabled(usable)
        self.fetch_button.setEnabled(usable)
        self.delete_button.setEnabled(info is not None)
        self.add_button.setEnabled(self.case_id is not None)

    def show_message(self, text: str) -> None:
        show_error(self.message, text)

    # -- adding --------------------------------------------------------------------------------------

    def choose_and_add(self) -> None:
        paths = asking.choose_files(self)
        if paths:
            self.add_files(paths)

    def add_files(self, paths: list[Path]) -> None:
        """Files from the dialog or dropped. One file may get a title; several keep their names."""
        if self.case_files is None or self.case_id is None or not paths:
            return
        title = ""
        if len(paths) == 1:
            asked = asking.ask_title(self, paths[0].name)
            if asked is None:
                return
            title = asked
        show_error(self.message, None)
        self.adder.add_files(self.case_files, self.case_id, list(paths), title)

    def paste(self) -> bool:
        """Ctrl+V on the case: a copied image becomes a PNG attachment; copied files are added as files."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or self.case_files is None or self.case_id is None:
            return False
        files = dropped_files(mime)
        if files:
            self.add_files(files)
            return True
        png = image_png(mime)
        if png is None:
            self.show_message(tr("Er staat geen afbeelding of bestand op het klembord om te plakken. Kopieer "
                                 "eerst een foto of een schermafdruk."))
            return False
        title = asking.ask_title(self, tr("de geplakte afbeelding"))
        if title is None:
            return True
        show_error(self.message, None)
        self.adder.add_image(self.case_files, self.case_id, png, title)
        return True

    def _added(self, info: AttachmentInfo) -> None:
        if info.case_id == self.case_id:
            self.reload()
        self.changed.emit(info.case_id)

    def _busy_changed(self, busy: bool) -> None:
        self.busy_label.setVisible(busy)

    def install_on(self, widget: QWidget) -> None:
        """Files dropped on `widget` (the case view) and Ctrl+V on it come here."""
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Paste), widget)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.paste)

    def follow_links_of(self, browser: QTextBrowser) -> None:
        """A link to an attachment on `browser` (the consent's scan on the profile page) opens its preview."""
        def clicked(url: QUrl) -> None:
            attachment_id = linked_attachment(url)
            if attachment_id is not None:
                self.open_preview(attachment_id)

        browser.anchorClicked.connect(clicked)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, (QDragEnterEvent, QDropEvent)) and event.type() in (
                QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            if self.case_id is None or not dropped_files(event.mimeData()):
                return False
            event.acceptProposedAction()
            if event.type() == QEvent.Type.Drop:
                self.add_files(dropped_files(event.mimeData()))
            return True
        return super().eventFilter(watched, event)

    # -- one attachment ------------------------------------------------------------------------------

    def open_selected(self) -> None:
        info = self.selected()
        if info is None or info.refused:
            return
        if is_remote(info):
            self._open_when_fetched = info.attachment_id
            self.fetch_requested.emit(info.attachment_id)
            return
        self.open_preview(info.attachment_id)

    def open_preview(self, attachment_id: str) -> PreviewDialog | None:
        info = self.info(attachment_id)
        if info is None or self.case_files is None:
            self.show_message(tr("Deze bijlage bestaat niet (meer) op deze laptop."))
            return None
        if is_remote(info):
            self._open_when_fetched = attachment_id
            self.fetch_requested.emit(attachment_id)
            return None
        if self.preview is not None:
            self.preview.reject()
        dialog = PreviewDialog(self.case_files, info, self.window(), runner=self.runner)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: self._preview_closed(dialog))
        self.preview = dialog
        dialog.open()
        return dialog

    def _preview_closed(self, dialog: PreviewDialog) -> None:
        if self.preview is dialog:
            self.preview = None

    def save_selected(self) -> None:
        info = self.selected()
        if info is not None and self.case_files is not None and not info.refused:
            save_copy(self, self.case_files, info, self.runner)

    def fetch_selected(self) -> None:
        info = self.selected()
        if info is not None:
            self.fetch_requested.emit(info.attachment_id)

    # -- fetching one that is not here yet ------------------------------------------------------------

    def _fetch(self, attachment_id: str) -> None:
        if self.case_files is None:
            return
        if self.fetcher.fetch(self.case_files, attachment_id):
            self.fetch_label.setText(progress_text(0, 1))
            self.fetch_label.setVisible(True)

    def _fetch_progressed(self, _attachment_id: str, done: int, total: int) -> None:
        self.fetch_label.setText(progress_text(done, total))

    def _fetched(self, info: AttachmentInfo) -> None:
        self.fetch_label.setVisible(bool(self.fetcher.running))
        if info.case_id != self.case_id:
            return
        self.reload()
        if self._open_when_fetched == info.attachment_id:
            self._open_when_fetched = None
            self.infos = [info if i.attachment_id == info.attachment_id else i for i in self.infos]
            self.open_preview(info.attachment_id)

    def _fetch_refused(self, sentence: str) -> None:
        self.fetch_label.setVisible(bool(self.fetcher.running))
        self._open_when_fetched = None
        self.show_message(sentence)

    def delete_selected(self) -> None:
        info, case_files = self.selected(), self.case_files
        if info is None or case_files is None or not asking.confirm_delete(self, info):
            return
        case_id = info.case_id

        def deleted(_none: object) -> None:
            if self.case_id == case_id:
                self.reload()
            self.changed.emit(case_id)

        StoreOp(self, lambda: Attachments(case_files).delete(info.attachment_id), runner=self.runner) \
            .success(deleted).run()
