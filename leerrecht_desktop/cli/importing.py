"""`leerrecht import --data-dir D FILE.csv|FILE.xlsx`: an existing caseload from a spreadsheet.

It always shows the preview first (rows, new cases, duplicates, every row's problem) and writes only
once the person confirms: `--yes`, or "j" at the question on a terminal. `--dry-run` stops after the
preview. A file with problem rows is refused as a whole unless `--skip-invalid` (then the good rows
are imported and the others listed). The preview goes to stdout, one line each; refusals are the
usual one line on stderr. docs/import.md describes the file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from leerrecht_core.i18n import tr
from leerrecht_desktop.cli.common import (
    EXIT_OK,
    CliError,
    Parser,
    UsageError,
    interactive,
    passphrase,
    say,
    workspace,
)

if TYPE_CHECKING:  # the store's import modules load only when the command runs
    from leerrecht_desktop.store.importing.plan import Duplicates, Preview

_SUFFIXES = (".csv", ".xlsx")
_YES = frozenset({"j", "ja", "y", "yes"})


def add_import(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    command = sub.add_parser(
        "import", parents=[shared], help=tr("lees dossiers in uit een spreadsheet (.csv of .xlsx)"),
        description=tr("Lees een bestaande caseload in uit een .csv- of .xlsx-bestand (de kolomnamen in rij 1). "
                       "Eerst toont Leerrecht wat het zou doen; pas na bevestiging wordt er iets geschreven. "
                       "Zie docs/import.md."))
    command.add_argument("file", type=Path, metavar=tr("BESTAND"), help=tr("het .csv- of .xlsx-bestand"))
    command.add_argument("--dry-run", action="store_true", help=tr("toon alleen wat er zou gebeuren"))
    command.add_argument("--yes", action="store_true", help=tr("importeer zonder het te vragen"))
    command.add_argument("--map", action="append", default=[], metavar=tr("KOLOM=VELD"),
                         help=tr("lees deze kolom als dit veld, bv. \"Geb. dat.=birth_date\"; - slaat de kolom "
                                 "over; mag herhaald worden en wordt onthouden"))
    command.add_argument("--duplicates", choices=("skip", "merge"), default="skip",
                         help=tr("wat met een jongere die al een dossier heeft: overslaan (skip, standaard) of "
                                 "de lege velden aanvullen (merge)"))
    command.add_argument("--skip-invalid", action="store_true",
                         help=tr("importeer de goede rijen ook als andere rijen problemen hebben"))


def run_import(args: argparse.Namespace, data_dir: Path) -> int:
    from leerrecht_desktop.store.importing.mapping import FIELDS, IGNORE, MappingError
    from leerrecht_desktop.store.importing.plan import Duplicates, apply, preview

    path = Path(args.file).expanduser()
    if path.suffix.lower() not in _SUFFIXES:
        raise UsageError(tr("Leerrecht kan alleen een .csv- of .xlsx-bestand inlezen, niet '{name}'.",
                            name=path.name))
    if not path.is_file():
        raise UsageError(tr("Het bestand {path} bestaat niet.", path=str(path)))
    for text in args.map:
        _column, sep, name = text.rpartition("=")
        if not sep or not _column.strip() or name.strip() not in (*FIELDS, IGNORE):
            raise UsageError(tr("--map '{text}' klopt niet: schrijf het als \"Kolomnaam=veld\" met een veld uit: "
                                "{fields}.", text=text, fields=", ".join(FIELDS)))
    if not args.dry_run and not args.yes and not interactive():
        # Nobody can answer the question: a script says what it wants.
        raise UsageError(tr("Er is niemand om de vraag te beantwoorden. Voeg --yes toe om te importeren, of "
                            "--dry-run om alleen te kijken."))
    with workspace(data_dir, read_only=args.dry_run) as ws:
        case_files = ws.unlock(passphrase())
        try:
            try:
                plan = preview(case_files, path, overrides=args.map, duplicates=Duplicates(args.duplicates))
            except MappingError as exc:
                raise UsageError(str(exc)) from None
            _show(plan, Duplicates(args.duplicates))
            if plan.problems and not args.skip_invalid:
                raise CliError(tr("Er is niets geïmporteerd: {n} rijen hebben een probleem. Verbeter de rijen "
                                  "hierboven of gebruik --skip-invalid.", n=len(set(plan.bad_rows))))
            if args.dry_run:
                say(tr("Proefrun: er is niets geschreven."))
                return EXIT_OK
            if not plan.writes:
                print(tr("Niets te importeren: er is niets geschreven."))
                return EXIT_OK
            if not args.yes and not _confirmed():
                say(tr("Niet geïmporteerd: er is niets geschreven."))
                return EXIT_OK
            written = apply(case_files, plan)
        finally:
            case_files.lock()
    print(tr("{created} dossiers aangemaakt en {merged} aangevuld. Ze worden verzonden bij de volgende "
             "synchronisatie.", created=len(written.created), merged=len(written.merged)))
    return EXIT_OK


def _show(plan: Preview, duplicates: Duplicates) -> None:
    from leerrecht_desktop.store.importing.mapping import field_label

    mapping = plan.mapping
    columns = ", ".join(f"{mapping.header[i]} → {field_label(name)}" for i, name in sorted(mapping.columns.items()))
    print(tr("Kolommen{remembered}: {columns}.", columns=columns,
             remembered=tr(" (zoals de vorige keer)") if mapping.remembered else ""))
    if mapping.ignored:
        print(tr("Genegeerde kolommen: {columns}.", columns=", ".join(mapping.ignored)))
    for line in plan.problems:
        print(line)
    for line in (*plan.skipped, *plan.filled):
        print(line)
    bad = len(set(plan.bad_rows))
    if duplicates == "merge":
        print(tr("{rows} rijen: {new} nieuwe dossiers, {merged} dubbels aangevuld, {skipped} dubbels zonder "
                 "iets nieuws, {bad} rijen met problemen.", rows=plan.rows, new=len(plan.new),
                 merged=len(plan.filled), skipped=len(plan.skipped), bad=bad))
    else:
        print(tr("{rows} rijen: {new} nieuwe dossiers, {skipped} dubbels overgeslagen, {bad} rijen met "
                 "problemen.", rows=plan.rows, new=len(plan.new), skipped=len(plan.skipped), bad=bad))


def _confirmed() -> bool:
    try:
        answer = input(tr("Importeren? [j/N] "))
    except EOFError:
        return False
    return answer.strip().casefold() in _YES
