"""The team overview: its counts match a data set built here, small counts are suppressed in the CSV and
the PDF, and no young person's name, birth date, address or note text ever reaches either.

Every name, address and note below is fictitious."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from leerrecht_core.i18n import set_language
from leerrecht_desktop.models.case import CaseProfile, Contact, Referral, WorkerRef
from leerrecht_desktop.models.catalog import wellbeing_questionnaire
from leerrecht_desktop.models.entries import (
    Entry,
    FamilyContact,
    FollowUpNote,
    HomeVisit,
    SupportMeasure,
    WellbeingScale,
)
from leerrecht_desktop.models.records import Record, kind_of
from leerrecht_desktop.reports.overview import (
    HIDDEN,
    SMALL,
    TeamOverview,
    compute_overview,
    render_overview_pdf,
    sections,
    suppress,
    write_overview,
    write_overview_csv,
)

START, END = dt.date(2025, 1, 1), dt.date(2025, 6, 30)
IN, BEFORE, AFTER = dt.date(2025, 3, 10), dt.date(2024, 12, 15), dt.date(2025, 8, 1)
W1 = WorkerRef("u-1", "Fictieve Collega Een")
W2 = WorkerRef("u-2", "Fictieve Collega Twee")
MADE_AT = dt.datetime(2025, 7, 1, 9, 30)

# What must never leave the overview: collected while the cases are built.
SECRETS: list[str] = []


def _scale(on: dt.date, value: int) -> WellbeingScale:
    return WellbeingScale(occurred_on=on, answers={i: value for i in wellbeing_questionnaire().item_ids})


def _case(n: int, *, status: str, school: str, level: str, groups: list[str], worker: WorkerRef,
          referred_on: dt.date, source: str, entries: list[Entry]) -> tuple[CaseProfile, list[Record]]:
    first, last = f"Voornaam{n:02d}x", f"Achternaam{n:02d}q"
    birth = dt.date(2009, 1 + n % 12, 1 + n % 27)
    address = f"Verzonnenstraat {n + 100}, 2800 Mechelen"
    concern = f"Zorgtekst nummer {n} over thuis"
    SECRETS.extend([first, last, birth.strftime("%d/%m/%Y"), birth.isoformat(), address, concern,
                    f"Ouder{n:02d}z", f"04701234{n:02d}"])
    profile = CaseProfile(
        first_name=first, last_name=last, birth_date=birth, gender="v", school=school, level=level,
        class_name="3B", address=address, contacts=[Contact(f"Ouder{n:02d}z", "moeder", f"04701234{n:02d}")],
        referral=Referral(source=source, referred_on=referred_on, referred_by="Juf Verzonnen", concern=concern),
        target_groups=groups, status=status, closed_reason="doel_bereikt" if status == "afgesloten" else "",
        assigned=[worker],
    )
    case_id = str(uuid.uuid4())
    records = [Record(str(uuid.uuid4()), case_id, kind_of(profile), 1, worker.user_id, MADE_AT, profile)]
    for e in entries:
        records.append(Record(str(uuid.uuid4()), case_id, kind_of(e), 1, worker.user_id, MADE_AT, e))
    return profile, records


def _note(n: int, on: dt.date) -> FollowUpNote:
    text = f"Notitietekst {n} met details"
    SECRETS.append(text)
    return FollowUpNote(occurred_on=on, text=text)


def team() -> list[tuple[CaseProfile, list[Record]]]:
    """The data set, with the numbers the tests expect:

    A: 12 running cases, CLW, 2e graad, spijbelaar, worker 1, referred before the period (by a school);
       each: a home visit in the period and one before it, a phone contact in the period with a referral
       to CAW/JAC, and two scales in the period going up from 16 to 24.
    B: 6 fresh referrals in the period (by the CLB), Den Anker, lager, NEET, worker 2; each a school-gate
       contact in the period (two of them referring to the VDAB), and two scales going down
       from 32 to 24 (saved out of date order).
    C: 3 cases referred in the period (by a parent) and closed, TSM bovenbouw, 3e graad, VSV, worker 1;
       each a home visit and a laptop (GEEF) in the period.
    D: 2 cases closed before the period (all their activity is from 2024): not in the caseload.
    E: 1 case referred after the period: not in the caseload, not a new referral."""
    SECRETS.clear()
    cases = []
    n = 0
    for _ in range(12):
        n += 1
        cases.append(_case(n, status="actief", school="CLW", level="graad2", groups=["spijbelaar"], worker=W1,
                           referred_on=dt.date(2024, 10, 1), source="school", entries=[
                               HomeVisit(occurred_on=IN, purpose="Kennismaking", observations=f"Zag kamer {n}"),
                               HomeVisit(occurred_on=BEFORE, purpose="Eerder bezoek"),
                               FamilyContact(occurred_on=IN, channel="telefoon", with_whom="Mama Verzonnen",
                                             topics=["school", "gezin"], referrals=["CAW/JAC"], notes="Babbel"),
                               _scale(dt.date(2025, 1, 20), 2), _scale(dt.date(2025, 5, 20), 3),
                               _note(n, IN),
                           ]))
    for i in range(6):
        n += 1
        cases.append(_case(n, status="aangemeld", school="Den Anker", level="lager", groups=["neet"], worker=W2,
                           referred_on=dt.date(2025, 2, 10), source="clb", entries=[
                               FamilyContact(occurred_on=IN, channel="schoolpoort", with_whom="Papa Verzonnen",
                                             referrals=["VDAB"] if i < 2 else []),
                               _scale(dt.date(2025, 6, 1), 3), _scale(dt.date(2025, 2, 1), 4),
                           ]))
    for _ in range(3):
        n += 1
        cases.append(_case(n, status="afgesloten", school="TSM bovenbouw", level="graad3", groups=["vsv"],
                           worker=W1, referred_on=dt.date(2025, 3, 1), source="ouder", entries=[
                               HomeVisit(occurred_on=IN, purpose="Afsluiting"),
                               SupportMeasure(occurred_on=IN, measure="laptop_geef", note="Laptop afgehaald"),
                           ]))
    for _ in range(2):
        n += 1
        cases.append(_case(n, status="afgesloten", school="CLW", level="lager", groups=["neet"], worker=W2,
                           referred_on=dt.date(2024, 1, 10), source="politie", entries=[
                               HomeVisit(occurred_on=dt.date(2024, 3, 1), purpose="Oud"),
                               _scale(dt.date(2024, 2, 1), 1), _scale(dt.date(2024, 5, 1), 5),
                           ]))
    n += 1
    cases.append(_case(n, status="aangemeld", school="CLW", level="lager", groups=[], worker=W2,
                       referred_on=AFTER, source="politie", entries=[]))
    return cases


@pytest.fixture
def overview() -> TeamOverview:
    return compute_overview(team(), start=START, end=END)


@pytest.fixture
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("nl")


# -- reading the outputs back --------------------------------------------------------------------------


def csv_rows(o: TeamOverview) -> tuple[list[str], dict[tuple[str, str], str]]:
    out = io.BytesIO()
    write_overview_csv(o, out)
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf"), "Belgian Excel needs the BOM to read UTF-8"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert all(len(r) == 5 for r in body)
    assert {(r[0], r[1]) for r in body} == {(START.isoformat(), END.isoformat())}
    return header, {(r[2], r[3]): r[4] for r in body}


_VALUE = re.compile(r"^(\d+|<5|x|[+-]\d+,\d|-)$")


def pdf_lines(pdf: bytes) -> list[str]:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return [line.strip() for line in text.splitlines() if line.strip()]


def pdf_table(lines: list[str], title: str, head: str = "Aantal") -> dict[str, str]:
    """The rows of one table of the PDF: label line, then value line, after the table's head."""
    i = lines.index(head, lines.index(title)) + 1
    out: dict[str, str] = {}
    while i + 1 < len(lines) and _VALUE.match(lines[i + 1]) and not _VALUE.match(lines[i]):
        out[lines[i]] = lines[i + 1]
        i += 2
    return out


def pdf_figures(lines: list[str]) -> dict[str, str]:
    """The key figure tiles: a value line, then the label (which may wrap onto a second line)."""
    i = lines.index("Kerncijfers") + 1
    out: dict[str, str] = {}
    while _VALUE.match(lines[i]):
        value, label = lines[i], []
        i += 1
        while i < len(lines) and not _VALUE.match(lines[i]) and lines[i] != "Dossiers per status":
            label.append(lines[i])
            i += 1
        out[" ".join(label)] = value
    return out


# -- the counts ----------------------------------------------------------------------------------------


def test_counts_match_the_data_set(overview: TeamOverview) -> None:
    o = overview
    assert (o.cases, o.new_referrals, o.young_people_reached) == (21, 9, 21)
    assert (o.home_visits, o.family_contacts, o.partner_referrals, o.support_measures) == (15, 18, 14, 3)
    assert (o.scales_taken, o.scale_at_least_twice) == (36, 18)
    assert o.by_status == {"aangemeld": 6, "actief": 12, "afgesloten": 3}
    assert o.by_school["CLW"] == 12 and o.by_school["Den Anker"] == 6 and o.by_school["TSM bovenbouw"] == 3
    assert sum(o.by_school.values()) == 21
    assert {k: v for k, v in o.by_level.items() if v} == {"lager": 6, "graad2": 12, "graad3": 3}
    assert {k: v for k, v in o.by_target_group.items() if v} == {"vsv": 3, "spijbelaar": 12, "neet": 6}
    assert o.by_worker == {"u-1": 15, "u-2": 6}
    assert {k: v for k, v in o.by_referral_source.items() if v} == {"clb": 6, "ouder": 3}
    assert {k: v for k, v in o.contacts_by_channel.items() if v} == {"telefoon": 12, "schoolpoort": 6}
    assert {k: v for k, v in o.contacts_by_topic.items() if v} == {"school": 12, "gezin": 12}
    assert {k: v for k, v in o.referrals_by_partner.items() if v} == {"CAW/JAC": 12, "VDAB": 2}
    assert {k: v for k, v in o.support_by_measure.items() if v} == {"laptop_geef": 3}
    assert {k: v for k, v in o.support_by_level.items() if v} == {"graad3": 3}
    # A: 16 -> 24 (+8) twelve times; B: 32 -> 24 (-8) six times; mean (96 - 48) / 18 = 2.67.
    assert o.wellbeing_change == {"improved": 12, "same": 0, "worse": 6}
    assert o.wellbeing_mean_change == 2.7


def test_csv_holds_the_counts_with_small_ones_suppressed(overview: TeamOverview) -> None:
    header, cells = csv_rows(overview)
    assert header == ["Periode van", "Periode tot", "Sectie", "Onderdeel", "Aantal"]
    figures = {item: v for (section, item), v in cells.items() if section == "Kerncijfers"}
    assert figures == {
        "Dossiers in de periode": "21", "Nieuwe aanmeldingen": "9",
        # Without a history: the cases active now, and closed ones whose last date lies in the period.
        "Dossiers die actief waren in de periode": "12", "Dossiers afgesloten in de periode": SMALL,
        "Jongeren met contact (huisbezoek, gezinscontact of schaal)": "21", "Huisbezoeken": "15",
        "Gezinscontacten": "18", "Doorverwijzingen naar partners": "14", "Steunmaatregelen": SMALL,
        "Afgenomen welbevindenschalen": "36", "Jongeren die de schaal minstens twee keer invulden": "18",
    }
    # One "<5" in a table of 21 would be 21 - 12 - 0: the smallest other count is hidden as well.
    assert cells["Dossiers per status", "Actief"] == "12"
    assert cells["Dossiers per status", "Afgesloten"] == SMALL
    assert cells["Dossiers per status", "Aangemeld"] == HIDDEN
    assert cells["Dossiers per school", "CLW"] == "12"
    assert cells["Dossiers per school", "TSM bovenbouw"] == SMALL
    assert cells["Dossiers per school", "Den Anker"] == HIDDEN
    assert cells["Dossiers per school", "Maurits Sabbe"] == "0"
    assert cells["Dossiers per onderwijsniveau", "3e graad secundair"] == SMALL
    assert cells["Dossiers per doelgroep", "Vroegtijdige schoolverlater"] == SMALL
    assert cells["Dossiers per doelgroep", "NEET"] == HIDDEN
    assert cells["Dossiers per medewerker", "Fictieve Collega Een"] == "15"
    assert cells["Dossiers per medewerker", "Fictieve Collega Twee"] == "6"
    assert cells["Nieuwe aanmeldingen per aanmelder", "Ouder"] == SMALL
    assert cells["Nieuwe aanmeldingen per aanmelder", "CLB"] == HIDDEN
    assert cells["Gezinscontacten per kanaal", "Telefoon"] == "12"
    assert cells["Gezinscontacten per kanaal", "Schoolpoort"] == "6"
    assert cells["Gezinscontacten per thema", "Gezin"] == "12"
    assert cells["Doorverwijzingen per partner", "VDAB"] == SMALL
    assert cells["Doorverwijzingen per partner", "CAW/JAC"] == HIDDEN
    assert cells["Steunmaatregelen per soort", "Laptop (GEEF)"] == SMALL
    assert cells["Steunmaatregelen per onderwijsniveau", "3e graad secundair"] == SMALL
    wellbeing = "Welbevinden: verandering van de totaalscore"
    assert cells[wellbeing, "Totaalscore gestegen"] == "12"
    assert cells[wellbeing, "Totaalscore gelijk"] == "0"
    assert cells[wellbeing, "Totaalscore gedaald"] == "6"
    assert cells[wellbeing, "Gemiddelde verandering van de totaalscore"] == "2,7"
    # No number from 1 to 4 anywhere in the file.
    assert not [v for v in cells.values() if v in {"1", "2", "3", "4"}]


def test_pdf_holds_the_counts_with_small_ones_suppressed(overview: TeamOverview) -> None:
    lines = pdf_lines(render_overview_pdf(overview, made_by="Fictieve Coördinator", made_at=MADE_AT))
    assert lines[0] == "Teamoverzicht"
    assert "Periode: van 01/01/2025 tot en met 30/06/2025" in lines
    figures = pdf_figures(lines)
    assert figures["Dossiers in de periode"] == "21"
    assert figures["Huisbezoeken"] == "15"
    assert figures["Gezinscontacten"] == "18"
    assert figures["Steunmaatregelen"] == SMALL
    assert figures["Jongeren die de schaal minstens twee keer invulden"] == "18"
    assert pdf_table(lines, "Dossiers per status") == {"Aangemeld": HIDDEN, "Actief": "12", "Afgesloten": SMALL}
    school = pdf_table(lines, "Dossiers per school")
    assert school["CLW"] == "12" and school["TSM bovenbouw"] == SMALL and school["Den Anker"] == HIDDEN
    # Largest first, then the hidden rows by name (their place must not tell their size), then zeros.
    assert list(school)[:3] == ["CLW", "Den Anker", "TSM bovenbouw"]
    assert list(school)[3:] == sorted(list(school)[3:], key=str.casefold)
    assert pdf_table(lines, "Dossiers per medewerker") == {"Fictieve Collega Een": "15", "Fictieve Collega Twee": "6"}
    assert pdf_table(lines, "Gezinscontacten per kanaal")["Telefoon"] == "12"
    partners = pdf_table(lines, "Doorverwijzingen per partner")
    assert partners["VDAB"] == SMALL and partners["CAW/JAC"] == HIDDEN
    wellbeing = pdf_table(lines, "Welbevinden: verandering van de totaalscore")
    assert wellbeing["Totaalscore gestegen"] == "12" and wellbeing["Totaalscore gedaald"] == "6"
    assert "+2,7" in lines
    assert lines.count("Vertrouwelijk") == len(PdfReader(io.BytesIO(
        render_overview_pdf(overview, made_by="x", made_at=MADE_AT))).pages)


def test_no_name_birth_date_address_or_note_reaches_the_outputs(overview: TeamOverview) -> None:
    out = io.StringIO()
    write_overview_csv(overview, out)
    pdf = render_overview_pdf(overview, made_by="Fictieve Coördinator", made_at=MADE_AT)
    text = "\n".join(pdf_lines(pdf))
    assert SECRETS
    for output in (out.getvalue(), text, pdf.decode("latin-1")):
        leaked = [s for s in SECRETS if s in output]
        assert not leaked, leaked
    # Nor free text typed into entries (with whom, observations, support notes).
    for typed in ("Mama Verzonnen", "Zag kamer", "Laptop afgehaald", "Juf Verzonnen", "Babbel"):
        assert typed not in out.getvalue() and typed not in text


def test_english_headings(overview: TeamOverview, english: None) -> None:
    header, cells = csv_rows(overview)
    assert header == ["Period from", "Period to", "Section", "Item", "Count"]
    assert cells["Cases by status", "Active"] == "12"
    assert cells["Cases by status", "Closed"] == SMALL
    lines = pdf_lines(render_overview_pdf(overview, made_by="Fictieve Coördinator", made_at=MADE_AT))
    assert lines[0] == "Team overview"
    assert "Key figures" in lines and "Confidential" in lines
    assert pdf_table(lines, "Cases by status", head="Count") == {"Referred": HIDDEN, "Active": "12", "Closed": SMALL}
    assert pdf_table(lines, "Cases by school level", head="Count")["Secondary, 2nd stage"] == "12"
    # The CSV dialect is the Belgian spreadsheet's, whatever the language of the app.
    assert cells["Wellbeing: change of the total score", "Mean change of the total score"] == "2,7"


# -- the rules on their own -----------------------------------------------------------------------------


def test_suppress_hides_small_counts_and_the_cell_that_would_reveal_one() -> None:
    assert suppress({"a": 0, "b": 1, "c": 4, "d": 5, "e": 40}) == {
        "a": "0", "b": SMALL, "c": SMALL, "d": "5", "e": "40"}
    # A single "<5" with a printed total: the smallest other non-zero count goes too.
    assert suppress({"a": 3, "b": 0, "c": 7, "d": 9}) == {"a": SMALL, "b": "0", "c": HIDDEN, "d": "9"}
    # Nothing else to hide: the total is the "<5" itself, and is suppressed as well.
    assert suppress({"a": 3, "b": 0}) == {"a": SMALL, "b": "0"}
    assert suppress({}) == {}


def test_period_rules() -> None:
    cases = team()
    everything = compute_overview(cases, start=None, end=None)
    assert everything.cases == 24  # no period: every case
    assert everything.new_referrals == 24
    assert everything.home_visits == 12 + 12 + 3 + 2
    # A period with nothing in it still lists the running cases referred before it.
    quiet = compute_overview(cases, start=dt.date(2024, 11, 1), end=dt.date(2024, 11, 30))
    assert quiet.cases == 12 and quiet.new_referrals == 0 and quiet.home_visits == 0
    assert quiet.wellbeing_mean_change is None
    # The closed cases of 2024 belong to 2024.
    assert compute_overview(cases, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31)).by_status["afgesloten"] == 2
    with pytest.raises(ValueError):
        compute_overview(cases, start=END, end=START)


def test_an_edited_entry_counts_once_and_unlisted_values_are_not_printed() -> None:
    profile, records = team()[0]
    profile.school = "School van tante Verzonnen"  # typed by hand: free text, never printed
    visit = next(r for r in records if isinstance(r.content, HomeVisit) and r.content.occurred_on == IN)
    records.append(Record(visit.record_id, visit.case_id, visit.kind, 2, visit.author_id, MADE_AT, visit.content))
    o = compute_overview([(profile, records)], start=START, end=END)
    assert o.home_visits == 1
    rows = {r.label: r.value for s in sections(o) for r in s.rows if s.id == "school"}
    assert rows["Andere (niet in de keuzelijst)"] == SMALL
    out = io.StringIO()
    write_overview_csv(o, out)
    assert "tante" not in out.getvalue()


def test_csv_to_a_file_and_a_formula_is_not_a_formula(tmp_path: Path) -> None:
    profile, records = team()[0]
    profile.assigned = [WorkerRef("u-9", "=HYPERLINK(\"http://example.invalid\")")]
    o = compute_overview([(profile, records)], start=START, end=END)
    path = tmp_path / "overzicht.csv"
    write_overview_csv(o, path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    workers = [r[3] for r in rows if r[2] == "Dossiers per medewerker"]
    assert workers == ["'=HYPERLINK(\"http://example.invalid\")"]


def test_an_empty_team_renders(english: None) -> None:
    o = compute_overview([], start=START, end=END)
    assert o.cases == 0 and o.wellbeing_mean_change is None
    lines = pdf_lines(render_overview_pdf(o, made_by="Fictieve Coördinator", made_at=MADE_AT))
    assert "Team overview" in lines


def test_write_overview_picks_the_format_from_the_name(overview: TeamOverview, tmp_path: Path) -> None:
    write_overview(overview, tmp_path / "jaar.PDF", made_by="Fictieve Coördinator", made_at=MADE_AT)
    write_overview(overview, tmp_path / "jaar.csv", made_by="Fictieve Coördinator", made_at=MADE_AT)
    assert (tmp_path / "jaar.PDF").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "jaar.csv").read_bytes().startswith(b"\xef\xbb\xbfPeriode van;")
    with pytest.raises(ValueError, match=r"\.pdf of \.csv"):
        write_overview(overview, tmp_path / "jaar.xlsx", made_by="x", made_at=MADE_AT)
