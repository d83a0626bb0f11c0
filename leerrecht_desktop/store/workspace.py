"""A data folder with its local profile: creating or adopting the profile, unlocking (with an increasing
delay after wrong tries) and changing the passphrase. The database and the plaintext settings are the
data folder's (store/data_folder.py)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import math
import uuid
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, Row, delete, select, update
from sqlalchemy.exc import OperationalError

from leerrecht_core.crypto.errors import CryptoError, WrongPassphrase
from leerrecht_core.crypto.kdf import PURPOSE_WRAP, KdfParams, derive_master_key, derive_subkey
from leerrecht_core.crypto.keys import UserSecrets
from leerrecht_core.crypto.local import open_local, seal_local
from leerrecht_core.i18n import seconds, tr
from leerrecht_core.protocol import MAX_DISPLAY_NAME_LEN, has_control_character
from leerrecht_desktop.models.enums import Role
from leerrecht_desktop.models.passphrase import passphrase_problem
from leerrecht_desktop.models.validation import FieldError, ValidationError
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.bookkeeping import ADOPTED_FIELD, ADOPTED_VERSION, Bookkeeping
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.data_folder import DEFAULT_IDLE_LOCK_MINUTES, DataFolder
from leerrecht_desktop.store.database import disk_full, write_transaction
from leerrecht_desktop.store.errors import NoProfile, ProfileExists, UnlockThrottled, VaultDamaged
from leerrecht_desktop.store.user_profile import UserProfile

__all__ = ["DEFAULT_IDLE_LOCK_MINUTES", "MAX_DELAY_SECONDS", "UserProfile", "Workspace", "delay_after", "seal_profile"]

MAX_DELAY_SECONDS = 60.0
# The `settings` row recording which wrapped secrets this folder wrote (`vault_check`), so a damaged blob
# is told apart from a wrong passphrase; a settings row, no schema change. Whatever rewrites
# `vault.wrapped_secrets` should record it (`_record_vault_check`) in the same transaction.
VAULT_CHECK_SETTING = "vault_check"

log = logging.getLogger(__name__)



def seal_profile(secrets: UserSecrets, profile: dict[str, Any]) -> bytes:
    """The profile sealed under the local key, with the mark that this folder's bookkeeping is
    authenticated. Whatever rewrites `vault.sealed_profile` must seal it with this: without the mark, the
    next unlock would authenticate every row it finds, planted ones included."""
    return seal_local(secrets.local_key, "profile", secrets.user_id, {**profile, ADOPTED_FIELD: ADOPTED_VERSION})


def delay_after(failures: int) -> float:
    """Seconds to wait after `failures` wrong passphrases in a row: 0, 1, 2, 4, ... up to a minute."""
    return 0.0 if failures <= 0 else min(2.0 ** (failures - 1), MAX_DELAY_SECONDS)


def _wait_at(row: Row[Any], now: float) -> tuple[float, bool]:
    """The wait still due at `now`, and whether the clock was set back since the last wrong try (the
    delay then counts from now, once, instead of until the clock catches up with the stored time)."""
    if not row.failed_attempts or row.last_failed_at is None:
        return 0.0, False
    if now < row.last_failed_at:
        return delay_after(row.failed_attempts), True
    return max(0.0, row.last_failed_at + delay_after(row.failed_attempts) - now), False


@functools.cache
def wrapped_secrets_length() -> int:
    """The length of wrapped secrets as `UserSecrets.wrap` writes them (fixed: three raw 32-byte keys)."""
    return len(UserSecrets.generate("length").wrap(bytes(32)))


def vault_check(user_id: str, salt: bytes, wrapped: bytes) -> str:
    """What `settings.vault_check` holds: for which user id and Argon2id salt it was made, and a SHA-256
    of the wrapped secrets bound to both. No secret: a hash of a ciphertext stored beside it."""
    digest = hashlib.sha256(b"leerrecht/v1/vault-check|%s|%s|%s" % (user_id.encode(), salt.hex().encode(), wrapped))
    return json.dumps({"user_id": user_id, "salt": salt.hex(), "sha256": digest.hexdigest()}, sort_keys=True)


def _check_applies(recorded: str | None, user_id: str, salt: bytes) -> bool:
    """Whether the recorded check was made for this user id and salt. One made for others says nothing
    about the blob: the vault was rewritten by something that doesn't know of the check, e.g. a profile
    given the account's user id at enrolment (store/profile_rebind.py), or a passphrase changed (always
    with a new salt) by an older Leerrecht. The next unlock then records it anew."""
    try:
        data = json.loads(recorded) if recorded is not None else None
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("user_id") == user_id and data.get("salt") == salt.hex()


def _record_vault_check(conn: Connection, user_id: str, salt: bytes, wrapped: bytes) -> None:
    conn.execute(delete(t.settings).where(t.settings.c.key == VAULT_CHECK_SETTING))
    conn.execute(t.settings.insert().values(key=VAULT_CHECK_SETTING, value=vault_check(user_id, salt, wrapped)))


def _recorded_check(conn: Connection) -> str | None:
    value: str | None = conn.execute(
        select(t.settings.c.value).where(t.settings.c.key == VAULT_CHECK_SETTING)).scalar()
    return value


def _vault_damaged() -> VaultDamaged:
    return VaultDamaged(tr(
        "Het profiel in deze gegevensmap is beschadigd: Leerrecht kan het met geen enkele wachtwoordzin openen. "
        "Aan je wachtwoordzin ligt het niet, en dit telt niet als foute poging. Zet een reservekopie van de "
        "gegevensmap terug, of vraag hulp aan de IT-dienst of je coördinator."))



class Workspace(DataFolder):
    """A data folder with its local profile: creating or adopting it, unlocking it into `CaseFiles`
    (with an increasing delay after wrong tries) and changing its passphrase."""

    # -- profile -------------------------------------------------------------------------------

    def has_profile(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(t.vault.c.id)).first() is not None

    def create_profile(
        self, *, name: str, role: str, team: str, passphrase: str, confirm: str | None = None,
        kdf: KdfParams | None = None, user_id: str | None = None,
    ) -> CaseFiles:
        errors = []
        if not name.strip():
            errors.append(FieldError("name", tr("Vul je naam in.")))
        elif len(name.strip()) > MAX_DISPLAY_NAME_LEN:  # what the server takes (enrolment would fail)
            errors.append(FieldError("name", tr("Je naam is te lang: hoogstens {max} tekens.",
                                                max=MAX_DISPLAY_NAME_LEN)))
        elif has_control_character(name.strip()):
            errors.append(FieldError("name", tr("Je naam bevat een onzichtbaar teken (zoals een tab of een "
                                                "regeleinde). Typ hem opnieuw.")))
        if role not in {r.value for r in Role}:
            errors.append(FieldError(
                "role", tr("Kies je rol: onderwijsassistent, Netsterk-medewerker, brugfiguur of coördinator.")))
        problem = passphrase_problem(passphrase, name=name)
        if problem:
            errors.append(FieldError("passphrase", problem))
        elif confirm is not None and confirm != passphrase:
            errors.append(FieldError("confirm", tr("De twee wachtwoordzinnen zijn niet gelijk. Typ ze opnieuw.")))
        if errors:
            raise ValidationError(errors)
        if self.has_profile():
            raise ProfileExists(tr("Er bestaat al een profiel in deze map. Ontgrendel het met je wachtwoordzin."))

        params = kdf or KdfParams.from_env()
        # `user_id`: a profile made anew for an existing account (sync/reenrol.py), else a new user.
        user_id = user_id or str(uuid.uuid4())
        secrets = UserSecrets.generate(user_id)
        master = derive_master_key(passphrase, params)
        profile = UserProfile(user_id, name.strip(), role, team.strip())
        wrapped = secrets.wrap(derive_subkey(master, PURPOSE_WRAP))
        with write_transaction(self.engine) as conn:
            conn.execute(t.vault.insert().values(
                id=1, user_id=user_id, kdf=json.dumps(params.to_json()),
                wrapped_secrets=wrapped,
                exchange_public=secrets.exchange_public, signing_public=secrets.signing_public,
                sealed_profile=seal_profile(secrets, asdict(profile)),
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                failed_attempts=0, last_failed_at=None,
            ))
            Bookkeeping.under(secrets.local_key).insert_known_keys(
                conn, user_id, secrets.exchange_public, secrets.signing_public)
            _record_vault_check(conn, user_id, params.salt, wrapped)
        return CaseFiles(self, profile, secrets)

    def adopt_profile(self, *, user_id: str, kdf: dict[str, Any], wrapped_secrets: bytes, exchange_public: bytes,
                      signing_public: bytes, passphrase: str, name: str, role: str, team: str) -> CaseFiles:
        """A further laptop of an existing user (sync login): the profile comes from the server (the same
        user id, key pairs and wrapped secrets as the first laptop), checked by unwrapping it with the
        passphrase before anything is stored."""
        if self.has_profile():
            raise ProfileExists(tr("Er bestaat al een profiel in deze map. Ontgrendel het met je wachtwoordzin."))
        params = KdfParams.from_json(kdf)
        master = derive_master_key(passphrase, params)
        secrets = UserSecrets.unwrap(user_id, wrapped_secrets, derive_subkey(master, PURPOSE_WRAP))
        if secrets.exchange_public != exchange_public or secrets.signing_public != signing_public:
            raise WrongPassphrase(tr("Het profiel van de server past niet bij zijn sleutels. Meld dit aan je "
                                     "coördinator."))
        profile = UserProfile(user_id, name.strip(), role, team.strip())
        with write_transaction(self.engine) as conn:
            conn.execute(t.vault.insert().values(
                id=1, user_id=user_id, kdf=json.dumps(params.to_json()), wrapped_secrets=wrapped_secrets,
                exchange_public=exchange_public, signing_public=signing_public,
                sealed_profile=seal_profile(secrets, asdict(profile)),
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                failed_attempts=0, last_failed_at=None,
            ))
            Bookkeeping.under(secrets.local_key).insert_known_keys(conn, user_id, exchange_public, signing_public)
            _record_vault_check(conn, user_id, params.salt, wrapped_secrets)
        return CaseFiles(self, profile, secrets)

    def kdf_json(self) -> dict[str, Any]:
        """The stored Argon2id parameters and salt (sent to the server at enrolment)."""
        row = self._vault_row()
        self._kdf_params(row)  # refuses a damaged one with its own message
        data: dict[str, Any] = json.loads(row.kdf)
        return data

    def wrapped_secrets(self) -> bytes:
        with self.engine.connect() as conn:
            row = self._vault_row(conn)
            self._check_wrapped(row, conn)
        return bytes(row.wrapped_secrets)

    # -- unlock --------------------------------------------------------------------------------

    def _vault_row(self, conn: Connection | None = None) -> Row[Any]:
        if conn is None:
            with self.engine.connect() as own:
                return self._vault_row(own)
        row = conn.execute(select(t.vault)).first()
        if row is None:
            raise NoProfile(tr("Er is nog geen profiel op deze laptop. Maak er eerst een aan."))
        return row

    # -- a damaged vault is not a wrong passphrase ---------------------------------------------

    def _kdf_params(self, row: Row[Any]) -> KdfParams:
        try:
            data = json.loads(row.kdf)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            return KdfParams.from_json(data)
        except (ValueError, TypeError, CryptoError):  # JSONDecodeError is a ValueError
            log.warning("the vault's key derivation parameters are damaged")
            raise _vault_damaged() from None

    def _check_wrapped(self, row: Row[Any], conn: Connection) -> None:
        """Refuse, before any passphrase is tried, wrapped secrets that no passphrase could open: not the
        bytes this folder recorded for its user and salt (`vault_check`), or, where nothing that applies
        is recorded (a folder from before the check), not of the one length `UserSecrets.wrap` writes.
        A wrong passphrase and a damaged blob fail AES-GCM alike; this tells them apart."""
        blob = row.wrapped_secrets
        damaged = not isinstance(row.user_id, str) or not row.user_id or not isinstance(blob, bytes)
        if not damaged:
            salt = self._kdf_params(row).salt
            recorded = _recorded_check(conn)
            if _check_applies(recorded, row.user_id, salt):
                damaged = recorded != vault_check(row.user_id, salt, blob)
            else:
                damaged = len(blob) != wrapped_secrets_length()
        if damaged:
            log.warning("the vault's wrapped secrets are damaged")
            raise _vault_damaged()

    # -- counting tries ------------------------------------------------------------------------

    def unlock_wait_seconds(self) -> float:
        now = self.clock()
        wait, clock_back = _wait_at(self._vault_row(), now)
        if clock_back:
            self._write_if_room("clock set back", last_failed_at=now)
        return wait

    def _claim_attempt(self) -> tuple[Row[Any], int]:
        """Count this try as a wrong one before Argon2id runs, or refuse it while the delay lasts, in one
        write transaction (BEGIN IMMEDIATE): parallel tries, in threads or processes, each see the count
        the one before them left, so N tries raise it by N or wait. Returns the row and the count
        including this try; a right passphrase resets it afterwards (`_open_secrets`)."""
        try:
            with write_transaction(self.engine) as conn:
                row = self._checked_vault_row(conn)
                now = self.clock()
                wait, clock_back = _wait_at(row, now)
                if wait <= 0:
                    failures = row.failed_attempts + 1
                    conn.execute(update(t.vault).values(failed_attempts=failures, last_failed_at=now))
                    return row, failures
                if clock_back:
                    conn.execute(update(t.vault).values(last_failed_at=now))
        except OperationalError as exc:
            if not disk_full(exc):
                raise
            # Not counted: refusing would lock the worker out of reading their own files until the
            # disk has room, and whoever can fill this account's disk can copy the file, against which
            # the delay does nothing anyway (docs/threat-model.md §5). The delay that is due still holds.
            log.warning("the disk is full: this unlock attempt is not counted")
            with self.engine.connect() as conn:
                row = self._checked_vault_row(conn)
            wait, _clock_back = _wait_at(row, self.clock())
            if wait <= 0:
                return row, row.failed_attempts + 1
        raise UnlockThrottled(
            tr("Te veel foute pogingen. Probeer opnieuw over {wait}.", wait=seconds(math.ceil(wait))), wait)

    def _checked_vault_row(self, conn: Connection) -> Row[Any]:
        """The vault row, refused as damaged if no passphrase could open it."""
        row = self._vault_row(conn)
        self._kdf_params(row)
        self._check_wrapped(row, conn)
        return row

    def _write_if_room(self, what: str, **values: Any) -> None:
        """Bookkeeping of the delay that may be skipped on a full disk (with a warning in the log)."""
        try:
            with write_transaction(self.engine) as conn:
                conn.execute(update(t.vault).values(**values))
        except OperationalError as exc:
            if not disk_full(exc):
                raise
            log.warning("the disk is full: %s not written", what)

    def _open_secrets(self, passphrase: str) -> tuple[Row[Any], UserSecrets]:
        row, failures = self._claim_attempt()
        master = derive_master_key(passphrase, self._kdf_params(row))
        try:
            secrets = UserSecrets.unwrap(row.user_id, row.wrapped_secrets, derive_subkey(master, PURPOSE_WRAP))
        except WrongPassphrase:
            wait = delay_after(failures)
            msg = tr("Die wachtwoordzin klopt niet.")
            if wait >= 1:
                msg += " " + tr("Je kan opnieuw proberen over {wait}.", wait=seconds(math.ceil(wait)))
            raise UnlockThrottled(msg, wait) from None
        self._reset_attempts(row)
        return row, secrets

    def _reset_attempts(self, row: Row[Any]) -> None:
        """After the right passphrase: the count back to zero, and the check of the wrapped secrets
        recorded if it is missing or was made for another user id (a folder from before it existed, a
        profile given the account's user id at enrolment)."""
        opened = (row.user_id, row.kdf, bytes(row.wrapped_secrets))
        check = vault_check(row.user_id, self._kdf_params(row).salt, opened[2])
        try:
            with write_transaction(self.engine) as conn:
                conn.execute(update(t.vault).values(failed_attempts=0, last_failed_at=None))
                # Only for the very vault just opened: a passphrase changed meanwhile by another process
                # wrote another one, with its own check.
                current = conn.execute(select(t.vault.c.user_id, t.vault.c.kdf, t.vault.c.wrapped_secrets)).first()
                if current is not None and (current[0], current[1], bytes(current[2])) == opened \
                        and _recorded_check(conn) != check:
                    _record_vault_check(conn, row.user_id, self._kdf_params(row).salt, opened[2])
        except OperationalError as exc:
            if not disk_full(exc):
                raise
            log.warning("the disk is full: the unlock delay was not reset")

    def unlock(self, passphrase: str) -> CaseFiles:
        row, secrets = self._open_secrets(passphrase)
        data = open_local(secrets.local_key, "profile", row.user_id, row.sealed_profile)
        if data.pop(ADOPTED_FIELD, None) != ADOPTED_VERSION:
            self._adopt_bookkeeping(secrets, data)
        return CaseFiles(self, UserProfile(**data), secrets)

    def _adopt_bookkeeping(self, secrets: UserSecrets, profile: dict[str, Any]) -> None:
        """The first unlock after the upgrade to schema 0004: the folder's case keys, known keys and
        heads get their MACs, and the sealed profile says so, in one transaction. The mark is inside
        the sealed profile, not in a column one could clear: only a copy of this folder's own profile
        from before the upgrade could make a later unlock trust unauthenticated rows again."""
        with write_transaction(self.engine) as conn:
            Bookkeeping.under(secrets.local_key).adopt(conn)
            conn.execute(update(t.vault).values(sealed_profile=seal_profile(secrets, profile)))

    def verify_passphrase(self, passphrase: str) -> None:
        """Raise WrongPassphrase unless `passphrase` is this profile's (same throttling as unlock)."""
        self._open_secrets(passphrase)

    def change_passphrase(self, old: str, new: str, confirm: str | None = None) -> None:
        """Re-wrap the user's secrets under a key from the new passphrase, with a fresh salt.
        Records and case keys stay as they are: nothing is re-encrypted."""
        row, secrets = self._open_secrets(old)
        profile = open_local(secrets.local_key, "profile", row.user_id, row.sealed_profile)
        problem = passphrase_problem(new, name=profile.get("name", ""))
        if problem:
            raise ValidationError([FieldError("passphrase", problem)])
        if confirm is not None and confirm != new:
            raise ValidationError(
                [FieldError("confirm", tr("De twee wachtwoordzinnen zijn niet gelijk. Typ ze opnieuw."))])
        params = self._kdf_params(row).with_new_salt()
        master = derive_master_key(new, params)
        wrapped = secrets.wrap(derive_subkey(master, PURPOSE_WRAP))
        with write_transaction(self.engine) as conn:
            conn.execute(update(t.vault).values(kdf=json.dumps(params.to_json()), wrapped_secrets=wrapped))
            _record_vault_check(conn, row.user_id, params.salt, wrapped)
