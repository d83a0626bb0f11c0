"""`leerrecht erase`: erase one case file, everywhere (on the server and, at their next sync, on every
laptop that holds it) or, on a laptop that is not enrolled, here only (as the window does).

An enrolled laptop's erase is always `--everywhere`: a copy erased here only would come back at the next
sync. The sync engine is imported only when the command runs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from leerrecht_core.i18n import tr
from leerrecht_desktop.cli.common import EXIT_OK, CliError, Parser, passphrase, workspace
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.syncstore import SyncStore

if TYPE_CHECKING:
    from leerrecht_desktop.store.casefiles import CaseFiles


def add_erase(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    erase = sub.add_parser("erase", parents=[shared], help=tr("wis een dossier, overal"),
                           description=tr("Wis een dossier voor goed: met --everywhere op de server en op elke "
                                          "laptop die het heeft (bij zijn volgende synchronisatie); op een laptop "
                                          "die niet aangemeld is bij een server alleen hier."))
    erase.add_argument("--case", required=True, metavar="ID", help=tr("het id van het dossier (zie 'leerrecht cases')"))
    erase.add_argument("--everywhere", action="store_true",
                       help=tr("wis het op de server en op elke laptop (nodig op een aangemelde laptop)"))
    erase.add_argument("--reason", default=None,
                       help=tr("waarom het dossier gewist wordt, bv. 'verzoek van de ouders' (verplicht met "
                               "--everywhere; komt in het auditlogboek van de server)"))
    erase.add_argument("--ca-file", default=None, help=tr("eigen CA-certificaat (PEM) om de server te vertrouwen"))


def run_erase(args: argparse.Namespace, data_dir: Path) -> int:
    from leerrecht_desktop.sync.erasure import check_reason

    if args.everywhere:
        check_reason(args.reason)  # before the passphrase is asked: nothing to type twice
    with workspace(data_dir) as ws:
        case_files = ws.unlock(passphrase())
        try:
            enrolled = SyncStore(case_files).is_enrolled()
            if enrolled and not args.everywhere:
                raise CliError(tr("Deze laptop is aangemeld bij een server: een dossier dat alleen hier gewist "
                                  "wordt, komt bij de volgende synchronisatie terug. Gebruik --everywhere met "
                                  "--reason om het overal te wissen. Er is niets gewist."))
            if args.everywhere and not enrolled:
                raise CliError(tr("Deze laptop is niet aangemeld bij een server, dus 'overal' is alleen hier. Laat "
                                  "--everywhere weg om het dossier op deze laptop te wissen. Er is niets gewist."))
            try:
                name = case_files.summary(args.case).full_name or tr("een jongere")
            except CaseNotFound:
                raise CliError(tr("Dit dossier staat niet op deze laptop. Kijk het id na met 'leerrecht cases'. Er "
                                  "is niets gewist.")) from None
            if not enrolled:
                case_files.erase_case(args.case)
                print(tr("Het dossier van {name} is gewist op deze laptop.", name=name))
                return EXIT_OK
            print(_erase_everywhere(case_files, args, name))
        finally:
            case_files.lock()
    return EXIT_OK


def _erase_everywhere(case_files: CaseFiles, args: argparse.Namespace, name: str) -> str:
    from leerrecht_desktop.sync.engine import SyncEngine
    from leerrecht_desktop.sync.erasure import erase_everywhere, erased_message

    engine = SyncEngine.for_case_files(case_files, ca_file=args.ca_file)
    try:
        return erased_message(erase_everywhere(engine, args.case, args.reason), name)
    finally:
        engine.transport.close()
