"""Errors of the vault, with messages a field worker understands."""

from __future__ import annotations

from leerrecht_core.errors import LeerrechtError


class CryptoError(LeerrechtError):
    """Base of every refusal by the vault."""


class WrongPassphrase(CryptoError):
    pass


class TamperedRecord(CryptoError):
    """A record whose signature or authentication tag does not check out: altered, moved or forged."""
