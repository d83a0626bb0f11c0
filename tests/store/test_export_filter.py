"""`CaseFiles.export(case_ids=...)`: one young person's cases in the whole export's structure, on a real
SQLite file; a wanted case that is not there is refused, not silently left out."""

from __future__ import annotations

import datetime as dt

import pytest

from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound

TODAY = dt.date(2025, 3, 1)


def two_cases(case_files: CaseFiles) -> tuple[str, str]:
    a = case_files.create_case(CaseProfile(first_name="Amira", last_name="Vandenbroeck"), today=TODAY).case_id
    b = case_files.create_case(CaseProfile(first_name="Bram", last_name="Peeters"), today=TODAY).case_id
    case_files.save(a, FollowUpNote(occurred_on=TODAY, text="Gesprek op school."), today=TODAY)
    case_files.save(b, FollowUpNote(occurred_on=TODAY, text="Telefoon met papa."), today=TODAY)
    return a, b


def test_only_the_wanted_case_in_the_same_structure(case_files: CaseFiles) -> None:
    a, b = two_cases(case_files)
    whole = case_files.export()
    assert [c["case_id"] for c in whole["cases"]] == [b, a]  # by last name
    one = case_files.export(case_ids=[a])
    assert one["cases"] == [next(c for c in whole["cases"] if c["case_id"] == a)]
    assert {k: v for k, v in one.items() if k not in ("cases", "exported_at")} == \
        {k: v for k, v in whole.items() if k not in ("cases", "exported_at")}
    assert "Telefoon met papa." not in str(one)


def test_a_case_that_is_not_here_is_refused(case_files: CaseFiles) -> None:
    a, _ = two_cases(case_files)
    with pytest.raises(CaseNotFound) as refused:
        case_files.export(case_ids=[a, "00000000-0000-4000-8000-00000000dead"])
    assert "bestaat niet" in str(refused.value) and "dead" not in str(refused.value)


def test_erased_case_is_not_exported(case_files: CaseFiles) -> None:
    a, _ = two_cases(case_files)
    case_files.erase_case(a)
    with pytest.raises(CaseNotFound):
        case_files.export(case_ids=[a])
