"""The central sync server: stores sealed revisions, key grants and membership; never reads a case.

Never imports PySide6 or anything under leerrecht_desktop.ui; it shares only the wire format
(leerrecht_core.protocol) and the signature checks (leerrecht_core.crypto) with the client."""
