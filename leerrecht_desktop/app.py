"""Composition root and command line.

    leerrecht [--data-dir D]                          open the window
    leerrecht --self-check                            check this installation, headless (selfcheck.py)
    leerrecht init   --data-dir D --name N --role R   create the profile on this laptop
    leerrecht demo   --data-dir D --cases N           add N fictitious case files
    leerrecht export --data-dir D --out F.json        everything you may read, decrypted (GDPR access)
    leerrecht enroll --data-dir D --server URL --user U   connect this laptop to the sync server
    leerrecht sync   --data-dir D                     push and pull changes once
    leerrecht cases  --data-dir D                     list your case files with their ids
    leerrecht report --data-dir D --case ID --out F.pdf   a case summary as PDF
    leerrecht overview --data-dir D --out F.pdf|F.csv     the team overview (counts, no names)

The passphrase comes from LEERRECHT_PASSPHRASE, else from the terminal (without echo), else from one
line on standard input. Exit codes: 0 done, 1 refused (wrong passphrase, no data, a rule of the data),
2 wrong use of the command. An error is one line on stderr, in the workspace's language (Dutch until a
workspace is open), and never holds case content. LEERRECHT_DEBUG=1 shows the traceback of an
unexpected error instead.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from sqlalchemy.exc import SQLAlchemyError

from leerrecht_core.crypto.errors import CryptoError, WrongPassphrase
from leerrecht_core.i18n import SUPPORTED_LANGUAGES, set_language, tr
from leerrecht_desktop import __version__, paths
from leerrecht_desktop.logs import logging_to_file
from leerrecht_desktop.models.enums import CaseStatus, Role
from leerrecht_desktop.models.passphrase import passphrase_problem
from leerrecht_desktop.models.validation import FieldError, ValidationError
from leerrecht_desktop.store.database import database_path
from leerrecht_desktop.store.errors import CaseNotFound, StoreError
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.sync.errors import SyncError

if TYPE_CHECKING:
    from leerrecht_desktop.models.summary import CaseSummary
    from leerrecht_desktop.sync.engine import SyncProgress

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

PASSPHRASE_ENV = "LEERRECHT_PASSPHRASE"
ENROL_CODE_ENV = "LEERRECHT_ENROL_CODE"
MAX_DEMO_CASES = 10_000
MAX_DEMO_ENTRIES = 500
PROG = "leerrecht"
_log = logging.getLogger(__name__)


class CliError(Exception):
    """A refusal worded for the person at the keyboard; `code` is the exit code."""

    code = EXIT_REFUSED


class UsageError(CliError):
    code = EXIT_USAGE


class _Parser(argparse.ArgumentParser):
    # argparse prints the whole usage block before its error; one line is easier to read and to
    # test for, and --help is one command away.
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, tr("{prog}: {message}. Zie '{prog} --help'.", prog=self.prog, message=message)
                  + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=tr("Leerrecht: versleutelde dossiers voor het leerrechtnetwerk. Zonder opdracht opent "
                       "het venster."),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--self-check", action="store_true",
                        help=tr("controleer deze installatie zonder venster en zonder je gegevens aan te raken "
                                "(tijdelijk profiel, versleutelen, PDF, Qt); stopt met 0 als alles werkt"))
    parser.add_argument("--data-dir", type=Path, default=None,
                        help=tr("map met je Leerrecht-gegevens (standaard: {path})",
                                path=str(paths.default_data_dir()).replace("%", "%%")))
    # Also accepted after the subcommand; SUPPRESS keeps a value given before it.
    common = _Parser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                        help=tr("map met je Leerrecht-gegevens"))
    sub = parser.add_subparsers(dest="command", metavar=tr("opdracht"))

    init = sub.add_parser("init", parents=[common], help=tr("maak je profiel aan op deze laptop"),
                          description=tr("Maak je profiel aan. De wachtwoordzin komt uit {env} of wordt "
                                         "twee keer gevraagd.", env=PASSPHRASE_ENV))
    init.add_argument("--name", required=True, help=tr("je naam"))
    init.add_argument("--role", required=True,
                      help=tr("je rol: {roles}", roles=", ".join(r.value for r in Role)))
    init.add_argument("--team", default="", help=tr("je team (mag leeg blijven)"))
    init.add_argument("--language", default=None,
                      help=tr("taal van de app: {languages} (standaard nl)", languages=", ".join(SUPPORTED_LANGUAGES)))

    demo = sub.add_parser("demo", parents=[common], help=tr("voeg fictieve dossiers toe om te oefenen"),
                          description=tr("Voeg fictieve maar realistische dossiers toe aan een bestaand "
                                         "profiel. Alle namen en gegevens zijn verzonnen."))
    demo.add_argument("--cases", required=True, help=tr("aantal dossiers (1 tot {max})", max=MAX_DEMO_CASES))
    demo.add_argument("--entries", default=None,
                      help=tr("aantal notities per dossier (standaard 10 tot 40)"))
    demo.add_argument("--seed", default="0", help=tr("startwaarde: dezelfde waarde geeft dezelfde dossiers"))

    export = sub.add_parser("export", parents=[common], help=tr("exporteer alles wat je mag lezen (AVG)"),
                            description=tr("Schrijf alle dossiers die je mag lezen, ontsleuteld, naar een "
                                           "JSON-bestand (recht op inzage en overdraagbaarheid)."))
    export.add_argument("--out", required=True, type=Path, help=tr("het JSON-bestand om te schrijven"))
    export.add_argument("--force", action="store_true", help=tr("overschrijf een bestaand bestand"))

    enroll = sub.add_parser("enroll", parents=[common], help=tr("meld deze laptop aan bij de server"),
                            description=tr("Meld deze laptop aan bij de synchronisatieserver. Met een bestaand "
                                           "profiel: met de aanmeldcode van de beheerder (uit {env} of gevraagd). "
                                           "In een lege map: je tweede laptop, met gebruikersnaam en "
                                           "wachtwoordzin.", env=ENROL_CODE_ENV))
    enroll.add_argument("--server", required=True, help=tr("adres van de server, bv. https://leerrecht.voorbeeld.be"))
    enroll.add_argument("--user", required=True, help=tr("je gebruikersnaam op de server"))
    enroll.add_argument("--pin-sha256", default=None,
                        help=tr("vingerafdruk (SHA-256) van het certificaat van de server, om het vast te pinnen"))
    enroll.add_argument("--ca-file", default=None, help=tr("eigen CA-certificaat (PEM) om de server te vertrouwen"))

    sync = sub.add_parser("sync", parents=[common], help=tr("synchroniseer nu met de server"),
                          description=tr("Verstuur je wijzigingen en haal die van je collega's op, één keer."))
    sync.add_argument("--ca-file", default=None, help=tr("eigen CA-certificaat (PEM) om de server te vertrouwen"))
    sync.add_argument("--progress", action="store_true",
                      help=tr("toon de voortgang (standaard alleen in een terminal)"))
    _add_report_parsers(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors: argparse already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.self_check:
        # Imported here: the checks pull in reports and Qt, which the other commands do not need.
        from leerrecht_desktop.selfcheck import run_self_check

        return run_self_check()
    data_dir = (args.data_dir or paths.default_data_dir()).expanduser()
    # The log goes to the platform's log folder; what a command prints on stderr stays as it was.
    with logging_to_file():
        _log.info("leerrecht %s: %s", __version__, args.command or "window")
        return _run(args, data_dir)


def _run(args: argparse.Namespace, data_dir: Path) -> int:
    try:
        if args.command is None:
            return _run_gui(data_dir)
        command = {"init": _cmd_init, "demo": _cmd_demo, "export": _cmd_export, "enroll": _cmd_enroll,
                   "sync": _cmd_sync, "cases": _cmd_cases, "report": _cmd_report,
                   "overview": _cmd_overview}[args.command]
        return command(args, data_dir)
    except KeyboardInterrupt:
        _say(tr("Afgebroken."))
        return EXIT_INTERRUPTED
    except CliError as exc:
        _say(str(exc))
        return exc.code
    except ValidationError as exc:
        _say(" ".join(e.message for e in exc.errors))
        return EXIT_REFUSED
    except (WrongPassphrase, StoreError, SyncError) as exc:
        # These messages are written for the user by the core and never hold case content.
        _say(str(exc))
        return EXIT_REFUSED
    except CryptoError as exc:
        _say(tr("Een deel van de gegevens kon niet geopend worden: {reason}", reason=str(exc)))
        return EXIT_REFUSED
    except SQLAlchemyError as exc:
        # Only the driver's own short reason: SQLAlchemy's text also holds the statement.
        reason = str(getattr(exc, "orig", None) or type(exc).__name__)
        _say(tr("De databank in {path} kan niet gebruikt worden ({reason}).", path=str(data_dir), reason=reason))
        return EXIT_REFUSED
    except OSError as exc:
        _say(tr("Fout bij het lezen of schrijven van {path}: {reason}.",
                path=str(exc.filename or data_dir), reason=exc.strerror or type(exc).__name__))
        return EXIT_REFUSED
    except Exception as exc:
        _log.error("unexpected error in %s", args.command or "window", exc_info=True)  # type and frames only
        if os.environ.get("LEERRECHT_DEBUG"):
            raise
        # The type only: an unexpected exception's text could quote data.
        _say(tr("Er ging iets onverwacht mis ({error}). Zet LEERRECHT_DEBUG=1 voor details.",
                error=type(exc).__name__))
        return EXIT_REFUSED


def _say(message: str) -> None:
    print(f"{PROG}: {' '.join(message.split())}", file=sys.stderr)


def _run_gui(data_dir: Path) -> int:
    # Qt is imported only here, so the commands start fast and work without a display.
    try:
        from leerrecht_desktop.ui.application import run_gui
    except ImportError as exc:
        raise CliError(tr("Het venster kan niet starten: {reason}", reason=str(exc))) from None
    return run_gui(data_dir)


# -- passphrase ------------------------------------------------------------------------------------


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _read_secret(prompt: str) -> str:
    if _interactive():
        try:
            return getpass.getpass(prompt)
        except EOFError:
            raise CliError(tr("Geen wachtwoordzin gekregen. Typ ze in, of zet {env}.", env=PASSPHRASE_ENV)) from None
    # Piped input (scripts): one line, no echo to worry about and no getpass warning.
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise CliError(tr("Geen wachtwoordzin gekregen. Typ ze in, of zet {env}.", env=PASSPHRASE_ENV))
    return line.rstrip("\r\n")


def _passphrase() -> str:
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env
    return _read_secret(tr("Wachtwoordzin: "))


def _new_passphrase() -> tuple[str, str]:
    """The new passphrase and its confirmation. Only a person at a terminal can mistype an invisible
    passphrase, so only they are asked twice."""
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env, from_env
    first = _read_secret(tr("Kies een wachtwoordzin (minstens 12 tekens, bv. een korte zin): "))
    if not _interactive():
        return first, first
    return first, _read_secret(tr("Typ dezelfde wachtwoordzin nog een keer: "))


# -- workspace -------------------------------------------------------------------------------------


@contextlib.contextmanager
def _workspace(data_dir: Path) -> Iterator[Workspace]:
    """An existing workspace, with the language of its settings in force."""
    ws = Workspace(data_dir)
    try:
        set_language(ws.language)
        yield ws
    finally:
        ws.close()


def _int_option(value: str | None, option: str, lo: int, hi: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or not lo <= number <= hi:
        raise UsageError(tr("{option} moet een geheel getal van {lo} tot {hi} zijn, niet '{value}'.",
                            option=option, lo=lo, hi=hi, value=value))
    return number


# -- init ------------------------------------------------------------------------------------------


def _cmd_init(args: argparse.Namespace, data_dir: Path) -> int:
    if args.language is not None:
        if args.language not in SUPPORTED_LANGUAGES:
            raise UsageError(tr("Onbekende taal '{language}'. Kies {languages}.", language=args.language,
                                languages=", ".join(SUPPORTED_LANGUAGES)))
        set_language(args.language)
    role = args.role.strip().casefold()
    if role not in {r.value for r in Role}:
        raise UsageError(tr("Onbekende rol '{role}'. Kies {roles}.", role=args.role,
                            roles=", ".join(r.value for r in Role)))
    name = args.name.strip()
    if not name:
        raise UsageError(tr("Vul je naam in met --name."))
    if database_path(data_dir).exists():
        # Say so before asking for a passphrase that could not be used anyway.
        with _workspace(data_dir) as ws:
            if args.language is not None:
                set_language(args.language)
            if ws.has_profile():
                raise CliError(tr("Er bestaat al een profiel in {path}. Ontgrendel het met je wachtwoordzin, "
                                  "of kies een andere map.", path=str(data_dir)))

    passphrase, confirm = _new_passphrase()
    problem = passphrase_problem(passphrase, name=name)
    if problem:
        raise ValidationError([FieldError("passphrase", problem)])
    if confirm != passphrase:
        raise CliError(tr("De twee wachtwoordzinnen zijn niet gelijk. Er is niets aangemaakt."))

    with _undo_on_failure(data_dir):
        ws = Workspace(data_dir, create=True)
        try:
            case_files = ws.create_profile(name=name, role=role, team=args.team, passphrase=passphrase,
                                           confirm=confirm)
            case_files.lock()
            if args.language is not None:
                ws.set_setting("language", args.language)
        finally:
            ws.close()
    print(tr("Profiel aangemaakt in {path} (rol: {role}).", path=str(data_dir), role=role))
    return EXIT_OK


@contextlib.contextmanager
def _undo_on_failure(data_dir: Path) -> Iterator[None]:
    """Remove the database and folders this init created if it fails, so a second try starts clean
    instead of finding half a profile."""
    db = database_path(data_dir)
    created_db = not db.exists()
    new_dirs: list[Path] = []
    probe = data_dir.absolute()
    while not probe.exists():
        new_dirs.append(probe)
        probe = probe.parent
    try:
        yield
    except BaseException:
        if created_db:
            for path in (db, *(db.with_name(db.name + suffix) for suffix in ("-wal", "-shm", "-journal"))):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        for folder in new_dirs:  # deepest first; only if nothing else was put there
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


# -- demo ------------------------------------------------------------------------------------------


def _cmd_demo(args: argparse.Namespace, data_dir: Path) -> int:
    from leerrecht_desktop.demo import populate  # the name pools are only needed here

    with _workspace(data_dir) as ws:
        cases = _int_option(args.cases, "--cases", 1, MAX_DEMO_CASES)
        entries = None if args.entries is None else _int_option(args.entries, "--entries", 0, MAX_DEMO_ENTRIES)
        seed = _int_option(args.seed, "--seed", 0, 2**63 - 1)
        case_files = ws.unlock(_passphrase())
        try:
            show = sys.stderr.isatty() and cases > 50

            def progress(done: int) -> None:
                if show:
                    print(tr("{done} van {total} dossiers...", done=done, total=cases), end="\r", file=sys.stderr)

            ids = populate(case_files, cases, entries_per_case=entries, seed=seed, progress=progress)
            if show:
                print(" " * 40, end="\r", file=sys.stderr)
        finally:
            case_files.lock()
    print(tr("{n} fictieve dossiers toegevoegd in {path}.", n=len(ids), path=str(data_dir)))
    return EXIT_OK


# -- export ----------------------------------------------------------------------------------------


def _cmd_export(args: argparse.Namespace, data_dir: Path) -> int:
    with _workspace(data_dir) as ws:
        out = Path(args.out).expanduser().absolute()
        folder = out.parent
        if out.is_dir():
            raise UsageError(tr("{path} is een map. Geef een bestandsnaam, bv. export.json.", path=str(out)))
        if not folder.is_dir():
            raise UsageError(tr("De map {path} bestaat niet. Kies een bestaande map voor --out.", path=str(folder)))
        if out.exists() and not args.force:
            raise CliError(tr("{path} bestaat al. Kies een andere naam, of gebruik --force om het te "
                              "overschrijven.", path=str(out)))
        # Creating the temporary file first proves the folder is writable before the passphrase is asked.
        try:
            fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".leerrecht-export-", suffix=".tmp")
        except OSError as exc:
            raise UsageError(tr("Kan niet schrijven in {path}: {reason}.", path=str(folder),
                                reason=exc.strerror or type(exc).__name__)) from None
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                case_files = ws.unlock(_passphrase())
                try:
                    data = case_files.export()
                finally:
                    case_files.lock()
                json.dump(data, fh, ensure_ascii=False, indent=2)
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            _publish(tmp, out, overwrite=args.force)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
    print(tr("{n} dossiers geëxporteerd naar {path}.", n=len(data["cases"]), path=str(out)))
    if data["refused"]:
        _say(tr("{n} onderdelen waren beschadigd of gewijzigd buiten de app en staan niet in de export "
                "(zie \"refused\" in het bestand). Meld dit aan je coördinator.", n=len(data["refused"])))
    _say(tr("Let op: dit bestand is NIET versleuteld en bevat persoonsgegevens van jongeren. Bewaar het "
            "veilig en verwijder het zodra je het niet meer nodig hebt."))
    return EXIT_OK


def _publish(tmp: Path, out: Path, *, overwrite: bool) -> None:
    """Give the finished temporary file its name in one step, so `out` is never half written."""
    from leerrecht_desktop.reports.files import fsync_dir, publish

    try:
        publish(tmp, out, overwrite=overwrite)
    except FileExistsError:
        raise CliError(tr("{path} bestaat al. Kies een andere naam, of gebruik --force om het te "
                          "overschrijven.", path=str(out))) from None
    fsync_dir(out.parent)


def _enrol_code() -> str:
    from_env = os.environ.get(ENROL_CODE_ENV)
    if from_env:
        return from_env
    if not _interactive():
        raise CliError(tr("Geen aanmeldcode gekregen. Zet {env} of typ ze in.", env=ENROL_CODE_ENV))
    try:
        return input(tr("Aanmeldcode van de beheerder: ")).strip()
    except EOFError:
        raise CliError(tr("Geen aanmeldcode gekregen. Zet {env} of typ ze in.", env=ENROL_CODE_ENV)) from None


def _cmd_enroll(args: argparse.Namespace, data_dir: Path) -> int:
    from leerrecht_desktop.sync.account import enrol, login_new_laptop
    from leerrecht_desktop.sync.transport import check_server_url, normalise_pin

    server = check_server_url(args.server)  # refuse plain http to a remote host before asking anything
    pin = normalise_pin(args.pin_sha256)
    has_profile = False
    if database_path(data_dir).exists():
        with _workspace(data_dir) as ws:
            has_profile = ws.has_profile()
    if not has_profile:
        # An empty folder: a further laptop of a user who is enrolled already.
        passphrase = _passphrase()
        with _undo_on_failure(data_dir):
            ws, case_files = login_new_laptop(data_dir, server, args.user, passphrase, pinned_sha256=pin,
                                              ca_file=args.ca_file)
            case_files.lock()
            ws.close()
        print(tr("Deze laptop is aangemeld als {user}. Gebruik 'leerrecht sync' om je dossiers op te halen.",
                 user=args.user))
        return EXIT_OK
    with _workspace(data_dir) as ws:
        code = _enrol_code()
        passphrase = _passphrase()
        case_files = ws.unlock(passphrase)
        try:
            from leerrecht_desktop.store.syncstore import SyncStore

            if SyncStore(case_files).is_enrolled():
                raise CliError(tr("Deze laptop is al aangemeld bij een server."))
            report = enrol(ws, case_files, server, args.user, code, passphrase, pinned_sha256=pin,
                           ca_file=args.ca_file)
        finally:
            case_files.lock()
    print(tr("Deze laptop is aangemeld als {user}.", user=args.user))
    for error in report.errors:
        _say(error)
    return EXIT_OK


def _progress_line(progress: SyncProgress) -> None:
    """One line per page on stderr (stdout keeps only the summary, for scripts)."""
    phase = {"push": tr("Versturen"), "pull": tr("Ontvangen"), "history": tr("Geschiedenis ophalen")}
    done = (f"{progress.records_done}/{progress.records_total}" if progress.records_total is not None
            else str(progress.records_done))
    print(f"{PROG}: {phase[progress.phase]}: {done} ({progress.bytes_done / 1e6:.1f} MB)", file=sys.stderr,
          flush=True)


def _cmd_sync(args: argparse.Namespace, data_dir: Path) -> int:
    from leerrecht_desktop.sync.engine import SyncEngine

    show = bool(getattr(args, "progress", False)) or sys.stderr.isatty()

    with _workspace(data_dir) as ws:
        case_files = ws.unlock(_passphrase())
        try:
            engine = SyncEngine.for_case_files(case_files, ca_file=args.ca_file)
            try:
                report = engine.sync_once(progress=_progress_line if show else None)
            finally:
                engine.transport.close()
        finally:
            case_files.lock()
    print(tr("Verstuurd: {pushed}. Ontvangen: {pulled}. Nog te versturen: {waiting}. Conflicten om te kiezen: "
             "{conflicts}.", pushed=report.pushed, pulled=report.pulled, waiting=report.waiting,
             conflicts=report.remaining_conflicts))
    if report.server_restored:
        _say(tr("De server was teruggezet naar een oudere back-up; {n} van je wijzigingen zijn opnieuw "
                "verstuurd.", n=report.requeued))
    if report.quarantined:
        _say(tr("{n} wijzigingen werden door de server geweigerd en staan apart (quarantaine).",
                n=report.quarantined))
    for error in dict.fromkeys(report.errors):  # each different message once
        _say(error)
    return EXIT_OK if not report.refused else EXIT_REFUSED


# -- cases, report, overview -----------------------------------------------------------------------

# The parts of a case summary by the names --sections takes: the keys of reports.case_summary.Section
# (checked by tests/test_cli_report.py) and their Dutch names. Kept here so that `--help` does not
# load reportlab.
SECTION_NAMES: dict[str, str] = {
    "referral": "referral", "aanmelding": "referral",
    "agreements": "agreements", "afspraken": "agreements",
    "contacts": "contacts", "contacten": "contacts",
    "wellbeing": "wellbeing", "welbevinden": "wellbeing",
    "notes": "notes", "notities": "notes",
    "support": "support", "steun": "support",
}
# What a Flemish user types (05/03/2025, 5-3-2025, 5.3.2025) and what a script writes (2025-03-05).
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def _add_report_parsers(sub: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    sub.add_parser("cases", parents=[common], help=tr("toon je dossiers met hun id"),
                   description=tr("Toon elk dossier dat je mag lezen: id, naam, status en school, één per "
                                  "lijn. Het id gebruik je bij 'leerrecht report --case'."))

    period = _Parser(add_help=False)
    period.add_argument("--from", dest="period_from", default=None, metavar=tr("DATUM"),
                        help=tr("begin van de periode (inbegrepen), bv. 2024-09-01 of 01/09/2024"))
    period.add_argument("--to", dest="period_to", default=None, metavar=tr("DATUM"),
                        help=tr("einde van de periode (inbegrepen), bv. 2025-06-30 of 30/06/2025"))
    period.add_argument("--force", action="store_true", help=tr("overschrijf een bestaand bestand"))

    report = sub.add_parser("report", parents=[common, period],
                            help=tr("maak de samenvatting van een dossier als PDF"),
                            description=tr("Maak de samenvatting van één dossier als PDF om af te drukken, "
                                           "bv. voor een casusoverleg of een overdracht. Het id van een dossier "
                                           "toont 'leerrecht cases'."))
    report.add_argument("--case", required=True, metavar="ID",
                        help=tr("id van het dossier (of de eerste tekens ervan)"))
    report.add_argument("--out", required=True, type=Path, help=tr("het PDF-bestand om te schrijven"))
    report.add_argument("--pseudonymise", action="store_true",
                        help=tr("gepseudonimiseerd, voor een casusoverleg: geen namen, adres, telefoon of "
                                "geboortedatum"))
    report.add_argument("--sections", nargs="+", default=None, metavar=tr("DEEL"),
                        help=tr("alleen deze delen (de hoofding staat er altijd in): {names}",
                                names=", ".join(dict.fromkeys(SECTION_NAMES.values()))))
    report.add_argument("--password-env", default=None, metavar=tr("VARIABELE"),
                        help=tr("beveilig de PDF met het wachtwoord uit deze omgevingsvariabele (AES-256)"))

    sub.add_parser("overview", parents=[common, period],
                   help=tr("maak het teamoverzicht (aantallen, zonder namen) als PDF of CSV"),
                   description=tr("Tel het werk van het team voor een periode, over alle dossiers die je mag "
                                  "lezen: als PDF met grafieken of als CSV voor een rekenblad. Kleine "
                                  "aantallen staan er als <5 in."))\
        .add_argument("--out", required=True, type=Path, help=tr("het bestand om te schrijven: .pdf of .csv"))


def parse_date(value: str, option: str) -> dt.date:
    text = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise UsageError(tr("'{value}' is geen geldige datum voor {option}. Schrijf ze als 2025-03-05 of 05/03/2025.",
                        value=value, option=option))


def _period(args: argparse.Namespace) -> tuple[dt.date | None, dt.date | None]:
    start = parse_date(args.period_from, "--from") if args.period_from is not None else None
    end = parse_date(args.period_to, "--to") if args.period_to is not None else None
    if start and end and start > end:
        raise UsageError(tr("--from ({start}) ligt na --to ({end}). Kies een begin vóór het einde.",
                            start=start.strftime("%d/%m/%Y"), end=end.strftime("%d/%m/%Y")))
    return start, end


def _out_file(value: Path, suffixes: tuple[str, ...], example: str, force: bool, kinds: str) -> Path:
    """The --out file, checked before the passphrase is asked: the right kind, a folder that exists
    and can be written, and not a file that would be overwritten without --force."""
    out = Path(value).expanduser().absolute()
    if out.is_dir():
        raise UsageError(tr("{path} is een map. Geef een bestandsnaam, bv. {example}.", path=str(out),
                            example=example))
    if out.suffix.lower() not in suffixes:
        raise UsageError(tr("{path} moet eindigen op {suffixes}, bv. {example}.", path=str(out), suffixes=kinds,
                            example=example))
    folder = out.parent
    if not folder.is_dir():
        raise UsageError(tr("De map {path} bestaat niet. Kies een bestaande map voor --out.", path=str(folder)))
    if out.exists() and not force:
        raise CliError(tr("{path} bestaat al. Kies een andere naam, of gebruik --force om het te "
                          "overschrijven.", path=str(out)))
    try:  # proves the folder is writable, before anything is decrypted
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".leerrecht-", suffix=".tmp")
    except OSError as exc:
        raise UsageError(tr("Kan niet schrijven in {path}: {reason}.", path=str(folder),
                            reason=exc.strerror or type(exc).__name__)) from None
    os.close(fd)
    os.unlink(probe)
    return out


def _write_report(out: Path, data: bytes, force: bool) -> None:
    from leerrecht_desktop.reports.files import write_private

    try:
        write_private(out, data, overwrite=force)
    except FileExistsError:
        raise CliError(tr("{path} bestaat al. Kies een andere naam, of gebruik --force om het te "
                          "overschrijven.", path=str(out))) from None


def _find_case(summaries: list[CaseSummary], wanted: str) -> CaseSummary:
    """The case with this id, or the only one whose id starts with it (ids are long; like git, a
    unique beginning is enough)."""
    key = wanted.strip().lower()
    exact = [s for s in summaries if s.case_id.lower() == key]
    if exact:
        return exact[0]
    found = [s for s in summaries if len(key) >= 4 and s.case_id.lower().startswith(key)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise UsageError(tr("'{id}' past bij {n} dossiers. Geef meer tekens van het id (zie 'leerrecht cases').",
                            id=wanted, n=len(found)))
    raise CliError(tr("Geen dossier met id '{id}' op deze laptop. 'leerrecht cases' toont de ids van je dossiers.",
                      id=wanted))


def _status_label(status: str) -> str:
    try:
        return CaseStatus(status).label
    except ValueError:
        return status


def _cmd_cases(args: argparse.Namespace, data_dir: Path) -> int:
    with _workspace(data_dir) as ws:
        case_files = ws.unlock(_passphrase())
        try:
            summaries = case_files.summaries()
        finally:
            case_files.lock()
    for s in sorted(summaries, key=lambda s: (s.last_name.casefold(), s.first_name.casefold(), s.case_id)):
        print("\t".join((s.case_id, s.full_name, _status_label(s.status), s.school)))
    _say(tr("{n} dossiers.", n=len(summaries)))
    return EXIT_OK


def _cmd_report(args: argparse.Namespace, data_dir: Path) -> int:
    with _workspace(data_dir) as ws:
        start, end = _period(args)
        sections = _sections(args.sections)
        password: str | None = None
        if args.password_env is not None:
            password = os.environ.get(args.password_env) or None
            if password is None:
                raise UsageError(tr("De omgevingsvariabele {env} is leeg of niet gezet. Zet er het wachtwoord "
                                    "voor de PDF in.", env=args.password_env))
        out = _out_file(args.out, (".pdf",), "samenvatting.pdf", args.force, ".pdf")

        from leerrecht_desktop.reports.case_summary import (
            MIN_PASSWORD_LENGTH,
            Section,
            SummaryOptions,
            render_case_summary,
        )

        if password is not None and len(password) < MIN_PASSWORD_LENGTH:
            raise UsageError(tr("Het wachtwoord in {env} is te kort: kies er een van minstens {n} tekens.",
                                env=args.password_env, n=MIN_PASSWORD_LENGTH))

        case_files = ws.unlock(_passphrase())
        try:
            case_id = _find_case(case_files.summaries(), args.case).case_id
            case_file = case_files.load_case(case_id)
            made_by = case_files.me.name
        finally:
            case_files.lock()
        options = SummaryOptions(period_from=start, period_to=end,
                                 sections=frozenset(Section(s) for s in sections) if sections else frozenset(Section),
                                 pseudonymise=args.pseudonymise, password=password)
        pdf = render_case_summary(case_file.content, case_file.entries, options, made_by=made_by,
                                  made_at=dt.datetime.now(), today=dt.date.today())
        _write_report(out, pdf, args.force)
    print(tr("Samenvatting van dossier {id} geschreven naar {path}.", id=case_id, path=str(out)))
    if case_file.refused:
        _say(tr("{n} onderdelen van dit dossier konden niet veilig geopend worden en staan niet in de "
                "samenvatting. Meld dit aan je coördinator.", n=len(case_file.refused)))
    if password is None and not args.pseudonymise:
        _say(tr("Let op: deze PDF bevat persoonsgegevens en is niet met een wachtwoord beveiligd. Bewaar hem "
                "veilig en verwijder hem zodra je hem niet meer nodig hebt."))
    return EXIT_OK


def _sections(values: list[str] | None) -> list[str]:
    if not values:
        return []
    chosen: list[str] = []
    for value in values:
        for part in value.split(","):
            name = part.strip().casefold()
            if not name:
                continue
            if name not in SECTION_NAMES:
                raise UsageError(tr("Onbekend deel '{name}' voor --sections. Kies uit {names}.", name=part.strip(),
                                    names=", ".join(dict.fromkeys(SECTION_NAMES.values()))))
            chosen.append(SECTION_NAMES[name])
    return list(dict.fromkeys(chosen))


def _cmd_overview(args: argparse.Namespace, data_dir: Path) -> int:
    with _workspace(data_dir) as ws:
        start, end = _period(args)
        out = _out_file(args.out, (".pdf", ".csv"), "teamoverzicht.pdf", args.force,
                        tr(".pdf of .csv"))

        from leerrecht_desktop.reports.loading import load_readable_cases
        from leerrecht_desktop.reports.overview import compute_overview, render_overview

        case_files = ws.unlock(_passphrase())
        try:
            readable = load_readable_cases(case_files, unreadable=(CaseNotFound, CryptoError))
            made_by = case_files.me.name
        finally:
            case_files.lock()
        overview = compute_overview(readable.cases, start=start, end=end)
        data = render_overview(overview, out.suffix, made_by=made_by, made_at=dt.datetime.now())
        _write_report(out, data, args.force)
    print(tr("Teamoverzicht geschreven naar {path} ({n} dossiers gelezen).", path=str(out), n=len(readable.cases)))
    if readable.skipped_cases or readable.refused_records:
        _say(tr("{cases} dossiers en {parts} onderdelen konden niet veilig geopend worden en zijn niet meegeteld. "
                "Meld dit aan je coördinator.", cases=readable.skipped_cases, parts=readable.refused_records))
    return EXIT_OK
