"""Writing a finished report to the file the user chose: atomically, readable by the user only.

A report holds case content (a summary) or a team's figures (an overview). It reaches the disk only
where the user asks for it (DESIGN §2), never half written (a crash or a full disk leaves the old file
or nothing, not a truncated PDF a colleague might mail), and with mode 0600 (other accounts on a
shared laptop can't read it). The temporary file lives beside the target, in the folder the user
chose, and holds exactly the bytes that will be published: the same content, the same protection."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_private(out: Path, data: bytes, *, overwrite: bool) -> None:
    """Write `data` to `out` with mode 0600 through a temporary file in the same folder.

    Raises FileExistsError when `out` exists and `overwrite` is false (also when it appears while
    writing), and OSError when the folder can't be written; in both cases no file is left behind.
    """
    folder = out.parent
    if out.exists() and not overwrite:
        raise FileExistsError(str(out))
    # mkstemp creates the file with mode 0600 from the first byte on.
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".leerrecht-", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
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
