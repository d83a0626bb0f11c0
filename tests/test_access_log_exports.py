"""Every export from the command line is in the laptop's access log (issue 13, item 6): the access
request as a PDF (made from the case, not through `CaseFiles.export`) and as JSON, and the whole
export, one entry per case in it; and `leerrecht report --case`, the case summary saved as a PDF; run as
real processes on demo data."""

from __future__ import annotations

from pathlib import Path

from leerrecht_desktop.store.access_log import AccessLog
from leerrecht_desktop.store.workspace import Workspace

from .test_cli_report import PASSPHRASE, WORKER, run


def _logged(data_dir: Path) -> list[tuple[str, str]]:
    """(action, case id) of every entry waiting in the laptop's access log, oldest first."""
    ws = Workspace(data_dir)
    try:
        case_files = ws.unlock(PASSPHRASE)
        try:
            return [(e.action, e.case_id) for e in AccessLog.of(case_files).unsent(100)]
        finally:
            case_files.lock()
    finally:
        ws.close()


def _case_ids(data_dir: Path) -> list[str]:
    ws = Workspace(data_dir)
    try:
        case_files = ws.unlock(PASSPHRASE)
        try:
            return sorted(s.case_id for s in case_files.summaries())
        finally:
            case_files.lock()
    finally:
        ws.close()


def test_every_export_from_the_command_line_is_logged_once_per_case(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert run("init", "--data-dir", data_dir, "--name", WORKER, "--role", "coordinator",
               "--team", "Team Noord").returncode == 0
    assert run("demo", "--data-dir", data_dir, "--cases", "3", "--seed", "13").returncode == 0
    cases = _case_ids(data_dir)
    assert len(cases) == 3 and _logged(data_dir) == []

    pdf = run("export", "--data-dir", data_dir, "--case", cases[0], "--out", tmp_path / "inzage.pdf")
    assert pdf.returncode == 0, pdf.stderr
    assert _logged(data_dir) == [("case_exported", cases[0])]
    as_json = run("export", "--data-dir", data_dir, "--case", cases[1], "--out", tmp_path / "inzage.json")
    assert as_json.returncode == 0, as_json.stderr
    assert _logged(data_dir)[1:] == [("case_exported", cases[1])]  # once, not twice
    whole = run("export", "--data-dir", data_dir, "--out", tmp_path / "alles.json")
    assert whole.returncode == 0, whole.stderr
    assert sorted(_logged(data_dir)[2:]) == [("case_exported", c) for c in cases]


def test_a_case_summary_from_the_command_line_is_logged(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert run("init", "--data-dir", data_dir, "--name", WORKER, "--role", "coordinator",
               "--team", "Team Noord").returncode == 0
    assert run("demo", "--data-dir", data_dir, "--cases", "2", "--seed", "13").returncode == 0
    case_id = _case_ids(data_dir)[0]
    made = run("report", "--data-dir", data_dir, "--case", case_id, "--out", tmp_path / "samenvatting.pdf")
    assert made.returncode == 0, made.stderr
    assert _logged(data_dir) == [("case_summary_saved", case_id)]
