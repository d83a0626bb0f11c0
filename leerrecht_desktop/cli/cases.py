"""`leerrecht cases` (your case files with their ids), `leerrecht actions` (the "Te doen" list) and
`leerrecht export` (everything you may read, decrypted, as JSON: the GDPR right of access and
portability; with --case, one young person's file as a
PDF a family can read, or as JSON)."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import json
import os
from pathlib import Path

from leerrecht_core.i18n import tr
from leerrecht_desktop.cli.common import (
    EXIT_OK,
    CliError,
    Parser,
    UsageError,
    exists_refusal,
    passphrase,
    say,
    workspace,
    writable_folder_probe,
)
from leerrecht_desktop.cli.reports import find_case, out_file, write_report
from leerrecht_desktop.models.enums import CaseStatus

# The kinds of file `export --case` writes; reports.access_request.SUFFIXES (not imported here, so that
# --help does not load reportlab; tests/test_cli_access_export.py checks they agree).
SUFFIXES = (".pdf", ".json")

# A full disk, or a full quota.
_NO_ROOM = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


def add_export(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    export = sub.add_parser("export", parents=[shared], help=tr("exporteer alles wat je mag lezen (AVG)"),
                            description=tr("Schrijf alle dossiers die je mag lezen, ontsleuteld, naar een "
                                           "JSON-bestand (recht op inzage en overdraagbaarheid)."))
    export.add_argument("--out", required=True, type=Path,
                        help=tr("het JSON-bestand om te schrijven; met --case ook een PDF (.pdf)"))
    export.add_argument("--case", default=None, metavar="ID",
                        help=tr("alleen dit dossier (id of de eerste tekens ervan), voor een inzageverzoek: "
                                ".pdf om aan de jongere of het gezin te geven, .json om over te dragen"))
    export.add_argument("--force", action="store_true", help=tr("overschrijf een bestaand bestand"))


def add_cases(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    sub.add_parser("cases", parents=[shared], help=tr("toon je dossiers met hun id"),
                   description=tr("Toon elk dossier dat je mag lezen: id, naam, status en school, één per "
                                  "lijn. Het id gebruik je bij 'leerrecht report --case'."))


def add_actions(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    actions = sub.add_parser("actions", parents=[shared], help=tr("toon wat er te doen is (Te doen)"),
                             description=tr("Toon elke open actie en volgende stap over je dossiers heen, de "
                                            "vroegste eerst: datum, dossier-id, naam, actie en wie ze doet, één "
                                            "per lijn (gescheiden door tabs)."))
    actions.add_argument("--overdue", action="store_true", help=tr("alleen wat over tijd is"))
    actions.add_argument("--mine", action="store_true", help=tr("alleen je eigen acties"))


def run_actions(args: argparse.Namespace, data_dir: Path) -> int:
    from leerrecht_desktop.store.actions import gather

    today = dt.date.today()
    with workspace(data_dir, read_only=True) as ws:
        case_files = ws.unlock(passphrase())
        try:
            found = gather(case_files)
            user_id, name = case_files.user.user_id, case_files.user.name
        finally:
            case_files.lock()
    if args.mine:
        found = [a for a in found if a.is_mine(user_id, name)]
    late = sum(a.overdue(today) for a in found)
    if args.overdue:
        found = [a for a in found if a.overdue(today)]
    for a in found:
        print("\t".join((a.due_on.strftime("%d/%m/%Y"), a.case_id, a.case_name, " ".join(a.text.split()),
                         a.owner)))
    say(tr("{n} acties, waarvan {late} over tijd.", n=len(found), late=late) if not args.overdue
        else tr("{n} acties over tijd.", n=len(found)))
    return EXIT_OK


def _status_label(status: str) -> str:
    try:
        return CaseStatus(status).label
    except ValueError:
        return status


def run_cases(args: argparse.Namespace, data_dir: Path) -> int:
    with workspace(data_dir, read_only=True) as ws:
        case_files = ws.unlock(passphrase())
        try:
            summaries = case_files.summaries()
        finally:
            case_files.lock()
    for s in sorted(summaries, key=lambda s: (s.last_name.casefold(), s.first_name.casefold(), s.case_id)):
        print("\t".join((s.case_id, s.full_name, _status_label(s.status), s.school)))
    say(tr("{n} dossiers.", n=len(summaries)))
    return EXIT_OK


def run_export(args: argparse.Namespace, data_dir: Path) -> int:
    if args.case is not None:
        return _run_case_export(args, data_dir)
    with workspace(data_dir, read_only=True) as ws:
        out = Path(args.out).expanduser().absolute()
        if out.suffix.lower() == ".pdf":
            raise UsageError(tr("Een PDF kan alleen voor één dossier: geef --case ID, of kies een .json-bestand "
                                "voor alle dossiers."))
        folder = out.parent
        if out.is_dir():
            raise UsageError(tr("{path} is een map. Geef een bestandsnaam, bv. export.json.", path=str(out)))
        if not folder.is_dir():
            raise UsageError(tr("De map {path} bestaat niet. Kies een bestaande map voor --out.", path=str(folder)))
        if out.exists() and not args.force:
            raise exists_refusal(out)
        # Creating the temporary file first proves the folder is writable before the passphrase is asked.
        fd, tmp_name = writable_folder_probe(folder, ".leerrecht-export-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                case_files = ws.unlock(passphrase())
                try:
                    data = case_files.export()
                finally:
                    case_files.lock()
                try:
                    json.dump(data, fh, ensure_ascii=False, indent=2)
                    fh.write("\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                except OSError as exc:
                    if exc.errno not in _NO_ROOM:
                        raise
                    raise CliError(tr(
                        "Er is niet genoeg plaats in {path} voor de export. Er is niets geschreven. Maak plaats "
                        "vrij, of kies met --out een andere schijf (bv. een USB-stick).", path=str(folder))) from None
            os.chmod(tmp, 0o600)
            _publish(tmp, out, overwrite=args.force)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
    print(tr("{n} dossiers geëxporteerd naar {path}.", n=len(data["cases"]), path=str(out)))
    if data["refused"]:
        say(tr("{n} onderdelen waren beschadigd of gewijzigd buiten de app en staan niet in de export "
               "(zie \"refused\" in het bestand). Meld dit aan je coördinator.", n=len(data["refused"])))
    say(tr("Let op: dit bestand is NIET versleuteld en bevat persoonsgegevens van jongeren. Bewaar het "
           "veilig en verwijder het zodra je het niet meer nodig hebt."))
    return EXIT_OK


def _publish(tmp: Path, out: Path, *, overwrite: bool) -> None:
    """Give the finished temporary file its name in one step, so `out` is never half written."""
    from leerrecht_desktop.reports.files import fsync_dir, publish

    try:
        publish(tmp, out, overwrite=overwrite)
    except FileExistsError:
        raise exists_refusal(out) from None
    fsync_dir(out.parent)


def _run_case_export(args: argparse.Namespace, data_dir: Path) -> int:
    """One young person's case file (an access request): a PDF for the family or JSON for portability."""
    # Only reads the data folder (the file goes to --out): it works on a full disk too.
    with workspace(data_dir, read_only=True) as ws:
        out = out_file(args.out, SUFFIXES, "inzage.pdf", args.force, tr(".pdf of .json"))

        from leerrecht_desktop.reports.access_request import make_access_request
        from leerrecht_desktop.store.access_log import AccessLog

        case_files = ws.unlock(passphrase())
        try:
            case_id = find_case(case_files.summaries(), args.case).case_id
            made = make_access_request(case_files, case_id, out.suffix, made_at=dt.datetime.now())
            if out.suffix.lower() != ".json":  # the JSON is CaseFiles.export's, which records it
                AccessLog.of(case_files).record(case_id, "case_exported")
        finally:
            case_files.lock()
        write_report(out, made.data, args.force)
    print(tr("Inzage in dossier {id} geschreven naar {path}.", id=case_id, path=str(out)))
    if made.refused:
        say(tr("{n} onderdelen van dit dossier konden niet veilig geopend worden en staan niet in het bestand. "
               "Meld dit aan je coördinator.", n=made.refused))
    say(tr("Let op: dit bestand is NIET versleuteld en bevat persoonsgegevens van een jongere. Geef het alleen "
           "aan wie erom vroeg, en verwijder je eigen kopie zodra het overhandigd is."))
    return EXIT_OK
