"""Pseudonymising a case for a case consultation: the rules on free text, and the rendered PDF holding
no name, address, phone number or birth date anywhere (text, metadata, decompressed streams) while
the age stays. Every name, address and number here is invented."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pypdf
import pytest

from leerrecht_desktop.models.case import CaseProfile, Contact, Referral, WorkerRef
from leerrecht_desktop.models.entries import FamilyContact, FollowUpNote, HomeVisit
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.reports.case_summary import SummaryOptions, render_case_summary
from leerrecht_desktop.reports.pseudonymise import Pseudonymiser, pseudonymise

TODAY = dt.date(2025, 6, 20)


def case() -> CaseProfile:
    return CaseProfile(
        first_name="Çağlar Şükrü", last_name="Öztürk", birth_date=dt.date(2010, 4, 12),
        school="TSM middenschool", class_name="2B", address="Kerkstraat 12 bus 3, 2800 Mechelen",
        contacts=[Contact("Ayşe Öztürk", "moeder", "0470 12 34 56"),
                  Contact("Mehmet Öztürk", "vader", "+32 486 11 22 33"),
                  Contact("محمد العلي", "oom", ""), Contact("Jan De Smet", "", "")],
        network="Çağlar gaat naar de voetbalclub; oom محمد helpt.",
        referral=Referral("school", dt.date(2024, 8, 25), "Zorgcoördinator", "Caglar is vaak afwezig."),
        assigned=[WorkerRef("u1", "Fictieve Werker")], status="actief",
    )


@pytest.fixture
def p() -> Pseudonymiser:
    return Pseudonymiser(case())


def test_names_become_labels_whatever_the_case_or_accents(p: Pseudonymiser) -> None:
    assert p.text("Gesprek met Caglar en zijn moeder Ayse OZTURK.") == \
        "Gesprek met [de jongere] en zijn moeder [moeder]."
    assert p.text("ÇAĞLAR ŞÜKRÜ ÖZTÜRK kwam niet.") == "[de jongere] kwam niet."
    assert p.text("Papa Mehmet belde.") == "Papa [vader] belde."
    assert p.text("Oom محمد العلي en مُحَمَّد kwamen.") == "Oom [oom] en [oom] kwamen."


def test_a_shared_family_name_alone_becomes_a_neutral_label(p: Pseudonymiser) -> None:
    assert p.text("Mevrouw Öztürk belde.") == "Mevrouw [naam] belde."


def test_only_whole_words_are_names(p: Pseudonymiser) -> None:
    text = "Caglarstraat, Mehmetoglu en januari; de smid."
    assert p.text(text) == text


def test_particles_alone_stay_ordinary_words(p: Pseudonymiser) -> None:
    assert p.text("Jan De Smet zag de smid van de buurt.") == "[contactpersoon 4] zag de smid van de buurt."
    assert p.text("Meneer De Smet belde.") == "Meneer [contactpersoon 4] belde."


def test_phone_numbers_address_and_birth_date_are_masked_but_other_dates_stay(p: Pseudonymiser) -> None:
    out = p.text("Bel 0470/12.34.56 of 0486 112233 of +32 15 12 34 56. Afspraak op 05/03/2025 om 14:30.")
    assert out == ("Bel [telefoonnummer] of [telefoonnummer] of [telefoonnummer]. "
                   "Afspraak op 05/03/2025 om 14:30.")
    assert p.text("Bezoek in de kerkstraat 12 bus 3; oma woont Nieuwstraat 4.") == \
        "Bezoek in de [adres]; oma woont [adres]."
    assert p.text("Geboren op 12/04/2010 (2010-04-12), schooljaar 2024-2025.") == \
        "Geboren op [geboortedatum] ([geboortedatum]), schooljaar 2024-2025."


def test_profile_loses_identifying_fields_and_keeps_the_rest() -> None:
    prof, _ = pseudonymise(case(), [])
    assert prof.first_name == "de jongere" and prof.last_name == "" and prof.birth_date is None
    assert prof.address == ""
    assert [c.name for c in prof.contacts] == ["moeder", "vader", "oom", "contactpersoon 4"]
    assert all(c.phone == "" for c in prof.contacts)
    assert prof.network == "[de jongere] gaat naar de voetbalclub; oom [oom] helpt."
    assert prof.referral.concern == "[de jongere] is vaak afwezig."
    assert prof.school == "TSM middenschool" and prof.assigned[0].name == "Fictieve Werker"


def test_same_relation_twice_is_numbered() -> None:
    prof = CaseProfile(first_name="Lina", last_name="Amrani",
                       contacts=[Contact("Youssef Amrani", "Broer"), Contact("Adam Amrani", "broer")])
    p = Pseudonymiser(prof)
    assert p.contact_labels == ["broer 1", "broer 2"]
    assert p.text("Adam en Youssef") == "[broer 2] en [broer 1]"


def test_entries_have_free_text_scrubbed_and_keys_and_workers_kept() -> None:
    visit = HomeVisit(occurred_on=dt.date(2025, 1, 5), author_name="Fictieve Werker", present="Ayşe, Çağlar",
                      location="Kerkstraat 12", observations="Çağlar toont zijn schrift.", referrals=["CLB"])
    contact = FamilyContact(occurred_on=dt.date(2025, 1, 6), channel="telefoon", with_whom="Mehmet Öztürk",
                            notes="Belde van op 0486 11 22 33.")
    _, (v, c) = pseudonymise(case(), [visit, contact])
    assert v.present == "[moeder], [de jongere]" and v.location == "[adres]"
    assert v.observations == "[de jongere] toont zijn schrift." and v.author_name == "Fictieve Werker"
    assert c.channel == "telefoon" and c.with_whom == "[vader]" and c.notes == "Belde van op [telefoonnummer]."


# -- the rendered PDF -------------------------------------------------------------------------------

SECRETS = ["Çağlar", "Şükrü", "Öztürk", "Ozturk", "Caglar", "Ayşe", "Mehmet", "محمد", "العلي", "Smet",
           "Kerkstraat", "0470", "12 34 56", "486", "12/04/2010", "2010-04-12"]


def rendered(pseudo: bool) -> bytes:
    prof = case()
    notes = [
        FollowUpNote(occurred_on=dt.date(2025, 2, 1), author_name="Fictieve Werker",
                     text="Çağlar Öztürk (geboren 12/04/2010) woont Kerkstraat 12. Mama Ayşe: 0470 12 34 56. "
                          "Oom محمد العلي komt mee. Meneer De Smet is de buurman.",
                     action="Mehmet bellen", action_owner="Ayşe"),
    ]
    records = [Record(f"r{i}", "c", Kind.NOTE, 1, "u1", dt.datetime(2025, 2, 1, tzinfo=dt.UTC), e)
               for i, e in enumerate(notes)]
    return render_case_summary(prof, records, SummaryOptions(pseudonymise=pseudo), made_by="Fictieve Werker",
                               made_at=dt.datetime(2025, 6, 20, 9, 0), today=TODAY)


def extracted(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return unicodedata.normalize("NFKC", text)


def decompressed(pdf: bytes) -> str:
    """The file and every one of its streams inflated: nothing may hide in metadata, font data or
    compressed page content either."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    parts = [pdf.decode("latin-1")]
    for number in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(number)
        if isinstance(obj, pypdf.generic.StreamObject):
            data = obj.get_data()
            parts += [data.decode("latin-1"), data.decode("utf-8", errors="replace"),
                      data.decode("utf-16-be", errors="replace")]
    return "\n".join(parts)


def test_the_unpseudonymised_pdf_does_hold_the_secrets() -> None:
    # The check below means something only if the same case, not pseudonymised, shows them.
    text = " ".join(extracted(rendered(False)).split())
    for secret in ("Çağlar", "Öztürk", "Kerkstraat", "0470 12 34 56", "12/04/2010", "محمد"):
        assert secret in text


def test_the_pseudonymised_pdf_holds_no_name_address_phone_or_birth_date_but_the_age() -> None:
    pdf = rendered(True)
    text = " ".join(extracted(pdf).split())
    for secret in SECRETS:
        assert secret.casefold() not in text.casefold(), secret
    folded = unicodedata.normalize("NFKD", text)
    assert "Ozturk" not in "".join(c for c in folded if not unicodedata.combining(c))
    raw = decompressed(pdf)
    for secret in SECRETS:
        assert secret not in raw, secret
    meta = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    assert meta is not None and not any(s in str(v) for v in meta.values() for s in SECRETS)
    assert "15 jaar" in text
    assert "[de jongere] (geboren [geboortedatum]) woont [adres]. Mama [moeder]: [telefoonnummer]." in text
    assert "TSM middenschool" in text and "Fictieve Werker" in text
    assert "Gepseudonimiseerd" in text
