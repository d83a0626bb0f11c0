"""User text into Paragraph markup: escaped, Latin untouched, Arabic runs shaped and reordered."""

from __future__ import annotations

import unicodedata

from reportlab.pdfbase import pdfmetrics

from leerrecht_desktop.reports.fonts import ARABIC, BODY, BOLD, has_arabic, register_fonts, rich


def test_register_fonts_is_idempotent() -> None:
    register_fonts()
    register_fonts()
    for name in (BODY, BOLD, ARABIC):
        assert pdfmetrics.getFont(name).fontName == name


def test_markup_characters_in_user_text_are_escaped() -> None:
    assert rich('Tom & "Jerry" <b>niet vet</b>') == 'Tom &amp; "Jerry" &lt;b&gt;niet vet&lt;/b&gt;'


def test_latin_text_with_diacritics_stays_as_it_is() -> None:
    for text in ("Çağlar Şükrü Öztürk", "İlkay", "Łukasz Wójcik-Żmuda", "Иван Петров"):
        assert rich(text) == text
        assert not has_arabic(text)


def test_line_breaks_are_kept_or_folded() -> None:
    assert rich("een\ntwee\r\ndrie") == "een<br/>twee<br/>drie"
    assert rich("een\ntwee", multiline=False) == "een twee"


def test_an_arabic_name_in_a_dutch_sentence_is_shaped_reversed_and_kept_together() -> None:
    markup = rich("Bezoek bij عبد الله thuis.")
    assert markup.startswith("Bezoek bij <font name=\"NotoSansArabic\">") and markup.endswith("</font> thuis.")
    inner = markup.split(">", 1)[1].split("</font>")[0]
    # Presentation forms (joined letters), no breaking space inside the name, visual (reversed) order.
    assert all("\ufb50" <= c <= "\ufeff" or c == "\u00a0" for c in inner)
    logical = unicodedata.normalize("NFKC", inner)[::-1].replace("\u00a0", " ")
    assert logical == "عبد الله"
