"""The case summary PDF, read back with pypdf: what the case holds is in the text, in every script;
fonts are embedded; page numbering is right on long cases; period, sections, password and language
options work. Every name, address, phone number and note here is invented."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import unicodedata

import pypdf
import pytest

from leerrecht_core.i18n import set_language
from leerrecht_desktop.models.case import CaseProfile, Consent, Contact, Referral, WorkerRef
from leerrecht_desktop.models.entries import (
    Entry,
    FamilyContact,
    FollowUpNote,
    HomeVisit,
    SupportMeasure,
    WellbeingScale,
)
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.reports.case_summary import (
    ALL_SECTIONS,
    AttachmentLine,
    Section,
    SummaryOptions,
    render_case_summary,
)

TODAY = dt.date(2025, 6, 20)
MADE_AT = dt.datetime(2025, 6, 20, 14, 5)
MAKER = "Fictieve Coördinator"


def profile(first: str = "Robbe", last: str = "Aerts-Vermeulen") -> CaseProfile:
    return CaseProfile(
        first_name=first, last_name=last, birth_date=dt.date(2010, 4, 12), gender="m",
        school="TSM middenschool", level="graad1", class_name="2B", home_language="Nederlands",
        address="Lange Schipstraat 96 bus 10, 2800 Mechelen",
        contacts=[Contact("Ann Willems", "moeder", "0474 27 03 82"), Contact("Steven Aerts", "vader", "0496 34 24 21")],
        network="CLB en voetbalclub in de buurt.",
        referral=Referral("school", dt.date(2024, 8, 25), "Leerlingenbegeleider",
                          "Robbe komt zonder ontbijt naar school en is snel moe."),
        target_groups=["spijbelaar"], life_domains=["school", "gezin"], status="actief",
        assigned=[WorkerRef("u1", "Fictieve Werker")], consent=Consent(True, dt.date(2024, 8, 28), "Fictieve Werker"),
    )


def record(content: Entry | CaseProfile, n: int) -> Record:
    kind = Kind.CASE if isinstance(content, CaseProfile) else content.kind
    return Record(f"r{n}", "case-1", kind, 1, "u1", dt.datetime(2025, 1, 1, tzinfo=dt.UTC), content)


def answers(base: int) -> dict[str, int]:
    return {f"q{i}": min(5, max(1, base + (i % 2))) for i in range(1, 9)}


def small_case() -> list[Record]:
    entries: list[Entry] = [
        HomeVisit(occurred_on=dt.date(2024, 9, 3), author_name="Fictieve Werker", start_time="17:00",
                  duration_minutes=60, location="Thuis", present="mama, Robbe", purpose="Kennismaking",
                  observations="De keuken is klein; Robbe toont zijn schrift.",
                  agreements="Robbe brengt zijn agenda mee.",
                  next_step="Gesprek met klastitularis", next_step_on=dt.date(2024, 9, 20), referrals=["CLB"]),
        FamilyContact(occurred_on=dt.date(2024, 10, 8), channel="telefoon", with_whom="papa",
                      topics=["school"], referrals=["Sociaal Huis"], notes="Papa belt over de schoolrekening."),
        WellbeingScale(occurred_on=dt.date(2024, 9, 10), place="school", age=14, gender="m", answers=answers(2)),
        WellbeingScale(occurred_on=dt.date(2025, 3, 11), place="thuis", age=14, gender="m", answers=answers(3)),
        FollowUpNote(occurred_on=dt.date(2025, 1, 15), text="Casusoverleg met de school gepland.",
                     action="Verslag sturen naar CLB", action_owner="Fictieve Werker", due_on=dt.date(2025, 1, 30)),
        SupportMeasure(occurred_on=dt.date(2024, 11, 2), measure="laptop_leen", level="graad1", note="Via school"),
    ]
    return [record(e, i) for i, e in enumerate(entries)]


def render(prof: CaseProfile, records: list[Record], **options: object) -> bytes:
    return render_case_summary(prof, records, SummaryOptions(**options), made_by=MAKER,  # type: ignore[arg-type]
                               made_at=MADE_AT, today=TODAY)


def pages_text(pdf: bytes, password: str | None = None) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    if password is not None:
        reader.decrypt(password)
    # NFKC folds the Arabic presentation forms the PDF draws back into the letters (see reports/fonts.py).
    return [unicodedata.normalize("NFKC", page.extract_text()) for page in reader.pages]


def text_of(pdf: bytes) -> str:
    return "\n".join(pages_text(pdf))


def squash(text: str) -> str:
    """Whitespace-insensitive: a long cell may wrap a phrase over two lines."""
    return re.sub(r"\s+", " ", text)


# -- content ----------------------------------------------------------------------------------------

def test_the_summary_holds_the_name_dates_and_scores() -> None:
    pdf = render(profile(), small_case())
    text = squash(text_of(pdf))
    # Tables and charts included, only our embedded fonts are used: no base-14 fallback anywhere.
    assert all("Noto" in name for name in font_names(pdf)), font_names(pdf)
    assert "Robbe Aerts-Vermeulen" in text
    assert "15 jaar" in text and "12/04/2010" in text
    assert "TSM middenschool" in text and "klas 2B" in text and "1e graad secundair" in text
    assert "Actief" in text and "Fictieve Werker" in text
    for day in ("03/09/2024", "08/10/2024", "15/01/2025", "02/11/2024"):
        assert day in text
    # Pick-list labels, not keys.
    assert "Telefoon" in text and "Laptop (LEEN)" in text and "Spijbelaar" in text
    assert "laptop_leen" not in text
    # The scale: totals 8*2+4=20 and 8*3+4=28, change +8.
    assert "Totaal" in text and " 20 " in f" {text} " and " 28 " in f" {text} " and "+8" in text
    assert "Robbe brengt zijn agenda mee." in text
    assert "Verslag sturen naar CLB" in text and "over datum" in text
    assert "Sociaal Huis" in text


def test_period_leaves_out_entries_outside_it_and_the_header_says_which() -> None:
    text = squash(text_of(render(profile(), small_case(), period_from=dt.date(2024, 10, 1),
                                 period_to=dt.date(2024, 12, 31))))
    assert "01/10/2024 tot en met 31/12/2024" in text
    assert "08/10/2024" in text and "02/11/2024" in text
    for outside in ("03/09/2024", "15/01/2025", "Verslag sturen naar CLB", "Kennismaking"):
        assert outside not in text


def test_sections_can_be_left_out() -> None:
    text = squash(text_of(render(profile(), small_case(), sections=frozenset({Section.NOTES}))))
    assert "Opvolgnotities" in text and "Casusoverleg met de school gepland." in text
    assert "Welbevinden" not in text and "Huisbezoeken en gezinscontacten" not in text
    assert "Robbe Aerts-Vermeulen" in text  # the header is always there


SCANS = (AttachmentLine("Toestemming ouders", "toestemming-Robbe.pdf", "application/pdf", 2_516_582,
                        dt.datetime(2025, 1, 20, 9, 30, tzinfo=dt.UTC)),
         AttachmentLine("", "rapport-eerste-trimester.jpg", "image/jpeg", 350_000, None))


def test_the_attachments_are_listed_only_when_asked() -> None:
    without = squash(text_of(render(profile(), small_case(), attachments=SCANS)))
    assert "Bijlagen" not in without and "Toestemming ouders" not in without  # off by default
    text = squash(text_of(render(profile(), small_case(), sections=ALL_SECTIONS | {Section.ATTACHMENTS},
                                 attachments=SCANS)))
    assert "Bijlagen" in text
    for shown in ("Toestemming ouders", "toestemming-Robbe.pdf", "PDF", "2,4 MB", "20/01/2025",
                  "rapport-eerste-trimester.jpg", "JPEG", "342 kB"):
        assert shown in text
    empty = squash(text_of(render(profile(), [], sections=frozenset({Section.ATTACHMENTS}))))
    assert "Geen bijlagen in dit dossier." in empty


def test_pseudonymised_attachment_names_lose_the_young_persons_name() -> None:
    text = squash(text_of(render(profile(), small_case(), sections=frozenset({Section.ATTACHMENTS}),
                                 attachments=SCANS, pseudonymise=True)))
    assert "Toestemming ouders" in text and "Robbe" not in text


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="periode"):
        SummaryOptions(period_from=dt.date(2025, 2, 1), period_to=dt.date(2025, 1, 1))


def test_an_empty_case_still_makes_a_summary() -> None:
    text = text_of(render(CaseProfile(first_name="Lotte", last_name="Peeters"), []))
    assert "Lotte Peeters" in text and "Geen opvolgnotities in deze periode." in text


def test_a_profile_record_among_the_entries_is_ignored() -> None:
    records = [record(profile(), 99), *small_case()]
    assert "Robbe Aerts-Vermeulen" in text_of(render(profile(), records))


# -- names in every script, embedded fonts ----------------------------------------------------------

ARABIC_FIRST = "عبد الله"
ARABIC_LAST = "المصري"
TURKISH = ("Çağlar Şükrü", "Öztürk")
POLISH = ("Łukasz", "Wójcik-Żmuda")


def font_names(pdf: bytes) -> set[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    names: set[str] = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font["/BaseFont"]))
            descendant = font.get("/FontDescriptor")
            if descendant is not None:
                # Embedded: the TrueType program itself is in the file.
                assert "/FontFile2" in descendant.get_object(), font["/BaseFont"]
    return names


@pytest.mark.parametrize(("first", "last"), [(ARABIC_FIRST, ARABIC_LAST), TURKISH, POLISH,
                                             ("İlkay", "Yıldız"), ("Иван", "Петров")])
def test_names_in_any_script_round_trip_through_the_pdf_text(first: str, last: str) -> None:
    prof = profile(first, last)
    prof.contacts = [Contact(f"Ayşe {last}", "moeder", "")]
    records = [record(FollowUpNote(occurred_on=dt.date(2025, 2, 1),
                                   text=f"Gesprek met {first} en zijn moeder Ayşe {last} over school."), 1)]
    pdf = render(prof, records)
    text = text_of(pdf)
    assert f"{first} {last}" in text
    assert f"Gesprek met {first} en zijn moeder Ayşe {last} over school." in squash(text)
    names = font_names(pdf)
    assert not any("Helvetica" in n or "Times" in n or "Courier" in n for n in names), names
    assert any("NotoSans-Regular" in n for n in names)
    if first == ARABIC_FIRST:
        assert any("NotoSansArabic" in n for n in names)


def test_arabic_is_drawn_shaped_and_right_to_left() -> None:
    # What the PDF draws is the contextual forms in visual order: isolated letters or logical order
    # would mean unjoined, mirrored text on paper.
    raw = "\n".join(page.extract_text() for page in
                    pypdf.PdfReader(io.BytesIO(render(profile(ARABIC_FIRST, ARABIC_LAST), []))).pages)
    assert any("\ufe70" <= ch <= "\ufeff" for ch in raw), "no contextual (presentation) forms drawn"
    assert ARABIC_LAST not in raw  # the unshaped letters are not what is drawn


# -- long cases -------------------------------------------------------------------------------------

def many_entries(n: int, seed: int = 7) -> list[Record]:
    rng = random.Random(seed)
    start = dt.date(2023, 9, 1)
    out: list[Record] = []
    for i in range(n):
        day = start + dt.timedelta(days=i * 2)
        kind = i % 5
        entry: Entry
        if kind == 0:
            entry = HomeVisit(occurred_on=day, present="mama, Robbe", purpose="Opvolging school",
                              observations=" ".join(rng.choice(["Robbe vertelt over de klas.", "Mama is moe.",
                                                                "De afspraken lopen goed."]) for _ in range(6)),
                              agreements="Agenda elke avond samen bekijken.")
        elif kind == 1:
            entry = FamilyContact(occurred_on=day, channel="schoolpoort", with_whom="papa", notes="Kort gesprek.")
        elif kind == 2:
            entry = WellbeingScale(occurred_on=day, place="school", answers=answers(rng.randint(1, 4)))
        elif kind == 3:
            entry = FollowUpNote(occurred_on=day, text="Notitie " + str(i) + ". " + "Opvolging loopt. " * 8)
        else:
            entry = SupportMeasure(occurred_on=day, measure="soep", level="graad1")
        out.append(record(entry, i))
    return out


def test_300_entries_make_a_multi_page_summary_numbered_1_to_n() -> None:
    pdf = render(profile(), many_entries(300))
    pages = pages_text(pdf)
    n = len(pages)
    assert n > 5
    for number, text in enumerate(pages, start=1):
        footer = re.findall(r"pagina (\d+) van (\d+)", text)
        assert footer == [(str(number), str(n))], (number, footer)
        assert "Vertrouwelijk" in text
        assert f"Gemaakt op 20/06/2025 om 14:05 door {MAKER}" in text


def test_a_very_long_note_flows_across_pages_in_full() -> None:
    words = [f"woord{i}" for i in range(3500)]
    visit = HomeVisit(occurred_on=dt.date(2025, 1, 5), present="mama", observations=" ".join(words))
    note = FollowUpNote(occurred_on=dt.date(2025, 1, 6), text="\n".join(words))
    pdf = render(profile(), [record(visit, 1), record(note, 2)])
    text = text_of(pdf)
    assert len(pages_text(pdf)) > 3
    assert text.count("woord3499") == 2 and text.count("woord0 ") + text.count("woord0\n") >= 2


# -- options ----------------------------------------------------------------------------------------

def test_password_protects_the_file() -> None:
    pdf = render(profile(), small_case(), password="geheim-overleg")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.is_encrypted
    # AES-256 with the PDF 2.0 security handler (V5/R6), not ReportLab's RC4.
    encrypt = reader.trailer["/Encrypt"].get_object()
    assert (encrypt["/V"], encrypt["/R"]) == (5, 6)
    assert encrypt["/CF"]["/StdCF"]["/CFM"] == "/AESV3"
    assert reader.decrypt("fout") == pypdf.PasswordType.NOT_DECRYPTED
    assert b"Robbe" not in pdf and b"Dossiersamenvatting" not in pdf  # text and metadata are ciphertext
    assert "Robbe Aerts-Vermeulen" in "\n".join(pages_text(pdf, "geheim-overleg"))
    opened = pypdf.PdfReader(io.BytesIO(pdf), password="geheim-overleg")
    assert opened.metadata is not None and opened.metadata.title == "Dossiersamenvatting"
    # Readers may print and copy, not change it.
    permissions = opened.user_access_permissions
    assert permissions is not None
    assert permissions & pypdf.constants.UserAccessPermissions.PRINT
    assert permissions & pypdf.constants.UserAccessPermissions.EXTRACT
    assert not permissions & pypdf.constants.UserAccessPermissions.MODIFY


def test_metadata_holds_no_personal_data() -> None:
    meta = pypdf.PdfReader(io.BytesIO(render(profile(), small_case()))).metadata
    assert meta is not None
    values = " ".join(str(v) for v in meta.values())
    assert meta.title == "Dossiersamenvatting"
    for personal in ("Robbe", "Aerts", "Fictieve", "Willems"):
        assert personal not in values


def test_english_headings_when_the_app_is_in_english() -> None:
    set_language("en")
    text = squash(text_of(render(profile(), small_case())))
    for heading in ("Case summary", "Referral and context", "Agreements and open actions",
                    "Home visits and family contacts", "Wellbeing", "Follow-up notes", "Support measures",
                    "Confidential", "page 1 of"):
        assert heading in text
    assert "Huisbezoeken en gezinscontacten" not in text and "Vertrouwelijk" not in text
    assert "Laptop (lent)" in text  # pick-list labels in English too



def test_every_question_of_the_per_question_charts_is_printed_whole() -> None:
    """The small charts' titles wrap instead of ending in "…" ("Ik was optimistisch over de to...")."""
    from reportlab.graphics import renderPDF

    from leerrecht_desktop.models.catalog import wellbeing_questionnaire
    from leerrecht_desktop.models.wellbeing import score
    from leerrecht_desktop.reports.fonts import register_fonts
    from leerrecht_desktop.reports.wellbeing_charts import item_charts

    register_fonts()
    scales = [r.content for r in small_case() if isinstance(r.content, WellbeingScale)]
    charts = renderPDF.drawToString(item_charts([score(s) for s in scales]))
    text = squash(" ".join(pages_text(charts)))
    assert "…" not in text
    for n, item in enumerate(wellbeing_questionnaire().items, 1):
        assert squash(f"{n}. {item.text}") in text, item.text


def test_open_actions_hold_a_family_contacts_next_step_until_it_is_done() -> None:
    records = small_case()
    records.append(record(FamilyContact(occurred_on=dt.date(2025, 2, 3), channel="telefoon", with_whom="mama",
                                        author_name="Fictieve Werker", next_step="Spreek volgende week opnieuw af",
                                        next_step_on=dt.date(2025, 2, 10)), 20))
    text = squash(text_of(render(profile(), records)))
    opened = text[text.index("Open acties"):text.index("Afspraken bij huisbezoeken")]
    assert "Spreek volgende week opnieuw af" in opened and "10/02/2025" in opened
    assert "Gesprek met klastitularis" in opened  # the latest visit's step, not done
    done = small_case()
    visit = done[0].content
    assert isinstance(visit, HomeVisit)
    visit.next_step_done = True
    done.append(record(FamilyContact(occurred_on=dt.date(2025, 2, 3), channel="telefoon", with_whom="mama",
                                     next_step="Spreek volgende week opnieuw af", next_step_done=True), 20))
    text = squash(text_of(render(profile(), done)))
    opened = text[text.index("Open acties"):text.index("Afspraken bij huisbezoeken")]
    assert "Spreek volgende week opnieuw af" not in opened and "Gesprek met klastitularis" not in opened
    # The step is still in the contact itself, marked done.
    assert "Spreek volgende week opnieuw af – gedaan" in text
