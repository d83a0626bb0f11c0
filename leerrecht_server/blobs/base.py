"""The blob store interface, and which store serves which database.

The metadata (which chunks an attachment has, their lengths, the manifest) is always in the database,
in the same transaction as the access checks; a store holds only the bytes of each chunk, by
attachment id and index. Each method takes the route's open connection: the database store writes in
that transaction (a chunk and its row commit together), the directory store ignores it."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Connection, Engine

if TYPE_CHECKING:
    from leerrecht_server.core.config import Settings


class BlobStore(Protocol):
    name: str

    def put(self, conn: Connection, attachment_id: str, index: int, data: bytes) -> None:
        """Store (or replace, while uploading) one chunk's bytes."""

    def get(self, conn: Connection, attachment_id: str, index: int) -> bytes | None:
        """One chunk's bytes, or None when the store has none (the laptop refuses the attachment)."""

    def delete(self, conn: Connection, attachment_ids: Sequence[str]) -> None:
        """Every chunk of these attachments (an erased case, an abandoned upload)."""


def make_store(settings: Settings) -> BlobStore:
    from leerrecht_server.blobs.database import DatabaseStore
    from leerrecht_server.blobs.directory import DirectoryStore

    if settings.blob_store == "s3":
        from leerrecht_server.blobs.s3 import S3Store  # boto3 only where it is chosen

        return S3Store.from_settings(settings)
    if settings.blob_store == "directory":
        assert settings.blob_dir is not None  # Settings refuses a directory store without one
        return DirectoryStore(settings.blob_dir)
    return DatabaseStore()


# The store of each engine the server opened (create_app attaches it). The erasure of a case reaches
# it through its connection's engine, so crud.erasure.erase_case keeps its signature for every caller
# (the erase route, the retention sweep, the admin commands).
_stores: weakref.WeakKeyDictionary[Engine, BlobStore] = weakref.WeakKeyDictionary()


def attach(engine: Engine, store: BlobStore) -> None:
    _stores[engine] = store


def store_for(engine: Engine) -> BlobStore:
    """The engine's store; for an engine no app attached (an admin command), the one the environment
    configures, so an erasure from the command line removes the same files the server wrote."""
    store = _stores.get(engine)
    if store is None:
        from leerrecht_server.core.config import Settings

        store = make_store(Settings())
        _stores[engine] = store
    return store
