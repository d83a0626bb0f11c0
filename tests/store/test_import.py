"""Importing a caseload from a spreadsheet (issue 15): the preview names every bad row and writes
nothing, the import is one batch of sealed, queued cases, a second import adds nothing, .xlsx (real
Excel dates) and Windows-1252 CSV both read, the mapping is remembered, and duplicates are skipped or
merged. Every name in these files is fictitious."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.importing import mapping as mapping_module
from leerrecht_desktop.store.importing.mapping import MappingError
from leerrecht_desktop.store.importing.plan import (
    Duplicates,
    apply,
    duplicate_sentence,
    find_duplicate,
    preview,
)
from leerrecht_desktop.store.importing.sheet import SheetError, read_sheet
from tests.kits.storekit import files_containing, flip_byte, raw_execute, raw_query, text_forms

TODAY = dt.date(2025, 3, 1)
HEADER = ["Voornaam", "Familienaam", "Geb. datum", "Geslacht", "School", "Klas", "Graad", "Doelgroep", "Adres",
          "Ouder", "GSM", "Aangemeld op", "Aangemeld door", "Reden aanmelding", "Opmerking"]

# The 20 bad rows of the big file, by data index (row number = index + 2), each with what is wrong.
BAD: dict[int, tuple[str, str]] = {}
_KINDS = [
    ("Geb. datum", "31/02/2012"), ("School", "Sint-X"), ("Voornaam", ""), ("Graad", "hogeschool"),
    ("Geb. datum", "01/01/2099"), ("Geslacht", "q"), ("Doelgroep", "topsport"), ("GSM", "bel me"),
    ("Aangemeld op", "gisterenavond"), ("Aangemeld door", "de buurman"),
]
for _n, _index in enumerate(range(37, 1000, 48)):
    if len(BAD) < 20:
        BAD[_index] = _KINDS[_n % len(_KINDS)]


def good_row(i: int) -> dict[str, str]:
    born = dt.date(2008, 1, 1) + dt.timedelta(days=i * 3)
    return {
        "Voornaam": f"Fictiefvoornaam{i:04d}", "Familienaam": f"Testkindnaam{i:04d}",
        "Geb. datum": born.strftime("%d/%m/%Y"), "Geslacht": "mvx"[i % 3], "School": "Den Anker",
        "Klas": "5A", "Graad": ["lager", "1e graad", "Tweede graad"][i % 3], "Doelgroep": "Spijbelaar, NEET",
        "Adres": f"Verzonnenstraat {i}, 2800 Mechelen", "Ouder": f"Fictieve Ouder {i:04d}", "GSM": "0470 12 34 56",
        "Aangemeld op": "06/01/2025", "Aangemeld door": "CLB", "Reden aanmelding": f"Fictieve zorg {i:04d}",
        "Opmerking": "niet overnemen",
    }


def write_csv(path: Path, rows: list[dict[str, str]], *, sep: str = ";", encoding: str = "utf-8-sig",
              header: list[str] = HEADER) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=sep, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


@pytest.fixture
def big_csv(tmp_path: Path) -> Path:
    rows = []
    for i in range(1000):
        row = good_row(i)
        if i in BAD:
            column, value = BAD[i]
            row[column] = value
        rows.append(row)
    return write_csv(tmp_path / "caseload.csv", rows)


def outbox(data_dir: Path) -> int:
    return int(raw_query(data_dir, "SELECT count(*) FROM outbox")[0][0])


def test_the_preview_names_every_bad_row_and_writes_nothing(case_files: CaseFiles, data_dir: Path,
                                                            big_csv: Path) -> None:
    before = outbox(data_dir)
    plan = preview(case_files, big_csv, today=TODAY)
    expected = sorted(i + 2 for i in BAD)
    assert sorted(set(plan.bad_rows)) == expected
    assert plan.rows == 1000 and len(plan.new) == 980 and not plan.skipped
    for number in expected:
        assert any(line.startswith(f"rij {number}: ") for line in plan.problems), number
    assert all(line.split(":")[0] in {f"rij {n}" for n in expected} for line in plan.problems)
    assert "rij 39: geboortedatum 31/02/2012 bestaat niet" in plan.problems
    assert any(line.startswith("rij 87: school 'Sint-X' staat niet in de lijst") for line in plan.problems)
    assert "rij 135: Vul de voornaam van de jongere in." in plan.problems
    assert plan.mapping.ignored == ["Opmerking"]
    assert case_files.summaries() == []
    assert outbox(data_dir) == before
    assert raw_query(data_dir, "SELECT count(*) FROM settings WHERE key LIKE 'import_mapping:%'") == [(0,)]


def test_importing_writes_sealed_queued_cases_and_again_adds_nothing(case_files: CaseFiles, data_dir: Path,
                                                                     big_csv: Path) -> None:
    written = apply(case_files, preview(case_files, big_csv, today=TODAY), today=TODAY)
    assert len(written.created) == 980 and written.merged == []
    assert len(case_files.summaries()) == 980
    queued = outbox(data_dir)
    assert queued == 980

    case = next(s for s in case_files.summaries() if s.first_name == "Fictiefvoornaam0002")
    profile = case_files.load_case(case.case_id).content
    assert profile.birth_date == dt.date(2008, 1, 7)
    assert profile.level == "graad2" and profile.target_groups == ["spijbelaar", "neet"]
    assert profile.contacts[0].name == "Fictieve Ouder 0002" and profile.referral.source == "clb"
    assert profile.referral.referred_on == dt.date(2025, 1, 6)
    assert [w.user_id for w in profile.assigned] == [case_files.user.user_id]

    again = preview(case_files, big_csv, today=TODAY)
    assert again.new == [] and again.merges == [] and len(again.skipped) == 980
    assert apply(case_files, again, today=TODAY).created == []
    assert len(case_files.summaries()) == 980 and outbox(data_dir) == queued

    # The privacy rule: nothing of the file in the data folder's bytes.
    needles: list[bytes] = []
    for i in (0, 1, 2, 500, 999):
        row = good_row(i)
        for column in ("Voornaam", "Familienaam", "Adres", "Ouder", "Reden aanmelding"):
            needles += text_forms(row[column])
    assert files_containing(data_dir, needles) == []


def test_a_failure_half_way_writes_nothing(case_files: CaseFiles, data_dir: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_csv(tmp_path / "tien.csv", [good_row(i) for i in range(10)])
    plan = preview(case_files, path, today=TODAY)
    real = CaseFiles.create_case
    calls: list[int] = []

    def failing(self: CaseFiles, profile: CaseProfile, **kw: object) -> object:
        calls.append(1)
        if len(calls) == 6:
            raise OSError("schijf vol (gesimuleerd)")
        return real(self, profile, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(CaseFiles, "create_case", failing)
    with pytest.raises(OSError):
        apply(case_files, plan, today=TODAY)
    assert case_files.summaries() == []
    assert outbox(data_dir) == 0 and raw_query(data_dir, "SELECT count(*) FROM records") == [(0,)]


def test_an_xlsx_file_with_real_excel_dates(case_files: CaseFiles, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["VOORNAAM", "Achternaam", "Geboortedatum", "School", "Onderwijsniveau", "Telefoon", "Contactpersoon",
                  "Aanmelddatum", "Status"])
    sheet.append(["Fictieve", "Excelnaam", dt.datetime(2011, 8, 14), "CLW", "1e graad secundair", 470123456,
                  "Fictieve Voogd", dt.date(2025, 1, 20), "Actief"])
    sheet.append(["Tweede", "Excelnaam", 40909, "Maurits Sabbe", "Lager", None, None, None, None])
    sheet["C3"].number_format = "General"  # a date Excel shows as its serial number
    path = tmp_path / "caseload.xlsx"
    book.save(path)

    plan = preview(case_files, path, today=TODAY)
    assert plan.problems == [] and len(plan.new) == 2
    first, second = (p.profile for p in plan.new)
    assert first.birth_date == dt.date(2011, 8, 14) and first.level == "graad1" and first.status == "actief"
    assert first.contacts[0].phone == "0470123456" and first.referral.referred_on == dt.date(2025, 1, 20)
    assert second.birth_date == dt.date(2012, 1, 1)
    apply(case_files, plan, today=TODAY)
    assert sorted(s.first_name for s in case_files.summaries()) == ["Fictieve", "Tweede"]


def test_a_windows_1252_csv_with_semicolons(case_files: CaseFiles, tmp_path: Path) -> None:
    rows = [dict(good_row(1), Voornaam="Éléonore", Familienaam="Fictiefkindë"),
            dict(good_row(2), Voornaam="François", Familienaam="Noël-Testkind")]
    path = write_csv(tmp_path / "ansi.csv", rows, encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    plan = preview(case_files, path, today=TODAY)
    assert plan.problems == []
    apply(case_files, plan, today=TODAY)
    assert sorted(s.full_name for s in case_files.summaries()) == ["François Noël-Testkind", "Éléonore Fictiefkindë"]


def test_dates_as_the_date_field_reads_them(case_files: CaseFiles, tmp_path: Path) -> None:
    written = ["14-8-11", "14.08.2011", "2011-08-14", "14082011", "14/08/2011 00:00:00", "2011-08-14T00:00"]
    rows = [dict(good_row(i), **{"Geb. datum": text}) for i, text in enumerate(written)]
    plan = preview(case_files, write_csv(tmp_path / "data.csv", rows), today=TODAY)
    assert plan.problems == []
    assert {p.profile.birth_date for p in plan.new} == {dt.date(2011, 8, 14)}


def test_a_comma_separated_utf8_file_without_bom(case_files: CaseFiles, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "komma.csv", [good_row(3)], sep=",", encoding="utf-8")
    plan = preview(case_files, path, today=TODAY)
    assert plan.problems == [] and plan.new[0].profile.address == "Verzonnenstraat 3, 2800 Mechelen"


def test_the_mapping_is_remembered_for_the_same_header(case_files: CaseFiles, data_dir: Path, tmp_path: Path) -> None:
    header = ["Roepnaam kind", "Fam", "Geboren", "Kolom Z"]
    rows = [{"Roepnaam kind": "Fictiefmap", "Fam": "Testkindmap", "Geboren": "2012-05-04", "Kolom Z": "x"}]
    path = write_csv(tmp_path / "eigen.csv", rows, header=header)
    with pytest.raises(MappingError):
        preview(case_files, path, today=TODAY).mapping.check_complete()
    overrides = ["Roepnaam kind=first_name", "fam=last_name", "Geboren=birth_date"]
    plan = preview(case_files, path, overrides=overrides, today=TODAY)
    assert not plan.mapping.remembered and plan.mapping.ignored == ["Kolom Z"]
    apply(case_files, plan, today=TODAY)

    other = write_csv(tmp_path / "volgende.csv", [dict(rows[0], **{"Roepnaam kind": "Fictiefander"})], header=header)
    again = preview(case_files, other, today=TODAY)
    assert again.mapping.remembered and again.mapping.columns == plan.mapping.columns
    assert [p.profile.first_name for p in again.new] == ["Fictiefander"]
    assert again.new[0].profile.birth_date == dt.date(2012, 5, 4)
    # The setting names columns by their number only: no header text, nothing of the rows.
    stored = raw_query(data_dir, "SELECT key, value FROM settings WHERE key LIKE 'import_mapping:%'")
    assert len(stored) == 1 and "Fam" not in stored[0][1] and "Fictief" not in stored[0][1]


@pytest.mark.parametrize("bad", ["Fam", "Fam=", "Fam=achternaam", "Bestaat niet=last_name"])
def test_a_bad_override_is_refused_in_a_sentence(case_files: CaseFiles, tmp_path: Path, bad: str) -> None:
    path = write_csv(tmp_path / "a.csv", [good_row(1)])
    with pytest.raises(MappingError, match="--map"):
        preview(case_files, path, overrides=[bad], today=TODAY)


def test_merge_fills_empty_fields_only(case_files: CaseFiles, tmp_path: Path) -> None:
    existing = CaseProfile(first_name="Fictiefmerge", last_name="Testkindmerge", birth_date=dt.date(2011, 8, 14),
                           school="Den Anker", level="lager")
    record = case_files.create_case(existing, today=TODAY)
    row = {"Voornaam": " fictíefmerge ", "Familienaam": "TESTKINDMERGE", "Geb. datum": "14-08-2011",
           "School": "CLW", "Klas": "6B", "Adres": "Verzonnenlaan 9, 2800 Mechelen", "Graad": "graad1"}
    path = write_csv(tmp_path / "merge.csv", [row], header=list(row))

    skipped = preview(case_files, path, today=TODAY)
    assert skipped.new == [] and skipped.merges == []
    assert skipped.skipped == ["rij 2: Er bestaat al een dossier voor Fictiefmerge Testkindmerge (14/08/2011): "
                               "overgeslagen"]

    plan = preview(case_files, path, duplicates=Duplicates.MERGE, today=TODAY)
    assert [m.fields for m in plan.merges] == [["class_name", "address"]]
    assert plan.filled == ["rij 2: Er bestaat al een dossier voor Fictiefmerge Testkindmerge (14/08/2011): "
                           "aangevuld met klas, adres"]
    assert apply(case_files, plan, today=TODAY).merged == [record.case_id]
    case = case_files.load_case(record.case_id)
    assert case.profile.revision == 2
    assert case.content.school == "Den Anker" and case.content.level == "lager"
    assert case.content.class_name == "6B" and case.content.address == "Verzonnenlaan 9, 2800 Mechelen"
    assert len(case_files.summaries()) == 1

    again = preview(case_files, path, duplicates=Duplicates.MERGE, today=TODAY)
    assert again.merges == [] and again.new == [] and len(again.skipped) == 1


def test_a_duplicate_within_the_same_file(case_files: CaseFiles, tmp_path: Path) -> None:
    first = dict(good_row(5), Adres="")
    second = dict(good_row(5), Voornaam=first["Voornaam"].upper(), Adres="Verzonnenplein 5")
    path = write_csv(tmp_path / "dubbel.csv", [first, second, good_row(6)])

    plan = preview(case_files, path, today=TODAY)
    assert len(plan.new) == 2 and plan.skipped == ["rij 3: zelfde jongere als rij 2, overgeslagen"]

    merged = preview(case_files, path, duplicates=Duplicates.MERGE, today=TODAY)
    assert len(merged.new) == 2 and merged.new[0].profile.address == "Verzonnenplein 5"
    assert merged.skipped == [] and merged.filled == ["rij 3: zelfde jongere als rij 2: aangevuld met adres"]
    apply(case_files, merged, today=TODAY)
    assert len(case_files.summaries()) == 2


def test_find_duplicate_for_the_new_case_form(case_files: CaseFiles) -> None:
    case_files.create_case(CaseProfile(first_name="Fictiefvorm", last_name="Testkindvorm",
                                       birth_date=dt.date(2011, 8, 14)), today=TODAY)
    found = find_duplicate(case_files, "  FICTIËFVORM", "testkindvorm ", dt.date(2011, 8, 14))
    assert found is not None
    assert duplicate_sentence(found) == "Er bestaat al een dossier voor Fictiefvorm Testkindvorm (14/08/2011)."
    assert find_duplicate(case_files, "Fictiefvorm", "Testkindvorm", dt.date(2011, 8, 15)) is None
    assert find_duplicate(case_files, "Fictiefvorm", "Testkindvorm", None) is None


@pytest.mark.parametrize(("name", "content", "says"), [
    ("leeg.csv", b"", "is leeg"),
    ("leeg.csv", b"\r\n\r\n", "is leeg"),
    ("geenkop.csv", b";;\r\nFictief;Testkind;01/01/2012\r\n", "geen kolomnamen"),
    ("alleenkop.csv", b"Voornaam;Naam\r\n", "geen rijen"),
    ("kapot.xlsx", b"dit is geen zip", "geen geldig Excel-bestand"),
    ("utf16.csv", "Voornaam;Naam\r\nFictief;Testkind\r\n".encode("utf-16"), "UTF-8 of Windows-1252"),
    ("oud.xls", b"\xd0\xcf\x11\xe0", ".xls"),
    ("tekst.txt", b"Voornaam;Naam\r\n", ".csv- of .xlsx"),
])
def test_a_bad_file_is_refused_in_a_sentence(tmp_path: Path, name: str, content: bytes, says: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SheetError, match=says.replace(".", r"\.")):
        read_sheet(path)


def test_column_names_are_recognised_whatever_their_case_accents_and_punctuation() -> None:
    header = ["VOORNAAM", "Naam", "Geb. Datum", "Klas", "GSM", "Reden aanmelding", "Bézorgdheid", "Aangemeld door",
              "Contactpersoon", "Onderwijsniveau", "Iets anders"]
    guessed = mapping_module.guess(header)
    assert guessed == {0: "first_name", 1: "last_name", 2: "birth_date", 3: "class_name", 4: "contact_phone",
                       5: "concern", 7: "referral_source", 8: "contact_name", 9: "level"}


def test_a_zip_that_is_no_workbook_is_refused(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "archief.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notitie.txt", "Fictieve inhoud")
    with pytest.raises(SheetError, match="geen geldig Excel-bestand") as caught:
        read_sheet(path)
    assert "Fictieve" not in str(caught.value)


def test_every_problem_of_a_row_is_named_with_its_field(case_files: CaseFiles, tmp_path: Path) -> None:
    row = dict(good_row(1), Voornaam="", **{"Geb. datum": "32/13/2012", "Klas": "x" * 201,
                                            "Aangemeld op": "01/01/2099"})
    path = write_csv(tmp_path / "veel.csv", [row])
    plan = preview(case_files, path, today=TODAY)
    assert plan.problems == [
        "rij 2: geboortedatum 32/13/2012 bestaat niet",
        "rij 2: Vul de voornaam van de jongere in.",
        "rij 2: klas: Deze tekst is te lang: 201 tekens, maximaal 200. Kort hem in.",
        "rij 2: aangemeld op: Deze datum ligt in de toekomst. Kies vandaag of een datum ervoor.",
    ]


def test_a_damaged_existing_case_is_that_rows_problem_on_merge(case_files: CaseFiles, data_dir: Path,
                                                              tmp_path: Path) -> None:
    row = good_row(7)
    record = case_files.create_case(CaseProfile(first_name=row["Voornaam"], last_name=row["Familienaam"],
                                                birth_date=dt.date(2008, 1, 22)), today=TODAY)
    blob = raw_query(data_dir, "SELECT ciphertext FROM records WHERE record_id = ?", (record.record_id,))[0][0]
    raw_execute(data_dir, "UPDATE records SET ciphertext = ? WHERE record_id = ?",
                (flip_byte(blob, 3), record.record_id))
    case_files.forget_cached_key(record.case_id)
    plan = preview(case_files, write_csv(tmp_path / "m.csv", [row, good_row(8)]), duplicates=Duplicates.MERGE,
                   today=TODAY)
    assert plan.bad_rows == [2] and plan.problems[0].startswith("rij 2: het bestaande dossier kan niet geopend worden")
    assert [p.number for p in plan.new] == [3]
