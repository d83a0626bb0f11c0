"""The overview as printable sections: small-count suppression ("<5", "x") and the labelled tables that
the CSV and the PDF both draw, so the two files can never disagree on what is hidden."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.catalog import pick_lists
from leerrecht_desktop.models.enums import CaseStatus
from leerrecht_desktop.models.numbers import decimal_text
from leerrecht_desktop.reports.overview_counts import (
    HIDDEN,
    IMPROVED,
    NONE,
    OTHER,
    SAME,
    SMALL,
    THRESHOLD,
    UNKNOWN,
    WORSE,
    Sort,
    TeamOverview,
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
    return decimal_text(value, signed=True)


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
        "cases": o.cases, "new": o.new_referrals, "active": o.active_cases, "closed": o.closed_cases,
        "reached": o.young_people_reached,
        "visits": o.home_visits, "contacts": o.family_contacts, "partners": o.partner_referrals,
        "support": o.support_measures, "scales": o.scales_taken, "twice": o.scale_at_least_twice,
    }
    figure_labels = {
        "cases": tr("Dossiers in de periode"),
        "new": tr("Nieuwe aanmeldingen"),
        "active": tr("Dossiers die actief waren in de periode"),
        "closed": tr("Dossiers afgesloten in de periode"),
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
                tr("De status op de laatste dag van de periode."), chart=True),
        Section("school", tr("Dossiers per school"), _rows(o.by_school, _picklist_label("schools"), "count"),
                chart=True),
        Section("level", tr("Dossiers per onderwijsniveau"), _rows(o.by_level, _picklist_label("levels"), "natural"),
                chart=True),
        Section("target_group", tr("Dossiers per doelgroep"),
                _rows(o.by_target_group, _picklist_label("target_groups"), "natural"), several, chart=True),
        Section("worker", tr("Dossiers per medewerker"), _rows(o.by_worker, worker_label, "count"),
                tr("De medewerkers die op de laatste dag van de periode toegewezen waren.") + " " + several,
                chart=True),
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

