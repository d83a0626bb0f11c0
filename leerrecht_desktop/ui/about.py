"""The application icon and the about box (name, version, licence, where data and logs live).

The icon comes from the PNGs in `resources/icons/` (made from the SVG by scripts/make_icons.py), not from
the SVG itself: that keeps Qt's SVG module and plugin out of the bundle."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.i18n import tr
from leerrecht_core.resources import resources_dir
from leerrecht_desktop import __version__, paths

ICON_SIZES = (16, 32, 48, 256)

# The licence pyproject.toml declares (tests/test_bundle.py keeps the two equal). A constant rather than
# package metadata: a PyInstaller bundle carries no dist-info unless told to, and the about box must
# not depend on that.
LICENCE = "EUPL-1.2"


def icon_files() -> list[Path]:
    folder = resources_dir() / "icons"
    return [folder / f"leerrecht-{size}.png" for size in ICON_SIZES]


def application_icon() -> QIcon:
    """The Leerrecht icon at every size we ship; Qt picks the nearest for the title bar, task bar and
    Alt+Tab. Null (QIcon.isNull) when the files are missing, which the self-check reports."""
    icon = QIcon()
    for size, path in zip(ICON_SIZES, icon_files(), strict=True):
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
    return icon


def _selectable(text: str) -> QLabel:
    # IT staff copy these paths into a file manager or a ticket.
    label = QLabel(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class AboutDialog(QDialog):
    """Over Leerrecht: what this program is and where it keeps things, for the user and for IT support."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None, *, log_dir: Path | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("Over Leerrecht"))
        self.setMinimumWidth(560)
        self.setWindowIcon(application_icon())

        logo = QLabel()
        logo.setPixmap(application_icon().pixmap(QSize(64, 64)))
        logo.setAlignment(Qt.AlignmentFlag.AlignTop)
        title = QLabel(tr("Leerrecht"))
        title.setObjectName("title")  # the app's heading style (ui/style.py)
        tagline = QLabel(tr("Versleutelde dossiers voor het leerrechtnetwerk van Mechelen."))
        tagline.setObjectName("muted")
        tagline.setWordWrap(True)
        heading = QVBoxLayout()
        heading.addWidget(title)
        heading.addWidget(tagline)
        top = QHBoxLayout()
        top.addWidget(logo)
        top.addSpacing(12)
        top.addLayout(heading, 1)

        self.version_label = _selectable(__version__)
        self.licence_label = _selectable(tr("{licence} (European Union Public Licence)", licence=LICENCE))
        self.data_dir_label = _selectable(str(data_dir))
        self.log_dir_label = _selectable(str(log_dir if log_dir is not None else paths.default_log_dir()))
        form = QFormLayout()
        form.setVerticalSpacing(8)
        form.addRow(tr("Versie"), self.version_label)
        form.addRow(tr("Licentie"), self.licence_label)
        form.addRow(tr("Gegevensmap"), self.data_dir_label)
        form.addRow(tr("Logboeken"), self.log_dir_label)

        privacy = QLabel(tr("Alles in de gegevensmap is versleuteld. De logboeken bevatten geen namen of "
                            "inhoud van dossiers."))
        privacy.setObjectName("muted")
        privacy.setWordWrap(True)
        credits = QLabel(tr("Gemaakt met Qt for Python (PySide6, LGPLv3) en ReportLab; lettertypen Noto "
                            "(SIL Open Font License)."))
        credits.setObjectName("muted")
        credits.setWordWrap(True)

        buttons = QDialogButtonBox()
        self.close_button = buttons.addButton(tr("Sluiten"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button.setDefault(True)
        buttons.accepted.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addLayout(top)
        layout.addSpacing(10)
        layout.addLayout(form)
        layout.addSpacing(6)
        layout.addWidget(privacy)
        layout.addWidget(credits)
        layout.addSpacing(8)
        layout.addWidget(buttons)
