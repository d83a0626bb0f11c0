"""`leerrecht held-apart`: a coordinator's review of the changes a revoked laptop or a removed member
handed in (sync/held_apart_review.py). Without an option it lists what waits; --show, --accept and
--discard act on one item. Only with a connection."""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from leerrecht_core.i18n import tr
from leerrecht_desktop.cli.common import EXIT_OK, Parser, passphrase, say, workspace

if TYPE_CHECKING:
    from leerrecht_core.protocol_held_apart import HeldApartItem
    from leerrecht_desktop.sync.held_apart_review import HeldApartReview


def add_held_apart(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    held = sub.add_parser(
        "held-apart", parents=[shared], help=tr("bekijk apart gezette wijzigingen en beslis erover (coördinator)"),
        description=tr("Wijzigingen die een ingetrokken laptop of een uit het dossier verwijderde collega nog "
                       "niet had verstuurd, staan apart op de server. Niets ervan komt vanzelf in een dossier: "
                       "een coördinator neemt elke wijziging over of gooit ze weg. Zonder optie: de lijst."))
    which = held.add_mutually_exclusive_group()
    which.add_argument("--show", type=int, metavar="NR", help=tr("toon de inhoud van één wijziging"))
    which.add_argument("--accept", type=int, metavar="NR", help=tr("neem de wijziging over in het dossier"))
    which.add_argument("--discard", type=int, metavar="NR", help=tr("gooi de wijziging weg"))
    held.add_argument("--all", action="store_true", help=tr("toon ook wat al beslist is"))


@contextlib.contextmanager
def _review(data_dir: Path) -> Iterator[HeldApartReview]:
    from leerrecht_desktop.sync.engine import SyncEngine
    from leerrecht_desktop.sync.held_apart_review import HeldApartReview

    with workspace(data_dir) as ws:
        case_files = ws.unlock(passphrase())
        try:
            engine = SyncEngine.for_case_files(case_files)
            try:
                yield HeldApartReview(engine)
            finally:
                engine.transport.close()
        finally:
            case_files.lock()




def _line(item: HeldApartItem) -> str:
    from leerrecht_desktop.sync.held_apart_review import reason_word, received_text, status_word

    return "\t".join([
        str(item.item_id), received_text(item), item.case_id, item.kind,
        item.author_name, reason_word(item.reason), status_word(item.status)
        + ("" if item.openable else " (" + tr("alleen met de herstelsleutel") + ")")])


def run_held_apart(args: argparse.Namespace, data_dir: Path) -> int:
    with _review(data_dir) as review:
        if args.show is not None:
            opened = review.open(args.show)
            print(_line(opened.item))
            print(json.dumps(opened.payload, ensure_ascii=False, indent=2) if opened.payload is not None
                  else tr("(deze wijziging verwijdert het onderdeel)"))
        elif args.accept is not None:
            item = review.accept(args.accept)
            say(tr("Overgenomen in het dossier als jouw wijziging; je collega's krijgen ze met hun volgende "
                   "synchronisatie."))
            print(_line(item))
        elif args.discard is not None:
            item = review.discard(args.discard)
            say(tr("Weggegooid; de wijziging komt niet in het dossier."))
            print(_line(item))
        else:
            items = review.items(decided=args.all)
            if not items:
                say(tr("Er staan geen wijzigingen apart voor je team."))
            for item in items:
                print(_line(item))
    return EXIT_OK
