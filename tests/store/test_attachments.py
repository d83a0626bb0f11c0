"""Attachments through a real data folder: a fictitious PNG and PDF go in and come back byte for byte;
nothing of them (a marker inside, their names, their titles) is anywhere in the folder's bytes; they
go when their case is erased; a file too big or of another type is refused with a sentence; opening
a case reads no chunk; a chunk changed behind the app's back is refused and no file is written."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from leerrecht_core.crypto.attachments import CHUNK_SIZE, MAX_SIZE
from leerrecht_core.crypto.errors import TamperedAttachment
from leerrecht_desktop.models.attachment_types import AttachmentRefused
from leerrecht_desktop.models.records import encode
from leerrecht_desktop.store.attachments import Attachments
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.workspace import Workspace
from tests.kits.storekit import (
    PASSPHRASE,
    fictitious_profile,
    files_containing,
    flip_byte,
    note,
    raw_execute,
    raw_query,
    text_forms,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def marker() -> str:
    return f"FictiefMerkteken{uuid.uuid4().hex[:10]}"


def fictitious_png(tmp_path: Path, mark: str, size: int = 700_000, name: str = "") -> Path:
    """A PNG by its first bytes, with the marker in the middle of random bytes (several chunks)."""
    path = tmp_path / (name or f"scan-{mark}.png")
    half = (size - len(PNG_MAGIC) - len(mark)) // 2
    path.write_bytes(PNG_MAGIC + os.urandom(half) + mark.encode() + os.urandom(half))
    return path


def fictitious_pdf(tmp_path: Path, mark: str) -> Path:
    path = tmp_path / f"toestemming-{mark}.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% " + mark.encode() + b"\n%%EOF\n")
    return path


@pytest.fixture
def case_id(case_files: CaseFiles) -> str:
    case_id = case_files.create_case(fictitious_profile()).case_id
    case_files.save(case_id, note())
    return case_id


@pytest.fixture
def store(case_files: CaseFiles) -> Attachments:
    return Attachments(case_files)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_png_and_a_pdf_go_in_and_come_back_byte_identical(tmp_path: Path, case_files: CaseFiles,
                                                           store: Attachments, case_id: str) -> None:
    png, pdf = fictitious_png(tmp_path, marker()), fictitious_pdf(tmp_path, marker())
    first = store.add(case_id, png, "Fictieve scan van het rapport")
    second = store.add(case_id, pdf, "Fictieve toestemming")
    assert (first.media_type, first.size, first.file_name) == ("image/png", png.stat().st_size, png.name)
    assert first.added_by_id == case_files.user.user_id and first.added_by_name == case_files.user.name
    assert second.media_type == "application/pdf" and second.title == "Fictieve toestemming"

    listed = store.list(case_id)
    assert [i.attachment_id for i in listed] == [first.attachment_id, second.attachment_id]
    assert listed == [first, second] and not any(i.refused for i in listed)
    assert store.count(case_id) == 2

    sink = io.BytesIO()
    store.open_to(first.attachment_id, sink)
    assert sink.getvalue() == png.read_bytes()
    out = tmp_path / "uit" / "terug.pdf"
    out.parent.mkdir()
    store.save_as(second.attachment_id, out)
    assert out.read_bytes() == pdf.read_bytes() and mode(out) == 0o600
    with pytest.raises(FileExistsError):
        store.save_as(second.attachment_id, out)
    assert sorted(p.name for p in out.parent.iterdir()) == ["terug.pdf"]  # no temporary file left

    # A file object works too (a pasted image): named after its type.
    pasted = store.add(case_id, io.BytesIO(png.read_bytes()), "Geplakt")
    assert pasted.file_name == "bijlage.png" and pasted.size == png.stat().st_size


def test_nothing_of_the_file_its_name_or_title_is_in_the_data_folder(tmp_path: Path, data_dir: Path,
                                                                   case_files: CaseFiles, store: Attachments,
                                                                   case_id: str) -> None:
    png_mark, pdf_mark = marker(), marker()
    png, pdf = fictitious_png(tmp_path, png_mark), fictitious_pdf(tmp_path, pdf_mark)
    title = f"Fictieve titel {marker()}"
    store.add(case_id, png, title)
    store.add(case_id, pdf, "")
    needles = [png.read_bytes()[len(PNG_MAGIC):len(PNG_MAGIC) + 32], png_mark.encode(), pdf_mark.encode(),
               *text_forms(png_mark), *text_forms(title), *text_forms(png.name), *text_forms(pdf.name)]
    assert files_containing(data_dir, needles) == []
    case_files.checkpoint()
    assert files_containing(data_dir, needles) == []
    # In the clear: ids, key version, author, state; per chunk its index. 700 kB is 3 chunks.
    assert raw_query(data_dir, "SELECT count(*) FROM attachment_chunks") == [(3 + 1,)]
    assert raw_query(data_dir, "SELECT DISTINCT state FROM attachments") == [("local",)]


def test_erasing_the_case_leaves_no_attachment(tmp_path: Path, data_dir: Path, case_files: CaseFiles,
                                               store: Attachments, case_id: str) -> None:
    other = case_files.create_case(fictitious_profile()).case_id
    kept = store.add(other, fictitious_pdf(tmp_path, marker()))
    mark = marker()
    store.add(case_id, fictitious_png(tmp_path, mark))
    store.add(case_id, fictitious_pdf(tmp_path, marker()))
    case_files.erase_case(case_id)
    assert raw_query(data_dir, "SELECT count(*) FROM attachments WHERE case_id = ?", (case_id,)) == [(0,)]
    assert raw_query(data_dir, "SELECT count(*) FROM attachment_chunks WHERE attachment_id NOT IN "
                               "(SELECT id FROM attachments)") == [(0,)]
    assert store.list(case_id) == []
    assert files_containing(data_dir, [mark.encode()]) == []
    assert [i.attachment_id for i in store.list(other)] == [kept.attachment_id]  # the other case keeps its own


def test_deleting_one_attachment_removes_its_chunks(tmp_path: Path, data_dir: Path, store: Attachments,
                                                    case_id: str) -> None:
    gone = store.add(case_id, fictitious_png(tmp_path, marker()))
    kept = store.add(case_id, fictitious_pdf(tmp_path, marker()))
    store.delete(gone.attachment_id)
    assert [i.attachment_id for i in store.list(case_id)] == [kept.attachment_id]
    assert raw_query(data_dir, "SELECT count(*) FROM attachment_chunks WHERE attachment_id = ?",
                     (gone.attachment_id,)) == [(0,)]
    with pytest.raises(CaseNotFound, match="bijlage bestaat niet"):
        store.open_to(gone.attachment_id, io.BytesIO())


def test_a_file_too_big_is_refused_with_a_sentence(tmp_path: Path, data_dir: Path, store: Attachments,
                                                   case_id: str) -> None:
    big = tmp_path / "te-groot.pdf"
    with big.open("wb") as fh:
        fh.write(b"%PDF-1.7\n")
        fh.truncate(MAX_SIZE + 1)  # sparse: the size is what counts
    with pytest.raises(AttachmentRefused, match=r"te groot \(25,0 MB\): een bijlage mag hoogstens 25 MB zijn"):
        store.add(case_id, big)
    assert raw_query(data_dir, "SELECT count(*) FROM attachments") == [(0,)]


def test_exactly_25_mib_is_accepted_and_read_back_with_bounded_memory(tmp_path: Path, store: Attachments,
                                                                     case_id: str) -> None:
    path = tmp_path / "groot.pdf"
    with path.open("wb") as fh:
        fh.write(b"%PDF-1.7\n")
        for _ in range(MAX_SIZE // (1024 * 1024)):
            fh.write(os.urandom(1024 * 1024))
        fh.truncate(MAX_SIZE)
    tracemalloc.start()
    try:
        info = store.add(case_id, path)
        _, add_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        out = tmp_path / "terug.pdf"
        store.save_as(info.attachment_id, out)
        _, open_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.size == MAX_SIZE
    assert out.read_bytes() == path.read_bytes()
    assert add_peak < 4 * 1024 * 1024 and open_peak < 4 * 1024 * 1024, (add_peak, open_peak)


@pytest.mark.parametrize(("content", "name"), [
    (b"GIF89a fictief", "foto.gif"),
    (b"Fictieve tekst, geen scan", "notitie.txt"),
    (b"PK\x03\x04 fictief", "formulier.docx"),
    (b"MZ fictief programma", "scan.pdf"),
])
def test_another_type_is_refused_naming_what_is_accepted(tmp_path: Path, store: Attachments, case_id: str,
                                                         content: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AttachmentRefused, match="alleen foto's en scans als JPEG, PNG, HEIC of PDF worden aanvaard"):
        store.add(case_id, path)


def test_a_name_that_claims_another_type_is_refused(tmp_path: Path, store: Attachments, case_id: str) -> None:
    png = fictitious_png(tmp_path, marker(), size=2000, name="scan.pdf")
    with pytest.raises(AttachmentRefused, match="zegt PDF, maar de inhoud is PNG"):
        store.add(case_id, png)
    # JPEG and HEIC by their first bytes; a name without a known extension is fine.
    jpeg = tmp_path / "foto.jpeg"
    jpeg.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(500))
    heic = tmp_path / "IMG_0001.HEIC"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic" + os.urandom(500))
    odd = tmp_path / "scan-zonder-extensie"
    odd.write_bytes(b"%PDF-1.4\n" + os.urandom(100))
    assert [store.add(case_id, p).media_type for p in (jpeg, heic, odd)] == [
        "image/jpeg", "image/heic", "application/pdf"]


def test_an_unknown_case_or_a_missing_file_is_refused(tmp_path: Path, store: Attachments, case_id: str) -> None:
    with pytest.raises(CaseNotFound):
        store.add(str(uuid.uuid4()), fictitious_pdf(tmp_path, marker()))
    with pytest.raises(AttachmentRefused, match="bestaat niet"):
        store.add(case_id, tmp_path / "er-niet.pdf")


def test_opening_a_case_reads_no_attachment(tmp_path: Path, case_files: CaseFiles, store: Attachments,
                                            case_id: str) -> None:
    before = case_files.load_case(case_id)
    store.add(case_id, fictitious_png(tmp_path, marker()))
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(case_files.engine, "before_cursor_execute", seen)
    try:
        after = case_files.load_case(case_id)
        case_files.summaries()
    finally:
        event.remove(case_files.engine, "before_cursor_execute", seen)
    assert statements and not any("attachment" in s for s in statements)
    assert encode(after.content) == encode(before.content)
    assert [r.record_id for r in after.entries] == [r.record_id for r in before.entries]
    assert after.summary == before.summary and after.refused == []


def test_a_consent_points_to_its_scan(tmp_path: Path, case_files: CaseFiles, store: Attachments,
                                      case_id: str) -> None:
    scan = store.add(case_id, fictitious_pdf(tmp_path, marker()), "Fictieve toestemming")
    profile = case_files.load_case(case_id).content
    profile.consent.given, profile.consent.recorded_by = True, "Fictieve Werker"
    profile.consent.attachment_id = scan.attachment_id
    case_files.save(case_id, profile, record_id=case_files.load_case(case_id).profile.record_id)
    assert case_files.load_case(case_id).content.consent.attachment_id == scan.attachment_id


def test_the_export_lists_each_attachment_without_its_bytes(tmp_path: Path, case_files: CaseFiles,
                                                            store: Attachments, case_id: str) -> None:
    mark = marker()
    pdf = fictitious_pdf(tmp_path, mark).rename(tmp_path / "toestemming.pdf")
    info = store.add(case_id, pdf, "Fictieve toestemming")
    (case,) = [c for c in case_files.export()["cases"] if c["case_id"] == case_id]
    (entry,) = case["attachments"]
    assert entry["attachment_id"] == info.attachment_id and entry["file_name"] == pdf.name
    assert (entry["title"], entry["media_type"], entry["size"]) == ("Fictieve toestemming", "application/pdf",
                                                                   pdf.stat().st_size)
    assert entry["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert mark not in repr(case_files.export())


# -- changed behind the app's back ------------------------------------------------------------------

def test_a_chunk_changed_in_the_file_is_refused_and_no_file_is_written(tmp_path: Path, data_dir: Path,
                                                                       store: Attachments, case_id: str) -> None:
    info = store.add(case_id, fictitious_png(tmp_path, marker(), size=3 * CHUNK_SIZE))
    ((blob,),) = raw_query(data_dir, "SELECT ciphertext FROM attachment_chunks WHERE attachment_id = ? AND "
                                     "chunk_index = 2", (info.attachment_id,))
    raw_execute(data_dir, "UPDATE attachment_chunks SET ciphertext = ? WHERE attachment_id = ? AND chunk_index = 2",
                (flip_byte(blob, 1000), info.attachment_id))
    out_dir = tmp_path / "uit"
    out_dir.mkdir()
    with pytest.raises(TamperedAttachment, match=f"bijlage {info.attachment_id[:8]}") as caught:
        store.save_as(info.attachment_id, out_dir / "scan.png")
    assert caught.value.reason == "chunk digest"
    assert list(out_dir.iterdir()) == []
    # The list still shows it (its manifest is fine): the refusal comes when it is opened.
    assert store.list(case_id)[0].refused == ""


def test_a_dropped_chunk_or_a_moved_attachment_is_refused(tmp_path: Path, data_dir: Path, case_files: CaseFiles,
                                                          store: Attachments, case_id: str) -> None:
    info = store.add(case_id, fictitious_png(tmp_path, marker(), size=3 * CHUNK_SIZE))
    raw_execute(data_dir, "DELETE FROM attachment_chunks WHERE attachment_id = ? AND chunk_index = 1",
                (info.attachment_id,))
    with pytest.raises(TamperedAttachment) as caught:
        store.open_to(info.attachment_id, io.BytesIO())
    assert caught.value.reason == "missing chunk"
    # An attachment's row moved to another case: its signature binds the case.
    other = case_files.create_case(fictitious_profile()).case_id
    moved = store.add(case_id, fictitious_pdf(tmp_path, marker()))
    raw_execute(data_dir, "UPDATE attachments SET case_id = ? WHERE id = ?", (other, moved.attachment_id))
    (listed,) = store.list(other)
    assert "gewijzigd buiten de app" in listed.refused and listed.title == ""


def test_attachments_survive_a_lock_and_a_new_unlock(tmp_path: Path, workspace: Workspace, case_files: CaseFiles,
                                                     store: Attachments, case_id: str) -> None:
    pdf = fictitious_pdf(tmp_path, marker())
    info = store.add(case_id, pdf)
    case_files.lock()
    again = Attachments(workspace.unlock(PASSPHRASE))
    sink = io.BytesIO()
    again.open_to(info.attachment_id, sink)
    assert sink.getvalue() == pdf.read_bytes()
