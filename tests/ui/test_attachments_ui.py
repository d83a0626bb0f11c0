"""The case's attachments in the window (issue 15): the Bijlagen section lists a real unlocked store's
attachments; adding by the button, by dropping files on the case and by pasting an image; the preview
shows an image and a PDF from memory (no plaintext file anywhere, not even a temporary one); a refusal
shows the store's sentence and adds nothing; Opslaan als writes a private byte-identical copy; delete
asks first; a "remote" one offers Nu ophalen; the consent's scan is checked to be of the same case.
Every file and name here is fictitious."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QImageWriter,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import QApplication

from leerrecht_desktop.models.validation import ValidationError
from leerrecht_desktop.store.access_log import AccessLog
from leerrecht_desktop.store.attachments import Attachments
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.attachments import asking, check_consent_scan
from leerrecht_desktop.ui.attachments.panel import AttachmentsPanel
from leerrecht_desktop.ui.attachments.preview import PreviewDialog
from leerrecht_desktop.ui.case_view import CaseView
from leerrecht_desktop.ui.main_window import MainWindow
from tests.kits.storekit import flip_byte, raw_execute, raw_query
from tests.ui.conftest import Sample


def png_bytes(width: int = 40, height: int = 30, trailer: bytes = b"") -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a7ca5"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert QImageWriter(buffer, QByteArray(b"PNG")).write(image)
    buffer.close()
    return bytes(data.data()) + trailer  # bytes after IEND: readers ignore them, a search finds them


def pdf_bytes(text: str) -> bytes:
    from reportlab.platypus import Paragraph

    from leerrecht_desktop.reports.layout import build_pdf, styles

    return build_pdf([Paragraph(text, styles()["body"])], title="Fictief", made_by="Fictieve Werker",
                     made_at=dt.datetime(2026, 3, 5, 10, 0))


def pdf_text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


@pytest.fixture
def opened(qtbot, main_window: MainWindow, sample: Sample) -> AttachmentsPanel:  # type: ignore[no-untyped-def]
    main_window.open_case(sample.ids["Amira"])
    qtbot.waitUntil(lambda: main_window.case_view.case_file is not None)
    panel = main_window.case_view.attachments
    qtbot.waitUntil(lambda: panel.case_id == sample.ids["Amira"])
    return panel


@pytest.fixture
def no_questions(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The small dialogs answered as a test says (a modal dialog would wait for ever)."""
    answers: dict[str, Any] = {"title": "", "delete": True, "files": [], "save": None}
    monkeypatch.setattr(asking, "ask_title", lambda _parent, _name: answers["title"])
    monkeypatch.setattr(asking, "confirm_delete", lambda _parent, _info: answers["delete"])
    monkeypatch.setattr(asking, "choose_files", lambda _parent: answers["files"])
    monkeypatch.setattr(asking, "choose_save_path", lambda _parent, _info: answers["save"])
    return answers


def wait_count(qtbot, panel: AttachmentsPanel, n: int) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: len(panel.infos) == n and panel.adder.pending == 0, timeout=60000)


def test_the_section_lists_the_case_attachments(qtbot, main_window: MainWindow, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                                sample: Sample, tmp_path: Path) -> None:
    scan = tmp_path / "rapport.png"
    scan.write_bytes(png_bytes(800, 600) + os.urandom(2_500_000))
    Attachments(case_files).add(sample.ids["Amira"], scan, "Fictief rapport")
    Attachments(case_files).add(sample.ids["Bram"], scan, "Van een ander dossier")
    main_window.open_case(sample.ids["Amira"])
    panel = main_window.case_view.attachments
    wait_count(qtbot, panel, 1)
    item = panel.list.topLevelItem(0)
    assert item is not None
    texts = [item.text(c).split("\n") for c in range(3)]
    assert texts[0] == ["Fictief rapport", "rapport.png"]
    assert texts[1] == ["PNG · 2,4 MB", "alleen op deze laptop"]
    assert texts[2] == [dt.date.today().strftime("%d/%m/%Y"), case_files.me.name]
    tabs = main_window.case_view.tabs
    assert tabs.tabText(tabs.indexOf(panel)) == "Bijlagen (1)"


def test_adding_a_png_and_a_pdf_through_the_button(qtbot, opened: AttachmentsPanel, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                                   no_questions: dict[str, Any], tmp_path: Path) -> None:
    png, pdf = tmp_path / "scan.png", tmp_path / "toestemming.pdf"
    png.write_bytes(png_bytes())
    pdf.write_bytes(pdf_bytes("Fictieve toestemming"))
    changed: list[object] = []
    main_window = opened.window()
    main_window.store_events.store_changed.connect(changed.append)  # type: ignore[attr-defined]
    for path, title in ((png, "Fictieve scan"), (pdf, "Toestemming ouders")):
        no_questions["files"], no_questions["title"] = [path], title
        opened.add_button.click()
    wait_count(qtbot, opened, 2)
    stored = Attachments(case_files).list(opened.case_id or "")
    assert [(i.title, i.file_name, i.media_type) for i in stored] == [
        ("Fictieve scan", "scan.png", "image/png"), ("Toestemming ouders", "toestemming.pdf", "application/pdf")]
    qtbot.waitUntil(lambda: len(changed) >= 2)
    assert all(c == frozenset({opened.case_id}) for c in changed)


def test_cancelling_the_title_adds_nothing(qtbot, opened: AttachmentsPanel, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                           no_questions: dict[str, Any], tmp_path: Path) -> None:
    png = tmp_path / "scan.png"
    png.write_bytes(png_bytes())
    no_questions["files"], no_questions["title"] = [png], None
    opened.add_button.click()
    assert opened.adder.pending == 0 and Attachments(case_files).count(opened.case_id or "") == 0


def test_files_dropped_on_the_case_are_added(qtbot, main_window: MainWindow, opened: AttachmentsPanel,  # type: ignore[no-untyped-def]
                                             case_files: CaseFiles, no_questions: dict[str, Any],
                                             tmp_path: Path) -> None:
    files = [tmp_path / "een.png", tmp_path / "twee.pdf"]
    files[0].write_bytes(png_bytes())
    files[1].write_bytes(pdf_bytes("Fictieve brief"))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in files])
    view = main_window.case_view
    enter = QDragEnterEvent(QPoint(30, 30), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view, enter)
    assert enter.isAccepted() and view.acceptDrops()  # the case takes the files: the cursor says so
    drop = QDropEvent(QPointF(30, 30), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    # Offscreen there is no drag in progress, and Qt delivers a drop only to a drag's target: hand it to
    # the case view's filter as Qt would.
    assert opened.eventFilter(view, drop) and drop.isAccepted()
    wait_count(qtbot, opened, 2)
    assert sorted(i.file_name for i in Attachments(case_files).list(opened.case_id or "")) == ["een.png", "twee.pdf"]


def test_a_pasted_image_becomes_a_png_attachment(qtbot, opened: AttachmentsPanel, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                                 no_questions: dict[str, Any]) -> None:
    QGuiApplication.clipboard().setText("gewone tekst")
    assert not opened.paste() and "geen afbeelding of bestand op het klembord" in opened.message.text()
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("#d97706"))
    QGuiApplication.clipboard().setImage(image)
    no_questions["title"] = "Fictieve schermafdruk"
    view = opened.parentWidget()
    while not isinstance(view, CaseView):
        view = view.parentWidget()  # type: ignore[union-attr]
    paste = [s for s in view.findChildren(QShortcut) if s.key() == QKeySequence(QKeySequence.StandardKey.Paste)]
    assert len(paste) == 1  # Ctrl+V on the case
    paste[0].activated.emit()
    wait_count(qtbot, opened, 1)
    info = Attachments(case_files).list(opened.case_id or "")[0]
    assert (info.title, info.file_name, info.media_type) == ("Fictieve schermafdruk", "bijlage.png", "image/png")
    dialog = opened.open_preview(info.attachment_id)
    assert dialog is not None
    qtbot.waitUntil(lambda: bool(dialog.images))
    assert dialog.images[0].size().toTuple() == (64, 48)
    dialog.reject()


def test_the_preview_shows_an_image_at_its_size_and_fits_it_to_the_width(  # type: ignore[no-untyped-def]
        qtbot, opened: AttachmentsPanel, case_files: CaseFiles) -> None:
    info = Attachments(case_files).add(opened.case_id or "", io.BytesIO(png_bytes(1600, 900)),
                                       "Fictieve foto")
    opened.reload()
    wait_count(qtbot, opened, 1)
    dialog = opened.open_preview(info.attachment_id)
    assert dialog is not None
    qtbot.waitUntil(lambda: len(dialog.page_labels) == 1)
    assert dialog.images[0].size().toTuple() == (1600, 900)
    fitted = dialog.page_labels[0].pixmap()
    assert fitted.width() < 1600 and abs(fitted.width() / fitted.height() - 16 / 9) < 0.02
    dialog.fit_box.setChecked(False)
    assert dialog.page_labels[0].pixmap().size().toTuple() == (1600, 900)
    dialog.reject()
    assert dialog.images == [] and dialog.page_labels == []


def test_the_preview_renders_a_pdf_and_the_access_log_notes_it(qtbot, opened: AttachmentsPanel,  # type: ignore[no-untyped-def]
                                                               case_files: CaseFiles) -> None:

    info = Attachments(case_files).add(opened.case_id or "", io.BytesIO(pdf_bytes("Fictieve brief")), "Brief",
                                       file_name="brief.pdf")
    opened.reload()
    wait_count(qtbot, opened, 1)
    dialog = opened.open_preview(info.attachment_id)
    assert dialog is not None
    qtbot.waitUntil(lambda: len(dialog.page_labels) == 1)
    page = dialog.images[0]
    assert page.height() > page.width() > 500  # an A4 page at 110 dpi: about 909 × 1286
    assert dialog.status_label.text() == "1 pagina"
    dialog.reject()
    actions = [e.action for e in AccessLog.of(case_files).unsent(100) if e.case_id == info.case_id]
    assert "attachment_opened" in actions


def test_no_plaintext_file_is_made_while_previewing(qtbot, opened: AttachmentsPanel, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                                    data_dir: Path, tmp_path: Path) -> None:

    mark = f"FictiefMerkteken{uuid.uuid4().hex}".encode()
    info = Attachments(case_files).add(opened.case_id or "", io.BytesIO(png_bytes(300, 200, trailer=mark)), "Foto")
    opened.reload()
    wait_count(qtbot, opened, 1)
    temp = Path(tempfile.gettempdir())

    def files() -> dict[Path, int]:
        found: dict[Path, int] = {}
        for root in (temp, data_dir):
            for path in root.rglob("*") if root == data_dir else root.iterdir():
                if path.is_file() and not path.is_relative_to(tmp_path):
                    found[path] = path.stat().st_mtime_ns
        return found

    before = files()
    dialog = opened.open_preview(info.attachment_id)
    assert dialog is not None
    qtbot.waitUntil(lambda: len(dialog.page_labels) == 1)
    after = files()
    dialog.reject()
    new = [p for p in after if p not in before and p.parent == temp]
    assert new == []
    touched = [p for p, t in after.items() if before.get(p) != t or p in new]
    assert not [p for p in touched if mark in p.read_bytes()]


def test_a_refused_file_shows_the_sentence_and_adds_nothing(qtbot, opened: AttachmentsPanel,  # type: ignore[no-untyped-def]
                                                            case_files: CaseFiles, no_questions: dict[str, Any],
                                                            tmp_path: Path) -> None:
    word = tmp_path / "verslag.docx"
    word.write_bytes(b"PK\x03\x04" + b"fictief" * 100)
    no_questions["files"] = [word]
    opened.add_button.click()
    qtbot.waitUntil(lambda: opened.message.isVisibleTo(opened) and opened.adder.pending == 0)
    assert "alleen foto's en scans als JPEG, PNG, HEIC of PDF" in opened.message.text()
    big = tmp_path / "groot.png"
    with big.open("wb") as fh:
        fh.write(png_bytes())
        fh.truncate(26 * 1024 * 1024 + 1)
    no_questions["files"] = [big]
    opened.add_button.click()
    qtbot.waitUntil(lambda: "te groot" in opened.message.text())
    assert "hoogstens 25 MB" in opened.message.text()
    assert Attachments(case_files).count(opened.case_id or "") == 0 and opened.infos == []


def test_save_as_writes_a_private_byte_identical_copy(qtbot, opened: AttachmentsPanel, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                                      no_questions: dict[str, Any], tmp_path: Path) -> None:

    content = pdf_bytes("Fictief rapport")
    Attachments(case_files).add(opened.case_id or "", io.BytesIO(content), "Rapport", file_name="rapport.pdf")
    opened.reload()
    wait_count(qtbot, opened, 1)
    out = tmp_path / "kopie" / "rapport.pdf"
    out.parent.mkdir()
    no_questions["save"] = out
    assert opened.save_button.isVisibleTo(opened) and opened.save_button.isEnabled()
    opened.save_button.click()
    qtbot.waitUntil(out.exists)
    assert out.read_bytes() == content
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in out.parent.iterdir()) == ["rapport.pdf"]  # no temporary file left
    qtbot.waitUntil(lambda: "attachment_saved" in [e.action for e in AccessLog.of(case_files).unsent(100)])


def test_delete_asks_and_removes(qtbot, opened: AttachmentsPanel, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                 no_questions: dict[str, Any]) -> None:

    Attachments(case_files).add(opened.case_id or "", io.BytesIO(png_bytes()), "Weg ermee")
    opened.reload()
    wait_count(qtbot, opened, 1)
    no_questions["delete"] = False
    opened.delete_button.click()
    assert Attachments(case_files).count(opened.case_id or "") == 1
    no_questions["delete"] = True
    opened.delete_button.click()
    wait_count(qtbot, opened, 0)
    assert Attachments(case_files).count(opened.case_id or "") == 0
    assert opened.empty.isVisibleTo(opened)


def test_a_remote_attachment_offers_fetch_instead_of_preview(qtbot, opened: AttachmentsPanel,  # type: ignore[no-untyped-def]
                                                            case_files: CaseFiles, data_dir: Path) -> None:

    info = Attachments(case_files).add(opened.case_id or "", io.BytesIO(png_bytes()), "Van een collega")
    raw_execute(data_dir, "UPDATE attachments SET state = 'remote' WHERE id = ?", (info.attachment_id,))
    opened.reload()
    wait_count(qtbot, opened, 1)
    item = opened.list.topLevelItem(0)
    assert item is not None and item.text(1).endswith("\nnog niet op deze laptop")
    assert opened.fetch_button.isVisibleTo(opened)
    assert not opened.preview_button.isVisibleTo(opened) and not opened.save_button.isVisibleTo(opened)
    with qtbot.waitSignal(opened.fetch_requested) as asked:
        opened.fetch_button.click()
    assert asked.args == [info.attachment_id]
    assert opened.open_preview(info.attachment_id) is None  # a link to it asks for it too, shows nothing


def test_a_tampered_attachment_shows_its_sentence(qtbot, opened: AttachmentsPanel, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                                  data_dir: Path) -> None:

    info = Attachments(case_files).add(opened.case_id or "", io.BytesIO(png_bytes()), "Gewijzigd")
    (blob,) = raw_query(data_dir, "SELECT ciphertext FROM attachment_chunks WHERE attachment_id = ?",
                        (info.attachment_id,))[0]
    raw_execute(data_dir, "UPDATE attachment_chunks SET ciphertext = ? WHERE attachment_id = ?",
                (flip_byte(blob, 5), info.attachment_id))
    opened.reload()
    wait_count(qtbot, opened, 1)
    dialog = opened.open_preview(info.attachment_id)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.error_banner.isVisibleTo(dialog))
    assert "gewijzigd buiten de app" in dialog.error_banner.text()
    assert info.attachment_id[:8] in dialog.error_banner.text()
    assert dialog.images == [] and not dialog.save_button.isEnabled()
    dialog.reject()


def test_the_consent_scan_must_be_of_the_same_case(case_files: CaseFiles, sample: Sample) -> None:

    own = Attachments(case_files).add(sample.ids["Amira"], io.BytesIO(png_bytes()), "Toestemming")
    other = Attachments(case_files).add(sample.ids["Bram"], io.BytesIO(png_bytes()), "Andere toestemming")
    check_consent_scan(case_files, sample.ids["Amira"], own.attachment_id)
    check_consent_scan(case_files, sample.ids["Amira"], "")
    for wrong in (other.attachment_id, str(uuid.uuid4())):
        with pytest.raises(ValidationError) as refused:
            check_consent_scan(case_files, sample.ids["Amira"], wrong)
        assert refused.value.errors[0].field == "consent.attachment_id"
        assert "geen bijlage van dit dossier" in str(refused.value)


def test_the_profile_form_links_the_consent_to_its_scan_and_the_case_view_opens_it(  # type: ignore[no-untyped-def]
        qtbot, main_window: MainWindow, opened: AttachmentsPanel, case_files: CaseFiles, runner: Any) -> None:

    from leerrecht_desktop.ui.forms import close_all_forms, open_forms

    case_id = opened.case_id or ""
    scan = Attachments(case_files).add(case_id, io.BytesIO(png_bytes()), "Getekend formulier")
    main_window.edit_profile()  # as the button does: the window reloads the case once it is saved
    (form,) = open_forms()
    qtbot.waitUntil(lambda: form.consent_scan.count() == 2)
    assert form.consent_scan.itemText(1) == "Getekend formulier"
    form.consent_given.setChecked(True)
    form.consent_scan.setCurrentIndex(1)
    with qtbot.waitSignal(form.saved):
        form.save()
    close_all_forms()
    assert case_files.load_case(case_id).content.consent.attachment_id == scan.attachment_id
    view = main_window.case_view
    qtbot.waitUntil(lambda: view.case_file is not None
                    and view.case_file.content.consent.attachment_id == scan.attachment_id)
    assert "bijlage:" + scan.attachment_id in view.profile_view.toHtml()
    wait_count(qtbot, opened, 1)
    view.profile_view.anchorClicked.emit(QUrl("bijlage:" + scan.attachment_id))
    dialog = opened.preview
    assert isinstance(dialog, PreviewDialog) and dialog.info.attachment_id == scan.attachment_id
    qtbot.waitUntil(lambda: bool(dialog.images))
    dialog.reject()


def test_a_scan_of_another_case_is_refused_next_to_the_field(qtbot, main_window: MainWindow,  # type: ignore[no-untyped-def]
                                                             opened: AttachmentsPanel, case_files: CaseFiles,
                                                             sample: Sample, runner: Any) -> None:

    from leerrecht_desktop.models.enums import Kind
    from leerrecht_desktop.ui.forms import close_all_forms, open_entry_form

    other = Attachments(case_files).add(sample.ids["Bram"], io.BytesIO(png_bytes()), "Van Bram")
    case_id = opened.case_id or ""
    profile = case_files.load_case(case_id).profile
    form: Any = open_entry_form(main_window, case_files, runner, case_id, Kind.CASE, profile)
    qtbot.waitUntil(lambda: form.consent_scan.count() == 1)  # only "geen": Bram's scan is not offered
    form.consent_scan.set_value(other.attachment_id)  # as a stale draft or a merge could bring it
    form.save()
    qtbot.waitUntil(lambda: "geen bijlage van dit dossier" in form.error_text("consent.attachment_id"))
    assert case_files.load_case(case_id).content.consent.attachment_id == ""
    close_all_forms()


def test_the_summary_dialog_lists_the_titles_when_bijlagen_is_chosen(qtbot, main_window: MainWindow,  # type: ignore[no-untyped-def]
                                                                     opened: AttachmentsPanel,
                                                                     case_files: CaseFiles) -> None:
    from leerrecht_desktop.reports.case_summary import Section
    from leerrecht_desktop.ui.report_dialog import SummaryDialog

    Attachments(case_files).add(opened.case_id or "", io.BytesIO(png_bytes()), "Fictief getekend formulier",
                                file_name="formulier.png")
    main_window.print_summary()
    dialog = main_window.dialogs.get("summary", SummaryDialog)
    assert dialog is not None
    box = dialog.section_boxes[Section.ATTACHMENTS]
    assert box.text() == "Bijlagen" and not box.isChecked()
    texts = []
    for chosen in (False, True):
        box.setChecked(chosen)
        dialog.show_preview()
        qtbot.waitUntil(lambda: dialog._pdf is not None, timeout=20000)
        texts.append(pdf_text(dialog._pdf or b""))
        dialog.back_to_options()
    assert "Fictief getekend formulier" not in texts[0]
    assert "Fictief getekend formulier" in texts[1] and "formulier.png" in texts[1]
    dialog.reject()


def test_adding_runs_on_the_store_thread_not_the_windows(qtbot, opened: AttachmentsPanel,  # type: ignore[no-untyped-def]
                                                         no_questions: dict[str, Any], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    threads: list[threading.Thread] = []
    original = Attachments.add

    def add(self: Attachments, *args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Attachments, "add", add)
    scan = tmp_path / "groot.png"
    scan.write_bytes(png_bytes() + os.urandom(25 * 1024 * 1024 - 2000))  # near the limit: seconds of sealing
    no_questions["files"] = [scan]
    opened.add_button.click()
    assert opened.busy_label.isVisibleTo(opened)  # the window says it is busy, and keeps running
    wait_count(qtbot, opened, 1)
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert not opened.busy_label.isVisibleTo(opened)
