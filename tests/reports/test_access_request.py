"""The access request (inzage) for one young person, read back with pypdf: a first page that says what
it is, for whom, by whom, when and from which team; the profile in words; every entry with its date and
author; no internal id anywhere; pages numbered. And the JSON: the export's structure with labels.
Every name, address and note here is invented."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

import pypdf
import pytest

from leerrecht_core.i18n import set_language
from leerrecht_desktop.models.case import CaseProfile, WorkerRef
from leerrecht_desktop.models.entries import Entry, FollowUpNote
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.reports.access_request import (
    Maker,
    access_request_json,
    make_access_request,
    render_access_request,
)

from .test_case_summary import profile, small_case

MADE_AT = dt.datetime(2025, 6, 20, 14, 5)
MAKER = Maker("Fictieve Coördinator", "coordinator", "Team Noord", "Stad Mechelen")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
WORKER_ID = str(uuid.uuid4())
COLLEAGUE_ID = str(uuid.uuid4())


def with_ids(records: list[Record], *, author_names: bool = True) -> list[Record]:
    """The sample case's records with real uuids as record, case and author ids, and (unless asked not
    to) an author name in every entry, alternating between two workers."""
    case_id = str(uuid.uuid4())
    out = []
    for i, r in enumerate(records):
        content = r.content
        author_id = WORKER_ID if i % 2 == 0 else COLLEAGUE_ID
        if isinstance(content, Entry):
            content.author_id = author_id
            content.author_name = ("Fictieve Werker" if i % 2 == 0 else "Andere Collega") if author_names else ""
        out.append(Record(str(uuid.uuid4()), case_id, r.kind, 1, author_id, r.saved_at, content))
    return out


def pdf_text(pdf: bytes) -> list[str]:
    return [unicodedata.normalize("NFKC", p.extract_text() or "") for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def flat(pages: list[str]) -> str:
    return " ".join(" ".join(pages).split())


def render(prof: CaseProfile, records: list[Record], **kwargs: Any) -> bytes:
    return render_access_request(prof, records, maker=MAKER, made_at=MADE_AT, **kwargs)


def test_every_entry_has_its_date_and_author_and_there_is_no_id() -> None:
    prof = profile()
    prof.assigned = [WorkerRef(WORKER_ID, "Fictieve Werker")]
    records = with_ids(small_case())
    pages = pdf_text(render(prof, records))
    text = flat(pages)
    for r in records:
        entry = r.content
        assert isinstance(entry, Entry)
        head = f"{entry.occurred_on:%d/%m/%Y} · {entry.kind.label} Geschreven door {entry.author_name}"
        assert head in text, head
    for page in pages:
        assert UUID.search(page) is None
    for r in records:
        assert r.record_id[:8] not in text and r.case_id[:8] not in text
    assert WORKER_ID[:8] not in text and COLLEAGUE_ID[:8] not in text
    # No key version or revision number either: nothing says "versie" or "revisie".
    assert "revisie" not in text.casefold() and "sleutel" not in text.casefold()


def test_the_entries_come_oldest_first() -> None:
    records = with_ids(small_case())
    text = flat(pdf_text(render(profile(), records)))
    dates = sorted(r.content.occurred_on for r in records if isinstance(r.content, Entry))
    positions = [text.index(f"{d:%d/%m/%Y} · ") for d in dates]
    assert positions == sorted(positions)


def test_the_first_page_says_what_it_is_for_whom_by_whom_and_when() -> None:
    pages = pdf_text(render(profile(), with_ids(small_case())))
    first = " ".join(pages[0].split())
    assert "Inzage in een dossier" in first and "artikel 15" in first
    assert "Robbe Aerts-Vermeulen" in first and "12/04/2010" in first
    assert "Fictieve Coördinator (Coördinator)" in first and "20/06/2025 om 14:05" in first
    assert "Team Noord van Stad Mechelen" in first
    assert "Fictieve Werker, Andere Collega" in first  # who wrote in it
    assert "Huisbezoek" not in first  # the entries start after the first page
    assert all(f"pagina {n} van {len(pages)}" in page for n, page in enumerate(pages, start=1))


def test_the_profile_is_in_words_not_keys() -> None:
    text = flat(pdf_text(render(profile(), with_ids(small_case()))))
    assert "1e graad secundair" in text and "graad1" not in text
    assert "Spijbelaar" in text and "spijbelaar" not in text
    assert "School, Gezin" in text
    assert "jongen" in text and "Actief" in text
    assert "Laptop (LEEN)" in text and "laptop_leen" not in text
    assert "Telefoon" in text and "telefoon " not in text
    # The wellbeing scale: each question with its answer in words.
    assert "1. Ik was optimistisch over de toekomst." in text and "zelden" in text


def test_a_closed_case_says_why() -> None:
    prof = profile()
    prof.status, prof.closed_reason = "afgesloten", "doel_bereikt"
    text = flat(pdf_text(render(prof, [])))
    assert "Afgesloten (Doel bereikt)" in text and "Er is nog niets genoteerd." in text


def test_an_entry_without_its_authors_name_gets_it_from_the_names_given() -> None:
    records = with_ids(small_case(), author_names=False)
    text = flat(pdf_text(render(profile(), records, names={WORKER_ID: "Fictieve Werker"})))
    assert "Geschreven door Fictieve Werker" in text
    assert "Geschreven door een begeleider" in text  # the colleague's id is not among the names
    assert COLLEAGUE_ID[:8] not in text


def test_refused_parts_are_said_on_the_first_page() -> None:
    pages = pdf_text(render(profile(), with_ids(small_case()), refused=2))
    assert "2 onderdelen van het dossier konden niet veilig geopend worden" in " ".join(pages[0].split())


def test_english_when_the_app_is_in_english() -> None:
    set_language("en")
    text = flat(pdf_text(render(profile(), with_ids(small_case()))))
    assert "What Leerrecht holds about Robbe Aerts-Vermeulen" in text and "article 15" in text
    assert "Written by Fictieve Werker" in text and "Secondary, 1st stage" in text


def test_a_long_case_numbers_its_pages() -> None:
    records = with_ids([
        Record("x", "c", Kind.NOTE, 1, "u", dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
               FollowUpNote(occurred_on=dt.date(2024, 9, 1) + dt.timedelta(days=i), text="Gesprek op school. " * 40))
        for i in range(60)
    ])
    pages = pdf_text(render(profile(), records))
    assert len(pages) >= 5
    assert all(f"pagina {n} van {len(pages)}" in page for n, page in enumerate(pages, start=1))
    assert "Aantal: 60." in " ".join(pages[0].split())


# -- JSON and the one call the CLI and the window make ---------------------------------------------------


@dataclass
class FakeCaseFile:
    content: CaseProfile
    entries: list[Record]
    refused: list[str] = field(default_factory=list)


@dataclass
class FakeUser:
    name: str = "Fictieve Coördinator"
    role: str = "coordinator"
    team: str = "Team Noord"


class FakeSource:
    """What `make_access_request` needs of the unlocked case files."""

    def __init__(self) -> None:
        self.user = FakeUser()
        self.asked: list[Any] = []

    def load_case(self, case_id: str) -> FakeCaseFile:
        self.asked.append(("load", case_id))
        return FakeCaseFile(profile(), with_ids(small_case()), ["één deel"])

    def export(self, case_ids: Any = None) -> dict[str, Any]:
        self.asked.append(("export", list(case_ids)))
        return {"format": "leerrecht-export", "format_version": 1, "exported_at": "t",
                "user": {"user_id": "u", "name": "n", "role": "coordinator", "team": "Team Noord"},
                "cases": [{"case_id": "c1", "records": []}], "refused": []}


def test_json_keeps_the_export_and_adds_scope_and_labels() -> None:
    source = FakeSource()
    export = source.export(["c1"])
    data = access_request_json(export)
    assert {k: v for k, v in data.items() if k not in ("scope", "labels")} == export
    assert list(data)[:3] == ["format", "format_version", "scope"] and data["scope"] == "case"
    labels = data["labels"]
    assert labels["language"] == "nl" and labels["status"]["afgesloten"] == "Afgesloten"
    assert labels["closed_reasons"]["doel_bereikt"] == "Doel bereikt" and labels["answers"]["5"] == "Altijd"
    assert labels["gender"]["m"] == "jongen" and labels["filled_in_by"]["samen"]


@pytest.mark.parametrize("suffix", [".json", ".JSON"])
def test_make_access_request_json(suffix: str) -> None:
    source = FakeSource()
    made = make_access_request(source, "c1", suffix, made_at=MADE_AT)
    assert source.asked == [("export", ["c1"])]  # only this case is asked for
    text = made.data.decode("utf-8")
    assert text.endswith("\n") and json.loads(text)["cases"] == [{"case_id": "c1", "records": []}]
    assert made.refused == 0


def test_make_access_request_pdf() -> None:
    source = FakeSource()
    made = make_access_request(source, "c1", ".pdf", made_at=MADE_AT)
    assert source.asked == [("load", "c1")]
    assert made.data.startswith(b"%PDF") and made.refused == 1
    first = " ".join(pdf_text(made.data)[0].split())
    assert "Fictieve Coördinator" in first and "Team Noord van Stad Mechelen" in first
    assert "1 onderdelen" in first
