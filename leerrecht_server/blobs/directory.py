"""The directory blob store: one file per chunk, `<root>/<first two of the id>/<attachment id>/<index>`,
for an operator who keeps large files out of the database (its backups, its size). Files are written
to a temporary name in the same folder, fsynced and renamed, so a chunk is whole or absent; folders are
0700 and files 0600, as the database file is. Deleting removes the attachment's folder.

The files are the sealed chunks as the laptop made them: nothing in them is readable without the
case key, which the server never has. A chunk's bytes and its row in `attachment_chunks` are not in
one transaction: a chunk written whose row then rolled back is overwritten by the resumed upload; a
row whose file is gone (a disk restored without its folder) is a missing chunk, which every laptop
refuses with its sentence."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Connection

_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def checked_id(attachment_id: str) -> str:
    """The id, if it is one: the routes only pass ids checked as UUIDs; checked again here, since it
    becomes a path (or an object key)."""
    if not _ID.match(attachment_id):
        raise ValueError("not an attachment id")
    return attachment_id


class DirectoryStore:
    name = "directory"

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _folder(self, attachment_id: str) -> Path:
        return self.root / attachment_id[:2] / checked_id(attachment_id)

    def put(self, conn: Connection, attachment_id: str, index: int, data: bytes) -> None:
        folder = self._folder(attachment_id)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, folder / str(index))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def get(self, conn: Connection, attachment_id: str, index: int) -> bytes | None:
        try:
            return (self._folder(attachment_id) / str(index)).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, conn: Connection, attachment_ids: Sequence[str]) -> None:
        for attachment_id in attachment_ids:
            shutil.rmtree(self._folder(attachment_id), ignore_errors=True)
