"""`leerrecht --self-check`: does this installation work? For IT after installing the bundle, and for CI.

Runs headless, touches nothing of the user's: a throw-away profile in a temporary folder (the minimum
Argon2id cost, so it takes seconds), a fictitious case sealed and read back, a one-page PDF, Qt offscreen
with the icon. One line per check on stdout:

    OK      resources  ...
    FAILED  pdf        <why>

Exit 0 when every check passed, 1 otherwise. A line never holds personal data: the data is made up here,
and a failure gives the exception's type and message with home and temporary paths (which hold the
user's name on Windows and macOS) replaced."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from leerrecht_core.i18n import tr
from leerrecht_desktop import __version__
from leerrecht_desktop.models.case import CaseProfile, WorkerRef
from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import Record

EXIT_OK = 0
EXIT_FAILED = 1

# Made up, and recognisable in a hexdump of the database: the record check proves it is not there in plain text.
CASE_FIRST_NAME = "Zelftest"
CASE_LAST_NAME = "Voorbeeldjongere"
NOTE_TEXT = "Fictieve notitie van de zelftest: sleutel 7f3a-zelftest."
WORKER = "Zelftest Medewerker"
PASSPHRASE = "zelftest fiets op de markt"  # only ever guards the throw-away profile
TODAY = dt.date(2025, 3, 14)

# The PDF standard's built-in fonts: a summary that used one of them would lose accents and Arabic.
BASE14 = (b"Helvetica", b"Times", b"Courier", b"Symbol", b"ZapfDingbats")


class CheckFailed(Exception):
    """A check ran but found something wrong; the message says what, without personal data."""


@dataclass
class Outcome:
    name: str
    ok: bool
    detail: str


@dataclass
class SelfCheck:
    out: TextIO = field(default_factory=lambda: sys.stdout)
    outcomes: list[Outcome] = field(default_factory=list)
    workdir: Path | None = None

    # -- running -----------------------------------------------------------------------------------

    def run(self) -> int:
        # Before anything imports Qt: the check must work on a server or CI without a display.
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        frozen = tr("bundel") if getattr(sys, "frozen", False) else tr("broncode")
        self._print(f"leerrecht {__version__} --self-check ({frozen}; Python {platform.python_version()}; "
                    f"{platform.system()} {platform.machine()})")
        self.workdir = Path(tempfile.mkdtemp(prefix="leerrecht-selfcheck-"))
        try:
            self.check("resources", self._resources)
            stored = self.check("vault", self._vault)
            if stored:
                self.check("records", self._records)
            else:
                self._fail("records", tr("overgeslagen: er is geen profiel"))
            self.check("pdf", self._pdf)
            self.check("qt", self._qt)
        finally:
            self.check("cleanup", self._cleanup)
        failed = [o.name for o in self.outcomes if not o.ok]
        if failed:
            self._print(tr("Zelftest MISLUKT: {failed}.", failed=", ".join(failed)))
            return EXIT_FAILED
        self._print(tr("Zelftest geslaagd ({n} controles).", n=len(self.outcomes)))
        return EXIT_OK

    def check(self, name: str, fn: Callable[[], str]) -> bool:
        started = time.perf_counter()
        try:
            detail = fn()
        except Exception as exc:  # every failure is a line, never a traceback
            self._fail(name, self._reason(exc))
            return False
        self._record(Outcome(name, True, f"{detail} ({time.perf_counter() - started:.2f} s)"))
        return True

    def _fail(self, name: str, detail: str) -> None:
        self._record(Outcome(name, False, detail))

    def _record(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        status = "OK" if outcome.ok else "FAILED"
        # One line each, even if a reason had a line break in it.
        self._print(f"{status:<7} {outcome.name:<10} {' '.join(outcome.detail.split())}")

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def _reason(self, exc: BaseException) -> str:
        text = str(exc) if isinstance(exc, CheckFailed) else f"{type(exc).__name__}: {exc}"
        return scrub(text, self.workdir)[:300]

    # -- the checks --------------------------------------------------------------------------------

    def _resources(self) -> str:
        from leerrecht_core.resources import load_json, resources_dir
        from leerrecht_desktop.models.catalog import pick_lists, wellbeing_questionnaire

        folder = resources_dir()
        if not folder.is_dir():
            raise CheckFailed(tr("de map met hulpbestanden ontbreekt"))
        missing = [rel for rel in ("fonts/NotoSans-Regular.ttf", "fonts/NotoSansArabic-Regular.ttf",
                                   "icons/leerrecht-256.png", "questionnaires/welbevindenschaal.json",
                                   "picklists.json") if not (folder / rel).is_file()]
        if missing:
            raise CheckFailed(tr("hulpbestanden ontbreken: {files}", files=", ".join(missing)))
        english: dict[str, str] = {}
        for catalogue in sorted((folder / "i18n" / "en").glob("*.json")):
            english.update(load_json(str(catalogue.relative_to(folder))))
        if not english:
            raise CheckFailed(tr("de Engelse vertaling ontbreekt"))
        pick_lists()
        wellbeing_questionnaire()
        return tr("keuzelijsten, vragenlijst, lettertypen, pictogram en {n} Engelse vertalingen gevonden",
                  n=len(english))

    def _vault(self) -> str:
        from leerrecht_core.crypto.kdf import KdfParams
        from leerrecht_desktop.store.workspace import Workspace

        assert self.workdir is not None
        workspace = Workspace(self.workdir / "data", create=True)  # also runs every migration
        try:
            case_files = workspace.create_profile(name=WORKER, role="onderwijsassistent", team="Zelftest",
                                                  passphrase=PASSPHRASE, kdf=KdfParams.minimum())
            case_files.lock()
            workspace.unlock(PASSPHRASE).lock()
        finally:
            workspace.close()
        return tr("tijdelijk profiel aangemaakt, databank gemigreerd, ontgrendeld met de wachtwoordzin")

    def _records(self) -> str:
        from leerrecht_desktop.store.database import database_path
        from leerrecht_desktop.store.workspace import Workspace

        assert self.workdir is not None
        data_dir = self.workdir / "data"
        workspace = Workspace(data_dir)
        try:
            case_files = workspace.unlock(PASSPHRASE)
            profile, note = fictitious_case(case_files.me)
            case_id = case_files.create_case(profile, today=TODAY).case_id
            case_files.save(case_id, note, today=TODAY)
            case_files.checkpoint()  # everything into the database file, for the plain-text check below
            case_files.lock()
            # A new session: nothing read back below can come from a cache of the one that wrote it.
            reopened = workspace.unlock(PASSPHRASE)
            try:
                case = reopened.load_case(case_id)
            finally:
                reopened.lock()
        finally:
            workspace.close()
        if case.refused:
            raise CheckFailed(tr("{n} records konden niet geopend worden", n=len(case.refused)))
        notes = [r.content for r in case.of_kind(Kind.NOTE) if isinstance(r.content, FollowUpNote)]
        if case.content.full_name != profile.full_name or [n.text for n in notes] != [NOTE_TEXT]:
            raise CheckFailed(tr("wat teruggelezen werd, is niet wat bewaard werd"))
        with contextlib.closing(sqlite3.connect(database_path(data_dir))) as conn:
            integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            raise CheckFailed(tr("de databank is beschadigd (integrity_check)"))
        on_disk = b"".join(p.read_bytes() for p in data_dir.iterdir() if p.is_file())
        for secret in (CASE_LAST_NAME, NOTE_TEXT):
            if secret.encode("utf-8") in on_disk:
                raise CheckFailed(tr("een naam of notitie staat onversleuteld in de databank"))
        return tr("dossier en notitie versleuteld bewaard en teruggelezen; databank in orde; niets leesbaar "
                  "op schijf")

    def _pdf(self) -> str:
        from leerrecht_desktop.reports.case_summary import SummaryOptions, render_case_summary

        me = WorkerRef("00000000-0000-4000-8000-00000000000a", WORKER)
        profile, note = fictitious_case(me)
        note.author_id, note.author_name = me.user_id, me.name
        records = [Record("selfcheck-note", "selfcheck-case", Kind.NOTE, 1, me.user_id,
                          dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.UTC), note)]
        pdf = render_case_summary(profile, records, SummaryOptions(), made_by=WORKER,
                                  made_at=dt.datetime(2025, 3, 14, 10, 0), today=TODAY)
        return describe_pdf(pdf)

    def _qt(self) -> str:
        try:
            # Qt stays in ui/ (DESIGN §1); the import there fails as here when a library Qt needs is missing.
            from leerrecht_desktop.ui.application import check_qt

            return check_qt(os.environ["QT_QPA_PLATFORM"])
        except ImportError as exc:
            raise CheckFailed(tr("Qt laadt niet: {reason}", reason=str(exc))) from None
        except RuntimeError as exc:
            raise CheckFailed(str(exc)) from None

    def _cleanup(self) -> str:
        if self.workdir is None:
            return tr("niets op te ruimen")
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self.workdir.exists():
            raise CheckFailed(tr("de tijdelijke map kon niet verwijderd worden"))
        return tr("tijdelijke map verwijderd")


def fictitious_case(me: WorkerRef) -> tuple[CaseProfile, FollowUpNote]:
    profile = CaseProfile(first_name=CASE_FIRST_NAME, last_name=CASE_LAST_NAME, birth_date=dt.date(2011, 5, 4),
                          gender="x", school="Zelftestschool", level="graad1", class_name="1A", status="actief",
                          assigned=[me])
    note = FollowUpNote(occurred_on=dt.date(2025, 3, 10), text=NOTE_TEXT)
    return profile, note


def describe_pdf(pdf: bytes) -> str:
    """What the self-check promises of a PDF: a real one, one page, every font embedded and none of the
    standard 14 (which have no Arabic and are drawn differently by every reader). Read from the bytes:
    reportlab writes no compressed object streams, and pypdf is not needed at run time."""
    if not pdf.startswith(b"%PDF-"):
        raise CheckFailed(tr("het resultaat is geen PDF"))
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    if pages != 1:
        raise CheckFailed(tr("{n} pagina's in plaats van 1", n=pages))
    fonts = set(re.findall(rb"/BaseFont\s*/([^\s/<>\[\]()]+)", pdf))
    if not fonts:
        raise CheckFailed(tr("de PDF gebruikt geen lettertype"))
    standard = sorted(f.decode("ascii", "replace") for f in fonts if f.startswith(BASE14))
    if standard:
        raise CheckFailed(tr("niet-ingebedde standaardlettertypen: {fonts}", fonts=", ".join(standard)))
    if pdf.count(b"/FontFile2") < len(fonts):
        raise CheckFailed(tr("niet elk lettertype is ingebed"))
    return tr("1 pagina, {kb} kB, {n} lettertypen ingebed", kb=round(len(pdf) / 1024), n=len(fonts))


def scrub(text: str, workdir: Path | None = None) -> str:
    """Replace what could name the person at this computer: the temporary folder, the home folder
    (C:\\Users\\<name>, /home/<name>) and the login name."""
    from leerrecht_desktop.logs import scrub_paths

    return scrub_paths(text, [(str(workdir), "<tmp>")] if workdir is not None else None)


def run_self_check(out: TextIO | None = None) -> int:
    return SelfCheck(out=out if out is not None else sys.stdout).run()
