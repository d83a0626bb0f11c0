""""Samenvatting afdrukken…" as a worker uses it: options, a preview made off the GUI thread, then the
Qt print dialog (a PDF printer here) or "Opslaan als PDF…"; no plaintext temporary file on the way."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog

from leerrecht_desktop.reports.case_summary import ALL_SECTIONS, Section
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.report_dialog import SummaryDialog
from leerrecht_desktop.ui.report_dialog import summary as summary_dialog

from .conftest import Sample

NAME = "Amira Vandenbroeck"


def open_case(qtbot, window: MainWindow, first_name: str) -> None:  # type: ignore[no-untyped-def]
    window.search_edit.clear()
    qtbot.keyClicks(window.search_edit, first_name)
    qtbot.keyClick(window.search_edit, Qt.Key.Key_Down)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.case_view.case_file is not None
                    and window.case_view.case_file.content.first_name == first_name)


def open_dialog(qtbot, window: MainWindow) -> SummaryDialog:  # type: ignore[no-untyped-def]
    open_case(qtbot, window, "Amira")
    assert window.act_print_summary.isEnabled() and window.case_view.print_button.isEnabled()
    window.act_print_summary.trigger()  # Ctrl+P
    dialog = window.summary_dialog
    assert isinstance(dialog, SummaryDialog)
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def preview(qtbot, dialog: SummaryDialog) -> int:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert dialog.stack.currentWidget() is dialog.preview_page
    qtbot.waitUntil(lambda: dialog.page_count > 0 and not dialog.busy, timeout=30_000)
    return dialog.page_count


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temp dir of this test's own for Python and Qt (TMPDIR), which must stay empty; plus a look at
    the system temp dir for any new file that holds a PDF or the young person's name."""
    folder = tmp_path / "tmpdir"
    folder.mkdir()
    system = Path(tempfile.gettempdir())
    before = set(os.listdir(system))
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert list(folder.iterdir()) == []
    for name in set(os.listdir(system)) - before:
        path = system / name
        if path.is_file():
            with open(path, "rb") as fh:
                head = fh.read(1 << 20)
            assert b"%PDF" not in head and b"Vandenbroeck" not in head, path


def test_ctrl_p_opens_the_options_with_the_whole_case(qtbot, main_window: MainWindow,  # type: ignore[no-untyped-def]
                                                      sample: Sample) -> None:
    assert main_window.act_print_summary.shortcut().toString() == "Ctrl+P"
    assert not main_window.act_print_summary.isEnabled()  # no case open yet
    assert not main_window.act_overview.isVisible()  # a worker, not a coordinator
    dialog = open_dialog(qtbot, main_window)
    today = sample.today
    # The whole case: from the first entry (120 days ago, the referral) to the last (2 days ago).
    assert dialog.period.start == today - dt.timedelta(days=120)
    assert dialog.period.end == today - dt.timedelta(days=2)
    assert {s for s, box in dialog.section_boxes.items() if box.isChecked()} == ALL_SECTIONS
    assert not dialog.section_boxes[Section.ATTACHMENTS].isChecked()
    assert not dialog.pseudonymise_box.isChecked()
    options = dialog.chosen_options()
    assert options is not None
    assert (options.period_from, options.period_to, options.password) == (None, None, None)
    assert options.sections == ALL_SECTIONS  # Bijlagen only when asked


def test_a_start_after_the_end_is_said_next_to_the_field_and_kept(qtbot, main_window: MainWindow,  # type: ignore[no-untyped-def]
                                                                  sample: Sample) -> None:
    dialog = open_dialog(qtbot, main_window)
    dialog.period.from_edit.setDate(QDate(2025, 6, 1))
    dialog.period.to_edit.setDate(QDate(2025, 1, 31))
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert dialog.stack.currentWidget() is dialog.options_page
    assert dialog.period.error.isVisible()
    assert "begindatum ligt na de einddatum" in dialog.period.error.text()
    assert dialog.period.from_edit.date() == QDate(2025, 6, 1)
    assert dialog.period.to_edit.date() == QDate(2025, 1, 31)
    dialog.period.to_edit.setDate(QDate(2025, 6, 30))  # fixing it clears the message at once
    assert not dialog.period.error.isVisible()
    options = dialog.chosen_options()
    assert options is not None and options.period_from == dt.date(2025, 6, 1)


def test_a_short_password_is_refused_next_to_the_field(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, main_window)
    dialog.password_edit.setText("kort")
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert dialog.stack.currentWidget() is dialog.options_page
    assert dialog.password_error.isVisible() and "8 tekens" in dialog.password_error.text()
    assert dialog.password_edit.text() == "kort"


def test_preview_is_made_on_the_worker_and_prints_every_page(qtbot, main_window: MainWindow,  # type: ignore[no-untyped-def]
                                                             tmp_path: Path, private_tmp: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_dialog(qtbot, main_window)
    threads: list[threading.Thread] = []
    real_render = summary_dialog.render_case_summary

    def slow_render(*args: Any, **kwargs: Any) -> bytes:
        threads.append(threading.current_thread())
        threading.Event().wait(0.4)  # long enough to see whether the GUI keeps running meanwhile
        return real_render(*args, **kwargs)

    monkeypatch.setattr(summary_dialog, "render_case_summary", slow_render)
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    pages = preview(qtbot, dialog)
    timer.stop()
    assert threads and threads[0] is not threading.main_thread()
    assert len(ticks) >= 8  # the event loop ran while the summary was laid out
    assert pages >= 2
    assert "pagina's" in dialog.status_label.text()
    shown = dialog.pages_view.page_labels[0].pixmap()
    assert shown.width() > 600 and shown.height() > shown.width()

    printed_to = tmp_path / "printer.pdf"
    seen: dict[str, Any] = {}

    def accept(print_dialog: QPrintDialog) -> int:
        # What a user does in the dialog: choose "print to file (PDF)" and press Print.
        printer = print_dialog.printer()
        seen["doc_name"] = printer.docName()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed_to))
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    with qtbot.waitSignal(dialog.printed, timeout=60_000) as signal:
        qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert signal.args == [pages]
    assert seen["doc_name"] == "Dossiersamenvatting"  # the print queue shows no name
    reader = pypdf.PdfReader(printed_to)
    assert len(reader.pages) == pages
    for page in reader.pages:
        images = page.images
        assert len(images) == 1
        image = images[0].image
        assert image is not None and image.width >= 1600  # A4 at >= 200 dpi
        assert image.convert("L").getextrema()[0] < 100  # something dark is printed on it


def test_save_as_pdf_writes_a_private_readable_file(qtbot, main_window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                    private_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_dialog(qtbot, main_window)
    preview(qtbot, dialog)
    folder = tmp_path / "bewaard"
    folder.mkdir()
    asked: list[str] = []

    def choose(_parent: Any, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(folder / "overleg"), "PDF-bestanden (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose))
    with qtbot.waitSignal(dialog.saved, timeout=30_000) as signal:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    out = folder / "overleg.pdf"  # .pdf added
    assert signal.args == [str(out)]
    assert "Vandenbroeck" not in asked[0] and "Amira" not in asked[0]  # the suggested name holds no name
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == ["overleg.pdf"]
    reader = pypdf.PdfReader(out)
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert NAME in text and "Vertrouwelijk" in text and "Fictieve Werker" in text
    assert len(reader.pages) == dialog.page_count


def test_pseudonymised_with_a_password(qtbot, main_window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_dialog(qtbot, main_window)
    dialog.pseudonymise_box.setChecked(True)
    dialog.password_edit.setText("overleg-dinsdag")
    dialog.section_boxes[Section.SUPPORT].setChecked(False)
    preview(qtbot, dialog)
    assert "gepseudonimiseerd" in dialog.status_label.text()
    out = tmp_path / "casus.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a: (str(out), "")))
    with qtbot.waitSignal(dialog.saved, timeout=30_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    data = out.read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.is_encrypted
    assert (reader.trailer["/Encrypt"]["/V"], reader.trailer["/Encrypt"]["/R"]) == (5, 6)
    assert reader.decrypt("overleg-dinsdag") != pypdf.PasswordType.NOT_DECRYPTED
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Amira" not in text and "Vandenbroeck" not in text and "0470 12 34 56" not in text
    assert "Steunmaatregelen" not in text and "Huisbezoeken en gezinscontacten" in text


def test_locking_closes_the_dialog_and_forgets_the_pages(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, main_window)
    preview(qtbot, dialog)
    main_window.lock()
    assert not dialog.isVisible()
    assert dialog.case_file is None and dialog.page_count == 0
    assert dialog._pdf is None
    assert not main_window.act_print_summary.isEnabled()


def test_going_back_keeps_the_choices_and_drops_the_preview(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, main_window)
    dialog.section_boxes[Section.NOTES].setChecked(False)
    preview(qtbot, dialog)
    qtbot.mouseClick(dialog.back_button, Qt.MouseButton.LeftButton)
    assert dialog.stack.currentWidget() is dialog.options_page
    assert dialog.page_count == 0
    assert not dialog.section_boxes[Section.NOTES].isChecked()


def test_preview_pages_are_images_of_the_pdf() -> None:
    from leerrecht_desktop.ui.print_preview import rasterise

    images = rasterise(_one_page_pdf(), dpi=72)
    assert len(images) == 1 and isinstance(images[0], QImage)
    assert abs(images[0].width() - 595) <= 1 and abs(images[0].height() - 842) <= 1  # A4 in points


def _one_page_pdf() -> bytes:
    from reportlab.platypus import Paragraph

    from leerrecht_desktop.reports.layout import build_pdf, styles

    return build_pdf([Paragraph("Hallo", styles()["body"])], title="Test", made_by="Fictieve Werker",
                     made_at=dt.datetime(2025, 3, 5, 10, 0))
