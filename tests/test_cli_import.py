"""`leerrecht import`, run as real processes: the preview, --dry-run writing nothing, --yes writing
sealed cases that `leerrecht cases` lists, a second import adding none, the question on a terminal,
the refusal without one, problem rows, and one line on stderr for every wrong use. No name from the
file lands in the data folder or the log. Every name is fictitious."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kits.storekit import files_containing, raw_query, text_forms

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "blauwe fiets op de markt"
HEADER = "Voornaam;Naam;Geboortedatum;School;Graad;Ouder;GSM;Reden aanmelding;Opmerking"
ROWS = [
    "Fictiefcli;Testkindeen;14/08/2011;Den Anker;lager;Fictieve Ouder Een;0470 12 34 56;Fictieve zorg een;x",
    "Fictiefcli;Testkindtwee;03/02/2010;CLW;1e graad;;;;",
    "Fictiefcli;Testkinddrie;2012-11-30;Maurits Sabbe;Kleuter;;;;",
]


def _env(log_dir: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERRECHT_")}
    env["LEERRECHT_KDF_PROFILE"] = "minimum"
    env["LEERRECHT_PASSPHRASE"] = PASSPHRASE
    env["PYTHONIOENCODING"] = "utf-8"
    if log_dir is not None:
        env["LEERRECHT_LOG_DIR"] = str(log_dir)
    return env


def run(*args: str | Path, log_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "leerrecht_desktop", *map(str, args)], env=_env(log_dir), cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=600, stdin=subprocess.DEVNULL)


def assert_refused(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\r\n".join([HEADER, *rows]) + "\r\n", encoding="utf-8-sig")
    return path


def listed(data_dir: Path) -> list[str]:
    result = run("cases", "--data-dir", data_dir)
    assert result.returncode == 0, result.stderr
    return [line.split("\t")[1] for line in result.stdout.splitlines()]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    init = run("init", "--data-dir", folder, "--name", "Fictieve Werker", "--role", "brugfiguur")
    assert init.returncode == 0, init.stderr
    return folder


def test_dry_run_then_yes_then_again(data_dir: Path, tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    path = write(tmp_path / "caseload.csv", ROWS)

    dry = run("import", "--data-dir", data_dir, path, "--dry-run", log_dir=log_dir)
    assert dry.returncode == 0, dry.stderr
    assert "3 rijen: 3 nieuwe dossiers, 0 dubbels overgeslagen, 0 rijen met problemen." in dry.stdout
    assert "Genegeerde kolommen: Opmerking." in dry.stdout
    assert dry.stderr.strip() == "leerrecht: Proefrun: er is niets geschreven."
    assert listed(data_dir) == []
    assert raw_query(data_dir, "SELECT count(*) FROM outbox") == [(0,)]

    done = run("import", "--data-dir", data_dir, path, "--yes", log_dir=log_dir)
    assert done.returncode == 0, done.stderr
    assert "3 dossiers aangemaakt en 0 aangevuld." in done.stdout
    assert "zoals de vorige keer" not in done.stdout  # the dry run remembered nothing either
    assert sorted(listed(data_dir)) == ["Fictiefcli Testkinddrie", "Fictiefcli Testkindeen", "Fictiefcli Testkindtwee"]
    assert raw_query(data_dir, "SELECT count(*) FROM outbox") == [(3,)]

    again = run("import", "--data-dir", data_dir, path, "--yes", log_dir=log_dir)
    assert again.returncode == 0, again.stderr
    assert "Kolommen (zoals de vorige keer):" in again.stdout
    assert "3 rijen: 0 nieuwe dossiers, 3 dubbels overgeslagen" in again.stdout
    assert "rij 2: Er bestaat al een dossier voor Fictiefcli Testkindeen (14/08/2011): overgeslagen" in again.stdout
    assert "Niets te importeren" in again.stdout
    assert len(listed(data_dir)) == 3

    needles = [form for text in ("Testkindeen", "Testkindtwee", "Fictieve Ouder Een", "Fictieve zorg een")
               for form in text_forms(text)]
    assert files_containing(data_dir, needles) == []
    assert log_dir.is_dir() and files_containing(log_dir, needles) == []


def test_problem_rows_refuse_the_import_unless_skip_invalid(data_dir: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "fouten.csv", [*ROWS, "Fictiefcli;Testkindvier;31/02/2012;Sint-X;lager;;;;",
                                           ";Testkindvijf;01/01/2012;CLW;lager;;;;"])
    refused = run("import", "--data-dir", data_dir, path, "--yes")
    line = assert_refused(refused, 1)
    assert "Verbeter de rijen hierboven of gebruik --skip-invalid" in line
    assert "rij 5: geboortedatum 31/02/2012 bestaat niet" in refused.stdout
    assert "rij 5: school 'Sint-X' staat niet in de lijst" in refused.stdout
    assert "rij 6: Vul de voornaam van de jongere in." in refused.stdout
    assert "5 rijen: 3 nieuwe dossiers, 0 dubbels overgeslagen, 2 rijen met problemen." in refused.stdout
    assert listed(data_dir) == []

    skipped = run("import", "--data-dir", data_dir, path, "--yes", "--skip-invalid")
    assert skipped.returncode == 0, skipped.stderr
    assert "3 dossiers aangemaakt" in skipped.stdout
    assert len(listed(data_dir)) == 3


def test_without_a_terminal_and_without_yes_it_refuses(data_dir: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", ROWS)
    line = assert_refused(run("import", "--data-dir", data_dir, path), 2)
    assert "--yes" in line
    assert listed(data_dir) == []


def _on_a_terminal(args: list[str], answer: str) -> tuple[int, str]:
    """The command with its standard input on a pseudo-terminal, typing `answer` at the question."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "leerrecht_desktop", *args], env=_env(), cwd=ROOT,
                                stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                encoding="utf-8")
        os.write(master, answer.encode() + b"\n")
        out, _err = proc.communicate(timeout=600)
    finally:
        os.close(master)
        os.close(slave)
    return proc.returncode, out


@pytest.mark.parametrize(("answer", "written"), [("j", 3), ("n", 0), ("", 0)])
def test_on_a_terminal_it_asks_first(data_dir: Path, tmp_path: Path, answer: str, written: int) -> None:
    path = write(tmp_path / "a.csv", ROWS)
    code, out = _on_a_terminal(["import", "--data-dir", str(data_dir), str(path)], answer)
    assert code == 0
    assert "Importeren? [j/N]" in out
    assert len(listed(data_dir)) == written


def test_merge_from_the_command_line(data_dir: Path, tmp_path: Path) -> None:
    first = write(tmp_path / "eerst.csv", ["Fictiefcli;Testkindeen;14/08/2011;;;;;;"])
    assert run("import", "--data-dir", data_dir, first, "--yes").returncode == 0
    fuller = write(tmp_path / "meer.csv", ROWS[:1])
    merged = run("import", "--data-dir", data_dir, fuller, "--yes", "--duplicates", "merge")
    assert merged.returncode == 0, merged.stderr
    assert "1 rijen: 0 nieuwe dossiers, 1 dubbels aangevuld, 0 dubbels zonder iets nieuws" in merged.stdout
    assert "0 dossiers aangemaakt en 1 aangevuld." in merged.stdout
    assert len(listed(data_dir)) == 1


def test_wrong_use_is_one_line(data_dir: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", ROWS)
    assert "bestaat niet" in assert_refused(run("import", "--data-dir", data_dir, tmp_path / "weg.csv", "--yes"), 2)
    text = tmp_path / "a.txt"
    text.write_text(HEADER, encoding="utf-8")
    assert ".csv- of .xlsx" in assert_refused(run("import", "--data-dir", data_dir, text, "--yes"), 2)
    assert "--map" in assert_refused(run("import", "--data-dir", data_dir, path, "--map", "Opmerking", "--yes"), 2)
    assert "--map" in assert_refused(run("import", "--data-dir", data_dir, path, "--map", "Opmerking=grap",
                                         "--yes"), 2)
    assert "geen kolom 'Bestaat niet'" in assert_refused(
        run("import", "--data-dir", data_dir, path, "--map", "Bestaat niet=address", "--yes"), 2)
    assert_refused(run("import", "--data-dir", data_dir), 2)  # no file: argparse's own one line
    broken = tmp_path / "kapot.xlsx"
    broken.write_bytes(b"geen zip")
    assert "geen geldig Excel-bestand" in assert_refused(run("import", "--data-dir", data_dir, broken, "--yes"), 1)
    assert "Er staan geen Leerrecht-gegevens" in assert_refused(
        run("import", "--data-dir", tmp_path / "nergens", path, "--yes"), 1)
    assert listed(data_dir) == []
