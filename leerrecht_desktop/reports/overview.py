"""The team overview for a coordinator: counts for a period, without names, as CSV and as a PDF.

The input is what the lead's composition root already has after unlock: every readable case as its
profile plus its records (domain objects only; this package never touches the store, the vault or Qt).
Everything that leaves this module is a count, a pick-list label, a colleague's name or a date of the
period: no young person's name, birth date, address or free text. Counts from 1 to 4 are shown as "<5",
and where that single hidden number could be worked back from the rest of its table, a second number
is hidden too (see `suppress` and docs/overview.md for the rules and their limits).

    overview = compute_overview(cases, start=date(2024, 9, 1), end=date(2025, 6, 30))
    write_overview_csv(overview, Path("overzicht.csv"))
    pdf_bytes = render_overview_pdf(overview, made_by="An Coördinator", made_at=datetime.now())
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal, cast

from leerrecht_core.i18n import current_language, tr
from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.catalog import pick_lists
from leerrecht_desktop.models.entries import (
    Entry,
    FamilyContact,
    HomeVisit,
    SupportMeasure,
    WellbeingScale,
)
from leerrecht_desktop.models.enums import CaseStatus
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.models.wellbeing import score

# A count below this (and above 0) could point at one child in a small team: it is never printed.
THRESHOLD = 5
SMALL = "<5"
# A number hidden only so that a "<5" in the same table can't be worked out by subtraction.
HIDDEN = "x"

# Keys that are not pick-list keys. They start with an underscore so they can't clash with a team's list.
UNKNOWN = "_unknown"  # the field was left empty
OTHER = "_other"  # a value typed in by hand, not in the pick list: never printed, it may be free text
NONE = "_none"  # a case with no target group / no assigned worker

IMPROVED, SAME, WORSE = "improved", "same", "worse"

Sort = Literal["natural", "count"]


@dataclass(frozen=True)
class TeamOverview:
    """The true counts for one period. Never print these numbers directly: go through `sections()`,
    which applies the small-count suppression. Breakdowns map a stable key (a pick-list key, a worker's
    user id, or one of UNKNOWN/OTHER/NONE) to a count, in the pick list's order."""

    start: dt.date | None
    end: dt.date | None
    cases: int  # the caseload of the period (see `_in_caseload`)
    new_referrals: int
    home_visits: int
    family_contacts: int
    young_people_reached: int  # cases with a home visit, family contact or scale in the period
    partner_referrals: int
    support_measures: int
    scales_taken: int
    scale_at_least_twice: int  # young people who took the wellbeing scale twice or more in the period
    by_status: dict[str, int]
    by_school: dict[str, int]
    by_level: dict[str, int]
    by_target_group: dict[str, int]
    by_worker: dict[str, int]
    by_referral_source: dict[str, int]
    contacts_by_channel: dict[str, int]
    contacts_by_topic: dict[str, int]
    referrals_by_partner: dict[str, int]
    support_by_measure: dict[str, int]
    support_by_level: dict[str, int]
    wellbeing_change: dict[str, int]  # IMPROVED / SAME / WORSE, first against last scale in the period
    wellbeing_mean_change: float | None  # mean change of the total score; None below THRESHOLD young people
    worker_names: dict[str, str] = field(default_factory=dict)  # user id -> colleague's name


# -- computing ---------------------------------------------------------------------------------------


def _in_period(day: dt.date | None, start: dt.date | None, end: dt.date | None) -> bool:
    if day is None:
        return False
    return (start is None or day >= start) and (end is None or day <= end)


def _latest_revisions(records: Iterable[Record]) -> list[Entry]:
    """The entries of a case, one per record (its highest revision), so that a caller passing a
    record's history never counts an edited visit twice."""
    best: dict[str, Record] = {}
    for record in records:
        if not isinstance(record.content, Entry):
            continue  # the profile record: the profile itself comes in separately
        held = best.get(record.record_id)
        if held is None or record.revision > held.revision:
            best[record.record_id] = record
    return [r.content for r in best.values() if isinstance(r.content, Entry)]


def _in_caseload(profile: CaseProfile, entries: list[Entry], start: dt.date | None, end: dt.date | None) -> bool:
    """Whether the case was open at some time in the period. The model keeps the current status only,
    not when it changed, so: a case began at its referral (or its first entry when the referral has no
    date), and a closed case ended at its last entry (or its referral). A running case is still open."""
    dates = [e.occurred_on for e in entries if e.occurred_on is not None]
    referred = profile.referral.referred_on
    began = referred or (min(dates) if dates else None)
    if end is not None and began is not None and began > end:
        return False
    if profile.status == CaseStatus.AFGESLOTEN and start is not None:
        known = [*dates, *([referred] if referred else [])]
        return bool(known) and max(known) >= start
    return True


def _keyed(value: str, allowed: set[str]) -> str:
    value = value.strip()
    if not value:
        return UNKNOWN
    return value if value in allowed else OTHER


def _ordered(counter: Counter[str], natural: Iterable[str], *, keep_zero: bool = True) -> dict[str, int]:
    """Counts in the pick list's order, zeros included (so a year's table has the same rows as the
    year before in the city's spreadsheet), then the extra keys that occurred."""
    out = {key: counter.get(key, 0) for key in natural} if keep_zero else {}
    for key in (*[k for k in counter if k not in out and not k.startswith("_")], OTHER, NONE, UNKNOWN):
        if counter.get(key, 0) > 0:
            out[key] = counter[key]
    return out


def compute_overview(
    cases: Iterable[tuple[CaseProfile, list[Record]]],
    *,
    start: dt.date | None,
    end: dt.date | None,
) -> TeamOverview:
    """Count a team's work for the period [start, end] (both days included; None is open-ended).

    Entries count when their date (`occurred_on`) lies in the period. The case breakdowns (status,
    school, level, target group, worker) count the caseload: the cases open at some time in the period;
    they show each case's current status, school and workers, as the model keeps no history of those."""
    if start is not None and end is not None and start > end:
        raise ValueError(tr("Het begin van de periode ligt na het einde. Kijk de data na."))
    lists = pick_lists()
    schools, levels = lists.keys("schools"), lists.keys("levels")
    groups, sources = lists.keys("target_groups"), lists.keys("referral_sources")
    channels, domains = lists.keys("channels"), lists.keys("life_domains")
    partners, measures = lists.keys("partners"), lists.keys("support_measures")
    statuses = {s.value for s in CaseStatus}

    status: Counter[str] = Counter()
    school: Counter[str] = Counter()
    level: Counter[str] = Counter()
    group: Counter[str] = Counter()
    worker: Counter[str] = Counter()
    source: Counter[str] = Counter()
    channel: Counter[str] = Counter()
    topic: Counter[str] = Counter()
    partner: Counter[str] = Counter()
    measure: Counter[str] = Counter()
    support_level: Counter[str] = Counter()
    change: Counter[str] = Counter()
    worker_names: dict[str, str] = {}
    changes: list[int] = []
    caseload = new_referrals = home_visits = family_contacts = reached = 0
    partner_referrals = support_measures = scales_taken = 0

    for profile, records in cases:
        entries = _latest_revisions(records)
        if _in_caseload(profile, entries, start, end):
            caseload += 1
            status[_keyed(profile.status, statuses)] += 1
            school[_keyed(profile.school, schools)] += 1
            level[_keyed(profile.level, levels)] += 1
            # A case may be in several target groups, or with several workers: it counts in each.
            for key in {_keyed(g, groups) for g in profile.target_groups} or {NONE}:
                group[key] += 1
            seen_workers: set[str] = set()
            for ref in profile.assigned:
                wid = ref.user_id or ref.name
                if wid and wid not in seen_workers:
                    seen_workers.add(wid)
                    worker[wid] += 1
                    worker_names[wid] = ref.name.strip() or ref.user_id
            if not seen_workers:
                worker[NONE] += 1
        if _in_period(profile.referral.referred_on, start, end):
            new_referrals += 1
            source[_keyed(profile.referral.source, sources)] += 1

        touched = False
        scales: list[WellbeingScale] = []
        for entry in entries:
            if not _in_period(entry.occurred_on, start, end):
                continue
            if isinstance(entry, HomeVisit | FamilyContact):
                touched = True
                # A partner ticked twice on one entry is one referral.
                for name in {_keyed(p, partners) for p in entry.referrals if p.strip()}:
                    partner[name] += 1
                    partner_referrals += 1
            if isinstance(entry, HomeVisit):
                home_visits += 1
            elif isinstance(entry, FamilyContact):
                family_contacts += 1
                channel[_keyed(entry.channel, channels)] += 1
                for key in {_keyed(t, domains) for t in entry.topics if t.strip()}:
                    topic[key] += 1
            elif isinstance(entry, WellbeingScale):
                touched = True
                scales.append(entry)
            elif isinstance(entry, SupportMeasure):
                support_measures += 1
                measure[_keyed(entry.measure, measures)] += 1
                # The level the measure was for (a school bill per level, as the city reports it);
                # the young person's current level when the entry does not say.
                support_level[_keyed(entry.level or profile.level, levels)] += 1
        reached += touched
        scales_taken += len(scales)
        if len(scales) >= 2:
            ordered = sorted(scales, key=lambda s: s.occurred_on)
            delta = score(ordered[-1]).total - score(ordered[0]).total
            changes.append(delta)
            change[IMPROVED if delta > 0 else WORSE if delta < 0 else SAME] += 1

    def natural(list_name: str) -> list[str]:
        return [c.key for c in getattr(lists, list_name)]

    return TeamOverview(
        start=start,
        end=end,
        cases=caseload,
        new_referrals=new_referrals,
        home_visits=home_visits,
        family_contacts=family_contacts,
        young_people_reached=reached,
        partner_referrals=partner_referrals,
        support_measures=support_measures,
        scales_taken=scales_taken,
        scale_at_least_twice=len(changes),
        by_status=_ordered(status, [s.value for s in CaseStatus]),
        by_school=_ordered(school, natural("schools")),
        by_level=_ordered(level, natural("levels")),
        by_target_group=_ordered(group, natural("target_groups")),
        by_worker=_ordered(worker, [], keep_zero=False),
        by_referral_source=_ordered(source, natural("referral_sources")),
        contacts_by_channel=_ordered(channel, natural("channels")),
        contacts_by_topic=_ordered(topic, natural("life_domains")),
        referrals_by_partner=_ordered(partner, natural("partners")),
        support_by_measure=_ordered(measure, natural("support_measures")),
        support_by_level=_ordered(support_level, natural("levels")),
        wellbeing_change=_ordered(change, [IMPROVED, SAME, WORSE]),
        # A mean over fewer than five young people says too much about each of them.
        wellbeing_mean_change=round(sum(changes) / len(changes), 1) if len(changes) >= THRESHOLD else None,
        worker_names=worker_names,
    )


# -- suppression -------------------------------------------------------------------------------------


def shown(count: int) -> str:
    """A count as it may be printed on its own: 1 to 4 become "<5", 0 stays 0 (an empty row names
    no one, and the city's tables need to tell 'none' from 'a few')."""
    return SMALL if 0 < count < THRESHOLD else str(count)


def suppress(counts: Mapping[str, int]) -> dict[str, str]:
    """The printable value of every cell of one table.

    Primary: 1 to 4 show as "<5". Secondary: when exactly one cell of a table is "<5", its value is
    the table's total (printed elsewhere, or the sum of another table of the same cases) minus the
    cells that are printed; so the smallest other non-zero cell is hidden too, as "x". Two or more
    "<5" cells in a table protect each other. We do this for every table, also those where one case
    can count in several rows, because in practice most cases have one target group and one worker."""
    out = {key: shown(n) for key, n in counts.items()}
    small = [key for key in counts if out[key] == SMALL]
    if len(small) == 1:
        visible = [key for key, n in counts.items() if n >= THRESHOLD]
        if visible:
            out[min(visible, key=lambda k: (counts[k], k))] = HIDDEN
    return out


# -- presentation: the same sections for the CSV and the PDF -----------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    value: str  # "12", "0", "<5" or "x": never the hidden number
    count: int | None  # the number when it may be printed (for charts); None when hidden
    chart: bool = True  # False for a row that is not a count of the table (the mean change)

    @property
    def hidden(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    rows: tuple[Row, ...]
    note: str = ""
    chart: bool = False


def _rows(counts: Mapping[str, int], label: Callable[[str], str], sort: Sort) -> tuple[Row, ...]:
    values = suppress(counts)
    rows = [Row(label(k), values[k], n if values[k] == str(n) else None) for k, n in counts.items()]
    if sort == "count":
        # Largest first, then the hidden rows in alphabetical order (so that a hidden row's place among
        # the others does not give away its size), then the zeros.
        def order(r: Row) -> tuple[int, int, str]:
            group = 1 if r.hidden else 2 if r.count == 0 else 0
            return group, -(r.count or 0), r.label.casefold()
        rows.sort(key=order)
    return tuple(rows)


def _special(key: str) -> str | None:
    if key == UNKNOWN:
        return tr("Niet ingevuld")
    if key == OTHER:
        return tr("Andere (niet in de keuzelijst)")
    if key == NONE:
        return tr("Geen doelgroep")  # the only table where NONE reaches this label (workers have their own)
    return None


def _picklist_label(list_name: str) -> Callable[[str], str]:
    def label(key: str) -> str:
        return _special(key) or pick_lists().label(list_name, key)
    return label


def _status_label(key: str) -> str:
    special = _special(key)
    if special:
        return special
    try:
        return CaseStatus(key).label
    except ValueError:
        return key


def _change_label(key: str) -> str:
    return {IMPROVED: tr("Totaalscore gestegen"), SAME: tr("Totaalscore gelijk"),
            WORSE: tr("Totaalscore gedaald")}.get(key, key)


def format_decimal(value: float) -> str:
    """One decimal, with a decimal comma in Dutch (and in the CSV, for Belgian Excel)."""
    text = f"{value:+.1f}"
    return text.replace(".", ",") if current_language() == "nl" else text


def period_text(overview: TeamOverview) -> str:
    start, end = overview.start, overview.end
    if start and end:
        return tr("van {start} tot en met {end}", start=_date(start), end=_date(end))
    if start:
        return tr("vanaf {start}", start=_date(start))
    if end:
        return tr("tot en met {end}", end=_date(end))
    return tr("alle gegevens, zonder begin- of einddatum")


def _date(day: dt.date) -> str:
    # As the app and the case summary write dates, in both languages.
    return day.strftime("%d/%m/%Y")


def sections(overview: TeamOverview) -> list[Section]:
    """Every table of the overview, suppressed and labelled in the current language."""
    o = overview
    figures = {
        "cases": o.cases, "new": o.new_referrals, "reached": o.young_people_reached,
        "visits": o.home_visits, "contacts": o.family_contacts, "partners": o.partner_referrals,
        "support": o.support_measures, "scales": o.scales_taken, "twice": o.scale_at_least_twice,
    }
    figure_labels = {
        "cases": tr("Dossiers in de periode"),
        "new": tr("Nieuwe aanmeldingen"),
        "reached": tr("Jongeren met contact (huisbezoek, gezinscontact of schaal)"),
        "visits": tr("Huisbezoeken"),
        "contacts": tr("Gezinscontacten"),
        "partners": tr("Doorverwijzingen naar partners"),
        "support": tr("Steunmaatregelen"),
        "scales": tr("Afgenomen welbevindenschalen"),
        "twice": tr("Jongeren die de schaal minstens twee keer invulden"),
    }
    # Key figures are not parts of one whole, so they get primary suppression only.
    key_rows = tuple(Row(figure_labels[k], shown(n), n if shown(n) == str(n) else None) for k, n in figures.items())

    def worker_label(key: str) -> str:
        return tr("Niet toegewezen") if key == NONE else o.worker_names.get(key, key)

    several = tr("Een dossier kan in meer dan één rij tellen.")
    out = [
        Section("figures", tr("Kerncijfers"), key_rows),
        Section("status", tr("Dossiers per status"), _rows(o.by_status, _status_label, "natural"),
                tr("De huidige status van de dossiers in de periode."), chart=True),
        Section("school", tr("Dossiers per school"), _rows(o.by_school, _picklist_label("schools"), "count"),
                chart=True),
        Section("level", tr("Dossiers per onderwijsniveau"), _rows(o.by_level, _picklist_label("levels"), "natural"),
                chart=True),
        Section("target_group", tr("Dossiers per doelgroep"),
                _rows(o.by_target_group, _picklist_label("target_groups"), "natural"), several, chart=True),
        Section("worker", tr("Dossiers per medewerker"), _rows(o.by_worker, worker_label, "count"),
                tr("De medewerkers die nu toegewezen zijn.") + " " + several, chart=True),
        Section("referral_source", tr("Nieuwe aanmeldingen per aanmelder"),
                _rows(o.by_referral_source, _picklist_label("referral_sources"), "natural"), chart=True),
        Section("channel", tr("Gezinscontacten per kanaal"),
                _rows(o.contacts_by_channel, _picklist_label("channels"), "natural"),
                tr("Een gezinscontact met kanaal 'Huisbezoek' telt hier, niet bij de huisbezoeken."), chart=True),
        Section("topic", tr("Gezinscontacten per thema"),
                _rows(o.contacts_by_topic, _picklist_label("life_domains"), "natural"),
                tr("Een contact kan over meer dan één thema gaan."), chart=True),
        Section("partner", tr("Doorverwijzingen per partner"),
                _rows(o.referrals_by_partner, _picklist_label("partners"), "count"),
                tr("Uit huisbezoeken en gezinscontacten in de periode."), chart=True),
        Section("support_measure", tr("Steunmaatregelen per soort"),
                _rows(o.support_by_measure, _picklist_label("support_measures"), "natural"), chart=True),
        Section("support_level", tr("Steunmaatregelen per onderwijsniveau"),
                _rows(o.support_by_level, _picklist_label("levels"), "natural"), chart=True),
        Section("wellbeing", tr("Welbevinden: verandering van de totaalscore"),
                _rows(o.wellbeing_change, _change_label, "natural"),
                tr("Jongeren die de schaal minstens twee keer invulden in de periode: "
                   "de eerste en de laatste keer vergeleken."), chart=True),
    ]
    mean = o.wellbeing_mean_change
    # Not "<5" when hidden: next to a mean that would read as "the mean is below 5".
    mean_row = Row(tr("Gemiddelde verandering van de totaalscore"),
                   format_decimal(mean) if mean is not None else "-", None, chart=False)
    wellbeing = out[-1]
    note = wellbeing.note + " " + tr("Het gemiddelde staat er pas bij vanaf 5 jongeren.")
    out[-1] = Section(wellbeing.id, wellbeing.title, (*wellbeing.rows, mean_row), note, wellbeing.chart)
    return out


def legend() -> str:
    return tr("<5: een aantal van 1 tot 4, verborgen zodat geen kind herkenbaar wordt. "
              "x: verborgen zodat een <5 in dezelfde tabel niet terug te rekenen is.")


# -- CSV -----------------------------------------------------------------------------------------------


def write_overview_csv(overview: TeamOverview, out: Path | IO[str] | IO[bytes]) -> None:
    """The overview as one long table for the city's spreadsheets: Periode van;Periode tot;Sectie;Onderdeel;Aantal.

    The period is on every row, so the files of several years can be pasted under each other and
    pivoted. Dialect: Belgian Excel opens it with a double click: UTF-8 with a BOM (or é and ë break),
    ';' between fields (',' is the decimal sign there), a decimal comma, CRLF line ends, dates as
    YYYY-MM-DD. The dialect stays the same when the app is in English; only the words change."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([tr("Periode van"), tr("Periode tot"), tr("Sectie"), tr("Onderdeel"), tr("Aantal")])
    start = overview.start.isoformat() if overview.start else ""
    end = overview.end.isoformat() if overview.end else ""
    for section in sections(overview):
        for row in section.rows:
            # The mean change: a decimal comma whatever the language, and no leading '+' (a formula to Excel).
            value = row.value.replace(".", ",").lstrip("+")
            writer.writerow([start, end, section.title, _csv_safe(row.label), value])
    data = buffer.getvalue()
    if isinstance(out, Path):
        out.write_text(data, encoding="utf-8-sig", newline="")
        return
    if isinstance(out, io.TextIOBase) or "b" not in getattr(out, "mode", "b"):
        cast(IO[str], out).write("\ufeff" + data)
    else:
        cast(IO[bytes], out).write(("\ufeff" + data).encode("utf-8"))


def _csv_safe(text: str) -> str:
    """A label never starts a formula in Excel (a worker's name or a team's pick list is typed by
    people; '=HYPERLINK(...)' in a cell is the classic CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# -- PDF -----------------------------------------------------------------------------------------------


def render_overview_pdf(overview: TeamOverview, *, made_by: str, made_at: dt.datetime) -> bytes:
    """The overview as an A4 PDF with tables and bar charts, in the current language."""
    # Imported here so that the CSV path (and the CLI's --help) does not load reportlab.
    from leerrecht_desktop.reports.overview_pdf import render

    return render(overview, made_by=made_by, made_at=made_at)


def render_overview(overview: TeamOverview, suffix: str, *, made_by: str, made_at: dt.datetime) -> bytes:
    """The overview as the bytes of a `.pdf` or `.csv` file, in memory, so the caller can write it
    atomically (the CLI and the app write a temporary file beside the target and rename it)."""
    suffix = suffix.lower()
    if suffix == ".csv":
        buffer = io.BytesIO()
        write_overview_csv(overview, buffer)
        return buffer.getvalue()
    if suffix == ".pdf":
        return render_overview_pdf(overview, made_by=made_by, made_at=made_at)
    raise ValueError(tr("Kies een bestandsnaam die eindigt op .pdf of .csv, bv. teamoverzicht.pdf."))


def write_overview(overview: TeamOverview, out: Path, *, made_by: str, made_at: dt.datetime) -> None:
    """Save the overview as the file the name asks for: `.pdf` or `.csv` (for `leerrecht overview --out`)."""
    out.write_bytes(render_overview(overview, out.suffix, made_by=made_by, made_at=made_at))
