"""What may be attached, by its first bytes, and the safe names attachments are written under."""

from __future__ import annotations

import pytest

from leerrecht_desktop.models.attachment_types import (
    HEIC,
    JPEG,
    PDF,
    PNG,
    AttachmentRefused,
    check_size,
    check_type,
    safe_file_name,
    sniff,
)


@pytest.mark.parametrize(("head", "kind"), [
    (b"\xff\xd8\xff\xe1fictief", JPEG),
    (b"\x89PNG\r\n\x1a\n\x00\x00", PNG),
    (b"%PDF-1.4\n", PDF),
    (b"\x00\x00\x00\x18ftypheic\x00\x00", HEIC),
    (b"\x00\x00\x00\x1cftypmif1\x00\x00", HEIC),
    (b"\x00\x00\x00\x18ftypavif\x00\x00", None),  # AVIF is HEIF-like, but not accepted
    (b"\x00\x00\x00\x18ftypisom\x00\x00", None),  # an MP4 video
    (b"GIF89a", None),
    (b"", None),
])
def test_types_are_recognised_by_their_first_bytes(head: bytes, kind: object) -> None:
    assert sniff(head) is kind


def test_a_refused_type_names_what_is_accepted() -> None:
    with pytest.raises(AttachmentRefused, match="JPEG, PNG, HEIC of PDF"):
        check_type(b"PK\x03\x04", "formulier.pdf")


def test_the_size_limit_is_said_in_megabytes() -> None:
    check_size(25 * 1024 * 1024, 25 * 1024 * 1024)
    with pytest.raises(AttachmentRefused, match=r"te groot \(31,5 MB\).*hoogstens 25 MB"):
        check_size(int(31.5 * 1024 * 1024), 25 * 1024 * 1024)
    with pytest.raises(AttachmentRefused, match="leeg"):
        check_size(0, 25 * 1024 * 1024)


@pytest.mark.parametrize(("name", "safe"), [
    ("toestemming.pdf", "toestemming.pdf"),
    ("../../etc/passwd", "passwd"),
    ("..\\..\\Windows\\scan.png", "scan.png"),
    ("/tmp/Fictief rapport.png", "Fictief rapport.png"),
    (".verborgen.pdf", "verborgen.pdf"),
    ("..", "bijlage"),
    ("", "bijlage"),
    ("re\x00gel\nbreuk\x1b.pdf", "regelbreuk.pdf"),
    ('a<b>c:d"e|f?g*h.jpg', "abcdefgh.jpg"),
])
def test_names_are_made_safe(name: str, safe: str) -> None:
    assert safe_file_name(name) == safe


def test_a_long_name_keeps_its_extension() -> None:
    safe = safe_file_name("x" * 300 + ".pdf")
    assert len(safe) == 120 and safe.endswith(".pdf")
