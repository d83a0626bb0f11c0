"""What both print dialogs share about the file they save: where the save dialog starts, and the
sentence shown when making or saving the file failed."""

from __future__ import annotations

from leerrecht_core.i18n import tr
from leerrecht_desktop.ui.folders import documents_folder

__all__ = ["documents_folder", "failure_text"]


def failure_text(exc: Exception) -> str:
    # The type only: an exception's text could quote case content (a name in a layout error).
    if isinstance(exc, OSError):
        return tr("Het bestand kon niet bewaard worden ({reason}). Kies een andere map of naam.",
                  reason=exc.strerror or type(exc).__name__)
    return tr("Dat is niet gelukt ({error}). Probeer het opnieuw; lukt het niet, neem dan contact op met je "
              "coördinator.", error=type(exc).__name__)
