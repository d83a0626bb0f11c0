"""Hand-over mode: the worker gives the laptop to the young person, who fills in the wellbeing scale
themself on a large, simple screen that shows nothing of the case file.

Only the worker's passphrase leads back to the case: Escape, shortcuts and closing the window are
refused while the page is up. The scale is saved as soon as the young person presses 'Klaar', so a
delayed return of the worker loses nothing; until then the answers are kept as a sealed draft.

`widget` holds the screen and its flow, `pages` the pages it shows, `guard` the keyboard guard and
`style` the look."""

from __future__ import annotations

from leerrecht_desktop.ui.handover.widget import HandoverHost, HandoverWidget, start_handover

__all__ = ["HandoverHost", "HandoverWidget", "start_handover"]
