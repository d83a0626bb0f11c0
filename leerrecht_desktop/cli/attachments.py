"""`leerrecht attach` (seal a scan or photo into a case file) and `leerrecht attachments` (write a case's
attachments to a folder, byte for byte, with their own names).

The file is checked (size, type by its content) before the passphrase is asked, so a wrong file
costs no typing; the store checks it again when it seals it."""

from __future__ import annotations

import argparse
import os
from pathlib import Path, PurePath

from leerrecht_core.crypto.attachments import MAX_SIZE
from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.i18n import tr
from leerrecht_desktop.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    CliError,
    Parser,
    UsageError,
    passphrase,
    say,
    workspace,
    writable_folder_probe,
)
from leerrecht_desktop.cli.reports import find_case
from leerrecht_desktop.models.attachment_types import SNIFF_BYTES, check_size, check_type, safe_file_name

# "scan.pdf", "scan (2).pdf", ... up to this many; a folder that full is a mistake, not a wish.
_MAX_SAME_NAME = 1000


def add_attach(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    attach = sub.add_parser("attach", parents=[shared], help=tr("voeg een scan of foto toe aan een dossier"),
                            description=tr("Voeg een bestand toe aan een dossier als bijlage, versleuteld zoals de "
                                           "rest van het dossier: een foto of scan als JPEG, PNG of HEIC, of een "
                                           "PDF, van hoogstens {limit} MB.", limit=MAX_SIZE // (1024 * 1024)))
    attach.add_argument("--case", required=True, metavar="ID",
                        help=tr("id van het dossier (of de eerste tekens ervan)"))
    attach.add_argument("--title", default="", help=tr("een titel voor de bijlage, bv. 'Toestemming ouders'"))
    attach.add_argument("file", type=Path, metavar=tr("BESTAND"), help=tr("het bestand om toe te voegen"))


def add_attachments(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    listing = sub.add_parser("attachments", parents=[shared],
                             help=tr("schrijf de bijlagen van een dossier naar een map"),
                             description=tr("Schrijf elke bijlage van een dossier, ontsleuteld, naar een map, met "
                                            "haar eigen naam. Een naam die er al is, wordt niet overschreven: het "
                                            "nieuwe bestand krijgt ' (2)' erbij."))
    listing.add_argument("--case", required=True, metavar="ID",
                         help=tr("id van het dossier (of de eerste tekens ervan)"))
    listing.add_argument("--out", required=True, type=Path, metavar=tr("MAP"),
                         help=tr("de map om de bestanden in te schrijven (wordt gemaakt als ze er niet is)"))


def check_file(path: Path) -> Path:
    """The file to attach, checked before the passphrase: it exists, is small enough, of an accepted type."""
    file = path.expanduser().absolute()
    if not file.is_file():
        raise UsageError(tr("Het bestand {path} bestaat niet of is geen gewoon bestand.", path=str(file)))
    with file.open("rb") as fh:
        check_size(os.fstat(fh.fileno()).st_size, MAX_SIZE)
        check_type(fh.read(SNIFF_BYTES), file.name)
    return file


def run_attach(args: argparse.Namespace, data_dir: Path) -> int:
    from leerrecht_desktop.store.attachments import Attachments

    with workspace(data_dir) as ws:
        file = check_file(args.file)
        case_files = ws.unlock(passphrase())
        try:
            case_id = find_case(case_files.summaries(), args.case).case_id
            info = Attachments(case_files).add(case_id, file, args.title)
        finally:
            case_files.lock()
    print(tr("{name} is toegevoegd aan dossier {id} als bijlage {attachment} ({size} bytes).", name=info.file_name,
             id=case_id, attachment=info.attachment_id, size=info.size))
    return EXIT_OK


def out_folder(value: Path) -> Path:
    """The --out folder, checked before the passphrase: a folder that can be written, or a new one
    inside such a folder (made, private, once there is something to write: `make_folder`)."""
    out = value.expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise UsageError(tr("{path} is een bestand, geen map. Geef een map voor --out.", path=str(out)))
    existing = out if out.exists() else out.parent
    if not existing.is_dir():
        raise UsageError(tr("De map {path} bestaat niet. Kies een bestaande map voor --out.", path=str(out.parent)))
    fd, probe = writable_folder_probe(existing, ".leerrecht-")
    os.close(fd)
    os.unlink(probe)
    return out


def make_folder(out: Path) -> None:
    if not out.exists():
        out.mkdir(mode=0o700)


def free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or with " (2)", " (3)", ... before its extension if that name is taken."""
    safe = safe_file_name(name)
    path = PurePath(safe)
    stem, suffix = (path.stem, path.suffix) if path.stem else (safe, "")
    for n in range(1, _MAX_SAME_NAME + 1):
        candidate = folder / (safe if n == 1 else f"{stem} ({n}){suffix}")
        if not candidate.exists():
            return candidate
    raise CliError(tr("Er staan al te veel bestanden met de naam {name} in {path}.", name=safe, path=str(folder)))


def run_attachments(args: argparse.Namespace, data_dir: Path) -> int:
    from leerrecht_desktop.store.access_log import AccessLog
    from leerrecht_desktop.store.attachments import Attachments

    # Only reads the data folder (the files go to --out): it works on a full disk too.
    with workspace(data_dir, read_only=True) as ws:
        out = out_folder(args.out)
        case_files = ws.unlock(passphrase())
        written: list[Path] = []
        refused = 0
        try:
            case_id = find_case(case_files.summaries(), args.case).case_id
            store = Attachments(case_files)
            for info in store.list(case_id):
                if info.refused:
                    refused += 1
                    continue
                make_folder(out)
                while True:
                    target = free_name(out, info.file_name)
                    try:
                        store.save_as(info.attachment_id, target)
                    except FileExistsError:  # appeared meanwhile: the next free name
                        continue
                    except CryptoError:
                        refused += 1
                    else:
                        written.append(target)
                    break
            if written:
                AccessLog.of(case_files).record(case_id, "case_exported")  # while unlocked; never raises
        finally:
            case_files.lock()
    for path in written:
        print(path)
    if not written and not refused:
        say(tr("Dossier {id} heeft geen bijlagen.", id=case_id))
    if written:
        say(tr("{n} bijlagen geschreven naar {path}. Ze bevatten persoonsgegevens en zijn niet versleuteld: bewaar "
               "ze veilig en verwijder ze zodra je ze niet meer nodig hebt.", n=len(written), path=str(out)))
    if refused:
        say(tr("{n} bijlagen van dit dossier konden niet veilig geopend worden en zijn niet geschreven. Meld dit "
               "aan je coördinator.", n=refused))
        return EXIT_REFUSED
    return EXIT_OK
