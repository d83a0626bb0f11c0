"""The desktop log: in the platform's log folder, rotated at its size limit, private (folder 0700, files
0600), one line per record, and without personal data even when an exception's message quotes some.
Every name is fictitious."""

from __future__ import annotations

import datetime as dt
import logging
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from leerrecht_desktop import app, logs, paths
from leerrecht_desktop.cli.common import EXIT_REFUSED
from leerrecht_desktop.models.case import CaseProfile, Contact
from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store.database import MIGRATIONS_DIR, write_transaction
from leerrecht_desktop.store.workspace import Workspace

PASSPHRASE = "blauwe fiets op de markt"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def text_forms(text: str) -> list[bytes]:
    return [variant.encode(encoding) for variant in {text, text.casefold(), text.upper()}
            for encoding in ("utf-8", "utf-16-le", "utf-16-be")]


def all_log_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()))


@pytest.fixture
def log_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "state" / "Leerrecht" / "log"
    handler = logs.setup_logging(folder)
    assert handler is not None
    yield folder
    logs.teardown_logging(handler)


def test_the_default_folder_is_the_platforms_log_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from platformdirs import user_log_path

    monkeypatch.delenv(logs.LOG_DIR_ENV, raising=False)
    assert logs.log_dir() == paths.default_log_dir() == user_log_path(paths.APP_NAME, paths.APP_AUTHOR)
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(tmp_path / "elders"))
    assert logs.log_dir() == tmp_path / "elders"


def test_the_log_rotates_at_its_size_limit_and_stays_private(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    handler = logs.setup_logging(folder, max_bytes=2_000, backup_count=3)
    try:
        log = logging.getLogger("leerrecht_desktop.test.rotation")
        for i in range(200):
            log.info("regel %d %s", i, "x" * 40)
    finally:
        logs.teardown_logging(handler)
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["leerrecht.log", "leerrecht.log.1", "leerrecht.log.2", "leerrecht.log.3"]
    assert mode(folder) == 0o700
    for path in folder.iterdir():
        assert mode(path) == 0o600, path.name
        assert path.stat().st_size <= 2_000
    last = (folder / "leerrecht.log").read_text(encoding="utf-8").splitlines()[-1]
    assert last.endswith("regel 199 " + "x" * 40)
    # time, level, logger, message
    date, clock, level, logger, *_ = last.split(" ")
    assert (level, logger) == ("INFO", "leerrecht_desktop.test.rotation:") and date[:2] == "20" and ":" in clock


def test_a_loose_existing_log_is_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    folder.mkdir(mode=0o755)
    (folder / "leerrecht.log").write_text("oud\n")
    (folder / "leerrecht.log").chmod(0o644)
    handler = logs.setup_logging(folder)
    try:
        logging.getLogger("leerrecht_desktop.test").info("nieuw")
    finally:
        logs.teardown_logging(handler)
    assert mode(folder) == 0o700 and mode(folder / "leerrecht.log") == 0o600


def test_a_session_with_data_and_an_exception_quoting_a_name_logs_no_name(log_folder: Path, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    first, last, mother = f"Fictiefvoornaam{tag}", f"Testkindnaam{tag}", f"Fictieve Moeder {tag}"
    note_text = f"Fictief gesprek met {mother} over {first}"
    data_dir = tmp_path / "data"

    ws = Workspace(data_dir, create=True)
    try:
        cf = ws.create_profile(name=f"Fictieve Werker {tag}", role="netsterk", team="Team Noord", passphrase=PASSPHRASE)
        contact = Contact(name=mother, relation="moeder", phone="0470 00 00 00")
        case_id = cf.create_case(CaseProfile(first_name=first, last_name=last, birth_date=dt.date(2012, 4, 1),
                                             contacts=[contact])).case_id
        cf.save(case_id, FollowUpNote(occurred_on=dt.date(2025, 2, 3), text=note_text))
        # An upgrade logs its steps (Alembic) and the copy it keeps.
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with write_transaction(ws.engine) as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0001")
    finally:
        ws.close()
    Workspace(data_dir).close()

    def save_with_a_bug() -> None:
        raise ValueError(f"kon {first} {last} niet bewaren: {note_text}")

    try:
        save_with_a_bug()
    except ValueError:
        logging.getLogger("leerrecht_desktop.ui.forms").exception("saving failed")
    try:
        save_with_a_bug()
    except ValueError:  # a library's record goes through the same net
        logging.getLogger("sqlalchemy.engine").error("library trouble", exc_info=True)
    logging.getLogger("leerrecht_desktop.ui.forms").warning("multi\nline")

    logged = all_log_bytes(log_folder)
    for secret in (first, last, mother, note_text, f"Fictieve Werker {tag}", tag, str(data_dir), str(Path.home())):
        for form in text_forms(secret):
            assert form not in logged, secret
    text = logged.decode("utf-8")
    assert "ValueError (bericht weggelaten)" in text and "save_with_a_bug" in text
    assert "schema upgraded from 0001" in text and "Running upgrade 0001 -> 0002" in text
    assert "multi ⏎ line" in text
    assert all(line[:2] == "20" for line in text.splitlines())  # one record, one line


def test_the_command_line_logs_into_the_log_folder_and_prints_as_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "log"
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(folder))
    assert app.main(["cases", "--data-dir", str(tmp_path / "nergens")]) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert err.startswith("leerrecht: Er staan geen Leerrecht-gegevens in") and err.count("\n") == 1
    assert "leerrecht_desktop.app: leerrecht " in (folder / "leerrecht.log").read_text(encoding="utf-8")
    # And the handler is gone afterwards: nothing more lands in that file.
    size = (folder / "leerrecht.log").stat().st_size
    logging.getLogger("leerrecht_desktop.test").warning("na main")
    assert (folder / "leerrecht.log").stat().st_size == size


def test_without_a_usable_log_folder_the_app_runs_without_a_log(tmp_path: Path) -> None:
    blocker = tmp_path / "bestand"
    blocker.write_text("geen map")
    assert logs.setup_logging(blocker / "log") is None

