"""Where the server keeps attachments' sealed chunks: one interface (`BlobStore`, base.py), three
backends: the database (default; `blob_data`, bytea on PostgreSQL, a blob on SQLite), a directory
(directory.py) and an S3-compatible bucket (s3.py, with boto3). `store_for(engine)` is the one
configured for a database, chosen by the settings (LEERRECHT_SERVER_BLOB_STORE, _BLOB_DIR, _S3_*;
docs/server.md)."""

from leerrecht_server.blobs.base import BlobStore, attach, make_store, store_for

__all__ = ["BlobStore", "attach", "make_store", "store_for"]
