"""Publishing a finished temporary file under its name, durably: what a report (reports/files.py), an
export (cli/cases.py) and an attachment saved as a file (store/attachments.py) share. A module of its
own beside paths.py, because reports may not import the store and the store may not import reports."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def private_file(out: Path, *, overwrite: bool) -> Iterator[BinaryIO]:
    """A file to write that appears as `out`, mode 0600, only once the block ends without an error:
    written through a temporary file in the same folder (mode 0600 from the first byte, mkstemp),
    synced, then published in one step. FileExistsError when `out` exists (or appears meanwhile) and
    `overwrite` is false; on any error nothing is left behind."""
    folder = out.parent
    if out.exists() and not overwrite:
        raise FileExistsError(str(out))
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".leerrecht-", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        publish(tmp, out, overwrite=overwrite)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(folder)


def publish(tmp: Path, out: Path, *, overwrite: bool) -> None:
    """Give a finished temporary file its name in one step; FileExistsError if `out` is there and may
    not be replaced (`tmp` is then left for the caller to remove)."""
    if overwrite:
        os.replace(tmp, out)
        return
    # A hard link fails if `out` appeared meanwhile, where a rename would silently replace it.
    try:
        os.link(tmp, out)
    except FileExistsError:
        raise
    except OSError:
        # Some file systems (FAT on a USB stick) have no hard links.
        if out.exists():
            raise FileExistsError(str(out)) from None
        os.replace(tmp, out)
    else:
        tmp.unlink()


def fsync_dir(folder: Path) -> None:
    # Makes the new name itself durable; not possible on every platform (Windows), hence best effort.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
