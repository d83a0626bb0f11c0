"""`leerrecht attach` and `leerrecht attachments`, run as real processes on demo data: a fictitious PNG
and PDF go into a case and come out again, byte for byte, under their own names and readable by the
user only; a name already in the folder is not overwritten; every mistake is one line on stderr with
the right exit code."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from leerrecht_desktop.cli.attachments import free_name

from .test_cli_report import WORKER, assert_refused, run

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + os.urandom(600_000) + b"FictiefMerktekenCliPng"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% FictiefMerktekenCliPdf\n%%EOF\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("attach")


@pytest.fixture(scope="module")
def data_dir(folder: Path) -> Path:
    data_dir = folder / "data"
    init = run("init", "--data-dir", data_dir, "--name", WORKER, "--role", "coordinator", "--team", "Team Noord")
    assert init.returncode == 0, init.stderr
    filled = run("demo", "--data-dir", data_dir, "--cases", "3", "--seed", "15")
    assert filled.returncode == 0, filled.stderr
    return data_dir


@pytest.fixture(scope="module")
def case_ids(data_dir: Path) -> list[str]:
    listed = run("cases", "--data-dir", data_dir)
    assert listed.returncode == 0, listed.stderr
    return [line.split("\t")[0] for line in listed.stdout.splitlines()]


@pytest.fixture(scope="module")
def files(folder: Path) -> dict[str, Path]:
    (folder / "in").mkdir()
    png, pdf = folder / "in" / "Fictief rapport.png", folder / "in" / "toestemming.pdf"
    png.write_bytes(PNG)
    pdf.write_bytes(PDF)
    return {"png": png, "pdf": pdf}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_attached_files_come_out_byte_identical_with_their_names(folder: Path, data_dir: Path,
                                                                 case_ids: list[str], files: dict[str, Path]) -> None:
    case_id = case_ids[0]
    added = run("attach", "--data-dir", data_dir, "--case", case_id[:8], files["png"], "--title", "Fictief rapport")
    assert added.returncode == 0, added.stderr
    assert "Fictief rapport.png" in added.stdout and case_id in added.stdout
    added = run("attach", "--data-dir", data_dir, "--case", case_id, files["pdf"])
    assert added.returncode == 0, added.stderr

    out = folder / "uit"
    written = run("attachments", "--data-dir", data_dir, "--case", case_id[:8], "--out", out)
    assert written.returncode == 0, written.stderr
    assert sorted(p.name for p in out.iterdir()) == ["Fictief rapport.png", "toestemming.pdf"]
    assert (out / "Fictief rapport.png").read_bytes() == PNG and (out / "toestemming.pdf").read_bytes() == PDF
    assert all(mode(p) == 0o600 for p in out.iterdir()) and mode(out) == 0o700
    assert written.stdout.splitlines() == [str(out / "Fictief rapport.png"), str(out / "toestemming.pdf")]
    assert "persoonsgegevens" in written.stderr

    # Again into the same folder: nothing overwritten, the new copies get " (2)".
    (out / "toestemming.pdf").write_bytes(b"eigen bestand")
    again = run("attachments", "--data-dir", data_dir, "--case", case_id, "--out", out)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in out.iterdir()) == ["Fictief rapport (2).png", "Fictief rapport.png",
                                                     "toestemming (2).pdf", "toestemming.pdf"]
    assert (out / "toestemming.pdf").read_bytes() == b"eigen bestand"
    assert (out / "toestemming (2).pdf").read_bytes() == PDF

    # Nothing of the files is in the data folder.
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert b"FictiefMerktekenCli" not in content and b"Fictief rapport" not in content, path.name


def test_a_case_without_attachments_says_so(folder: Path, data_dir: Path, case_ids: list[str]) -> None:
    result = run("attachments", "--data-dir", data_dir, "--case", case_ids[1], "--out", folder / "leeg")
    assert result.returncode == 0 and result.stdout == ""
    assert "heeft geen bijlagen" in result.stderr and not (folder / "leeg").exists()


def test_a_wrong_case_id_is_one_line(data_dir: Path, files: dict[str, Path], folder: Path) -> None:
    line = assert_refused(run("attach", "--data-dir", data_dir, "--case", "ffffffff-0000", files["pdf"]), 1)
    assert "Geen dossier met id 'ffffffff-0000'" in line
    line = assert_refused(run("attachments", "--data-dir", data_dir, "--case", "ffffffff", "--out", folder / "x"), 1)
    assert "Geen dossier" in line and not (folder / "x").exists()  # no empty folder left behind


def test_a_missing_file_is_one_line(data_dir: Path, case_ids: list[str], folder: Path) -> None:
    line = assert_refused(run("attach", "--data-dir", data_dir, "--case", case_ids[0], folder / "er-niet.pdf"), 2)
    assert "bestaat niet of is geen gewoon bestand" in line


def test_a_file_too_big_is_one_line(data_dir: Path, case_ids: list[str], folder: Path) -> None:
    big = folder / "groot.pdf"
    with big.open("wb") as fh:
        fh.write(b"%PDF-1.7\n")
        fh.truncate(25 * 1024 * 1024 + 1)
    line = assert_refused(run("attach", "--data-dir", data_dir, "--case", case_ids[0], big), 1)
    assert "te groot" in line and "hoogstens 25 MB" in line


def test_another_type_is_one_line_naming_what_is_accepted(data_dir: Path, case_ids: list[str],
                                                          folder: Path) -> None:
    text = folder / "notitie.txt"
    text.write_text("Fictieve tekst", encoding="utf-8")
    line = assert_refused(run("attach", "--data-dir", data_dir, "--case", case_ids[0], text), 1)
    assert "JPEG, PNG, HEIC of PDF" in line


def test_out_that_is_a_file_is_one_line(data_dir: Path, case_ids: list[str], files: dict[str, Path]) -> None:
    line = assert_refused(run("attachments", "--data-dir", data_dir, "--case", case_ids[0], "--out", files["pdf"]), 2)
    assert "is een bestand, geen map" in line
    assert files["pdf"].read_bytes() == PDF


def test_the_help_names_both_commands() -> None:
    result = run("--help")
    assert result.returncode == 0 and "attach" in result.stdout and "attachments" in result.stdout


def test_a_taken_name_gets_a_number(tmp_path: Path) -> None:
    assert free_name(tmp_path, "../scan.pdf") == tmp_path / "scan.pdf"
    (tmp_path / "scan.pdf").write_bytes(b"eigen")
    (tmp_path / "scan (2).pdf").write_bytes(b"eigen")
    assert free_name(tmp_path, "scan.pdf") == tmp_path / "scan (3).pdf"
    (tmp_path / "LEESMIJ").write_bytes(b"eigen")
    assert free_name(tmp_path, "LEESMIJ") == tmp_path / "LEESMIJ (2)"
