"""Render resources/icons/leerrecht.svg to the PNG sizes and the Windows .ico the app and the bundle use.

    .venv/bin/python scripts/make_icons.py

The SVG is the source; the PNGs and the .ico are committed so that neither the app nor the bundle needs
Qt's SVG module at run time. Run this again after changing the SVG.

macOS (.icns) is not made here: `iconutil` exists only on a Mac (see docs/desktop-bundle.md).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SOURCE = ICONS / "leerrecht.svg"
SIZES = (16, 32, 48, 256)


def render(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError(f"could not encode the {size} px PNG")
    buffer.close()
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO file holding each size as a PNG entry (Windows Vista and later read those at every size).
    Written by hand because Qt's ICO writer stores only one image per file."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    directory = b""
    payload = b""
    for size, png in sorted(pngs.items()):
        # Width and height 0 mean 256 in the ICO directory (they are one byte each).
        side = 0 if size >= 256 else size
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(payload))
        payload += png
    return header + directory + payload


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"{SOURCE} is not a valid SVG", file=sys.stderr)
        return 1
    pngs = {size: render(renderer, size) for size in SIZES}
    for size, png in pngs.items():
        (ICONS / f"leerrecht-{size}.png").write_bytes(png)
    (ICONS / "leerrecht.ico").write_bytes(ico(pngs))
    print(f"wrote {len(pngs)} PNGs and leerrecht.ico to {ICONS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
