"""The central sync server: stores sealed revisions, key grants and membership; never reads a case.

Never imports PySide6 or anything under leerrecht_desktop.ui; it shares only the wire format
(leerrecht_desktop.sync.protocol) and the signature checks (leerrecht_desktop.crypto) with the client."""
