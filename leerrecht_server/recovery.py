"""`admin recover-user`: a reset user's case keys back, through the organisation's recovery key.

Runs on the server host against the database (docs/threat-model.md, "Recovery"): the recovery
key's private half is handed in by the command line's caller, held in memory for this one call and
never written anywhere. For every case the user is a member of and every key version of it, the
grant made for RECOVERY_RECIPIENT is opened, the case key wrapped again for the user's new exchange
key, and stored as the user's grant with granted_by = RECOVERY_GRANTER and an HMAC-SHA512 tag
(leerrecht_core.crypto.recovery) that the server could not have made. A new membership event per
case then makes the user's next sync fetch the case again."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine

from leerrecht_core import protocol as p
from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.crypto.keys import WrappedKey, unwrap_case_key, wrap_case_key
from leerrecht_core.crypto.recovery import public_bytes, recovery_grant_key, recovery_grant_tag
from leerrecht_server.admin import AdminError, _audit
from leerrecht_server.crud.members import add_membership
from leerrecht_server.crud.org import recovery_public
from leerrecht_server.db import SeqAllocator, read_transaction, write_transaction
from leerrecht_server.tables import audit_log, cases, key_grants, memberships, users

RECOVERY_KEY_ENV = "LEERRECHT_RECOVERY_KEY"
_NOT_A_KEY = "that is not a recovery key: expected the 64 hexadecimal digits create-recovery-key printed"


@dataclass
class Recovered:
    cases: list[str] = field(default_factory=list)  # every key version back
    # Cases (ids only) with a key version whose recovery grant is missing (the case is older than
    # the recovery key) or was made for an earlier recovery key: those versions are not back.
    incomplete: list[str] = field(default_factory=list)


def parse_recovery_key(text: str) -> X25519PrivateKey:
    """The private half exactly as create-recovery-key printed it (or the kit shows it, in groups:
    white space is ignored). The refusal never repeats what was given."""
    cleaned = "".join(text.split())
    if len(cleaned) != 64:
        raise AdminError(_NOT_A_KEY)
    try:
        raw = bytes.fromhex(cleaned)
    except ValueError:
        raise AdminError(_NOT_A_KEY) from None
    return X25519PrivateKey.from_private_bytes(raw)


def _earlier_recovery_keys(conn: Connection) -> dict[str, str]:
    """Public halves (hex) of every recovery key this server ever had, with when each was made:
    create-recovery-key audits each one as "public <hex>" (also before this command existed)."""
    made: dict[str, str] = {}
    for at, detail in conn.execute(sa.select(audit_log.c.at, audit_log.c.detail).where(
            audit_log.c.action == "create_recovery_key").order_by(audit_log.c.id)):
        public = (detail or "").removeprefix("public ").split(" ")[0]
        made[public] = at
    return made


def _check_key(conn: Connection, recovery: X25519PrivateKey) -> None:
    current = recovery_public(conn)
    if current is None:
        raise AdminError("this server has no recovery key (create-recovery-key); nothing can be recovered")
    given = public_bytes(recovery)
    if given == current:
        return
    made = _earlier_recovery_keys(conn)
    if given.hex() in made:
        raise AdminError(f"this recovery key was replaced since (it was made {made[given.hex()][:10]}); "
                         f"use the current one, made {made.get(current.hex(), '?')[:10]}")
    raise AdminError("wrong recovery key: it is not this server's recovery key (its public half does not match)")


def _awaiting_recovery(conn: Connection, username: str) -> Any:
    user = conn.execute(sa.select(users).where(users.c.username == username)).first()
    if user is None:
        raise AdminError(f"no user {username!r}")
    if user.status != "awaiting_recovery":
        raise AdminError({
            "reset": f"user {username!r} has not enrolled again yet: they enrol first with the code "
                     "reset-user gave, then run recover-user",
            "active": f"user {username!r} is active and has nothing to recover "
                      "(recover-user follows reset-user and a new enrolment)",
            "pending": f"user {username!r} has never enrolled",
            "disabled": f"user {username!r} is disabled",
        }.get(user.status, f"user {username!r} is not awaiting recovery"))
    return user


def check_recoverable(engine: Engine, username: str) -> None:
    """Refuse before the key is asked for, so nobody types it for a user it can't help."""
    with read_transaction(engine) as conn:
        _awaiting_recovery(conn, username)


def recover_user(engine: Engine, username: str, recovery: X25519PrivateKey) -> Recovered:
    """Every case key of `username` again, for their new keys. Refused with nothing changed for an
    unknown user, one who has not enrolled again after reset-user, a wrong or a replaced key."""
    with write_transaction(engine) as conn:
        seqs = SeqAllocator(conn)  # taken first, as every writer of sequence numbers does
        user = _awaiting_recovery(conn, username)
        _check_key(conn, recovery)
        user_id: str = user.user_id
        new_public = bytes(user.exchange_public)
        tag_key = recovery_grant_key(recovery, new_public, user_id)
        result = Recovered()
        member_of = sorted(set(conn.execute(sa.select(memberships.c.case_id).where(
            memberships.c.user_id == user_id, memberships.c.removed_seq.is_(None))).scalars()))
        for case_id in member_of:
            back, complete = _recover_case(conn, case_id, user_id, new_public, recovery, tag_key)
            if back:
                # A new span of access: the user's next pull sees "added" and fetches the case's
                # state (the recovered grants) and its whole history.
                add_membership(conn, case_id, user_id, seqs.take())
            (result.cases if complete else result.incomplete).append(case_id)
        seqs.flush()
        conn.execute(users.update().where(users.c.username == username).values(status="active"))
        _audit(conn, "recover_user", f"user {username} cases {len(result.cases)} incomplete {len(result.incomplete)}",
               user_id=user_id)
    return result


def _recover_case(conn: Connection, case_id: str, user_id: str, new_public: bytes, recovery: X25519PrivateKey,
                  tag_key: bytes) -> tuple[bool, bool]:
    """(any key version recovered, every key version recovered) for one case."""
    key_version = conn.execute(sa.select(cases.c.key_version).where(cases.c.case_id == case_id)).scalar_one()
    recovered = 0
    for version in range(1, key_version + 1):
        row = conn.execute(sa.select(key_grants).where(
            key_grants.c.case_id == case_id, key_grants.c.key_version == version,
            key_grants.c.recipient_id == p.RECOVERY_RECIPIENT)).first()
        if row is None:
            continue
        try:
            case_key = unwrap_case_key(WrappedKey(bytes(row.ephemeral_public), bytes(row.ciphertext)), case_id,
                                       version, p.RECOVERY_RECIPIENT, recovery)
        except CryptoError:
            continue  # wrapped for an earlier recovery key
        wrapped = wrap_case_key(case_key, case_id, version, user_id, new_public)
        tag = recovery_grant_tag(tag_key, case_id, user_id, version, wrapped.ephemeral_public, wrapped.ciphertext)
        conn.execute(key_grants.delete().where(key_grants.c.case_id == case_id, key_grants.c.key_version == version,
                                               key_grants.c.recipient_id == user_id))
        conn.execute(key_grants.insert().values(
            case_id=case_id, key_version=version, recipient_id=user_id, ephemeral_public=wrapped.ephemeral_public,
            ciphertext=wrapped.ciphertext, granted_by=p.RECOVERY_GRANTER, signature=tag))
        recovered += 1
    return recovered > 0, recovered == key_version
