"""Sync in the window: enrolment, "Nu synchroniseren", the status bar text, what a finished or
stopped round means for the window, conflicts, sharing and refused changes (the loop and the indicator
live in ui/sync_status.py, the dialogs in ui/enrol_dialog.py, conflict_dialog.py, share_dialog.py,
quarantine_dialog.py, held_apart_dialog.py and retention_dialog.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from leerrecht_core.i18n import tr
from leerrecht_desktop.store.queries import case_conflicts, is_enrolled, last_sync_if_enrolled
from leerrecht_desktop.store.syncstore import StoredConflict
from leerrecht_desktop.ui.conflict_dialog import ConflictDialog
from leerrecht_desktop.ui.enrol_dialog import EnrolDialog
from leerrecht_desktop.ui.held_apart_dialog import HeldApartDialog
from leerrecht_desktop.ui.main_window.case_pane import CasePaneMixin
from leerrecht_desktop.ui.quarantine_dialog import QuarantineDialog
from leerrecht_desktop.ui.retention_dialog import RetentionDialog
from leerrecht_desktop.ui.share_dialog import ShareDialog


def sync_state_text(pending: int) -> str:
    # Sync arrives in a later version; until then the honest state is "not linked" plus the queue.
    if pending == 0:
        return tr("Niet gekoppeld aan een server · alles is bewaard op deze laptop")
    if pending == 1:
        return tr("Niet gekoppeld aan een server · 1 wijziging wacht op synchronisatie")
    return tr("Niet gekoppeld aan een server · {n} wijzigingen wachten op synchronisatie", n=pending)


class SyncActionsMixin(CasePaneMixin):
    """The window's side of sync (see the module docstring)."""

    def check_enrolment(self) -> None:
        """Ask the store whether this laptop is enrolled; if so, start the background loop for this session."""
        case_files = self.case_files

        def done(last_success_at: str | None) -> None:
            if self.is_locked:
                return
            if last_success_at is None:
                self.sync.set_not_enrolled()
            else:
                self.sync.start(case_files, last_success_at or None)
            self._update_sync_actions()

        self._submit(lambda: last_sync_if_enrolled(case_files), done)

    def _update_sync_actions(self) -> None:
        normal = not self.is_locked and not self.in_handover
        self.act_sync_now.setEnabled(normal and self.sync.enrolled)
        self.act_enrol.setEnabled(normal and not self.sync.enrolled)
        self.act_enrol.setVisible(not self.sync.enrolled)
        self.case_view.share_button.setVisible(self.sync.enrolled)
        self.case_view.assign_button.setVisible(self.sync.enrolled)
        self.act_quarantine.setEnabled(normal and self.sync.enrolled)
        self.act_held_apart.setEnabled(normal and self.sync.enrolled)
        self.act_retention.setEnabled(normal and self.sync.enrolled)
        self.act_access_log.setVisible(self.sync.enrolled)

    def _show_sync_text(self, text: str) -> None:
        self.sync_label.setText(text)
        if self.sync.enrolled:
            error = self.sync.status.last_error
            tip = tr("Je wijzigingen gaan versleuteld naar de server van je team; die kan ze niet lezen.")
            if self.sync.status.retention_due:
                tip += "\n" + tr("Welke dossiers binnenkort gewist worden, zie je via Extra › Binnenkort te wissen…")
            self.sync_label.setToolTip(tip + ("\n" + error if error else ""))
        else:
            self.sync_label.setToolTip(tr(
                "Alles wat je bewaart staat versleuteld op deze laptop. "
                "Koppel Leerrecht aan de server van je team via Extra › Koppelen aan server…"))

    def sync_now(self) -> None:
        """"Nu synchroniseren" (F5): wake the loop; a laptop that is not linked yet is offered the link."""
        if self.is_locked or self.in_handover:
            return
        if not self.sync.enrolled:
            self.open_enrol()
            return
        self.sync.sync_now()
        self.statusBar().showMessage(tr("Synchroniseren…"), 3000)

    def open_enrol(self) -> None:
        if self.is_locked or self.sync.enrolled:
            return

        def make() -> EnrolDialog:
            dialog = EnrolDialog(self.workspace, self.case_files, self, runner=self.runner)
            dialog.enrolled.connect(self._enrolled)
            dialog.rebound.connect(self._rebound)
            return dialog

        self.dialogs.open("enrol", make)

    def _rebound(self) -> None:
        """Enrolled after a reset from a fresh profile: it took the account's user id, and the session
        it had is locked; unlocking opens the profile as it is now."""
        self.lock()
        self.statusBar().showMessage(tr("Dit profiel is gekoppeld aan je bestaande account. Ontgrendel opnieuw; "
                                        "je dossiers komen terug zodra de beheerder ze hersteld heeft."), 0)

    def _enrolled(self) -> None:
        self.statusBar().showMessage(tr("Deze laptop is gekoppeld aan de server."), 8000)
        self.check_enrolment()

    def _synced(self, pulled_new: bool) -> None:
        """A round finished: show what it brought (new cases, new versions of the open one, conflicts)."""
        # New data may touch any case; without it only the outbox count (and maybe conflicts) changed.
        self.store_events.changed(None if pulled_new else [])

    def _sync_stopped(self, reason: str) -> None:
        """The loop gave up. A revoked device has been wiped by the engine: say so and lock. A replaced
        one (its account was enrolled again elsewhere) keeps its cases: the indicator and the status bar
        say it is replaced, and nothing is locked."""
        case_files = self.case_files
        if self.sync.status.replaced:
            loop = self.sync.detach()
            if loop is not None:
                self.runner.submit(loop.stop)
            self.sync.text_changed.emit(self.sync.text())
            self._update_sync_actions()
            self.statusBar().showMessage(reason, 0)
            return

        def done(enrolled: bool) -> None:
            if enrolled:  # the server refused the login: linking again (a new code) is the way out
                loop = self.sync.detach()
                if loop is not None:
                    self.runner.submit(loop.stop)
                self.sync.set_not_enrolled()
                self._update_sync_actions()
                self.statusBar().showMessage(reason, 0)
                return
            self.sync.set_not_enrolled()
            self.lock()
            box = QMessageBox(QMessageBox.Icon.Warning, tr("Leerrecht"), tr(
                "Deze laptop is losgekoppeld van de server. De dossiers op deze laptop zijn gewist; je collega's "
                "en de server hebben ze nog. Vraag je coördinator om deze laptop opnieuw te koppelen."))
            if reason:
                box.setInformativeText(reason)
            self.dialogs.open("revoked", lambda: box)

        self._submit(lambda: is_enrolled(case_files), done)

    def load_conflicts(self) -> None:
        """The banner of the open case: how many of its fields are in conflict."""
        case_id = self._current_case_id
        if case_id is None or self.is_locked:
            return
        case_files = self.case_files

        def done(conflicts: list[StoredConflict]) -> None:
            if case_id != self._current_case_id:
                return
            self._conflicts = conflicts
            self.case_view.set_conflict_count(sum(len(c.details.get("conflicts", [])) for c in conflicts))

        self._submit(lambda: case_conflicts(case_files, case_id), done)

    def open_conflicts(self) -> None:
        if not self._conflicts:
            return
        conflicts = self._conflicts

        def make() -> ConflictDialog:
            dialog = ConflictDialog(self.case_files, self.runner, conflicts, self)
            dialog.resolved.connect(lambda: self.store_events.changed({c.case_id for c in conflicts}))
            return dialog

        self.dialogs.open("conflicts", make)

    def open_share(self) -> None:
        """"Delen met collega…": the sharing changes queue locally and go out with the next round."""
        case_id = self._current_case_id
        if case_id is None or not self.sync.enrolled:
            return

        def make() -> ShareDialog:
            dialog = ShareDialog(self.case_files, case_id, self, runner=self.runner)
            dialog.shared.connect(lambda: self._shared(case_id))
            return dialog

        self.dialogs.open("share", make)

    def _shared(self, case_id: str) -> None:
        self.statusBar().showMessage(tr("Bewaard. Het delen gaat mee met de volgende synchronisatie."), 8000)
        self.store_events.changed([case_id])
        self.sync.sync_now()

    def open_quarantine(self) -> None:
        """Changes the server refused: retry or leave out."""
        if self.is_locked:
            return

        def make() -> QuarantineDialog:
            dialog = QuarantineDialog(self.case_files, self.runner, self)
            dialog.changed.connect(self._quarantine_changed)
            return dialog

        self.dialogs.open("quarantine", make)

    def open_held_apart(self) -> None:
        """A coordinator's review of what revoked laptops and removed members handed in."""
        if self.is_locked:
            return

        def make() -> HeldApartDialog:
            dialog = HeldApartDialog(self.case_files, self, runner=self.runner)
            dialog.changed.connect(self.store_events.changed)
            return dialog

        self.dialogs.open("held_apart", make)

    def open_retention(self) -> None:
        """A coordinator's list of the closed cases erased soon by retention: postpone or lift."""
        if self.is_locked:
            return
        self.dialogs.open("retention", lambda: RetentionDialog(self.case_files, self, runner=self.runner))

    def _quarantine_changed(self, retried: bool) -> None:
        # Retried or left out, the record's current version may be another one now: reload it all.
        self.store_events.changed()
        if retried and not self.is_locked:
            self.sync.sync_now()
