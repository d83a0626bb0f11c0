"""`leerrecht assign` (hand a case, or every case of a colleague, to another worker) and `leerrecht
transfer` (a coordinator moves a case to another team). The work is `sync/handover.py`'s; httpx and
the sync engine are imported only when one of these runs."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from leerrecht_core.i18n import tr
from leerrecht_desktop.cli.common import EXIT_OK, Parser, UsageError, passphrase, say, workspace

if TYPE_CHECKING:
    from leerrecht_desktop.sync.handover import Handover


def add_assign(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    assign = sub.add_parser(
        "assign", parents=[shared], help=tr("draag een dossier (of alle dossiers van een collega) over"),
        description=tr("Zet 'Toegewezen aan' op een collega, deel het dossier met die collega en haal de vorige "
                       "begeleider eraf (met een nieuwe dossiersleutel), tenzij --keep-previous. Mag voor een "
                       "coördinator, of voor de begeleider aan wie het dossier is toegewezen. Zonder verbinding "
                       "wordt het klaargezet en met 'leerrecht sync' verstuurd."))
    which = assign.add_mutually_exclusive_group(required=True)
    which.add_argument("--case", default=None, help=tr("het id van het dossier (zie 'leerrecht cases')"))
    which.add_argument("--from", dest="from_user", default=None,
                       help=tr("draag alle dossiers over die aan deze collega zijn toegewezen (gebruikersnaam)"))
    assign.add_argument("--to", required=True,
                        help=tr("de nieuwe begeleider: de gebruikersnaam op de server, of de weergavenaam als "
                                "maar één collega zo heet"))
    assign.add_argument("--keep-previous", action="store_true",
                        help=tr("de vorige begeleider houdt toegang tot het dossier (geen nieuwe sleutel)"))


def add_transfer(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    transfer = sub.add_parser(
        "transfer", parents=[shared], help=tr("draag een dossier over aan een ander team (coördinator)"),
        description=tr("Een coördinator draagt een dossier over aan de coördinatoren van een ander team. Het team "
                       "van nu verliest de toegang (nieuwe dossiersleutel). Alleen met verbinding."))
    transfer.add_argument("--case", required=True, help=tr("het id van het dossier (zie 'leerrecht cases')"))
    transfer.add_argument("--team", required=True, help=tr("de naam van het andere team"))


@contextlib.contextmanager
def _session(data_dir: Path) -> Iterator[Handover]:
    """The unlocked data folder's hand-over session (asks the server for the people list), locked after."""
    from leerrecht_desktop.sync.handover import Handover

    with workspace(data_dir) as ws:
        case_files = ws.unlock(passphrase())
        try:
            session = Handover(case_files)
            try:
                yield session
            finally:
                session.close()
        finally:
            case_files.lock()


def run_assign(args: argparse.Namespace, data_dir: Path) -> int:
    from leerrecht_desktop.sync.handover import HandoverRefused, resolve

    with _session(data_dir) as session:
        team = session.state.team_id
        to = resolve(session.people, args.to, team)
        if args.case is not None:
            case_ids, previous = [args.case], None
        else:
            source = resolve(session.people, args.from_user, team)
            if source.user_id == to.user_id:
                raise UsageError(tr("--from en --to zijn dezelfde collega."))
            case_ids, previous = session.cases_of(source.user_id), {source.user_id}
            if not case_ids:
                raise HandoverRefused(tr("Op deze laptop zijn geen dossiers aan {name} toegewezen. "
                                         "Synchroniseer eerst als dat niet klopt.", name=source.display_name))
        outcome = session.run(case_ids, to, keep_previous=args.keep_previous, previous=previous)
    print(tr("{n} dossier(s) overgedragen aan {name}.", n=len(outcome.case_ids), name=to.display_name))
    if outcome.queued:
        say(tr("Geen verbinding met de server: de overdracht staat klaar en gaat mee met de volgende "
               "'leerrecht sync'."))
    for error in dict.fromkeys(outcome.errors):
        say(error)
    return EXIT_OK


def run_transfer(args: argparse.Namespace, data_dir: Path) -> int:
    with _session(data_dir) as session:
        answer = session.transfer(args.case, args.team)
    name = next((p.team_name for p in session.people if p.team_id == answer.team_id), answer.team_id)
    print(tr("Het dossier is overgedragen aan team {team}. Je team heeft er geen toegang meer toe.", team=name))
    return EXIT_OK
