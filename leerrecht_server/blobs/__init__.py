"""Where the server keeps attachments' sealed chunks: one interface (`BlobStore`, base.py), two
backends: the database (default; `blob_data`, bytea on PostgreSQL, a blob on SQLite) and a directory
(directory.py). `store_for(engine)` is the one configured for a database, chosen by the settings
(LEERRECHT_SERVER_BLOB_STORE, LEERRECHT_SERVER_BLOB_DIR; docs/server.md). An S3-compatible store would
be a third class with the same three methods (docs/attachments.md names it a gap)."""

from leerrecht_server.blobs.base import BlobStore, attach, make_store, store_for

__all__ = ["BlobStore", "attach", "make_store", "store_for"]
