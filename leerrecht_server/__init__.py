"""The central sync server: stores sealed revisions, key grants and membership; never reads a case.

Never imports PySide6 or leerrecht_desktop; it shares only the wire format (leerrecht_core.protocol),
the signature checks (leerrecht_core.crypto) and the error root (leerrecht_core.errors) with the
client. Laid out like the FastAPI full-stack template: api/ (routers, dependencies), crud/ (the SQL),
core/ (settings, metrics); docs/server.md#code has the map."""
