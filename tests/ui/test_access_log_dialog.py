""""Toegangslogboek…" against a real server: a worker opens, prints and saves a case's summary in the
window, the window's sync sends those entries, and the coordinator's window lists them newest first in
plain words with the worker's name; the worker (in a team with a coordinator) is told plainly that only
a coordinator may read it, an unreachable server is said too, and a laptop that is not enrolled has no
such menu entry (issue 13, item 6)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog
from pytestqt.qtbot import QtBot

from leerrecht_desktop.store.access_log import AccessLog
from leerrecht_desktop.ui.access_log_dialog import AccessLogDialog
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.report_dialog import SummaryDialog
from leerrecht_desktop.ui.tasks import TaskRunner
from tests.kits.synckit import Laptop, ServerProcess, enrolled

from .conftest import SERVER_TEAM

WAIT = 60_000  # a real server and Argon2id; never asserted as a duration


def _window(qtbot: QtBot, laptop: Laptop, runner: TaskRunner) -> MainWindow:
    window = MainWindow(laptop.workspace, laptop.case_files, runner)
    window.sync.interval = 3600.0
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.sync.enrolled, timeout=WAIT)
    return window


def _open(qtbot: QtBot, window: MainWindow, case_id: str) -> None:
    window.open_case(case_id)
    qtbot.waitUntil(lambda: window.case_view.case_file is not None
                    and window.case_view.case_file.case_id == case_id, timeout=WAIT)


def _laptop_actions(server: ServerProcess, case_id: str) -> set[str]:
    return {r[0] for r in server.query("SELECT action FROM audit_log WHERE case_ids = ?", (case_id,))}


def _log_dialog(qtbot: QtBot, window: MainWindow) -> AccessLogDialog:
    assert window.act_access_log.isVisible() and window.act_access_log.isEnabled()
    window.act_access_log.trigger()
    dialog = window.dialogs.get("access_log", AccessLogDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    return dialog


def _print_and_save(qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a user does: Ctrl+P, preview, print to a PDF printer, then "Opslaan als PDF…"."""
    window.act_print_summary.trigger()
    summary = window.summary_dialog
    assert isinstance(summary, SummaryDialog)
    qtbot.mouseClick(summary.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: summary.page_count > 0 and not summary.busy, timeout=WAIT)

    def accept(print_dialog: QPrintDialog) -> int:
        printer = print_dialog.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "printer.pdf"))
        return QDialog.DialogCode.Accepted.value

    def choose(_parent: Any, _title: str, _suggested: str, _filter: str) -> tuple[str, str]:
        return str(tmp_path / "samenvatting.pdf"), "PDF-bestanden (*.pdf)"

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose))
    with qtbot.waitSignal(summary.printed, timeout=WAIT):
        qtbot.mouseClick(summary.print_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(summary.saved, timeout=WAIT):
        qtbot.mouseClick(summary.save_button, Qt.MouseButton.LeftButton)
    summary.reject()


@pytest.mark.slow
def test_a_coordinator_reads_what_a_worker_did_with_a_case(qtbot: QtBot, server: ServerProcess, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    worker = enrolled(server, tmp_path / "w", "werker", "Fictieve Werker", "netsterk", SERVER_TEAM, before=1)
    coord = enrolled(server, tmp_path / "c", "coord", "Fictieve Coordinator", "coordinator", SERVER_TEAM)
    runner = TaskRunner()
    try:
        assert worker.sync().errors == [] and coord.sync().errors == []
        (case_id,) = [s.case_id for s in worker.case_files.summaries()]

        mine = _window(qtbot, worker, runner)
        _open(qtbot, mine, case_id)
        _print_and_save(qtbot, mine, tmp_path, monkeypatch)
        runner.wait_idle()  # the entries are written on the store thread
        mine.sync_now()  # the window's own sync loop sends them (a round that starts after this)
        wanted = {"case_opened", "case_printed", "case_summary_saved"}
        qtbot.waitUntil(lambda: wanted <= _laptop_actions(server, case_id), timeout=WAIT)
        qtbot.waitUntil(lambda: AccessLog.of(worker.case_files).pending_count() == 0, timeout=WAIT)
        assert server.query("SELECT COUNT(*) FROM audit_log WHERE case_ids = ? AND action = 'case_opened'",
                            (case_id,)) == [(1,)]  # opened once, however often the window showed it

        # The worker, in a team with a coordinator, is told who may read it; nothing is listed.
        refused = _log_dialog(qtbot, mine)
        assert refused.error.isVisible() and "Alleen een coördinator" in refused.error.text()
        assert refused.rows() == []
        refused.reject()

        theirs = _window(qtbot, coord, runner)
        _open(qtbot, theirs, case_id)
        dialog = _log_dialog(qtbot, theirs)
        assert not dialog.error.isVisible()
        rows = dialog.rows()
        assert dialog.log is not None
        times = [e.at for e in dialog.log.entries]
        assert times == sorted(times, reverse=True)  # newest first
        worker_did = [(who, what, where) for _when, who, what, where in rows if who == "Fictieve Werker"]
        for done in ("opende het dossier", "drukte de samenvatting af", "bewaarde de samenvatting als PDF"):
            assert (("Fictieve Werker", done, "op een laptop")) in worker_did
        assert ("Fictieve Werker", "zette het dossier op de server", "op de server") in worker_did
        when = dt.datetime.strptime(rows[0][0], "%Y-%m-%d %H:%M")  # local time, minutes
        assert abs(when - dt.datetime.now()) < dt.timedelta(days=1)
        name = worker.case_files.summary(case_id).full_name
        assert name in dialog.intro.text() and not any(name in cell for row in rows for cell in row)

        # The server out of reach: said plainly, the old list not left standing as if current.
        server.stop()
        dialog.reload_button.click()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
        assert dialog.error.isVisible() and "niet bereikbaar" in dialog.error.text()
        assert dialog.rows() == [] and dialog.reload_button.isEnabled()
    finally:
        runner.wait_idle()
        worker.close()
        coord.close()


def test_a_laptop_that_is_not_enrolled_has_no_access_log_entry(qtbot: QtBot, main_window: MainWindow) -> None:
    qtbot.waitUntil(lambda: "Niet gekoppeld" in main_window.sync_label.text())  # the store answered
    assert not main_window.act_access_log.isVisible()
