"""`leerrecht enroll` (connect this laptop to the sync server) and `leerrecht sync` (push and pull once).

httpx and the sync engine are imported only when one of these runs."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from leerrecht_core.crypto.errors import WrongPassphrase
from leerrecht_core.i18n import tr
from leerrecht_desktop.cli.common import (
    ENROL_CODE_ENV,
    EXIT_OK,
    EXIT_REFUSED,
    PROG,
    CliError,
    Parser,
    interactive,
    new_passphrase,
    passphrase,
    say,
    undo_on_failure,
    workspace,
)
from leerrecht_desktop.store.database import database_path

if TYPE_CHECKING:
    from leerrecht_desktop.sync.engine import SyncProgress


def add_enroll(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    enroll = sub.add_parser("enroll", parents=[shared], help=tr("meld deze laptop aan bij de server"),
                            description=tr("Meld deze laptop aan bij de synchronisatieserver. Met een bestaand "
                                           "profiel: met de aanmeldcode van de beheerder (uit {env} of gevraagd). "
                                           "In een lege map: je tweede laptop, met gebruikersnaam en "
                                           "wachtwoordzin.", env=ENROL_CODE_ENV))
    enroll.add_argument("--server", required=True, help=tr("adres van de server, bv. https://leerrecht.voorbeeld.be"))
    enroll.add_argument("--user", required=True, help=tr("je gebruikersnaam op de server"))
    enroll.add_argument("--pin-sha256", default=None,
                        help=tr("vingerafdruk (SHA-256) van het certificaat van de server, om het vast te pinnen"))
    enroll.add_argument("--ca-file", default=None, help=tr("eigen CA-certificaat (PEM) om de server te vertrouwen"))
    enroll.add_argument("--reset-profile", action="store_true",
                        help=tr("wachtwoordzin vergeten: verstuur eerst wat nog niet verstuurd was, zet het oude "
                                "profiel dan opzij in backups/ en maak een nieuw met een nieuwe wachtwoordzin "
                                "(na een nieuwe aanmeldcode van de beheerder)"))


def add_sync(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    sync = sub.add_parser("sync", parents=[shared], help=tr("synchroniseer nu met de server"),
                          description=tr("Verstuur je wijzigingen en haal die van je collega's op, één keer."))
    sync.add_argument("--ca-file", default=None, help=tr("eigen CA-certificaat (PEM) om de server te vertrouwen"))
    sync.add_argument("--progress", action="store_true",
                      help=tr("toon de voortgang (standaard alleen in een terminal)"))


def _enrol_code() -> str:
    from_env = os.environ.get(ENROL_CODE_ENV)
    if from_env:
        return from_env
    if not interactive():
        raise CliError(tr("Geen aanmeldcode gekregen. Zet {env} of typ ze in.", env=ENROL_CODE_ENV))
    try:
        return input(tr("Aanmeldcode van de beheerder: ")).strip()
    except EOFError:
        raise CliError(tr("Geen aanmeldcode gekregen. Zet {env} of typ ze in.", env=ENROL_CODE_ENV)) from None


def run_enroll(args: argparse.Namespace, data_dir: Path) -> int:
    from leerrecht_desktop.sync.account import enrol, login_new_laptop
    from leerrecht_desktop.sync.transport import Unauthorized, check_server_url, normalise_pin

    server = check_server_url(args.server)  # refuse plain http to a remote host before asking anything
    pin = normalise_pin(args.pin_sha256)
    has_profile = False
    if database_path(data_dir).exists():
        with workspace(data_dir) as ws:
            has_profile = ws.has_profile()
    if not has_profile:
        # An empty folder: a further laptop of a user who is enrolled already. A first laptop (it got an
        # enrolment code) needs a profile first: say so, instead of the server's "unknown laptop".
        first_laptop = tr("Deze map heeft nog geen profiel. Maak er eerst een met 'leerrecht init --data-dir {dir} "
                          "--name NAAM --role ROL --team TEAM' en meld deze laptop dan aan met de code van de "
                          "beheerder.", dir=str(data_dir))
        secret = passphrase()
        try:
            with undo_on_failure(data_dir):
                ws, case_files = login_new_laptop(data_dir, server, args.user, secret, pinned_sha256=pin,
                                                  ca_file=args.ca_file)
                case_files.lock()
                ws.close()
        except Unauthorized:
            if os.environ.get(ENROL_CODE_ENV):  # the beheerder's code: a first laptop, which needs `init`
                raise CliError(first_laptop) from None
            raise CliError(tr("Aanmelden met gebruikersnaam en wachtwoordzin lukt alleen als je al een andere "
                              "laptop aangemeld hebt.") + " " + first_laptop) from None
        print(tr("Deze laptop is aangemeld als {user}. Gebruik 'leerrecht sync' om je dossiers op te halen.",
                 user=args.user))
        return EXIT_OK
    if args.reset_profile:
        return _reset_profile(args, data_dir, server, pin)
    with workspace(data_dir) as ws:
        code = _enrol_code()
        secret = passphrase()
        try:
            case_files = ws.unlock(secret)
        except WrongPassphrase as exc:
            raise CliError(str(exc) + " " + tr(
                "Wachtwoordzin vergeten en een nieuwe aanmeldcode gekregen? Gebruik dan --reset-profile: wat nog "
                "niet verstuurd was, wordt eerst verstuurd, het oude profiel opzij gezet en een nieuw gemaakt.")) \
                from None
        try:
            from leerrecht_desktop.store.syncstore import SyncStore

            if SyncStore(case_files).is_enrolled():
                raise CliError(tr("Deze laptop is al aangemeld bij een server."))
            report = enrol(ws, case_files, server, args.user, code, secret, pinned_sha256=pin,
                           ca_file=args.ca_file)
        finally:
            case_files.lock()
    print(tr("Deze laptop is aangemeld als {user}.", user=args.user))
    if report.rebound:
        say(tr("Dit profiel is gekoppeld aan je bestaande account. Je dossiers komen terug zodra de beheerder "
               "ze hersteld heeft; gebruik dan 'leerrecht sync'."))
    for error in report.errors:
        say(error)
    return EXIT_OK


def _reset_profile(args: argparse.Namespace, data_dir: Path, server: str, pin: str | None) -> int:
    """`enroll --reset-profile`: the old folder whose passphrase is forgotten (sync/reenrol.py)."""
    from leerrecht_desktop.sync.reenrol import reenrol_forgotten, unsent_changes

    say(tr("Je oude profiel wordt vervangen: eerst worden {n} niet-verstuurde wijzigingen verstuurd, dan wordt "
           "het oude profiel opzij gezet in {path}.", n=unsent_changes(data_dir), path=str(data_dir / "backups")))
    code = _enrol_code()
    secret, confirm = new_passphrase()
    if secret != confirm:
        raise CliError(tr("De twee wachtwoordzinnen zijn niet gelijk. Typ ze opnieuw."))
    done = reenrol_forgotten(data_dir, server, args.user, code, secret, pinned_sha256=pin, ca_file=args.ca_file)
    print(tr("Deze laptop is opnieuw aangemeld als {user}, met je nieuwe wachtwoordzin.", user=args.user))
    say(tr("{n} niet-verstuurde wijzigingen zijn verstuurd. Het oude profiel staat in {path}.",
           n=done.delivery.delivered, path=str(done.set_aside)))
    if done.delivery.quarantined:
        say(tr("{n} wijzigingen die de server eerder weigerde, bleven in die kopie.", n=done.delivery.quarantined))
    say(tr("Je dossiers komen terug zodra de beheerder ze hersteld heeft; gebruik dan 'leerrecht sync'."))
    return EXIT_OK


def _progress_line(progress: SyncProgress) -> None:
    """One line per page on stderr (stdout keeps only the summary, for scripts)."""
    phase = {"push": tr("Versturen"), "pull": tr("Ontvangen"), "history": tr("Geschiedenis ophalen")}
    done = (f"{progress.records_done}/{progress.records_total}" if progress.records_total is not None
            else str(progress.records_done))
    print(f"{PROG}: {phase[progress.phase]}: {done} ({progress.bytes_done / 1e6:.1f} MB)", file=sys.stderr,
          flush=True)


def run_sync(args: argparse.Namespace, data_dir: Path) -> int:
    from leerrecht_desktop.sync.engine import SyncEngine

    show = bool(getattr(args, "progress", False)) or sys.stderr.isatty()

    with workspace(data_dir) as ws:
        case_files = ws.unlock(passphrase())
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
        say(tr("De server was teruggezet naar een oudere back-up; {n} van je wijzigingen zijn opnieuw "
               "verstuurd.", n=report.requeued))
    if report.quarantined:
        say(tr("{n} wijzigingen werden door de server geweigerd en staan apart (quarantaine).",
               n=report.quarantined))
    for error in dict.fromkeys(report.errors):  # each different message once
        say(error)
    return EXIT_OK if not report.refused else EXIT_REFUSED
