"""The default blob store: chunks as rows of `blob_data` in the server's own database (bytea on
PostgreSQL, a blob on SQLite), written in the route's transaction, so a chunk and its bookkeeping row
commit or roll back together and a backup of the database holds everything."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import Connection

from leerrecht_server.tables import blob_data


class DatabaseStore:
    name = "database"

    def put(self, conn: Connection, attachment_id: str, index: int, data: bytes) -> None:
        where = (blob_data.c.attachment_id == attachment_id) & (blob_data.c.chunk_index == index)
        conn.execute(blob_data.delete().where(where))
        conn.execute(blob_data.insert().values(attachment_id=attachment_id, chunk_index=index, data=data))

    def get(self, conn: Connection, attachment_id: str, index: int) -> bytes | None:
        value = conn.execute(sa.select(blob_data.c.data).where(
            blob_data.c.attachment_id == attachment_id, blob_data.c.chunk_index == index)).scalar()
        return None if value is None else bytes(value)

    def delete(self, conn: Connection, attachment_ids: Sequence[str]) -> None:
        if attachment_ids:
            conn.execute(blob_data.delete().where(blob_data.c.attachment_id.in_(list(attachment_ids))))
