"""`leerrecht export --case ID --out F.pdf|F.json`, an access request for one young person, run as real
processes on demo data: the PDF a family reads (every entry with its date and author, no internal ids),
the JSON that is the whole export's entry for that case, and one line for every mistake."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from leerrecht_desktop.cli import cases, reports
from leerrecht_desktop.cli.common import UsageError
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import decode, encode
from leerrecht_desktop.models.summary import CaseSummary
from leerrecht_desktop.reports import access_request

from .test_cli_report import WORKER, assert_private_and_alone, assert_refused, pdf_text, run

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


class Demo:
    def __init__(self, data_dir: Path, whole: dict[str, Any]) -> None:
        self.data_dir = data_dir
        self.whole = whole

    def case(self, index: int = 0) -> dict[str, Any]:
        return self.whole["cases"][index]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    base = tmp_path_factory.mktemp("access")
    data_dir = base / "data"
    init = run("init", "--data-dir", data_dir, "--name", WORKER, "--role", "coordinator", "--team", "Team Noord")
    assert init.returncode == 0, init.stderr
    filled = run("demo", "--data-dir", data_dir, "--cases", "4", "--seed", "13")
    assert filled.returncode == 0, filled.stderr
    out = base / "alles.json"
    whole = run("export", "--data-dir", data_dir, "--out", out)
    assert whole.returncode == 0, whole.stderr
    return Demo(data_dir, json.loads(out.read_text(encoding="utf-8")))


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def current(case: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """The profile's content and (kind, content) of every entry not deleted, from an export's case."""
    profile: dict[str, Any] = {}
    entries: list[tuple[str, dict[str, Any]]] = []
    for record in case["records"]:
        last = record["revisions"][-1]
        if last["deleted"]:
            continue
        if record["kind"] == "case":
            profile = last["content"]
        else:
            entries.append((record["kind"], last["content"]))
    return profile, entries


def flemish(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def test_pdf_holds_every_entry_with_its_date_and_author_and_no_id(demo: Demo, out_dir: Path) -> None:
    case = demo.case(0)
    profile, entries = current(case)
    assert len(entries) >= 3
    out = out_dir / "inzage.pdf"
    result = run("export", "--data-dir", demo.data_dir, "--case", case["case_id"], "--out", out)
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout and "NIET versleuteld" in result.stderr
    name = f"{profile['first_name']} {profile['last_name']}"
    assert name not in result.stdout + result.stderr  # the terminal gets no names
    assert_private_and_alone(out)
    text = pdf_text(out)
    flat = " ".join(text.split())
    assert name in flat
    assert "artikel 15" in flat and "Team Noord" in flat and WORKER in flat
    for kind, content in entries:
        # The entry's heading (date and kind) and its author, one after the other.
        head = f"{flemish(content['occurred_on'])} · {Kind(kind).label} Geschreven door {content['author_name']}"
        assert head in flat, head
    pages = int(re.findall(r"pagina 1 van (\d+)", flat)[0])
    assert pages >= 2 and f"pagina {pages} van {pages}" in flat
    # No internal id: neither the case's nor any record's or author's.
    assert UUID.search(text) is None
    assert case["case_id"][:8] not in text and demo.whole["user"]["user_id"][:8] not in text


def test_pdf_shows_the_profile_in_words(demo: Demo, out_dir: Path) -> None:
    from leerrecht_desktop.models.catalog import pick_lists

    case = demo.case(1)
    profile, _ = current(case)
    out = out_dir / "inzage.pdf"
    assert run("export", "--data-dir", demo.data_dir, "--case", case["case_id"], "--out", out).returncode == 0
    flat = " ".join(pdf_text(out).split())
    lists = pick_lists()
    if profile["level"]:
        assert lists.label("levels", profile["level"]) in flat
    for key in profile["target_groups"]:
        label = lists.label("target_groups", key)
        assert label in flat
        if label != key:
            assert f" {key} " not in f" {flat} "


def test_json_is_the_whole_exports_entry_for_that_case(demo: Demo, out_dir: Path) -> None:
    case = demo.case(2)
    out = out_dir / "inzage.json"
    result = run("export", "--data-dir", demo.data_dir, "--case", case["case_id"][:8], "--out", out)
    assert result.returncode == 0, result.stderr
    assert_private_and_alone(out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "leerrecht-export" and data["format_version"] == 1 and data["scope"] == "case"
    assert data["user"] == demo.whole["user"]
    assert data["cases"] == [case]  # the same reader reads both
    assert data["refused"] == []
    assert data["labels"]["kind"]["home_visit"] == "Huisbezoek"
    assert data["labels"]["levels"]["graad1"] == "1e graad secundair"
    assert set(data["labels"]["questions"]) == {f"q{i}" for i in range(1, 9)}
    # Every revision's content reads back into the domain model and out again unchanged.
    for record in data["cases"][0]["records"]:
        for revision in record["revisions"]:
            if "content" in revision:
                assert encode(decode(Kind(record["kind"]), revision["content"])) == revision["content"]


def test_whole_export_stays_as_it_was(demo: Demo) -> None:
    assert "scope" not in demo.whole and "labels" not in demo.whole
    assert len(demo.whole["cases"]) == 4


def test_existing_file_needs_force(demo: Demo, out_dir: Path) -> None:
    case_id = demo.case(0)["case_id"]
    out = out_dir / "bestaat.json"
    out.write_text("oud", encoding="utf-8")
    line = assert_refused(run("export", "--data-dir", demo.data_dir, "--case", case_id, "--out", out), 1)
    assert "bestaat al" in line and "--force" in line
    assert out.read_text(encoding="utf-8") == "oud"
    forced = run("export", "--data-dir", demo.data_dir, "--case", case_id, "--out", out, "--force")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["cases"][0]["case_id"] == case_id
    assert_private_and_alone(out)


@pytest.mark.parametrize(("args", "code", "words"), [
    (["--case", "00000000-dead-beef", "--out", "{out}/f.pdf"], 1, ["00000000-dead-beef", "leerrecht cases"]),
    (["--case", "{case}", "--out", "{out}/f.docx"], 2, [".pdf of .json", "inzage.pdf"]),
    (["--case", "{case}", "--out", "{out}/nergens/f.pdf"], 2, ["bestaat niet"]),
    (["--case", "{case}", "--out", "{out}"], 2, ["is een map"]),
    (["--out", "{out}/alles.pdf"], 2, ["--case", ".json"]),
])
def test_mistakes_are_one_line_and_leave_no_file(demo: Demo, out_dir: Path, args: list[str], code: int,
                                                 words: list[str]) -> None:
    filled = [a.format(out=out_dir, case=demo.case(0)["case_id"]) for a in args]
    line = assert_refused(run("export", "--data-dir", demo.data_dir, *filled), code)
    for word in words:
        assert word in line
    assert list(out_dir.iterdir()) == []


def test_wrong_passphrase_is_one_line(demo: Demo, out_dir: Path, tmp_path: Path) -> None:
    import shutil

    data_dir = tmp_path / "kopie"  # wrong tries slow down the next unlock of that folder, on purpose
    shutil.copytree(demo.data_dir, data_dir)
    result: subprocess.CompletedProcess[str] = run(
        "export", "--data-dir", data_dir, "--case", demo.case(0)["case_id"], "--out", out_dir / "f.pdf",
        env_extra={"LEERRECHT_PASSPHRASE": "rode fiets aan de vaart"})
    assert_refused(result, 1)
    assert list(out_dir.iterdir()) == []


def test_the_case_lookup_is_the_reports_one_and_refuses_an_ambiguous_prefix() -> None:
    assert cases.find_case is reports.find_case  # shared, not copied
    a = CaseSummary(case_id="abcd1111-0000-4000-8000-000000000001")
    b = CaseSummary(case_id="abcd2222-0000-4000-8000-000000000002")
    assert cases.find_case([a, b], "ABCD1").case_id == a.case_id
    with pytest.raises(UsageError) as refused:
        cases.find_case([a, b], "abcd")
    message = str(refused.value)
    assert "2 dossiers" in message and "leerrecht cases" in message and "\n" not in message


def test_cli_suffixes_are_the_reports() -> None:
    assert cases.SUFFIXES == access_request.SUFFIXES
