"""What a worker types into the forms never reaches the disk in plaintext: not in the database, not in
its -wal/-shm files, not in a draft left open. Every name, address, phone number and sentence below is
fictitious, made up to be distinctive enough that finding it on disk can only mean a leak."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.forms import EntryForm, close_all_forms, open_entry_form, open_new_concern_form
from leerrecht_desktop.ui.tasks import TaskRunner

PASSPHRASE = "blauwe fiets op de markt"  # as in tests/conftest.py

# Fictitious, and deliberately unusual.
FIRST_NAME = "Zeynep"
LAST_NAME = "Kowalczyk-Öztürk"
ADDRESS = "Lindeboomstraat 17, 2800 Mechelen"
CONTACT = "Wioletta Kowalczyk-Öztürk"
PHONE = "0496 31 72 58"
CONCERN = "Fictief: zit elke ochtend om zeven uur al aan de schoolpoort te wachten."
VISIT_NOTE = "Fictief: de grijze kater Bartholomeus speelt elke dinsdag trombone in de keuken."
DRAFT_NOTE = "Fictief concept: Quirijn plant zonnebloemen op het dak van de bibliotheek."
DRAFT_ACTION = "Fictief: Xaverius-Ignatius bellen over de zonnebloemen"

SECRETS = [f"{FIRST_NAME} {LAST_NAME}", LAST_NAME, ADDRESS, "Lindeboomstraat", CONTACT, PHONE, CONCERN,
           VISIT_NOTE, "Bartholomeus", DRAFT_NOTE, "Quirijn plant zonnebloemen", DRAFT_ACTION, "Xaverius-Ignatius"]
ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be")


@pytest.fixture
def tasks(qapp: QApplication, workspace: Workspace) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.wait_idle()


def needles(text: str) -> list[bytes]:
    forms = {unicodedata.normalize("NFC", text), unicodedata.normalize("NFD", text)}
    return [form.encode(enc) for form in sorted(forms) for enc in ENCODINGS]


def leaks(folder: Path, secrets: list[str]) -> list[str]:
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for secret in secrets:
            if any(n in data for n in needles(secret)):
                found.append(f"{path.name}: {secret!r}")
    return found


def type_text(qtbot, widget: QWidget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type as a user would. QTest only knows ASCII keys, so a letter like Ö arrives the way a
    keyboard layout or input method delivers it: a key event that carries the character."""
    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier,
                                                         ch))


def save_and_wait(qtbot, form: EntryForm):  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(form.saved, timeout=10_000) as blocker:
        form.save_button.click()
    return blocker.args[0]


def test_the_scan_finds_plaintext_in_every_encoding(tmp_path: Path) -> None:
    for enc in ENCODINGS:
        (tmp_path / f"plain-{enc}.bin").write_bytes(b"\x00head" + VISIT_NOTE.encode(enc) + b"tail\x00")
    assert len(leaks(tmp_path, [VISIT_NOTE])) == len(ENCODINGS)
    (tmp_path / "nfd.bin").write_bytes(unicodedata.normalize("NFD", LAST_NAME).encode("utf-8"))
    assert any(hit.startswith("nfd.bin") for hit in leaks(tmp_path, [LAST_NAME]))


def test_typed_case_data_and_open_drafts_are_never_plaintext_on_disk(qtbot, data_dir: Path, workspace: Workspace,
                                                                     case_files: CaseFiles, tasks) -> None:
    concern = open_new_concern_form(None, case_files, tasks)
    type_text(qtbot, concern.first_name, FIRST_NAME)
    type_text(qtbot, concern.last_name, LAST_NAME)
    type_text(qtbot, concern.concern, CONCERN)
    case_id = save_and_wait(qtbot, concern).case_id

    profile = open_entry_form(None, case_files, tasks, case_id, Kind.CASE)
    type_text(qtbot, profile.address, ADDRESS)
    profile.contacts.add_button.click()
    type_text(qtbot, profile.contacts.rows[0].name, CONTACT)
    type_text(qtbot, profile.contacts.rows[0].phone, PHONE)
    save_and_wait(qtbot, profile)

    visit = open_entry_form(None, case_files, tasks, case_id, Kind.HOME_VISIT)
    type_text(qtbot, visit.observations, VISIT_NOTE)
    save_and_wait(qtbot, visit)

    # Left open, never saved: only its draft holds this.
    note = open_entry_form(None, case_files, tasks, case_id, Kind.NOTE)
    type_text(qtbot, note.note_text, DRAFT_NOTE)
    type_text(qtbot, note.action, DRAFT_ACTION)
    qtbot.waitUntil(lambda: note.draft_id in case_files.draft_ids(), timeout=5000)

    # What a user would see: everything is there, readable after unlock.
    case = case_files.load_case(case_id)
    assert case.content.full_name == f"{FIRST_NAME} {LAST_NAME}"
    assert case.content.contacts[0].phone == PHONE
    assert case.of_kind(Kind.HOME_VISIT)[0].content.observations == VISIT_NOTE
    close_all_forms()
    tasks.wait_idle()
    assert (case_files.load_draft(note.draft_id) or {}).get("content", {}).get("text") == DRAFT_NOTE

    # Close everything, as at the end of a working day.
    case_files.lock()
    workspace.close()
    QApplication.processEvents()

    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert files, "nothing was written to the data folder"
    assert leaks(data_dir, SECRETS) == []
    # Drafts and records are still there, sealed: the scan looked at real data, not an empty store.
    reopened = Workspace(data_dir)
    try:
        unlocked = reopened.unlock(PASSPHRASE)
        assert (unlocked.load_draft(note.draft_id) or {}).get("content", {}).get("action") == DRAFT_ACTION
        assert unlocked.load_case(case_id).content.address == ADDRESS
    finally:
        reopened.close()


def test_a_form_closed_with_escape_leaves_only_a_sealed_draft(qtbot, data_dir: Path, workspace: Workspace,
                                                              case_files: CaseFiles, tasks) -> None:
    concern = open_new_concern_form(None, case_files, tasks)
    type_text(qtbot, concern.first_name, FIRST_NAME)
    type_text(qtbot, concern.last_name, LAST_NAME)
    type_text(qtbot, concern.concern, CONCERN)
    qtbot.keyClick(concern.concern, Qt.Key.Key_Escape)
    tasks.wait_idle()
    assert "new-concern" in case_files.draft_ids()
    case_files.lock()
    workspace.close()
    assert leaks(data_dir, [LAST_NAME, CONCERN]) == []
