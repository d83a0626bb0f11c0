"""A4 page layout shared by the reports: paragraph styles, and building a story into PDF bytes with a
confidentiality footer on every page.

The PDF is built in memory (BytesIO), never in a temporary file: it holds case content in plaintext,
and DESIGN §2 allows plaintext on disk only where the user saves it on purpose."""

from __future__ import annotations

import datetime as dt
import io
import secrets
from collections.abc import Sequence
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.constants import UserAccessPermissions
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from leerrecht_core.i18n import current_language, tr
from leerrecht_desktop.reports.fonts import BODY, BOLD, register_fonts, rich

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 16 * mm
# Room for the two footer lines below the frame.
MARGIN_BOTTOM = 20 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

# The city's dark blue for headings and table heads; grey for secondary text. Printed on office
# laser printers, often in black and white: both stay readable in grey.
ACCENT = colors.HexColor("#1f3b63")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#b8c2cf")
HEAD_FILL = colors.HexColor("#e6ebf2")

# Neutral document author in the PDF metadata: file managers, mail clients and search indexers show
# metadata without opening the file, so it holds no names (neither the young person's nor the maker's).
PRODUCER = "Leerrecht Desktop"


def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles by role: title, h1, h2, body, small, cell, cell_head."""
    register_fonts()
    body = ParagraphStyle("body", fontName=BODY, fontSize=9.5, leading=12.5, spaceAfter=3, alignment=TA_LEFT)
    return {
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=17, leading=21, textColor=ACCENT,
                                spaceAfter=4),
        "h1": ParagraphStyle("h1", parent=body, fontName=BOLD, fontSize=12.5, leading=16, textColor=ACCENT,
                             spaceBefore=10, spaceAfter=4, keepWithNext=True),
        "h2": ParagraphStyle("h2", parent=body, fontName=BOLD, fontSize=10.5, leading=13.5, spaceBefore=6,
                             spaceAfter=2, keepWithNext=True),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        "cell_head": ParagraphStyle("cell_head", parent=body, fontName=BOLD, fontSize=8.5, leading=10.5,
                                    spaceAfter=0, textColor=ACCENT),
    }


def format_date(value: dt.date | None) -> str:
    """Dates as Flemish readers write them (and as the app shows them): 05/03/2025."""
    return value.strftime("%d/%m/%Y") if value else ""


def next_step_text(text: str, on: dt.date | None, done: bool) -> str:
    """A planned next step as printed: "Bellen naar school (12/03/2025)", marked once it is done."""
    step = (text.strip() + (f" ({format_date(on)})" if on else "")).strip()
    return step + (" – " + tr("gedaan") if done and step else "")


_FOOTER_STYLE = ParagraphStyle("footer", fontName=BODY, fontSize=7.5, leading=9, textColor=MUTED,
                               alignment=TA_CENTER)


def _footer_canvas(confidential: str, made: str) -> type[Canvas]:
    """A canvas class that holds every page back until the end, so the footer can say "page x of y"
    in one layout pass (laying the story out twice would double the render time)."""

    class FooterCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # The canvas starts every page with Helvetica selected; starting with our own font keeps
            # a base-14 font, which can't show most names, out of the file altogether.
            kwargs["initialFontName"] = BODY
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            for number, state in enumerate(self._held_pages, start=1):
                self.__dict__.update(state)
                self._draw_footer(number, total)
                super().showPage()
            super().save()

        def _draw_footer(self, number: int, total: int) -> None:
            y = MARGIN_BOTTOM - 9 * mm
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(MARGIN_X, y + 4 * mm, PAGE_WIDTH - MARGIN_X, y + 4 * mm)
            self.setFillColor(ACCENT)
            self.setFont(BOLD, 8)
            self.drawString(MARGIN_X, y, confidential)
            # The maker's name may be in any script: a Paragraph, so an Arabic name is shaped.
            made_line = Paragraph(made, _FOOTER_STYLE)
            made_line.wrap(CONTENT_WIDTH * 0.6, 10 * mm)
            made_line.drawOn(self, PAGE_WIDTH / 2 - CONTENT_WIDTH * 0.3, y - 0.6 * mm)
            self.setFillColor(MUTED)
            self.setFont(BODY, 7.5)
            self.drawRightString(PAGE_WIDTH - MARGIN_X, y, tr("pagina {page} van {pages}", page=number, pages=total))
            self.restoreState()

    return FooterCanvas


def build_pdf(story: Sequence[Flowable], *, title: str, made_by: str, made_at: dt.datetime,
              password: str | None = None) -> bytes:
    """Lay out `story` on A4 pages and return the PDF.

    `title` goes into the PDF metadata and must be neutral (e.g. "Dossiersamenvatting"): no names.
    `made_by` and `made_at` are printed in the footer of every page. With a `password`, the file is
    encrypted with AES-256 (PDF 2.0 security handler, V5/R6; see `encrypt_pdf`) and opens only with it.
    """
    register_fonts()
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=title,
        author=PRODUCER,
        creator=PRODUCER,
        subject="",
        keywords="",
        lang=current_language(),
    )
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, CONTENT_WIDTH, PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="content")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    made = tr("Gemaakt op {date} om {time} door {name}", date=format_date(made_at.date()),
              time=made_at.strftime("%H:%M"), name=rich(made_by, multiline=False))
    doc.build(list(story), canvasmaker=_footer_canvas(tr("Vertrouwelijk"), made))
    pdf = buffer.getvalue()
    return encrypt_pdf(pdf, password) if password else pdf


# What the reader of a protected summary may do: read, print (also at full quality) and copy text
# (quoting it in a report is normal use); not change it. The reserved bits stay set, as the PDF
# specification asks. Only a well-behaved reader honours these: the password is the protection.
_PERMISSIONS = UserAccessPermissions.all() & ~(
    UserAccessPermissions.MODIFY | UserAccessPermissions.ADD_OR_MODIFY | UserAccessPermissions.FILL_FORM_FIELDS
    | UserAccessPermissions.ASSEMBLE_DOC)


def encrypt_pdf(pdf: bytes, password: str) -> bytes:
    """`pdf` encrypted with AES-256 under `password` (PDF 2.0 security handler, V5/R6).

    ReportLab encrypts with RC4 only (its AES needs `pyaes`), and RC4-128 with revision 3's key
    derivation is weak; so the finished PDF is re-encrypted by pypdf, whose AES is the `cryptography`
    package the vault already uses. All in memory: the unencrypted bytes never touch the disk. The
    owner password is random and thrown away: nobody can lift the restrictions, and the user
    password is all anyone needs to read and print.
    """
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, owner_password=secrets.token_urlsafe(24),
                   permissions_flag=_PERMISSIONS, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
