"""Errors of the vault, with messages a field worker understands."""

from __future__ import annotations

from leerrecht_core.errors import LeerrechtError


class CryptoError(LeerrechtError):
    """Base of every refusal by the vault."""


class WrongPassphrase(CryptoError):
    pass


class TamperedRecord(CryptoError):
    """A record whose signature or authentication tag does not check out: altered, moved or forged."""


class TamperedAttachment(CryptoError):
    """An attachment whose signature, manifest or chunks do not check out: altered, cut, reordered,
    extended, moved from another attachment or forged. `reason` names which check failed (for tests
    and the log); the message is the same for all, and holds nothing of the file."""

    reason: str = ""
