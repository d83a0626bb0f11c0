"""Fonts for the PDF reports, and turning user text into safe Paragraph markup.

Names of every family in Mechelen have to print: Dutch, French, Turkish (ç ğ ı İ ş), Polish (ł ż ś),
Cyrillic and Arabic script. The vendored fonts in `resources/fonts/` (SIL Open Font License, see
`resources/fonts/OFL.txt`) are embedded (subset) in every PDF, so no reader substitutes Helvetica:

- Noto Sans regular and bold: Latin with all European diacritics, Greek, Cyrillic, Vietnamese.
- Noto Sans Arabic regular and bold: Arabic script, including the presentation forms we draw (below).

**Arabic script.** ReportLab draws glyphs left to right, one per character, so Arabic would come out
unjoined and mirrored. ReportLab (≥ 4.1) can shape with `uharfbuzz`, but its right-to-left reordering
needs `rlbidi`, which is not published on PyPI, and the shaped contextual glyphs it draws have no
Unicode mapping of their own, so text extraction (search, copy, screen readers, our tests) gets
private-use characters instead of the name. We therefore use the two small, well-kept pure libraries
that most ReportLab users use for this: `arabic-reshaper` replaces each letter by its contextual
presentation form (U+FB50–U+FEFF, which Noto Sans Arabic covers and which map back to the letters
under Unicode NFKC), and `python-bidi` (the Rust `unicode-bidi` crate) puts each Arabic run in visual
order. Only the Arabic runs are touched and set in the Arabic font, so a Dutch sentence around an
Arabic family name stays as it is. Text extracted from the PDF gives the name back as presentation
forms; pypdf puts right-to-left runs back in logical order itself, and NFKC maps the forms to letters
(tests/reports/test_case_summary.py checks the round trip).

**Emoji.** Workers copy messages into notes ("mama stuurde 👍"). ReportLab embeds outline (glyf)
fonts only; colour emoji fonts (bitmaps or COLR layers) draw nothing. So emoji runs are set in a
monochrome outline font found on the system: Symbola (Debian's `fonts-symbola`, installed by
scripts/install-system-deps.sh), Noto Emoji, or Windows' Segoe UI Symbol (`LEERRECHT_EMOJI_FONT`
names another). Only characters that font has are switched to it; without one, an emoji prints as
before. Joiners and variation selectors are dropped (a family emoji prints as its people), because a
monochrome font has no joined glyphs. Emoji up to U+FFFF (❤ ✅) extract from the PDF again; those
beyond it (👍) are drawn, but ReportLab's ToUnicode map writes them in a form PDF readers don't
parse, so copying them out of the PDF gives other characters.

Limits (docs/reports.md): an Arabic run of up to `_KEEP_TOGETHER_WORDS` words (a name) never breaks
across lines; a longer Arabic passage inside a note may wrap with its lines in the wrong order. Vowel
marks (harakat) are kept but not repositioned. Hebrew and scripts outside these fonts are not covered.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

import arabic_reshaper
from arabic_reshaper.ligatures import LETTERS_LIGATURES, SENTENCES_LIGATURES, WORDS_LIGATURES
from bidi import get_display
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from leerrecht_core.resources import resources_dir

BODY: Final = "NotoSans"
BOLD: Final = "NotoSans-Bold"
ARABIC: Final = "NotoSansArabic"
ARABIC_BOLD: Final = "NotoSansArabic-Bold"

_FILES: Final = {
    BODY: "NotoSans-Regular.ttf",
    BOLD: "NotoSans-Bold.ttf",
    ARABIC: "NotoSansArabic-Regular.ttf",
    ARABIC_BOLD: "NotoSansArabic-Bold.ttf",
}

EMOJI: Final = "LeerrechtEmoji"
# Monochrome outline fonts with emoji, by platform, in order of preference.
_EMOJI_CANDIDATES: Final = (
    "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",  # Debian/Ubuntu fonts-symbola
    "/usr/share/fonts/truetype/noto/NotoEmoji-Regular.ttf",
    "/usr/share/fonts/TTF/Symbola.ttf",
    r"C:\Windows\Fonts\seguisym.ttf",  # Segoe UI Symbol
    "/System/Library/Fonts/Apple Symbols.ttf",
)

_lock = threading.Lock()
_registered = False
_emoji_chars: frozenset[int] = frozenset()  # the code points the registered emoji font has


def _emoji_font_path() -> Path | None:
    chosen = os.environ.get("LEERRECHT_EMOJI_FONT")
    for candidate in ((chosen,) if chosen else _EMOJI_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def register_fonts() -> None:
    """Register the vendored TTFs with ReportLab (once per process; safe from any thread).

    Rendering runs off the GUI thread (DESIGN §1), possibly two reports at once, hence the lock."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        folder = resources_dir() / "fonts"
        for name, filename in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
        _register_emoji()
        # Families, so that <b> inside a Paragraph picks the bold face of whichever font is active,
        # also for an Arabic run nested in a bold Latin heading. There is no italic face: italic
        # falls back to upright. addMapping also records the reverse (face name -> family, bold,
        # italic) and the last call wins, so the upright and bold mappings come last.
        for regular, bold in ((BODY, BOLD), (ARABIC, ARABIC_BOLD)):
            addMapping(regular, 0, 1, regular)
            addMapping(regular, 1, 1, bold)
            addMapping(regular, 0, 0, regular)
            addMapping(regular, 1, 0, bold)
        _registered = True


def _register_emoji() -> None:
    global _emoji_chars
    path = _emoji_font_path()
    if path is None:
        return
    try:
        font = TTFont(EMOJI, str(path))
    except Exception:
        return
    pdfmetrics.registerFont(font)
    for bold in (0, 1):
        addMapping(EMOJI, bold, 0, EMOJI)
        addMapping(EMOJI, bold, 1, EMOJI)
    _emoji_chars = frozenset(font.face.charToGlyph)


def emoji_font_available() -> bool:
    register_fonts()
    return bool(_emoji_chars)


# Emoji and pictographs (Misc Symbols and Pictographs … Symbols and Pictographs Extended-A, Dingbats,
# Misc Symbols, Misc Technical, arrows and stars), with the joiner and variation selector that may
# sit between them.
_EMOJI_RUN = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2300-\u23FF\u2B00-\u2BFF]"
                        "(?:[\u200d\ufe0f\U0001F3FB-\U0001F3FF]*[\U0001F000-\U0001FAFF\u2600-\u27BF"
                        "\u2300-\u23FF\u2B00-\u2BFF])*[\ufe0f]?")


def _emoji_markup(run: str) -> str:
    """An emoji run in the emoji font, character by character where the font has the character."""
    out: list[str] = []
    for char in run.replace("\u200d", "").replace("\ufe0f", ""):
        if ord(char) in _emoji_chars:
            out.append(f'<font name="{EMOJI}">{escape(char)}</font>')
        else:
            out.append(escape(char))
    return "".join(out)


def _plain(text: str) -> str:
    """Escaped text with its emoji runs set in the emoji font (when one was found)."""
    if not _emoji_chars:
        return escape(text)
    parts: list[str] = []
    pos = 0
    for match in _EMOJI_RUN.finditer(text):
        parts.append(escape(text[pos:match.start()]))
        parts.append(_emoji_markup(match.group()))
        pos = match.end()
    parts.append(escape(text[pos:]))
    return "".join(parts)


# Arabic script blocks: Arabic, Arabic Supplement, Arabic Extended-A, Presentation Forms A and B.
_AR = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
# A run: Arabic characters, possibly several words joined by spaces (a full name), never starting or
# ending with a space, so the Latin text around it keeps its own spaces.
_ARABIC_RUN = re.compile(f"[{_AR}]+(?:[ \u00a0]+[{_AR}]+)*")
_KEEP_TOGETHER_WORDS: Final = 5


def _reshaper() -> arabic_reshaper.ArabicReshaper:
    # Only the mandatory lam-alef ligatures: the optional ones (ﷲ, letter pairs) map back to letters
    # less reliably under NFKC and are not how names are usually printed.
    config: dict[str, bool | str] = {name: False for name, _ in (*SENTENCES_LIGATURES, *WORDS_LIGATURES)}
    for name, _ in LETTERS_LIGATURES:
        config[name] = name.startswith("ARABIC LIGATURE LAM WITH ALEF")
    # Keep vowel marks: a name is printed as written.
    config["delete_harakat"] = False
    return arabic_reshaper.ArabicReshaper(configuration=config)


_RESHAPER: Final = _reshaper()


def _arabic_markup(run: str, font: str) -> str:
    visual = get_display(_RESHAPER.reshape(run), base_dir="R")
    if len(visual.split()) <= _KEEP_TOGETHER_WORDS:
        # A line break inside a right-to-left name would put its parts in the wrong order.
        visual = visual.replace(" ", "\u00a0")
    return f'<font name="{font}">{escape(visual)}</font>'


def has_arabic(text: str) -> bool:
    return _ARABIC_RUN.search(text) is not None


def rich(text: str, *, multiline: bool = True, bold: bool = False) -> str:
    """Any user text (a name, a note) as Paragraph markup: XML-escaped, Arabic runs shaped, in right-
    to-left order and set in the Arabic font, line breaks kept (or folded to spaces when `multiline`
    is false, e.g. in a table cell's one-line summary).

    `bold` sets Arabic runs in the bold Arabic face: give it for text in a bold style (a heading),
    because an explicit font switch inside a Paragraph does not inherit the style's boldness."""
    register_fonts()  # so the emoji font, if any, is known
    font = ARABIC_BOLD if bold else ARABIC
    parts: list[str] = []
    pos = 0
    for match in _ARABIC_RUN.finditer(text):
        parts.append(_plain(text[pos:match.start()]))
        parts.append(_arabic_markup(match.group(), font))
        pos = match.end()
    parts.append(_plain(text[pos:]))
    markup = "".join(parts)
    markup = markup.replace("\r\n", "\n").replace("\r", "\n")
    if multiline:
        return markup.replace("\n", "<br/>")
    return " ".join(markup.split("\n"))
