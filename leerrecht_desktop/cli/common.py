"""What every command shares: exit codes, the refusals, the passphrase, opening the workspace, options.

The passphrase comes from LEERRECHT_PASSPHRASE, else from the terminal (without echo), else from one
line on standard input (scripts).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import set_language, tr
from leerrecht_desktop.store.database import database_path
from leerrecht_desktop.store.workspace import Workspace

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

PASSPHRASE_ENV = "LEERRECHT_PASSPHRASE"
ENROL_CODE_ENV = "LEERRECHT_ENROL_CODE"
PROG = "leerrecht"


class CliError(LeerrechtError):
    """A refusal of the command line, worded for the person at the keyboard; `code` is the exit code."""

    code = EXIT_REFUSED


class UsageError(CliError):
    """Wrong use of the command: a bad option or value (exit code 2, as argparse's own errors)."""

    code = EXIT_USAGE


class Parser(argparse.ArgumentParser):
    # argparse prints the whole usage block before its error; one line is easier to read and to
    # test for, and --help is one command away.
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, tr("{prog}: {message}. Zie '{prog} --help'.", prog=self.prog, message=message)
                  + "\n")


def say(message: str) -> None:
    """One line on stderr, prefixed with the program's name (stdout is kept for what scripts read)."""
    print(f"{PROG}: {' '.join(message.split())}", file=sys.stderr)


# -- passphrase ------------------------------------------------------------------------------------


def interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _read_secret(prompt: str) -> str:
    if interactive():
        try:
            return getpass.getpass(prompt)
        except EOFError:
            raise CliError(tr("Geen wachtwoordzin gekregen. Typ ze in, of zet {env}.", env=PASSPHRASE_ENV)) from None
    # Piped input (scripts): one line, no echo to worry about and no getpass warning.
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise CliError(tr("Geen wachtwoordzin gekregen. Typ ze in, of zet {env}.", env=PASSPHRASE_ENV))
    return line.rstrip("\r\n")


def passphrase() -> str:
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env
    return _read_secret(tr("Wachtwoordzin: "))


def new_passphrase() -> tuple[str, str]:
    """The new passphrase and its confirmation. Only a person at a terminal can mistype an invisible
    passphrase, so only they are asked twice."""
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env, from_env
    first = _read_secret(tr("Kies een wachtwoordzin (minstens 12 tekens, bv. een korte zin): "))
    if not interactive():
        return first, first
    return first, _read_secret(tr("Typ dezelfde wachtwoordzin nog een keer: "))


# -- workspace -------------------------------------------------------------------------------------


@contextlib.contextmanager
def workspace(data_dir: Path, *, read_only: bool = False) -> Iterator[Workspace]:
    """An existing workspace, with the language of its settings in force. `read_only`: a command that
    only reads, and must work on a full disk (see `DataFolder`)."""
    ws = Workspace(data_dir, read_only=read_only)
    try:
        set_language(ws.language)
        yield ws
    finally:
        ws.close()


@contextlib.contextmanager
def undo_on_failure(data_dir: Path) -> Iterator[None]:
    """Remove the database and folders this command created if it fails, so a second try starts clean
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


# -- options ---------------------------------------------------------------------------------------

# What a Flemish user types (05/03/2025, 5-3-2025, 5.3.2025) and what a script writes (2025-03-05).
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def int_option(value: str | None, option: str, lo: int, hi: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or not lo <= number <= hi:
        raise UsageError(tr("{option} moet een geheel getal van {lo} tot {hi} zijn, niet '{value}'.",
                            option=option, lo=lo, hi=hi, value=value))
    return number


def parse_date(value: str, option: str) -> dt.date:
    text = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise UsageError(tr("'{value}' is geen geldige datum voor {option}. Schrijf ze als 2025-03-05 of 05/03/2025.",
                        value=value, option=option))


def period(args: argparse.Namespace) -> tuple[dt.date | None, dt.date | None]:
    start = parse_date(args.period_from, "--from") if args.period_from is not None else None
    end = parse_date(args.period_to, "--to") if args.period_to is not None else None
    if start and end and start > end:
        raise UsageError(tr("--from ({start}) ligt na --to ({end}). Kies een begin vóór het einde.",
                            start=start.strftime("%d/%m/%Y"), end=end.strftime("%d/%m/%Y")))
    return start, end


def exists_refusal(out: Path) -> CliError:
    return CliError(tr("{path} bestaat al. Kies een andere naam, of gebruik --force om het te overschrijven.",
                       path=str(out)))


def writable_folder_probe(folder: Path, prefix: str) -> tuple[int, str]:
    """A new temporary file in `folder` (fd, name): proves the folder is writable before anything is
    decrypted or a passphrase asked."""
    try:
        return tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
    except OSError as exc:
        raise UsageError(tr("Kan niet schrijven in {path}: {reason}.", path=str(folder),
                            reason=exc.strerror or type(exc).__name__)) from None
