"""`leerrecht cases`, `leerrecht report` and `leerrecht overview`, run as real processes on demo data.

What a user gets: a private PDF (or CSV) that holds what the case holds, or, pseudonymised, not the
name; and for every mistake one line on stderr, the right exit code and no file at all."""

from __future__ import annotations

import csv
import io
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest

from leerrecht_desktop.cli import reports
from leerrecht_desktop.reports.case_summary import Section
from leerrecht_desktop.store.database import database_path

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "blauwe fiets op de markt"
WORKER = "Kris Coördinator"


def run(*args: str | Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERRECHT_")}
    env["LEERRECHT_KDF_PROFILE"] = "minimum"
    env["LEERRECHT_PASSPHRASE"] = PASSPHRASE
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "leerrecht_desktop", *map(str, args)], env=env, cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=600, stdin=subprocess.DEVNULL)


def assert_refused(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def pdf_text(path: Path, password: str | None = None) -> str:
    reader = pypdf.PdfReader(path, password=password)
    return "\n".join(page.extract_text() or "" for page in reader.pages)


@dataclass
class Demo:
    data_dir: Path
    # From `leerrecht cases`: id -> (name, status, school)
    cases: dict[str, tuple[str, str, str]]

    def case_with_most_text(self) -> str:
        return next(iter(self.cases))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    data_dir = tmp_path_factory.mktemp("report") / "data"
    init = run("init", "--data-dir", data_dir, "--name", WORKER, "--role", "coordinator", "--team", "Team Noord")
    assert init.returncode == 0, init.stderr
    filled = run("demo", "--data-dir", data_dir, "--cases", "6", "--seed", "11")
    assert filled.returncode == 0, filled.stderr
    listed = run("cases", "--data-dir", data_dir)
    assert listed.returncode == 0, listed.stderr
    cases: dict[str, tuple[str, str, str]] = {}
    for line in listed.stdout.splitlines():
        case_id, name, status, school = line.split("\t")
        cases[case_id] = (name, status, school)
    assert len(cases) == 6
    assert listed.stderr.strip() == "leerrecht: 6 dossiers."
    return Demo(data_dir, cases)


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def assert_private_and_alone(out: Path) -> None:
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    # No temporary file beside it.
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


# -- report ---------------------------------------------------------------------------------------


def test_report_writes_a_private_pdf_with_the_case(demo: Demo, out_dir: Path) -> None:
    case_id, (name, _status, school) = next(iter(demo.cases.items()))
    out = out_dir / "samenvatting.pdf"
    result = run("report", "--data-dir", demo.data_dir, "--case", case_id, "--out", out)
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout and case_id in result.stdout
    assert name not in result.stdout + result.stderr  # the terminal (and its scrollback) gets no names
    assert "niet met een wachtwoord beveiligd" in result.stderr
    assert_private_and_alone(out)
    text = pdf_text(out)
    assert name in text and school in text
    assert "Vertrouwelijk" in text and WORKER in text  # the footer names the maker
    assert "Huisbezoeken en gezinscontacten" in text and "Welbevinden" in text


def test_report_accepts_the_beginning_of_an_id(demo: Demo, out_dir: Path) -> None:
    case_id, (name, _, _) = list(demo.cases.items())[1]
    out = out_dir / "kort.pdf"
    result = run("report", "--data-dir", demo.data_dir, "--case", case_id[:8], "--out", out)
    assert result.returncode == 0, result.stderr
    assert name in pdf_text(out)


def test_pseudonymised_report_holds_no_name(demo: Demo, out_dir: Path) -> None:
    case_id, (name, _, _) = next(iter(demo.cases.items()))
    out = out_dir / "casusoverleg.pdf"
    result = run("report", "--data-dir", demo.data_dir, "--case", case_id, "--out", out, "--pseudonymise")
    assert result.returncode == 0, result.stderr
    assert "wachtwoord" not in result.stderr  # no warning about personal data: there is none left
    text = pdf_text(out)
    for part in name.split():
        if len(part) > 3:
            assert part not in text
    assert "de jongere" in text.lower() or "De jongere" in text
    assert WORKER in text


def test_period_in_flemish_dates_and_sections(demo: Demo, out_dir: Path) -> None:
    case_id = next(iter(demo.cases))
    out = out_dir / "periode.pdf"
    result = run("report", "--data-dir", demo.data_dir, "--case", case_id, "--out", out,
                 "--from", "01/01/2000", "--to", "2099-12-31", "--sections", "contacten,wellbeing")
    assert result.returncode == 0, result.stderr
    text = pdf_text(out)
    assert "01/01/2000 tot en met 31/12/2099" in text
    assert "Huisbezoeken en gezinscontacten" in text and "Welbevinden" in text
    assert "Opvolgnotities" not in text and "Steunmaatregelen" not in text


def test_password_from_the_environment_encrypts_with_aes256(demo: Demo, out_dir: Path) -> None:
    case_id, (name, _, _) = next(iter(demo.cases.items()))
    out = out_dir / "beveiligd.pdf"
    result = run("report", "--data-dir", demo.data_dir, "--case", case_id, "--out", out,
                 "--password-env", "PDF_WACHTWOORD", env_extra={"PDF_WACHTWOORD": "casus-overleg-dinsdag"})
    assert result.returncode == 0, result.stderr
    assert "casus-overleg-dinsdag" not in result.stdout + result.stderr
    reader = pypdf.PdfReader(out)
    assert reader.is_encrypted
    encrypt = reader.trailer["/Encrypt"].get_object()
    assert (encrypt["/V"], encrypt["/R"]) == (5, 6)
    assert reader.decrypt("verkeerd") == pypdf.PasswordType.NOT_DECRYPTED
    assert name in pdf_text(out, "casus-overleg-dinsdag")


def test_force_overwrites_and_without_it_the_old_file_stays(demo: Demo, out_dir: Path) -> None:
    case_id = next(iter(demo.cases))
    out = out_dir / "bestaat.pdf"
    out.write_bytes(b"oud")
    refused = run("report", "--data-dir", demo.data_dir, "--case", case_id, "--out", out)
    assert "bestaat al" in assert_refused(refused, 1)
    assert out.read_bytes() == b"oud"
    forced = run("report", "--data-dir", demo.data_dir, "--case", case_id, "--out", out, "--force")
    assert forced.returncode == 0, forced.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert_private_and_alone(out)


REPORT_MISTAKES = [
    # (extra arguments, exit code, words the one line must hold)
    (["--from", "31/02/2025"], 2, ["31/02/2025", "geen geldige datum", "2025-03-05"]),
    (["--to", "gisteren"], 2, ["gisteren", "--to"]),
    (["--from", "2025-06-01", "--to", "01/01/2025"], 2, ["ligt na", "01/06/2025"]),
    (["--sections", "contacts,rapport"], 2, ["rapport", "referral"]),
    (["--password-env", "LEERRECHT_TEST_LEEG"], 2, ["LEERRECHT_TEST_LEEG"]),
    (["--password-env", "HOME_SHORT"], 2, ["HOME_SHORT", "te kort", "8"]),
]


@pytest.mark.parametrize(("extra", "code", "words"), REPORT_MISTAKES)
def test_report_mistakes_are_one_line_and_leave_no_file(demo: Demo, out_dir: Path, extra: list[str], code: int,
                                                        words: list[str]) -> None:
    case_id = next(iter(demo.cases))
    result = run("report", "--data-dir", demo.data_dir, "--case", case_id, "--out", out_dir / "f.pdf", *extra,
                 env_extra={"HOME_SHORT": "kort"})
    line = assert_refused(result, code)
    for word in words:
        assert word in line
    assert list(out_dir.iterdir()) == []


def test_unknown_case_says_how_to_find_ids(demo: Demo, out_dir: Path) -> None:
    result = run("report", "--data-dir", demo.data_dir, "--case", "00000000-dead-beef", "--out", out_dir / "f.pdf")
    line = assert_refused(result, 1)
    assert "00000000-dead-beef" in line and "leerrecht cases" in line
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize(("out", "words"), [
    ("samenvatting.docx", [".pdf"]),
    ("geen-map/samenvatting.pdf", ["bestaat niet"]),
    (".", ["is een map"]),
])
def test_report_refuses_a_bad_out(demo: Demo, out_dir: Path, out: str, words: list[str]) -> None:
    case_id = next(iter(demo.cases))
    result = run("report", "--data-dir", demo.data_dir, "--case", case_id, "--out", out_dir / out)
    line = assert_refused(result, 2)
    for word in words:
        assert word in line
    assert list(out_dir.iterdir()) == []


def test_wrong_passphrase_leaves_no_file(demo: Demo, tmp_path: Path, out_dir: Path) -> None:
    # A copy: wrong passphrases slow down the next unlock of that folder, on purpose.
    data_dir = tmp_path / "kopie"
    shutil.copytree(demo.data_dir, data_dir)
    case_id = next(iter(demo.cases))
    result = run("report", "--data-dir", data_dir, "--case", case_id, "--out", out_dir / "f.pdf",
                 env_extra={"LEERRECHT_PASSPHRASE": "rode fiets aan de vaart"})
    assert_refused(result, 1)
    assert list(out_dir.iterdir()) == []


def test_missing_data_folder_is_one_line(tmp_path: Path, out_dir: Path) -> None:
    result = run("report", "--data-dir", tmp_path / "nergens", "--case", "x", "--out", out_dir / "f.pdf")
    assert "Er staan geen Leerrecht-gegevens" in assert_refused(result, 1)
    assert list(out_dir.iterdir()) == []


def test_section_names_match_the_report() -> None:
    assert set(reports.SECTION_NAMES.values()) == {s.value for s in Section}


def test_attachments_are_listed_only_when_asked_for(demo: Demo, tmp_path: Path, out_dir: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(demo.data_dir, data_dir)  # the module's folder stays without attachments
    case_id = next(iter(demo.cases))
    scan = tmp_path / "toestemming-fictief.pdf"
    scan.write_bytes(b"%PDF-1.4\n% fictief\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    added = run("attach", "--data-dir", data_dir, "--case", case_id, scan, "--title", "Toestemming ouders (fictief)")
    assert added.returncode == 0, added.stderr

    plain, listed, only = out_dir / "zonder.pdf", out_dir / "met.pdf", out_dir / "alleen.pdf"
    assert run("report", "--data-dir", data_dir, "--case", case_id, "--out", plain).returncode == 0
    assert "Bijlagen" not in pdf_text(plain) and "Toestemming ouders" not in pdf_text(plain)

    result = run("report", "--data-dir", data_dir, "--case", case_id, "--out", listed, "--with-attachments")
    assert result.returncode == 0, result.stderr
    text = pdf_text(listed)
    assert "Bijlagen" in text and "Toestemming ouders (fictief)" in text and scan.name in text
    assert "Huisbezoeken en gezinscontacten" in text  # the other parts as without it

    result = run("report", "--data-dir", data_dir, "--case", case_id, "--out", only, "--sections", "bijlagen")
    assert result.returncode == 0, result.stderr
    text = pdf_text(only)
    assert "Toestemming ouders (fictief)" in text and "Huisbezoeken en gezinscontacten" not in text


# -- overview -------------------------------------------------------------------------------------


def test_overview_csv_parses_and_counts_every_case(demo: Demo, out_dir: Path) -> None:
    out = out_dir / "teamoverzicht.csv"
    result = run("overview", "--data-dir", demo.data_dir, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "6 dossiers gelezen" in result.stdout
    assert_private_and_alone(out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Periode van", "Periode tot", "Sectie", "Onderdeel", "Aantal"]
    key = {(r[2], r[3]): r[4] for r in rows[1:]}
    assert key[("Kerncijfers", "Dossiers in de periode")] == "6"
    text = raw.decode("utf-8-sig")
    for name, _, _ in demo.cases.values():
        assert name not in text


def test_overview_pdf_for_a_period(demo: Demo, out_dir: Path) -> None:
    out = out_dir / "teamoverzicht.pdf"
    result = run("overview", "--data-dir", demo.data_dir, "--out", out, "--from", "01/09/2000",
                 "--to", "2099-06-30")
    assert result.returncode == 0, result.stderr
    assert_private_and_alone(out)
    text = pdf_text(out)
    assert "Teamoverzicht" in text and "01/09/2000" in text and WORKER in text
    for name, _, _ in demo.cases.values():
        assert name not in text


@pytest.mark.parametrize(("extra", "code", "words"), [
    (["--out", "overzicht.xlsx"], 2, [".pdf of .csv"]),
    (["--out", "overzicht.csv", "--from", "2025-13-01"], 2, ["2025-13-01"]),
    (["--out", "overzicht.csv", "--from", "2025-06-01", "--to", "2025-01-01"], 2, ["ligt na"]),
    (["--out", "geen-map/overzicht.csv"], 2, ["bestaat niet"]),
])
def test_overview_mistakes_leave_no_file(demo: Demo, out_dir: Path, extra: list[str], code: int,
                                         words: list[str]) -> None:
    args = [out_dir / a if a.endswith((".csv", ".xlsx")) else a for a in extra]
    result = run("overview", "--data-dir", demo.data_dir, *args)
    line = assert_refused(result, code)
    for word in words:
        assert word in line
    assert list(out_dir.iterdir()) == []


def test_overview_skips_a_damaged_case_and_says_so(demo: Demo, tmp_path: Path, out_dir: Path) -> None:
    data_dir = tmp_path / "beschadigd"
    shutil.copytree(demo.data_dir, data_dir)
    damaged = next(iter(demo.cases))
    conn = sqlite3.connect(database_path(data_dir))
    try:
        # Flip the ciphertext of the damaged case's profile: its tag check fails, the case can't open.
        conn.execute("UPDATE records SET ciphertext = zeroblob(length(ciphertext)) "
                     "WHERE case_id = ? AND kind = 'case'", (damaged,))
        conn.commit()
    finally:
        conn.close()
    out = out_dir / "overzicht.csv"
    result = run("overview", "--data-dir", data_dir, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "5 dossiers gelezen" in result.stdout
    assert "1 dossiers en 0 onderdelen konden niet veilig geopend worden" in result.stderr
    assert out.exists()
