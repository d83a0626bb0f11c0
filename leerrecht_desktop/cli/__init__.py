"""The command line: the parser, one module per topic of commands, and the one place refusals are printed.

    leerrecht init   --data-dir D --name N --role R   create the profile on this laptop     (profile.py)
    leerrecht demo   --data-dir D --cases N           add N fictitious case files           (profile.py)
    leerrecht export --data-dir D --out F.json        everything you may read, decrypted    (cases.py)
    leerrecht export --data-dir D --case ID --out F.pdf|F.json   one young person's file (access request)
    leerrecht enroll --data-dir D --server URL --user U   connect this laptop to the server (sync.py)
    leerrecht sync   --data-dir D                     push and pull changes once            (sync.py)
    leerrecht cases  --data-dir D                     list your case files with their ids   (cases.py)
    leerrecht actions --data-dir D [--overdue]        the open actions across cases ("Te doen") (cases.py)
    leerrecht report --data-dir D --case ID --out F.pdf   a case summary as PDF             (reports.py)
    leerrecht overview --data-dir D --out F.pdf|F.csv     the team overview (counts, no names) (reports.py)
    leerrecht assign --data-dir D --case ID|--from U --to U   hand case files over            (assign.py)
    leerrecht transfer --data-dir D --case ID --team T    a case to another team (coordinator) (assign.py)
    leerrecht import --data-dir D FILE.csv|FILE.xlsx [--dry-run] [--yes]   cases from a spreadsheet (importing.py)
    leerrecht held-apart --data-dir D [--show|--accept|--discard NR]   review handed-in changes (held_apart.py)
    leerrecht attach --data-dir D --case ID FILE [--title T]   a scan or photo into a case (attachments.py)
    leerrecht attachments --data-dir D --case ID --out DIR    a case's attachments, decrypted (attachments.py)

Without a command the window opens; app.py, the composition root, hands that in (`main(window=...)`),
so nothing here imports Qt. Exit codes: 0 done, 1 refused (wrong passphrase, no data, a rule of the
data), 2 wrong use of the command, 130 interrupted. A refusal is one line on stderr, in the workspace's
language (Dutch until a workspace is open), and never holds case content: every `LeerrechtError` is its
own sentence. Anything else is a bug: its type goes on stderr and its frames to the log only;
LEERRECHT_DEBUG=1 shows the traceback instead.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from leerrecht_core.crypto.errors import CryptoError, WrongPassphrase
from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_desktop import __version__, paths
from leerrecht_desktop.cli import assign, attachments, cases, erase, held_apart, importing, profile, reports, sync
from leerrecht_desktop.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_REFUSED,
    PROG,
    CliError,
    Parser,
    say,
)
from leerrecht_desktop.models.validation import ValidationError

__all__ = ["CliError", "build_parser", "main"]

_log = logging.getLogger(__name__)

AddParser = Callable[["argparse._SubParsersAction[Parser]", Parser], None]
Command = Callable[[argparse.Namespace, Path], int]

# In the order `leerrecht --help` lists them.
_COMMANDS: tuple[tuple[str, AddParser, Command], ...] = (
    ("init", profile.add_init, profile.run_init),
    ("demo", profile.add_demo, profile.run_demo),
    ("export", cases.add_export, cases.run_export),
    ("enroll", sync.add_enroll, sync.run_enroll),
    ("sync", sync.add_sync, sync.run_sync),
    ("cases", cases.add_cases, cases.run_cases),
    ("import", importing.add_import, importing.run_import),
    ("actions", cases.add_actions, cases.run_actions),
    ("report", reports.add_report, reports.run_report),
    ("overview", reports.add_overview, reports.run_overview),
    ("assign", assign.add_assign, assign.run_assign),
    ("transfer", assign.add_transfer, assign.run_transfer),
    ("held-apart", held_apart.add_held_apart, held_apart.run_held_apart),
    ("erase", erase.add_erase, erase.run_erase),
    ("attach", attachments.add_attach, attachments.run_attach),
    ("attachments", attachments.add_attachments, attachments.run_attachments),
)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
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
    shared = Parser(add_help=False)
    shared.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                        help=tr("map met je Leerrecht-gegevens"))
    sub = parser.add_subparsers(dest="command", metavar=tr("opdracht"))
    for _name, add_parser, _run in _COMMANDS:
        add_parser(sub, shared)
    return parser


def main(args: argparse.Namespace, data_dir: Path, *, window: Callable[[Path], int]) -> int:
    """Run the parsed command, or `window` without one, and turn what it raises into one line and an
    exit code."""
    try:
        if args.command is None:
            return window(data_dir)
        run = {name: command for name, _add, command in _COMMANDS}[args.command]
        return run(args, data_dir)
    except KeyboardInterrupt:
        say(tr("Afgebroken."))
        return EXIT_INTERRUPTED
    except LeerrechtError as exc:
        say(_refusal(exc))
        return exc.code if isinstance(exc, CliError) else EXIT_REFUSED
    except SQLAlchemyError as exc:
        # Only the driver's own short reason: SQLAlchemy's text also holds the statement.
        reason = str(getattr(exc, "orig", None) or type(exc).__name__)
        say(tr("De databank in {path} kan niet gebruikt worden ({reason}).", path=str(data_dir), reason=reason))
        return EXIT_REFUSED
    except OSError as exc:
        say(tr("Fout bij het lezen of schrijven van {path}: {reason}.",
               path=str(exc.filename or data_dir), reason=exc.strerror or type(exc).__name__))
        return EXIT_REFUSED
    except Exception as exc:
        _log.error("unexpected error in %s", args.command or "window", exc_info=True)  # type and frames only
        if os.environ.get("LEERRECHT_DEBUG"):
            raise
        # The type only: an unexpected exception's text could quote data.
        say(tr("Er ging iets onverwacht mis ({error}). Zet LEERRECHT_DEBUG=1 voor details.",
               error=type(exc).__name__))
        return EXIT_REFUSED


def _refusal(exc: LeerrechtError) -> str:
    """The line a refusal prints: its own sentence. Two kinds are worded as the command line always
    worded them: a form's problems one after the other, and a part the vault refused (other than a
    wrong passphrase) with what it was."""
    if isinstance(exc, ValidationError):
        return " ".join(e.message for e in exc.errors)
    if isinstance(exc, CryptoError) and not isinstance(exc, WrongPassphrase):
        return tr("Een deel van de gegevens kon niet geopend worden: {reason}", reason=str(exc))
    return exc.user_message
