"""`leerrecht report` (a case summary as PDF) and `leerrecht overview` (the team overview as PDF or CSV).

reportlab is imported only once a report is made, so that `--help` and the refusals stay fast."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.i18n import tr
from leerrecht_desktop.cli.common import (
    EXIT_OK,
    CliError,
    Parser,
    UsageError,
    exists_refusal,
    passphrase,
    period,
    say,
    workspace,
    writable_folder_probe,
)
from leerrecht_desktop.store.errors import CaseNotFound

if TYPE_CHECKING:
    from leerrecht_desktop.models.summary import CaseSummary

# The parts of a case summary by the names --sections takes: the keys of reports.case_summary.Section
# (checked by tests/test_cli_report.py) and their Dutch names. Kept here so that `--help` does not
# load reportlab.
SECTION_NAMES: dict[str, str] = {
    "referral": "referral", "aanmelding": "referral",
    "agreements": "agreements", "afspraken": "agreements",
    "contacts": "contacts", "contacten": "contacts",
    "wellbeing": "wellbeing", "welbevinden": "wellbeing",
    "notes": "notes", "notities": "notes",
    "support": "support", "steun": "support",
    "attachments": "attachments", "bijlagen": "attachments",  # only when asked for, as in the window
}


def _period_parser() -> Parser:
    dates = Parser(add_help=False)
    dates.add_argument("--from", dest="period_from", default=None, metavar=tr("DATUM"),
                       help=tr("begin van de periode (inbegrepen), bv. 2024-09-01 of 01/09/2024"))
    dates.add_argument("--to", dest="period_to", default=None, metavar=tr("DATUM"),
                       help=tr("einde van de periode (inbegrepen), bv. 2025-06-30 of 30/06/2025"))
    dates.add_argument("--force", action="store_true", help=tr("overschrijf een bestaand bestand"))
    return dates


def add_report(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    dates = _period_parser()
    report = sub.add_parser("report", parents=[shared, dates],
                            help=tr("maak de samenvatting van een dossier als PDF"),
                            description=tr("Maak de samenvatting van één dossier als PDF om af te drukken, "
                                           "bv. voor een casusoverleg of een overdracht. Het id van een dossier "
                                           "toont 'leerrecht cases'."))
    report.add_argument("--case", required=True, metavar="ID",
                        help=tr("id van het dossier (of de eerste tekens ervan)"))
    report.add_argument("--out", required=True, type=Path, help=tr("het PDF-bestand om te schrijven"))
    report.add_argument("--pseudonymise", action="store_true",
                        help=tr("gepseudonimiseerd, voor een casusoverleg: geen namen, adres, telefoon of "
                                "geboortedatum"))
    report.add_argument("--sections", nargs="+", default=None, metavar=tr("DEEL"),
                        help=tr("alleen deze delen (de hoofding staat er altijd in): {names}",
                                names=", ".join(dict.fromkeys(SECTION_NAMES.values()))))
    report.add_argument("--with-attachments", action="store_true",
                        help=tr("zet er ook de lijst van de bijlagen in (titel, soort, grootte; niet de "
                                "bestanden zelf)"))
    report.add_argument("--password-env", default=None, metavar=tr("VARIABELE"),
                        help=tr("beveilig de PDF met het wachtwoord uit deze omgevingsvariabele (AES-256)"))


def add_overview(sub: argparse._SubParsersAction[Parser], shared: Parser) -> None:
    dates = _period_parser()
    sub.add_parser("overview", parents=[shared, dates],
                   help=tr("maak het teamoverzicht (aantallen, zonder namen) als PDF of CSV"),
                   description=tr("Tel het werk van het team voor een periode, over alle dossiers die je mag "
                                  "lezen: als PDF met grafieken of als CSV voor een rekenblad. Kleine "
                                  "aantallen staan er als <5 in."))\
        .add_argument("--out", required=True, type=Path, help=tr("het bestand om te schrijven: .pdf of .csv"))


def out_file(value: Path, suffixes: tuple[str, ...], example: str, force: bool, kinds: str) -> Path:
    """The --out file, checked before the passphrase is asked: the right kind, a folder that exists
    and can be written, and not a file that would be overwritten without --force."""
    out = Path(value).expanduser().absolute()
    if out.is_dir():
        raise UsageError(tr("{path} is een map. Geef een bestandsnaam, bv. {example}.", path=str(out),
                            example=example))
    if out.suffix.lower() not in suffixes:
        raise UsageError(tr("{path} moet eindigen op {suffixes}, bv. {example}.", path=str(out), suffixes=kinds,
                            example=example))
    folder = out.parent
    if not folder.is_dir():
        raise UsageError(tr("De map {path} bestaat niet. Kies een bestaande map voor --out.", path=str(folder)))
    if out.exists() and not force:
        raise exists_refusal(out)
    fd, probe = writable_folder_probe(folder, ".leerrecht-")
    os.close(fd)
    os.unlink(probe)
    return out


def write_report(out: Path, data: bytes, force: bool) -> None:
    from leerrecht_desktop.reports.files import write_private

    try:
        write_private(out, data, overwrite=force)
    except FileExistsError:
        raise exists_refusal(out) from None


def find_case(summaries: list[CaseSummary], wanted: str) -> CaseSummary:
    """The case with this id, or the only one whose id starts with it (ids are long; like git, a
    unique beginning is enough)."""
    key = wanted.strip().lower()
    exact = [s for s in summaries if s.case_id.lower() == key]
    if exact:
        return exact[0]
    found = [s for s in summaries if len(key) >= 4 and s.case_id.lower().startswith(key)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise UsageError(tr("'{id}' past bij {n} dossiers. Geef meer tekens van het id (zie 'leerrecht cases').",
                            id=wanted, n=len(found)))
    raise CliError(tr("Geen dossier met id '{id}' op deze laptop. 'leerrecht cases' toont de ids van je dossiers.",
                      id=wanted))


def run_report(args: argparse.Namespace, data_dir: Path) -> int:
    # Only reads the data folder (the PDF or CSV goes to --out): it works on a full disk too.
    with workspace(data_dir, read_only=True) as ws:
        start, end = period(args)
        sections = _sections(args.sections)
        password: str | None = None
        if args.password_env is not None:
            password = os.environ.get(args.password_env) or None
            if password is None:
                raise UsageError(tr("De omgevingsvariabele {env} is leeg of niet gezet. Zet er het wachtwoord "
                                    "voor de PDF in.", env=args.password_env))
        out = out_file(args.out, (".pdf",), "samenvatting.pdf", args.force, ".pdf")

        from leerrecht_desktop.reports.case_summary import (
            ALL_SECTIONS,
            MIN_PASSWORD_LENGTH,
            Section,
            SummaryOptions,
            render_case_summary,
        )
        from leerrecht_desktop.reports.case_summary_options import attachment_lines
        from leerrecht_desktop.store.access_log import AccessLog
        from leerrecht_desktop.store.attachments import Attachments

        if args.with_attachments:  # the chosen parts (or the default ones) and the list of attachments
            sections = list(dict.fromkeys([*(sections or sorted(s.value for s in ALL_SECTIONS)), "attachments"]))
        if password is not None and len(password) < MIN_PASSWORD_LENGTH:
            raise UsageError(tr("Het wachtwoord in {env} is te kort: kies er een van minstens {n} tekens.",
                                env=args.password_env, n=MIN_PASSWORD_LENGTH))

        case_files = ws.unlock(passphrase())
        try:
            case_id = find_case(case_files.summaries(), args.case).case_id
            case_file = case_files.load_case(case_id)
            listed = Attachments(case_files).list(case_id) if "attachments" in sections else []
            made_by = case_files.me.name
            AccessLog.of(case_files).record(case_id, "case_summary_saved")  # while unlocked; never raises
        finally:
            case_files.lock()
        options = SummaryOptions(period_from=start, period_to=end,
                                 sections=frozenset(Section(s) for s in sections) if sections else ALL_SECTIONS,
                                 pseudonymise=args.pseudonymise, password=password,
                                 attachments=attachment_lines(listed))
        pdf = render_case_summary(case_file.content, case_file.entries, options, made_by=made_by,
                                  made_at=dt.datetime.now(), today=dt.date.today())
        write_report(out, pdf, args.force)
    print(tr("Samenvatting van dossier {id} geschreven naar {path}.", id=case_id, path=str(out)))
    if case_file.refused:
        say(tr("{n} onderdelen van dit dossier konden niet veilig geopend worden en staan niet in de "
               "samenvatting. Meld dit aan je coördinator.", n=len(case_file.refused)))
    if password is None and not args.pseudonymise:
        say(tr("Let op: deze PDF bevat persoonsgegevens en is niet met een wachtwoord beveiligd. Bewaar hem "
               "veilig en verwijder hem zodra je hem niet meer nodig hebt."))
    return EXIT_OK


def _sections(values: list[str] | None) -> list[str]:
    if not values:
        return []
    chosen: list[str] = []
    for value in values:
        for part in value.split(","):
            name = part.strip().casefold()
            if not name:
                continue
            if name not in SECTION_NAMES:
                raise UsageError(tr("Onbekend deel '{name}' voor --sections. Kies uit {names}.", name=part.strip(),
                                    names=", ".join(dict.fromkeys(SECTION_NAMES.values()))))
            chosen.append(SECTION_NAMES[name])
    return list(dict.fromkeys(chosen))


def run_overview(args: argparse.Namespace, data_dir: Path) -> int:
    # Only reads the data folder (the PDF or CSV goes to --out): it works on a full disk too.
    with workspace(data_dir, read_only=True) as ws:
        start, end = period(args)
        out = out_file(args.out, (".pdf", ".csv"), "teamoverzicht.pdf", args.force,
                        tr(".pdf of .csv"))

        from leerrecht_desktop.reports.loading import load_readable_cases
        from leerrecht_desktop.reports.overview import compute_overview, render_overview

        case_files = ws.unlock(passphrase())
        try:
            readable = load_readable_cases(case_files, unreadable=(CaseNotFound, CryptoError))
            made_by = case_files.me.name
        finally:
            case_files.lock()
        overview = compute_overview(readable.cases, start=start, end=end)
        data = render_overview(overview, out.suffix, made_by=made_by, made_at=dt.datetime.now())
        write_report(out, data, args.force)
    print(tr("Teamoverzicht geschreven naar {path} ({n} dossiers gelezen).", path=str(out), n=len(readable.cases)))
    if readable.skipped_cases or readable.refused_records:
        say(tr("{cases} dossiers en {parts} onderdelen konden niet veilig geopend worden en zijn niet meegeteld. "
               "Meld dit aan je coördinator.", cases=readable.skipped_cases, parts=readable.refused_records))
    return EXIT_OK
