"""`leerrecht --self-check` (leerrecht_desktop/selfcheck.py): passes on a working installation, and a
broken part fails it with exit 1 and one clear line, without personal data. The bundle runs the same
check in tests/test_bundle.py."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from leerrecht_desktop import __version__, app, selfcheck
from leerrecht_desktop.reports import case_summary
from leerrecht_desktop.selfcheck import CheckFailed, describe_pdf, run_self_check, scrub
from leerrecht_desktop.store.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ["resources", "vault", "records", "pdf", "qt", "cleanup"]


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The self-check's temporary folder goes here, so a test can see that it is gone afterwards."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def run(capture: io.StringIO | None = None) -> tuple[int, list[str]]:
    out = capture or io.StringIO()
    code = run_self_check(out)
    return code, out.getvalue().splitlines()


def status(lines: list[str]) -> dict[str, str]:
    """check name -> OK/FAILED, from the one line each check prints."""
    found = {}
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("OK", "FAILED"):
            found[parts[1]] = parts[0]
    return found


def test_the_self_check_passes_and_leaves_nothing_behind(scratch: Path) -> None:
    code, lines = run()
    assert code == 0, "\n".join(lines)
    assert lines[0].startswith(f"leerrecht {__version__} --self-check (broncode;")
    assert status(lines) == dict.fromkeys(CHECKS, "OK")
    assert lines[-1] == "Zelftest geslaagd (6 controles)."
    assert list(scratch.iterdir()) == []
    # The fictitious case never shows, and neither does where the temporary profile was.
    text = "\n".join(lines)
    assert selfcheck.CASE_LAST_NAME not in text and selfcheck.NOTE_TEXT not in text
    assert str(scratch) not in text


def test_leerrecht_self_check_dispatches_to_it(scratch: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["--self-check"]) == 0
    out = capsys.readouterr().out
    assert status(out.splitlines()) == dict.fromkeys(CHECKS, "OK")


def test_python_m_leerrecht_desktop_self_check_in_a_fresh_process(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "LEERRECHT_KDF_PROFILE")}
    env["TMPDIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-m", "leerrecht_desktop", "--self-check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert status(result.stdout.splitlines()) == dict.fromkeys(CHECKS, "OK")
    assert list(tmp_path.iterdir()) == []


def test_a_broken_pdf_renderer_fails_the_check_with_one_clear_line(scratch: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> bytes:
        raise RuntimeError("lettertype niet gevonden")

    monkeypatch.setattr(case_summary, "render_case_summary", broken)
    code, lines = run()
    assert code == 1
    assert status(lines) == {**dict.fromkeys(CHECKS, "OK"), "pdf": "FAILED"}
    assert "FAILED  pdf        RuntimeError: lettertype niet gevonden" in lines
    assert lines[-1] == "Zelftest MISLUKT: pdf."
    assert list(scratch.iterdir()) == []  # cleaned up all the same


def test_without_a_profile_the_record_check_is_skipped_not_passed(scratch: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def no_profile(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device", str(scratch / "data" / "leerrecht.sqlite3"))

    monkeypatch.setattr(Workspace, "create_profile", no_profile)
    code, lines = run()
    assert code == 1
    assert status(lines)["vault"] == "FAILED" and status(lines)["records"] == "FAILED"
    assert "FAILED  records    overgeslagen: er is geen profiel" in lines
    vault_line = next(line for line in lines if line.startswith("FAILED  vault"))
    # The temporary path (on Windows inside C:\Users\<name>) is not printed.
    assert str(scratch) not in vault_line and "<tmp>" in vault_line


def test_qt_that_does_not_load_is_a_failed_line_not_a_crash(scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "PySide6.QtWidgets", None)  # makes the import fail, as a missing library would
    code, lines = run()
    assert code == 1
    assert status(lines)["qt"] == "FAILED"
    assert any(line.startswith("FAILED  qt         Qt laadt niet:") for line in lines)


def test_a_pdf_with_standard_fonts_or_two_pages_is_refused(tmp_path: Path) -> None:
    def pdf(pages: int, font: str = "Helvetica") -> bytes:
        buffer = io.BytesIO()
        c = canvas.Canvas(buffer)
        for n in range(pages):
            c.setFont(font, 12)
            c.drawString(72, 720, f"Pagina {n + 1}")
            c.showPage()
        c.save()
        return buffer.getvalue()

    with pytest.raises(CheckFailed, match="niet-ingebedde standaardlettertypen: Helvetica"):
        describe_pdf(pdf(1))
    with pytest.raises(CheckFailed, match="2 pagina's in plaats van 1"):
        describe_pdf(pdf(2))
    with pytest.raises(CheckFailed, match="geen PDF"):
        describe_pdf(b"<html>")


def test_scrub_hides_home_and_temporary_paths() -> None:
    home = str(Path.home())
    text = f"cannot open {home}/Documents/x and {tempfile.gettempdir()}/y"
    cleaned = scrub(text)
    assert home not in cleaned and "~/Documents/x" in cleaned
