"""The open case on the right: loading it, its entry forms, the hand-over to the young person,
erasing it, and printing (its summary, the team overview)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import QMessageBox, QWidget

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.enums import Kind, Role
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.reports.case_summary_options import AttachmentLine
from leerrecht_desktop.store.access_log import AccessLog
from leerrecht_desktop.store.casefiles import CaseFile, CaseFiles
from leerrecht_desktop.ui.main_window.case_list import CaseListMixin
from leerrecht_desktop.ui.operations import report_failure
from leerrecht_desktop.ui.store_events import CaseIds
from leerrecht_desktop.ui.style import mark


class CasePaneMixin(CaseListMixin):
    """The open case and what is done with it (see the module docstring)."""

    @property
    def current_case_id(self) -> str | None:
        return self._current_case_id

    def open_case(self, case_id: str, then: Callable[[CaseFile], object] | None = None) -> None:
        """Open `case_id`; `then` runs once it is on screen (not if the user opened another meanwhile)."""
        if then is not None:
            self._after_load = (case_id, then)
        elif self._after_load is not None and self._after_load[0] != case_id:
            self._after_load = None  # another case: the wish was for the one before (a reload keeps it)
        if case_id != self._current_case_id or self.case_view.case_file is None:
            self.case_view.show_loading()
        self._current_case_id = case_id
        self._update_case_actions()
        case_files = self.case_files
        self._submit(partial(_load_and_record, case_files, case_id), self._case_loaded,
                     lambda exc: self._case_failed(case_id, exc))

    def _case_loaded(self, case_file: CaseFile) -> None:
        if case_file.case_id != self._current_case_id:
            return  # the user already moved on to another case
        self.case_view.set_case_file(case_file)
        self.case_view.attachments.show_case(self.case_files, case_file.case_id)
        self.select_case(case_file.case_id)  # the list shows which case is open, however it was opened
        pending = self._after_load
        if pending is not None and pending[0] == case_file.case_id:
            self._after_load = None
            pending[1](case_file)
        self._update_case_actions()
        self.load_conflicts()

    def _case_failed(self, case_id: str, exc: Exception) -> None:
        if case_id != self._current_case_id:
            return
        self._current_case_id = None
        self.case_view.clear()
        self._update_case_actions()
        report_failure(self, exc)

    def reload_current_case(self) -> None:
        if self._current_case_id:
            self.open_case(self._current_case_id)

    def _update_case_actions(self) -> None:
        has_case = self._current_case_id is not None and not self.is_locked
        self.act_edit_profile.setEnabled(has_case)
        self.act_erase.setEnabled(has_case)
        # Printing needs the case itself on screen, not only its id (it prints what the view holds).
        case_file = self.case_view.case_file
        self.act_print_summary.setEnabled(has_case and case_file is not None
                                          and case_file.case_id == self._current_case_id)
        self.case_view.print_button.setEnabled(self.act_print_summary.isEnabled())
        self.act_overview.setEnabled(not self.is_locked)

    def _track_form(self, form: QWidget) -> None:
        saved = getattr(form, "saved", None)
        if saved is not None:
            saved.connect(self._record_saved)

    def _record_saved(self, record: Record) -> None:
        self.store_events.changed([record.case_id])

    def _store_changed(self, case_ids: CaseIds) -> None:
        """After every write (store_events): the list and the status bar's count reload, and the open
        case too when the write may have touched it; otherwise only its conflict banner is asked again."""
        if self.is_locked:
            return
        self.reload_list()
        current = self._current_case_id
        if current is not None and (case_ids is None or current in case_ids):
            self.open_case(current)
        else:
            self.load_conflicts()

    def add_entry(self, kind: Kind) -> None:
        if self._current_case_id is None:
            return
        from leerrecht_desktop.ui.forms import open_entry_form

        self._track_form(open_entry_form(self, self.case_files, self.runner, self._current_case_id, kind))

    def edit_record(self, record: Record) -> None:
        from leerrecht_desktop.ui.forms import open_entry_form

        self._track_form(open_entry_form(self, self.case_files, self.runner, record.case_id, record.kind, record))

    def read_record(self, record: Record) -> None:
        """The entry read-only, with Bewerken and Verwijderen… (ui/entry_view.py)."""
        if self.is_locked:
            return
        from leerrecht_desktop.ui.entry_view import EntryView

        def make() -> EntryView:
            view = EntryView(self.case_files, record, self, runner=self.runner)
            view.edit_requested.connect(self.edit_record)
            view.deleted.connect(self._entry_deleted)
            return view

        old = self.dialogs.get("entry", EntryView)
        if old is not None and old.record.record_id != record.record_id:
            old.close()
        self.dialogs.open("entry", make)

    def _entry_deleted(self, case_id: str) -> None:
        self.store_events.changed([case_id])
        self.statusBar().showMessage(tr("Verwijderd. Het gaat mee met de volgende synchronisatie."), 8000)

    def edit_profile(self) -> None:
        case_file = self.case_view.case_file
        if case_file is None or case_file.case_id != self._current_case_id:
            return
        self.edit_record(case_file.profile)

    def new_concern(self) -> None:
        if self.is_locked or self.stack.currentWidget() is not self.normal_page:
            return
        from leerrecht_desktop.ui.forms import open_new_concern_form

        form = open_new_concern_form(self, self.case_files, self.runner)
        saved = getattr(form, "saved", None)
        if saved is not None:
            saved.connect(self._concern_saved)

    def _concern_saved(self, record: Record) -> None:
        if self.is_locked:
            return
        # A new case must be visible, whatever filters were on.
        self.search_edit.clear()
        self.status_combo.setCurrentIndex(0)
        self.school_combo.setCurrentIndex(0)
        self.group_combo.setCurrentIndex(0)
        self._current_case_id = record.case_id
        self.reload_list(select_case=record.case_id)

    def start_handover(self) -> None:
        if self._current_case_id is None:
            return
        from leerrecht_desktop.ui.handover import start_handover

        start_handover(self, self.workspace, self.case_files, self.runner, self._current_case_id)

    @property
    def in_handover(self) -> bool:
        return self._handover_widget is not None

    def show_handover_page(self, widget: QWidget) -> None:
        """Give the whole window to `widget`: no case list, no menus, nothing about other cases."""
        if self._handover_widget is not None:
            self._discard_handover_widget()
        self._handover_widget = widget
        self.handover_layout.addWidget(widget)
        self.stack.setCurrentWidget(self.handover_page)
        self.menuBar().setVisible(False)
        self.toolbar.setVisible(False)
        self.statusBar().setVisible(False)
        for action in (self.act_new, self.act_find, self.act_edit_profile, self.act_erase,
                       self.act_passphrase, self.act_settings, self.act_sync_now, self.act_enrol,
                       self.act_quarantine, self.act_held_apart, self.act_retention):
            action.setEnabled(False)
        widget.setFocus()

    def end_handover(self) -> None:
        self._discard_handover_widget()
        self._restore_normal_page()
        self.store_events.changed()  # the young person's answers were saved

    def _discard_handover_widget(self) -> None:
        widget = self._handover_widget
        self._handover_widget = None
        if widget is not None:
            self.handover_layout.removeWidget(widget)
            widget.hide()
            widget.deleteLater()

    def _restore_normal_page(self) -> None:
        self.stack.setCurrentWidget(self.normal_page)
        self.menuBar().setVisible(True)
        self.toolbar.setVisible(True)
        self.statusBar().setVisible(True)
        for action in (self.act_new, self.act_find, self.act_passphrase, self.act_settings):
            action.setEnabled(True)
        self._update_case_actions()
        self._update_sync_actions()

    def erase_current_case(self) -> None:
        case_file = self.case_view.case_file
        if case_file is None or case_file.case_id != self._current_case_id:
            return
        name = case_file.content.full_name
        if self.sync.enrolled:
            self._erase_everywhere(case_file.case_id, name)
            return
        n = len(case_file.entries)
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr("Dossier wissen"))
        box.setText(tr("Het dossier van {name} wissen?", name=name))
        lost = tr("het profiel en 1 notitie") if n == 1 else tr("het profiel en {n} notities", n=n)
        box.setInformativeText(tr(
            "Dan verdwijnen {lost}, met alle eerdere versies en concepten, voorgoed van deze laptop. "
            "Leerrecht is nog niet met een server gekoppeld: er bestaat dus geen andere kopie. "
            "Dit kan je niet ongedaan maken.", lost=lost))
        erase = box.addButton(tr("Dossier wissen"), QMessageBox.ButtonRole.DestructiveRole)
        mark(erase, "danger")
        cancel = box.addButton(tr("Annuleren"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        case_id = case_file.case_id
        session = self._session

        def finished(_result: int) -> None:
            if box.clickedButton() is erase and session == self._session:
                self._erase(case_id)

        box.finished.connect(finished)
        self.dialogs.open("erase", lambda: box)

    def _erase_everywhere(self, case_id: str, name: str) -> None:
        """An enrolled laptop erases a case everywhere (ui/erase_dialog.py): a copy erased here only would
        come back at the next sync."""
        from leerrecht_desktop.sync.erasure import unsent_of
        from leerrecht_desktop.ui.erase_dialog import EraseDialog

        session = self._session

        def erased(erased_id: str, message: str) -> None:
            if session != self._session:
                return
            if self._current_case_id == erased_id:
                self._current_case_id = None
                self.case_view.clear()
            self._update_case_actions()
            self.statusBar().showMessage(message, 12000)
            self.store_events.changed([erased_id])

        def make() -> EraseDialog:
            dialog = EraseDialog(self.case_files, case_id, name, unsent_of(self.case_files, case_id), self,
                                 runner=self.runner)
            dialog.erased.connect(erased)
            return dialog

        self.dialogs.open("erase", make)

    def _erase(self, case_id: str) -> None:
        case_files = self.case_files

        def done(_result: object) -> None:
            if self._current_case_id == case_id:
                self._current_case_id = None
                self.case_view.clear()
            self._update_case_actions()
            self.statusBar().showMessage(tr("Het dossier is gewist van deze laptop."), 8000)
            self.store_events.changed([case_id])

        self._submit(partial(case_files.erase_case, case_id), done)

    def print_summary(self) -> None:
        """"Samenvatting afdrukken…": options, preview, print or save; rendering runs on the worker."""
        case_file = self.case_view.case_file
        if (self.is_locked or case_file is None or case_file.case_id != self._current_case_id
                or self.stack.currentWidget() is not self.normal_page):
            return
        from leerrecht_desktop.ui.report_dialog import SummaryDialog

        def make() -> SummaryDialog:
            dialog = SummaryDialog(case_file, self.runner, made_by=self.case_files.me.name, parent=self,
                                   attachments=partial(_attachment_lines, self.case_files, case_file.case_id))
            dialog.saved.connect(
                lambda path: self.statusBar().showMessage(tr("Bewaard in {path}.", path=path), 8000))
            access, case_id = AccessLog.of(self.case_files), case_file.case_id  # the access log, on the store thread
            dialog.printed.connect(lambda _n: self._submit(partial(access.record, case_id, "case_printed")))
            dialog.saved.connect(lambda _p: self._submit(partial(access.record, case_id, "case_summary_saved")))
            return dialog

        self.dialogs.open("summary", make)

    def open_overview(self) -> None:
        if self.is_locked or self.case_files.user.role != Role.COORDINATOR:
            return
        from leerrecht_desktop.ui.report_dialog import OverviewDialog

        self.dialogs.open("overview", lambda: OverviewDialog(self.case_files, self.runner,
                                                             made_by=self.case_files.me.name, parent=self))


def _attachment_lines(case_files: CaseFiles, case_id: str) -> list[AttachmentLine]:
    """What the summary's "Bijlagen" lists, read on the store thread when the section is chosen."""
    from leerrecht_desktop.reports.case_summary_options import attachment_lines
    from leerrecht_desktop.store.attachments import Attachments

    return list(attachment_lines(Attachments(case_files).list(case_id)))


def _load_and_record(case_files: CaseFiles, case_id: str) -> CaseFile:
    """Load a case for the window (on the store thread) and note in the access log that this user opened
    it; openings within a few minutes are one entry, and recording never fails the opening."""
    case_file = case_files.load_case(case_id)
    AccessLog.of(case_files).record(case_id, "case_opened")
    return case_file
