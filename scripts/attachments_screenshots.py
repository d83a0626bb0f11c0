"""Take the screenshots of docs/attachments.md from the real window on demo data (fictitious only).

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python scripts/attachments_screenshots.py docs/screenshots

Makes a throwaway data folder with `leerrecht init` and `leerrecht demo`, attaches a fictitious consent
form (PDF), a scanned school report (PNG) and a photo (JPEG) to a case, opens it at 1366×768 and saves
the case's Bijlagen section (attachments-case.png) and the preview of the form (attachments-preview.png)."""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QImageWriter, QPainter

from leerrecht_desktop.store.attachments import Attachments
from scripts.readme_screenshots import demo_window, grab, settle, wait_for


def consent_pdf() -> bytes:
    from reportlab.platypus import Paragraph, Spacer

    from leerrecht_desktop.reports.layout import build_pdf, styles

    s = styles()
    story = [Paragraph("Toestemming voor de begeleiding (fictief voorbeeld)", s["title"]), Spacer(1, 12)]
    for line in ("Ondergetekende, ouder van de jongere, geeft toestemming voor de begeleiding door het team.",
                 "Wat het team bijhoudt: huisbezoeken, contacten met het gezin, afspraken met de school.",
                 "Deze toestemming kan op elk moment ingetrokken worden.",
                 "Datum: ..../..../........          Handtekening: ...................................."):
        story += [Paragraph(line, s["body"]), Spacer(1, 10)]
    return build_pdf(story, title="Toestemming", made_by="Fictief formulier", made_at=dt.datetime(2026, 9, 2, 9, 0))


def scan_image(fmt: bytes, width: int, height: int, title: str, tint: str) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(tint))
    painter = QPainter(image)
    painter.setPen(QColor("#33414d"))
    painter.setFont(QFont("DejaVu Sans", max(12, width // 40), QFont.Weight.Bold))
    painter.drawText(QRect(0, height // 12, width, height // 8), Qt.AlignmentFlag.AlignHCenter, title)
    painter.setFont(QFont("DejaVu Sans", max(9, width // 70)))
    for i in range(12):
        y = height // 4 + i * height // 20
        painter.drawLine(width // 10, y, width * 9 // 10 - (i % 3) * width // 8, y)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    QImageWriter(buffer, QByteArray(fmt)).write(image)
    buffer.close()
    return bytes(data.data())


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app, shell, workspace, _data = demo_window(12)
    window, case_files = shell.main_window, shell.case_files
    assert window is not None and case_files is not None
    screen = app.primaryScreen().availableGeometry()
    window.setGeometry(screen)
    case_id = next(s for s in case_files.summaries() if s.status == "actief").case_id
    store = Attachments(case_files)
    form = store.add(case_id, io.BytesIO(consent_pdf()), "Toestemming ouders (getekend)",
                     file_name="toestemming-scan.pdf")
    store.add(case_id, io.BytesIO(scan_image(b"PNG", 1240, 1754, "Rapport eerste trimester", "#fbfaf7")),
              "Rapport eerste trimester", file_name="rapport-trimester-1.png")
    store.add(case_id, io.BytesIO(scan_image(b"JPG", 1600, 1200, "Afsprakenblad", "#eef3f6")), "",
              file_name="IMG_2043.jpg")
    window.select_case(case_id)
    window.open_case(case_id)
    wait_for(lambda: window.case_view.case_file is not None and len(window.case_view.attachments.infos) == 3)
    view = window.case_view
    view.tabs.setCurrentWidget(view.attachments)
    settle(1.0)
    grab(window, out / "attachments-case.png")

    preview = view.attachments.open_preview(form.attachment_id)
    assert preview is not None
    wait_for(lambda: bool(preview.page_labels))
    settle(1.0)
    grab(preview, out / "attachments-preview.png")
    preview.reject()
    shell.shutdown()
    workspace.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
