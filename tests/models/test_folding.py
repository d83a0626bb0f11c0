"""Search folds text one way for the case list and the index of all text: case and accents ignored."""

from __future__ import annotations

import pytest

from leerrecht_desktop.models.folding import fold, fold_with_positions, fold_words


@pytest.mark.parametrize(("text", "folded"), [
    ("Léna", "lena"), ("CHLOË", "chloe"), ("Çelik", "celik"), ("Straße", "strasse"), ("Łódź", "lodz"),
    ("Søren", "soren"), ("ﬁets", "fiets"), ("Gesprek aan de schoolpoort", "gesprek aan de schoolpoort"),
    ("Ayşe İnce", "ayse ince"), ("Wiśniewski", "wisniewski"), ("Nguyễn", "nguyen"), ("", ""),
])
def test_fold_drops_case_and_accents(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_non_latin_letters_stay_letters() -> None:
    assert fold("Мария") == "мария"
    assert fold("مريم") == "مريم"


def test_a_query_is_split_into_folded_words() -> None:
    assert fold_words("  Léna   SCHOOLPOORT ") == ["lena", "schoolpoort"]
    assert fold_words("   ") == []


def test_positions_point_back_into_the_text_as_written() -> None:
    folded, positions = fold_with_positions("Straße Léna")
    assert folded == fold("Straße Léna") == "strasse lena"
    assert len(positions) == len(folded)
    at = folded.index("lena")
    assert "Straße Léna"[positions[at]:positions[at + 3] + 1] == "Léna"
    assert positions[folded.index("ss")] == positions[folded.index("ss") + 1] == 4  # "ß" became two
