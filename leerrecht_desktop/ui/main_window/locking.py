"""Locking: on demand (Ctrl+L) and after the idle time; what survives it (resume after unlock) and what
carries over when the window is rebuilt for another language (view state)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.main_window.sync_actions import SyncActionsMixin

_INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
})


def is_lock_key(event: QEvent) -> bool:
    """Ctrl+L (Cmd+L on macOS), whatever window or dialog has the focus."""
    if event.type() not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride) or not isinstance(event, QKeyEvent):
        return False
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return event.key() == Qt.Key.Key_L and modifiers == Qt.KeyboardModifier.ControlModifier


class ActivityWatcher(QObject):
    """Application-wide event filter: any keyboard, mouse or touch input restarts the idle timer, and
    Ctrl+L locks from every window of the app, also from a form or a (window-)modal dialog, whose
    modality would keep the main window's own shortcut from firing."""

    def __init__(self, timer: QTimer, parent: QObject | None = None,
                 on_lock_key: Callable[[], None] | None = None):
        super().__init__(parent)
        self.timer = timer
        self.on_lock_key = on_lock_key

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.on_lock_key is not None and is_lock_key(event):
            if event.type() == QEvent.Type.ShortcutOverride:
                return False  # the KeyPress that follows locks; a field never sees Ctrl+L
            # Queued: the lock hides and closes the window this key event is being delivered to.
            QTimer.singleShot(0, self.on_lock_key)
            return True
        if event.type() in _INPUT_EVENTS and self.timer.isActive():
            self.timer.start()
        return False


Reopen = Callable[[QWidget, CaseFiles, Any], QWidget]


def reopener_of(form: QWidget) -> Reopen | None:
    """How to open `form` again after unlock, with the new session (the form restores its draft)."""
    from leerrecht_desktop.ui.forms import open_entry_form, open_new_concern_form
    from leerrecht_desktop.ui.forms.base import EntryForm

    if not isinstance(form, EntryForm):
        return None
    if form.draft_id == "new-concern":
        return lambda parent, case_files, runner: open_new_concern_form(parent, case_files, runner)
    case_id, kind, record = form.case_id, form.kind, form.record
    if not case_id:
        return None
    return lambda parent, case_files, runner: open_entry_form(parent, case_files, runner, case_id, kind, record)


class LockingMixin(SyncActionsMixin):
    """Lock, resume, the idle timer and the view state (see the module docstring)."""

    _reopen_after_unlock: list[Reopen | None]
    _handover_after_unlock: str | None

    def set_idle_minutes(self, minutes: int) -> None:
        self.set_idle_interval_ms(max(1, minutes) * 60_000)

    def set_idle_interval_ms(self, msecs: int) -> None:
        """The idle time before the app locks itself (tests use a short one)."""
        active = self.idle_timer.isActive()
        self.idle_timer.setInterval(msecs)
        if active:
            self.idle_timer.start()

    def open_forms(self) -> list[QWidget]:
        """Open entry forms (anything that can save a draft), also those inside the hand-over page."""
        found: list[QWidget] = [d for d in self.findChildren(QDialog) if hasattr(d, "save_draft_now")]
        if self._handover_widget is not None and hasattr(self._handover_widget, "save_draft_now"):
            found.append(self._handover_widget)
        return found

    def close_dialogs(self) -> list[QWidget]:
        """Save the drafts of open forms, then hide every dialog. Returns the forms, to delete once
        their draft saves (queued on the runner before anything else) have run."""
        forms = self.open_forms()
        for form in forms:
            # A failed draft save must not keep case data on screen.
            with contextlib.suppress(Exception):
                form.save_draft_now()  # type: ignore[attr-defined]
        for dialog in self.findChildren(QDialog):
            if dialog in forms:
                dialog.hide()
            elif dialog.isVisible():
                dialog.reject()
                dialog.hide()
        return [f for f in forms if f is not self._handover_widget]

    def lock(self) -> None:
        """Hide all case data, drop the keys, and hand over to the unlock window (via `locked`)."""
        if self.is_locked:
            return
        self.is_locked = True
        self._session += 1  # results still on their way belong to the old session
        self.idle_timer.stop()
        # What comes back after unlock: the open forms (from their sealed drafts) and a hand-over.
        self._reopen_after_unlock = [reopener_of(form) for form in self.open_forms()
                                     if form is not self._handover_widget]
        handover_case = getattr(self._handover_widget, "case_id", None)
        self._handover_after_unlock = handover_case if isinstance(handover_case, str) else None
        forms = self.close_dialogs()
        if self._handover_widget is not None:
            self._discard_handover_widget()
            self._restore_normal_page()
        self.case_view.clear()
        self.case_model.clear()
        self.search_edit.clear()
        self._update_count()
        case_files = self.case_files

        def dropped(_result: object = None) -> None:
            for form in forms:
                form.deleteLater()

        loop = self.sync.detach()  # the indicator forgets the session at once

        def drop_keys() -> None:
            # The sync thread must never use the keys after a lock: end it (join) BEFORE dropping them.
            # On the worker, so the GUI does not wait for a round that is still talking to the server.
            if loop is not None:
                loop.stop()
            case_files.lock()

        # Queued after any draft saves the forms just asked for, so those still have their key.
        self.runner.submit(drop_keys, dropped, lambda _exc: dropped())
        self._update_case_actions()
        self._update_sync_actions()
        self.locked.emit()  # the unlock window takes this window's place before it hides
        self.hide()

    def resume(self, case_files: CaseFiles) -> None:
        """After unlock: the same window, fresh data, the case that was open before."""
        self.case_files = case_files
        self.is_locked = False
        self._filters_changed()
        self.reload_list()
        if self._current_case_id:
            self.open_case(self._current_case_id)
        self._update_case_actions()
        self.check_enrolment()
        self.idle_timer.start()
        self._reopen_what_was_open(case_files)

    def _reopen_what_was_open(self, case_files: CaseFiles) -> None:
        """The forms open at the lock come back as they were (their drafts hold what was typed);
        a hand-over in progress comes back at the young person's page, from its draft too."""
        reopeners, handover_case = self._reopen_after_unlock, self._handover_after_unlock
        self._reopen_after_unlock = []
        self._handover_after_unlock = None
        for reopen in reopeners:
            if reopen is not None:
                with contextlib.suppress(Exception):  # a case gone meanwhile: its draft stays in the store
                    form = reopen(self, case_files, self.runner)
                    if getattr(form, "draft_id", None) == "new-concern":
                        form.saved.connect(self._concern_saved)  # type: ignore[attr-defined]
                    else:
                        self._track_form(form)
        if handover_case is not None:
            from leerrecht_desktop.ui.handover import start_handover

            self._current_case_id = handover_case
            start_handover(self, self.workspace, case_files, self.runner, handover_case)

    def view_state(self) -> dict[str, Any]:
        """What to carry over when the window is rebuilt (e.g. for a new language)."""
        return {
            "case_id": self._current_case_id,
            "status": self.status_combo.currentData(),
            "school": self.school_combo.currentData(),
            "group": self.group_combo.currentData(),
            "mine": self.mine_check.isChecked(),
            "sort": self.sort_combo.currentData(),
            "tab": self.case_view.tabs.currentIndex(),
            "geometry": self.saveGeometry(),
            "splitter": self.splitter.saveState(),
        }

    def restore_view_state(self, state: dict[str, Any]) -> None:
        for combo, key in ((self.status_combo, "status"), (self.group_combo, "group"), (self.sort_combo, "sort")):
            index = combo.findData(state.get(key))
            if index >= 0:
                combo.setCurrentIndex(index)
        self.mine_check.setChecked(bool(state.get("mine")))
        if state.get("school"):
            self.school_combo.addItem(str(state["school"]), state["school"])
            self.school_combo.setCurrentIndex(self.school_combo.count() - 1)
        if state.get("geometry") is not None:
            self.restoreGeometry(state["geometry"])
        if state.get("splitter") is not None:
            self.splitter.restoreState(state["splitter"])
        if state.get("case_id"):
            self._current_case_id = str(state["case_id"])
            self.reload_list(select_case=self._current_case_id)
            tab = int(state.get("tab") or 0)
            QTimer.singleShot(0, lambda: self.case_view.tabs.setCurrentIndex(tab))

    def dispose(self) -> None:
        """Before the window goes away (rebuild or quit): stop watching input, ignore late results."""
        self._session += 1
        self.idle_timer.stop()
        self.notes_search.drop()  # the rebuilt window makes its own index
        loop = self.sync.detach()
        if loop is not None:  # joined on the worker, before anything queued after it (shutdown locks then)
            self.runner.submit(loop.stop)
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._watcher)
