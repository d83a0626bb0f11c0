"""Entry forms: the case profile, the quick new concern and one form per kind of entry.

The main window calls `open_entry_form` and `open_new_concern_form`. Before it locks the session it
calls `close_all_forms()` (drafts are sealed first, then the plaintext widgets are deleted); the hand-over
mode uses `hide_all_forms()` / `show_forms()` so nothing of a case stays on screen for the young person."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.forms.base import EntryForm
from leerrecht_desktop.ui.forms.entries import (
    ENTRY_FORMS,
    FamilyContactForm,
    FollowUpNoteForm,
    HomeVisitForm,
    SupportMeasureForm,
    WellbeingForm,
)
from leerrecht_desktop.ui.forms.profile import NewConcernForm, ProfileForm
from leerrecht_desktop.ui.tasks import TaskRunner

__all__ = [
    "EntryForm", "FamilyContactForm", "FollowUpNoteForm", "HomeVisitForm", "NewConcernForm", "ProfileForm",
    "SupportMeasureForm", "WellbeingForm", "close_all_forms", "hide_all_forms", "open_entry_form",
    "open_forms", "open_new_concern_form", "save_all_drafts", "show_forms",
]

# One window per draft: two forms writing the same draft would overwrite each other's typing.
_open: dict[str, EntryForm] = {}


def _register(form: EntryForm) -> EntryForm:
    draft_id = form.draft_id
    _open[draft_id] = form

    def forget() -> None:
        if _open.get(draft_id) is form:
            del _open[draft_id]

    form.finished.connect(lambda _r: forget())
    form.destroyed.connect(lambda _o=None: forget())
    return form


def _existing(draft_id: str) -> EntryForm | None:
    form = _open.get(draft_id)
    if form is None:
        return None
    form.show()
    form.setWindowState(form.windowState() & ~Qt.WindowState.WindowMinimized)
    form.raise_()
    form.activateWindow()
    return form


def _show(form: EntryForm) -> EntryForm:
    _register(form)
    form.show()
    form.raise_()
    form.activateWindow()
    return form


def open_entry_form(parent: QWidget | None, case_files: CaseFiles, runner: TaskRunner, case_id: str,
                    kind: Kind, record: Record | None = None) -> EntryForm:
    """Create, show and return the form for a new entry of `kind` (record None) or for editing
    `record`. Kind.CASE edits the case profile (record: the profile record; loaded when None)."""
    if kind == Kind.CASE:
        if record is None and case_id:
            record = case_files.load_case(case_id).profile
        draft_id = f"edit:{record.record_id}" if record is not None else f"new:{Kind.CASE}:{case_id or ''}"
        existing = _existing(draft_id)
        if existing is not None:
            return existing
        return _show(ProfileForm(parent, case_files, runner, case_id or None, record))
    draft_id = f"edit:{record.record_id}" if record is not None else f"new:{kind}:{case_id}"
    existing = _existing(draft_id)
    if existing is not None:
        return existing
    return _show(ENTRY_FORMS[kind](parent, case_files, runner, case_id, record))


def open_new_concern_form(parent: QWidget | None, case_files: CaseFiles, runner: TaskRunner) -> EntryForm:
    """The quick 'Nieuwe aanmelding'; `saved` emits the new case's profile record."""
    existing = _existing("new-concern")
    if existing is not None:
        return existing
    return _show(NewConcernForm(parent, case_files, runner))


def open_forms() -> list[EntryForm]:
    return list(_open.values())


def save_all_drafts() -> None:
    """Seal every open form's draft now (e.g. before the session locks)."""
    for form in open_forms():
        form.save_draft_now()


def close_all_forms() -> None:
    """Seal every open form's draft, then close and delete the forms; call before locking."""
    for form in open_forms():
        form.save_draft_now()
        if not form.is_saving:
            form.reject()


def hide_all_forms() -> list[EntryForm]:
    """Hide the visible forms (their drafts are sealed on hide); returns them for `show_forms`."""
    hidden = [form for form in open_forms() if form.isVisible()]
    for form in hidden:
        form.hide()
    return hidden


def show_forms(forms: list[EntryForm]) -> None:
    for form in forms:
        if form in _open.values():
            form.show()
