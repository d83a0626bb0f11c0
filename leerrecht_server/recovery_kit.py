"""The recovery kit: `create-recovery-key --out FILE` writes the private half to FILE and a
printable one-page PDF to FILE.pdf (Dutch: the beheerder and whoever keeps the key read it), both
0600 and never over an existing file.

The text is Dutch on purpose although the server speaks English to operators: the kit is kept in a
safe for years and read by whoever needs it then, not only by the one who ran the command."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import UTC, datetime
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from sqlalchemy import Engine

from leerrecht_server import admin


def fingerprint(public: bytes) -> str:
    """A short, readable name of a recovery public key (SHA-256, first 16 bytes, in groups of 4)."""
    digest = hashlib.sha256(b"leerrecht/v1/recovery-key|" + public).hexdigest()[:32]
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def grouped(private_hex: str) -> str:
    """The key in groups of 8 hex digits, 4 groups a line: easy to copy by hand (recover-user
    ignores the spaces and line breaks)."""
    groups = [private_hex[i:i + 8] for i in range(0, len(private_hex), 8)]
    return "\n".join(" ".join(groups[i:i + 4]) for i in range(0, len(groups), 4))


def kit_pdf(private_hex: str, public: bytes, created: datetime) -> bytes:
    styles = getSampleStyleSheet()
    body = ParagraphStyle("kit", parent=styles["BodyText"], fontSize=10.5, leading=14)
    head = ParagraphStyle("kit-h", parent=styles["Heading2"], fontSize=12.5, spaceBefore=8, spaceAfter=3)
    mono = ParagraphStyle("kit-key", parent=body, fontName="Courier-Bold", fontSize=15, leading=21,
                          borderWidth=1, borderColor="#333333", borderPadding=8, spaceBefore=12, spaceAfter=14)
    key_lines = grouped(private_hex).replace("\n", "<br/>")
    story = [
        Paragraph("Leerrecht: herstelsleutel van de organisatie", styles["Title"]),
        Paragraph("<b>Strikt vertrouwelijk.</b> Wie deze sleutel heeft, kan samen met toegang tot de server "
                  "elk dossier van de organisatie openen. Bewaar dit blad zoals hieronder staat.", body),
        Paragraph("Wat is dit?", head),
        Paragraph("Elk dossier in Leerrecht is versleuteld. De sleutel van elk dossier wordt ook ingepakt "
                  "voor deze herstelsleutel. De server bewaart alleen de publieke helft; de geheime helft "
                  "staat enkel op dit blad (en in het bestand dat samen met dit blad gemaakt werd).", body),
        Paragraph("Wanneer gebruik je hem?", head),
        Paragraph("Als een medewerker zijn of haar wachtwoordzin vergeten is. Dan brengt deze sleutel "
                  "alle dossiers van die medewerker terug, zonder dat er iets verloren gaat:", body),
        Paragraph("1. De beheerder geeft een nieuwe code: <font face='Courier'>leerrecht-server admin --db "
                  "DATABASE reset-user GEBRUIKERSNAAM</font><br/>"
                  "2. De medewerker meldt de laptop opnieuw aan met die code en een nieuwe wachtwoordzin.<br/>"
                  "3. Wie deze sleutel bewaart, typt op de server: <font face='Courier'>leerrecht-server admin "
                  "--db DATABASE recover-user GEBRUIKERSNAAM</font> en geeft de sleutel hieronder in wanneer "
                  "erom gevraagd wordt (wat je typt, verschijnt niet; spaties mogen).<br/>"
                  "4. Bij de volgende synchronisatie heeft de medewerker alle dossiers terug.", body),
        Paragraph("Hoe bewaar je hem?", head),
        Paragraph("Offline, op papier: in een kluis, in twee exemplaren op twee plaatsen. Nooit in een "
                  "e-mail, chat, gedeelde map of cloudopslag, en niet op de server zelf. Het bestand dat "
                  "samen met dit blad gemaakt werd: afdrukken, dan veilig wissen, of op een USB-stick in "
                  "de kluis. Wordt er ooit een nieuwe herstelsleutel gemaakt, dan vervangt die deze: "
                  "bewaar dan het nieuwe blad op dezelfde manier.", body),
        Paragraph("De herstelsleutel (geheime helft)", head),
        Paragraph(key_lines, mono),
        Paragraph(f"Vingerafdruk van de publieke sleutel: <font face='Courier'>{fingerprint(public)}</font>", body),
        Paragraph(f"Gemaakt op: {created.strftime('%d-%m-%Y %H:%M')} UTC", body),
        Spacer(1, 4 * mm),
        Paragraph("Bewaard door: ______________________ &nbsp;&nbsp; Plaats: ______________________", body),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=16 * mm,
                            bottomMargin=14 * mm, title="Leerrecht herstelsleutel", author="Leerrecht",
                            invariant=True)
    doc.build(story)
    return out.getvalue()


def _write_private(path: Path, data: bytes) -> None:
    """Create the file 0600; never over an existing one (O_EXCL)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def create_recovery_kit(engine: Engine, out: Path, *, replace: bool = False) -> tuple[str, str]:
    """The recovery key as create_recovery_key makes it, plus OUT (the private half, one line) and
    OUT.pdf. Returns (private hex, fingerprint). Nothing is stored if a file can't be written."""
    pdf_path = Path(f"{out}.pdf")
    for path in (out, pdf_path):
        if path.exists():
            raise admin.AdminError(f"{path} already exists; choose another file (it is never overwritten)")
    written: list[Path] = []

    def write_files(private_hex: str, public: bytes) -> None:
        # Called inside the transaction that stores the public half: a file that can't be written
        # rolls it back, so there is never a recovery key whose private half was lost.
        _write_private(out, private_hex.encode() + b"\n")
        written.append(out)
        _write_private(pdf_path, kit_pdf(private_hex, public, datetime.now(UTC)))
        written.append(pdf_path)

    try:
        private_hex, public = admin.create_recovery_key_with(engine, replace=replace, before_commit=write_files)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return private_hex, fingerprint(public)
