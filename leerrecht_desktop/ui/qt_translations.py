"""Qt's own texts in the app's language: the file dialog ("Zoeken in", "Bestandsnaam"), the standard
buttons, the Undo/Cut/Paste context menu of every text field. PySide6 ships Qt's translations
(qtbase_nl.qm); this installs the one for the chosen language, and swaps it when the language changes
in Instellingen. English needs none: Qt's source texts are English."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

log = logging.getLogger(__name__)

_installed: QTranslator | None = None


def install_qt_translations(language: str) -> bool:
    """Make Qt's own dialogs and menus speak `language` ("nl", "en"); True when a catalogue was loaded.
    A missing catalogue leaves Qt in English and is logged, never an error."""
    global _installed
    app = QCoreApplication.instance()
    if app is None:
        return False
    if _installed is not None:
        app.removeTranslator(_installed)
        _installed = None
    if language == "en":
        return False
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(f"qtbase_{language}", folder):
        log.warning("no Qt translations for %s in the Qt installation", language)
        return False
    app.installTranslator(translator)
    _installed = translator
    return True
