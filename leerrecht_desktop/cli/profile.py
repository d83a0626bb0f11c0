"""`leerrecht init` (create the profile on this laptop) and `leerrecht demo` (add fictitious case files)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from leerrecht_core.i18n import SUPPORTED_LANGUAGES, set_language, tr
from leerrecht_core.protocol import MAX_DISPLAY_NAME_LEN, has_control_character
from leerrecht_desktop.cli.common import (
    EXIT_OK,
    PASSPHRASE_ENV,
    CliError,
    Parser,
    UsageError,
    int_option,
    new_passphrase,
    passphrase,
    undo_on_failure,
    workspace,
)
from leerrecht_desktop.models.enums import Role
from leerrecht_desktop.models.passphrase import passphrase_problem
from leerrecht_desktop.models.validation import FieldError, ValidationError
from leerrecht_desktop.store.database import database_path
from leerrecht_desktop.store.workspace import Workspace

MAX_DEMO_CASES = 10_000
MAX_DEMO_ENTRIES = 500


def add_init(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    init = sub.add_parser("init", parents=[shared], help=tr("maak je profiel aan op deze laptop"),
                          description=tr("Maak je profiel aan. De wachtwoordzin komt uit {env} of wordt "
                                         "twee keer gevraagd.", env=PASSPHRASE_ENV))
    init.add_argument("--name", required=True, help=tr("je naam"))
    init.add_argument("--role", required=True,
                      help=tr("je rol: {roles}", roles=", ".join(r.value for r in Role)))
    init.add_argument("--team", default="", help=tr("je team (mag leeg blijven)"))
    init.add_argument("--language", default=None,
                      help=tr("taal van de app: {languages} (standaard nl)", languages=", ".join(SUPPORTED_LANGUAGES)))



def add_demo(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    demo = sub.add_parser("demo", parents=[shared], help=tr("voeg fictieve dossiers toe om te oefenen"),
                          description=tr("Voeg fictieve maar realistische dossiers toe aan een bestaand "
                                         "profiel. Alle namen en gegevens zijn verzonnen."))
    demo.add_argument("--cases", required=True, help=tr("aantal dossiers (1 tot {max})", max=MAX_DEMO_CASES))
    demo.add_argument("--entries", default=None,
                      help=tr("aantal notities per dossier (standaard 10 tot 40)"))
    demo.add_argument("--seed", default="0", help=tr("startwaarde: dezelfde waarde geeft dezelfde dossiers"))


def run_init(args: argparse.Namespace, data_dir: Path) -> int:
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
    # The server's limits (leerrecht_core.protocol), said now rather than at `leerrecht enroll`.
    if len(name) > MAX_DISPLAY_NAME_LEN:
        raise UsageError(tr("Je naam is te lang: {n} tekens, de server neemt er hoogstens {max}. Kort hem in "
                            "met --name.", n=len(name), max=MAX_DISPLAY_NAME_LEN))
    if has_control_character(name):
        raise UsageError(tr("Je naam bevat een onzichtbaar teken (zoals een tab of een regeleinde). Typ hem "
                            "opnieuw met --name."))
    if database_path(data_dir).exists():
        # Say so before asking for a passphrase that could not be used anyway.
        with workspace(data_dir) as ws:
            if args.language is not None:
                set_language(args.language)
            if ws.has_profile():
                raise CliError(tr("Er bestaat al een profiel in {path}. Ontgrendel het met je wachtwoordzin, "
                                  "of kies een andere map.", path=str(data_dir)))

    chosen, confirm = new_passphrase()
    problem = passphrase_problem(chosen, name=name)
    if problem:
        raise ValidationError([FieldError("passphrase", problem)])
    if confirm != chosen:
        raise CliError(tr("De twee wachtwoordzinnen zijn niet gelijk. Er is niets aangemaakt."))

    with undo_on_failure(data_dir):
        ws = Workspace(data_dir, create=True)
        try:
            case_files = ws.create_profile(name=name, role=role, team=args.team, passphrase=chosen,
                                           confirm=confirm)
            case_files.lock()
            if args.language is not None:
                ws.set_setting("language", args.language)
        finally:
            ws.close()
    print(tr("Profiel aangemaakt in {path} (rol: {role}).", path=str(data_dir), role=role))
    return EXIT_OK


def run_demo(args: argparse.Namespace, data_dir: Path) -> int:
    from leerrecht_desktop.demo import populate  # the name pools are only needed here

    with workspace(data_dir) as ws:
        cases = int_option(args.cases, "--cases", 1, MAX_DEMO_CASES)
        entries = None if args.entries is None else int_option(args.entries, "--entries", 0, MAX_DEMO_ENTRIES)
        seed = int_option(args.seed, "--seed", 0, 2**63 - 1)
        case_files = ws.unlock(passphrase())
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
