"""The crash dialog and its report: an error inside a form shows a calm dialog, and the report it saves
holds none of what was typed; errors from threads reach the dialog too; the dialog never loops on
itself. And an error while opening the data folder (a failed upgrade, a newer schema) is shown in plain
words. Every name and note is fictitious."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from leerrecht_desktop.logs import setup_logging, teardown_logging
from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.database import database_path
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui import application, crash
from leerrecht_desktop.ui.crash import CrashDialog, CrashHandler, build_report
from leerrecht_desktop.ui.forms import FollowUpNoteForm, close_all_forms, open_entry_form
from leerrecht_desktop.ui.tasks import TaskRunner

pytestmark = pytest.mark.qt_no_exception_capture  # the handler under test takes the hooks itself


def forms_of(text: str) -> list[bytes]:
    forms = []
    for variant in {text, text.casefold(), text.upper()}:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            forms.append(variant.encode(encoding))
    return forms


@pytest.fixture
def tasks(qapp: QApplication, workspace: Workspace) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.wait_idle()


@pytest.fixture
def handler(qapp: QApplication) -> Iterator[CrashHandler]:
    crash_handler = CrashHandler()
    crash_handler.install()
    yield crash_handler
    crash_handler.uninstall()
    if crash_handler.dialog is not None:
        crash_handler.dialog.done(0)


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "logs"
    log_handler = setup_logging(folder)
    yield folder
    teardown_logging(log_handler)


class FictiveFormError(Exception):
    """What a bug in a form could raise: its message quotes what was typed."""


def test_a_crash_inside_a_form_shows_the_dialog_and_its_report_holds_nothing_typed(
        qtbot: QtBot, case_files: CaseFiles, tasks: TaskRunner, handler: CrashHandler, log_dir: Path,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tag = uuid.uuid4().hex[:6]
    name = f"Jamila Fictiefnaam{tag}"
    note_text = f"Fictief huisbezoek bij {name}, moeder werkt in de Bruul {tag}"
    case_id = case_files.create_case(CaseProfile(first_name=f"Fictiefkind{tag}", last_name="Testkind",
                                                 birth_date=dt.date(2011, 5, 1))).case_id
    form = open_entry_form(None, case_files, tasks, case_id, Kind.NOTE)
    assert isinstance(form, FollowUpNoteForm)
    try:
        qtbot.keyClicks(form.note_text, note_text)
        qtbot.keyClicks(form.action, f"Bellen met {name}")
        form.action_owner.setText(name)

        def broken_save_call(content: object) -> None:
            raise FictiveFormError(f"kon niet bewaren: {note_text} / {name}")

        monkeypatch.setattr(form, "save_call", broken_save_call)
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)  # the slot raises

        qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible())
        dialog = handler.dialog
        assert dialog is not None
        assert dialog.windowTitle() == "Er ging iets mis"
        assert form.note_text.toPlainText() == note_text  # the form and what was typed are still there

        out = tmp_path / "rapport" / crash.default_report_name()
        out.parent.mkdir()
        monkeypatch.setattr(dialog, "choose_file", lambda: str(out))
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert dialog.saved_to == out and dialog.status.isVisible()

        report = out.read_bytes()
        for secret in (name, note_text, f"Fictiefnaam{tag}", f"Fictiefkind{tag}", "kon niet bewaren", tag):
            for form_bytes in forms_of(secret):
                assert form_bytes not in report, secret
        text = report.decode("utf-8")
        assert "FictiveFormError" in text
        assert "EntryForm.save" in text and "leerrecht_desktop.ui.forms.base" in text
        assert "broken_save_call" in text
        assert str(Path.home()) not in text and str(tmp_path) not in text
        assert "unexpected error" in text  # the log's own line about it, from the tail

        # The log holds none of it either.
        logged = b"".join(p.read_bytes() for p in log_dir.iterdir())
        assert b"FictiveFormError" in logged
        for secret in (name, note_text, tag):
            assert all(f not in logged for f in forms_of(secret)), secret

        # Doorgaan: back to the form, which still works.
        qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: handler.dialog is None)
        assert form.isVisible() and form.note_text.toPlainText() == note_text
        assert form.save_button.isEnabled() and form.close_button.isEnabled()  # not stuck "busy"
    finally:
        close_all_forms()
        tasks.wait_idle()
        QApplication.processEvents()


def test_an_error_in_a_thread_reaches_the_dialog_and_further_errors_are_counted(
        qtbot: QtBot, handler: CrashHandler) -> None:
    def work() -> None:
        raise RuntimeError("Fictieve fout in een draad")

    thread = threading.Thread(target=work, name="fictieve-draad")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible())
    assert handler.dialog is not None
    assert "thread: fictieve-draad" in handler.dialog.report and "RuntimeError" in handler.dialog.report
    assert "Fictieve fout" not in handler.dialog.report

    handler.handle(ValueError("nog een"))
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.further == 1)
    assert len([w for w in QApplication.topLevelWidgets() if isinstance(w, CrashDialog) and w.isVisible()]) == 1
    assert handler.dialog.further_label.text() == "Daarna ging er nog 1 keer iets mis."


def test_a_dialog_that_fails_itself_does_not_loop(qtbot: QtBot, handler: CrashHandler,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    made: list[int] = []

    def broken_init(self: CrashDialog, *args: object, **kw: object) -> None:
        made.append(1)
        raise RuntimeError("the dialog itself fails")

    monkeypatch.setattr(CrashDialog, "__init__", broken_init)
    handler.handle(ValueError("Fictief"))
    qtbot.waitUntil(lambda: len(made) == 1)
    handler.handle(ValueError("Fictief"))  # from now on: log and stderr only
    QApplication.processEvents()
    QApplication.processEvents()
    assert made == [1] and handler.dialog is None
    assert "leerrecht: unexpected RuntimeError" in capsys.readouterr().err


def test_the_report_names_versions_and_causes_but_no_message(tmp_path: Path) -> None:
    def inner() -> None:
        raise KeyError("Fictieve sleutel Jamila")

    try:
        try:
            inner()
        except KeyError as exc:
            raise LookupError("Fictief gevolg Jamila") from exc
    except LookupError as exc:
        report = build_report(exc, log_lines=[f"2025-01-01 INFO x: opened {Path.home()}/iets"])
    assert "Jamila" not in report
    assert report.index("KeyError") < report.index("which led to:") < report.index("LookupError")
    assert "inner" in report and "leerrecht: " in report and "qt: " in report and "python: " in report
    assert str(Path.home()) not in report and "opened ~/iets" in report


def test_the_crash_dialog_as_a_user_sees_it(qtbot: QtBot, tmp_path: Path) -> None:
    try:
        raise ValueError("Fictief")
    except ValueError as exc:
        dialog = CrashDialog(build_report(exc, log_lines=[]))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.continue_button.isDefault()
    assert [b.text() for b in (dialog.save_button, dialog.quit_button, dialog.continue_button)] == [
        "Crashrapport opslaan…", "Leerrecht sluiten", "Doorgaan"]
    dialog.grab().save(str(tmp_path / "crash-dialog.png"))
    dialog.details_button.click()
    assert dialog.details.isVisible() and "ValueError" in dialog.details.toPlainText()


# -- errors at start: shown in plain words, not as a traceback ------------------------------------------

def test_a_newer_database_is_explained_at_start(qapp: QApplication, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data"
    Workspace(data_dir, create=True).close()
    with closing(sqlite3.connect(database_path(data_dir))) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(application, "explain", lambda title, text: shown.append((title, text)))

    assert application.open_workspace(data_dir) is None
    ((title, text),) = shown
    assert title == "Leerrecht kan niet starten"
    assert text.startswith("Deze gegevens zijn gemaakt met een nieuwere versie van Leerrecht")
    assert "Traceback" not in text and "0099" not in text


def test_unexpected_errors_at_start_are_logged_without_their_message(tmp_path: Path, log_dir: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    logging.getLogger("leerrecht_desktop.test").error("x", exc_info=ValueError("Fictieve Jamila"))
    logged = (log_dir / "leerrecht.log").read_text(encoding="utf-8")
    assert "ValueError" in logged and "Jamila" not in logged
