"""What an attachment may be (issue 15): a photo or scan as JPEG, PNG or HEIC, or a PDF, recognised by
its first bytes, not by its name. A name is whatever the sender typed; the bytes are what a viewer
will parse, so they decide. A name that claims another accepted type than the bytes are (a PNG
called `scan.pdf`) is refused too: it is either a mistake or a disguise, and either way the person
should look at it before it goes into a case file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr

# Enough for every signature below (HEIC's brand sits at bytes 8-12).
SNIFF_BYTES = 16


class AttachmentRefused(LeerrechtError):
    """A file that can't become an attachment: too big, of a type not accepted, a name that lies."""


@dataclass(frozen=True)
class FileType:
    media_type: str
    label: str  # how the sentences name it
    extensions: tuple[str, ...]


JPEG = FileType("image/jpeg", "JPEG", (".jpg", ".jpeg", ".jpe"))
PNG = FileType("image/png", "PNG", (".png",))
HEIC = FileType("image/heic", "HEIC", (".heic", ".heif", ".hif"))
PDF = FileType("application/pdf", "PDF", (".pdf",))
ACCEPTED = (JPEG, PNG, HEIC, PDF)
BY_MEDIA_TYPE = {kind.media_type: kind for kind in ACCEPTED}

# The ISO base media file brands of HEIF images (iPhones write "heic"; "mif1" is HEIF's own).
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


def sniff(head: bytes) -> FileType | None:
    """The accepted type these first bytes begin, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"%PDF-"):
        return PDF
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return HEIC
    return None


def accepted_names() -> str:
    return tr("{types} of {last}", types=", ".join(kind.label for kind in ACCEPTED[:-1]), last=ACCEPTED[-1].label)


def check_type(head: bytes, file_name: str) -> FileType:
    """The type of a file that may be attached, from its first bytes; refused with a sentence otherwise."""
    found = sniff(head)
    if found is None:
        raise AttachmentRefused(tr("Dit bestand kan geen bijlage worden: alleen foto's en scans als {types} "
                                   "worden aanvaard.", types=accepted_names()))
    suffix = PurePath(file_name).suffix.lower()
    claimed = next((kind for kind in ACCEPTED if suffix in kind.extensions), None)
    if claimed is not None and claimed is not found:
        raise AttachmentRefused(tr("De naam van dit bestand zegt {claimed}, maar de inhoud is {found}. Kijk na of "
                                   "het het juiste bestand is en geef het de juiste naam.",
                                   claimed=claimed.label, found=found.label))
    return found


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise AttachmentRefused(tr("Dit bestand is te groot ({size} MB): een bijlage mag hoogstens {limit} MB zijn. "
                                   "Scan met een lagere resolutie of verdeel het over meer bestanden.",
                                   size=_megabytes(size), limit=_megabytes(limit)))
    if size == 0:
        raise AttachmentRefused(tr("Dit bestand is leeg en kan geen bijlage worden."))


def _megabytes(size: int) -> str:
    # MiB, written as people say it ("25 MB"), with a Flemish decimal comma.
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")


def safe_file_name(name: str, fallback: str = "bijlage") -> str:
    """A name to write the file under: no folder parts (`/`, `\\`, `..`), no control characters, not
    hidden, not empty, at most 120 characters (the extension kept)."""
    base = name.replace("\\", "/").split("/")[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip().lstrip(".").strip()
    if not base:
        base = fallback
    if len(base) > 120:
        path = PurePath(base)
        suffix = path.suffix[:16]
        base = base[: 120 - len(suffix)] + suffix
    return base


def size_text(size: int) -> str:
    """A file's size as the window and the summary show it, Flemish style: "2,4 MB", "340 kB", "1 kB"
    (binary units, as the limit's "25 MB" is)."""
    if size >= 1024 * 1024:
        value = size / (1024 * 1024)
        return (f"{value:.0f}" if value >= 100 else f"{value:.1f}".replace(".", ",")) + " MB"
    return f"{max(1, round(size / 1024))} kB"


def type_label(media_type: str) -> str:
    """"PDF", "JPEG", …: the short name of an accepted media type (the type itself for another)."""
    kind = BY_MEDIA_TYPE.get(media_type)
    return kind.label if kind is not None else media_type
