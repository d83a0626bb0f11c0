"""Errors of the local store, worded for the person at the keyboard."""

from __future__ import annotations

from leerrecht_core.crypto.errors import WrongPassphrase
from leerrecht_core.errors import LeerrechtError


class StoreError(LeerrechtError):
    pass


class DataDirMissing(StoreError):
    pass


class NoProfile(StoreError):
    pass


class ProfileExists(StoreError):
    pass


class VaultDamaged(StoreError):
    """The stored profile (its Argon2id parameters or wrapped secrets) is damaged: no passphrase can open
    it, so it is said as such and never counted as a wrong try."""


class UnlockThrottled(WrongPassphrase):
    """Too many wrong tries in a row: wait `wait_seconds` before the next one."""

    def __init__(self, message: str, wait_seconds: float):
        super().__init__(message)
        self.wait_seconds = wait_seconds


class CaseNotFound(StoreError):
    pass


class Locked(StoreError):
    """The session was locked; its keys are gone."""
