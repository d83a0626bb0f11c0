"""Writing a finished report to the file the user chose: atomically, readable by the user only.

A report holds case content (a summary) or a team's figures (an overview). It reaches the disk only
where the user asks for it (DESIGN §2), never half written (a crash or a full disk leaves the old file
or nothing, not a truncated PDF a colleague might mail), and with mode 0600 (other accounts on a
shared laptop can't read it). The temporary file lives beside the target, in the folder the user
chose, and holds exactly the bytes that will be published: the same content, the same protection."""

from __future__ import annotations

from pathlib import Path

from leerrecht_desktop.files import fsync_dir, private_file, publish

__all__ = ["fsync_dir", "publish", "write_private"]


def write_private(out: Path, data: bytes, *, overwrite: bool) -> None:
    """Write `data` to `out` with mode 0600 through a temporary file in the same folder.

    Raises FileExistsError when `out` exists and `overwrite` is false (also when it appears while
    writing), and OSError when the folder can't be written; in both cases no file is left behind.
    """
    with private_file(out, overwrite=overwrite) as fh:
        fh.write(data)
