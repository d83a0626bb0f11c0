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


def test_emoji_in_a_note_print_in_an_outline_font() -> None:
    import io

    import pypdf
    import pytest

    from leerrecht_desktop.reports.fonts import EMOJI, emoji_font_available
    from leerrecht_desktop.reports.layout import build_pdf, styles

    if not emoji_font_available():
        pytest.skip("no monochrome emoji font on this machine (scripts/install-system-deps.sh installs fonts-symbola)")
    text = "Mama stuurde 👍 en ❤️ terug, samen met 👨‍👩‍👧 <b>"
    markup = rich(text)
    assert f'<font name="{EMOJI}">👍</font>' in markup
    assert "\u200d" not in markup and "\ufe0f" not in markup  # joiners and selectors: no empty boxes
    assert "&lt;b&gt;" in markup  # still escaped around the emoji
    assert rich("Geen emoji, wel é en ç") == "Geen emoji, wel é en ç"
    import datetime as dt

    from reportlab.platypus import Paragraph

    pdf = build_pdf([Paragraph(markup, styles()["body"])], title="Fictief", made_by="Fictieve Werker",
                    made_at=dt.datetime(2026, 1, 5, 10, 0))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts = {str(f["/BaseFont"]) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert any(EMOJI.casefold() in name.casefold() or "symbol" in name.casefold() for name in fonts), fonts
    # The heart (U+2764) extracts again; emoji beyond U+FFFF are drawn (seen with pdftoppm) but ReportLab's
    # ToUnicode map writes them in a form readers don't parse, so they don't extract (docs/reports.md).
    assert "❤" in reader.pages[0].extract_text()
