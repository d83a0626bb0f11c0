"""A data folder with its local profile: creating or adopting the profile, unlocking (with an increasing
delay after wrong tries) and changing the passphrase. The database and the plaintext settings are the
data folder's (store/data_folder.py)."""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from dataclasses import asdict
from typing import Any

from sqlalchemy import Row, select, update

from leerrecht_core.crypto.errors import WrongPassphrase
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
from leerrecht_desktop.store.database import write_transaction
from leerrecht_desktop.store.errors import NoProfile, ProfileExists, UnlockThrottled
from leerrecht_desktop.store.user_profile import UserProfile

__all__ = ["DEFAULT_IDLE_LOCK_MINUTES", "MAX_DELAY_SECONDS", "UserProfile", "Workspace", "delay_after", "seal_profile"]

MAX_DELAY_SECONDS = 60.0



def seal_profile(secrets: UserSecrets, profile: dict[str, Any]) -> bytes:
    """The profile sealed under the local key, with the mark that this folder's bookkeeping is
    authenticated. Whatever rewrites `vault.sealed_profile` must seal it with this: without the mark, the
    next unlock would authenticate every row it finds, planted ones included."""
    return seal_local(secrets.local_key, "profile", secrets.user_id, {**profile, ADOPTED_FIELD: ADOPTED_VERSION})


def delay_after(failures: int) -> float:
    """Seconds to wait after `failures` wrong passphrases in a row: 0, 1, 2, 4, ... up to a minute."""
    return 0.0 if failures <= 0 else min(2.0 ** (failures - 1), MAX_DELAY_SECONDS)



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
                "role", tr("Kies je rol: onderwijsassistent, netsterk, brugfiguur of coordinator.")))
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
        with write_transaction(self.engine) as conn:
            conn.execute(t.vault.insert().values(
                id=1, user_id=user_id, kdf=json.dumps(params.to_json()),
                wrapped_secrets=secrets.wrap(derive_subkey(master, PURPOSE_WRAP)),
                exchange_public=secrets.exchange_public, signing_public=secrets.signing_public,
                sealed_profile=seal_profile(secrets, asdict(profile)),
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                failed_attempts=0, last_failed_at=None,
            ))
            Bookkeeping.under(secrets.local_key).insert_known_keys(
                conn, user_id, secrets.exchange_public, secrets.signing_public)
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
        return CaseFiles(self, profile, secrets)

    def kdf_json(self) -> dict[str, Any]:
        """The stored Argon2id parameters and salt (sent to the server at enrolment)."""
        data: dict[str, Any] = json.loads(self._vault_row().kdf)
        return data

    def wrapped_secrets(self) -> bytes:
        return bytes(self._vault_row().wrapped_secrets)

    # -- unlock --------------------------------------------------------------------------------

    def _vault_row(self) -> Row[Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.vault)).first()
        if row is None:
            raise NoProfile(tr("Er is nog geen profiel op deze laptop. Maak er eerst een aan."))
        return row

    def unlock_wait_seconds(self) -> float:
        return self._wait(self._vault_row())

    def _wait(self, row: Row[Any]) -> float:
        if not row.failed_attempts or row.last_failed_at is None:
            return 0.0
        now = self.clock()
        if now < row.last_failed_at:
            # The clock was set back (CMOS reset, time zone mix-up): count the delay from now, once,
            # instead of waiting until the clock catches up with the stored time.
            with write_transaction(self.engine) as conn:
                conn.execute(update(t.vault).values(last_failed_at=now))
            return delay_after(row.failed_attempts)
        return max(0.0, row.last_failed_at + delay_after(row.failed_attempts) - now)

    def _open_secrets(self, passphrase: str) -> tuple[Row[Any], UserSecrets]:
        row = self._vault_row()
        wait = self._wait(row)
        if wait > 0:
            raise UnlockThrottled(
                tr("Te veel foute pogingen. Probeer opnieuw over {wait}.", wait=seconds(math.ceil(wait))), wait)
        master = derive_master_key(passphrase, KdfParams.from_json(json.loads(row.kdf)))
        try:
            secrets = UserSecrets.unwrap(row.user_id, row.wrapped_secrets, derive_subkey(master, PURPOSE_WRAP))
        except WrongPassphrase:
            failures = row.failed_attempts + 1
            with write_transaction(self.engine) as conn:
                conn.execute(update(t.vault).values(failed_attempts=failures, last_failed_at=self.clock()))
            wait = delay_after(failures)
            msg = tr("Die wachtwoordzin klopt niet.")
            if wait >= 1:
                msg += " " + tr("Je kan opnieuw proberen over {wait}.", wait=seconds(math.ceil(wait)))
            raise UnlockThrottled(msg, wait) from None
        if row.failed_attempts:
            with write_transaction(self.engine) as conn:
                conn.execute(update(t.vault).values(failed_attempts=0, last_failed_at=None))
        return row, secrets

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
        params = KdfParams.from_json(json.loads(row.kdf)).with_new_salt()
        master = derive_master_key(new, params)
        with write_transaction(self.engine) as conn:
            conn.execute(update(t.vault).values(
                kdf=json.dumps(params.to_json()),
                wrapped_secrets=secrets.wrap(derive_subkey(master, PURPOSE_WRAP)),
            ))
