"""Handing in what may no longer be pushed (issues 11 and 12): a revoked laptop, or a user removed from
a case, sends its unsent revisions to the server's held-apart queue before anything is erased, and a
coordinator of the team accepts each into the case or discards it (sync/held_apart_review.py).

A case this laptop never registered has no key on the server: its key goes along wrapped for the
organisation's recovery key (pinned at enrolment), so only the beheerder's recovery key opens it. A case
whose changes the server refused to hold, or that can't be wrapped, is kept here, never erased."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from leerrecht_core.crypto.keys import wrap_case_key
from leerrecht_core.i18n import tr
from leerrecht_core.protocol import MAX_PUSH_BATCH, RECOVERY_RECIPIENT
from leerrecht_core.protocol_held_apart import (
    HeldApartDelivery,
    HeldApartReason,
    HeldApartResponse,
    RecoveryWrap,
)
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.locked_outbox import QUARANTINED, unsent
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.transport import Transport
from leerrecht_desktop.sync.wire import to_wire

log = logging.getLogger("leerrecht_desktop.sync.engine")


class _Engine(Protocol):
    case_files: CaseFiles
    store: SyncStore
    transport: Transport


@dataclass
class HandedIn:
    """What a hand-in did: `held` revisions are in the queue (also those it held already), of which
    `from_quarantine` had been refused by a push; `kept` are the cases with a revision it could not
    hand in (case id -> the server's reason), which stay on this laptop."""

    held: int = 0
    from_quarantine: int = 0
    kept: dict[str, str] = field(default_factory=dict)


def hand_in(engine: _Engine, reason: HeldApartReason, case_ids: list[str] | None = None) -> HandedIn:
    """Send every unsent revision (of `case_ids`, or all) to the held-apart queue. Unreachable and other
    transport errors propagate before anything is noted, so the caller erases nothing and tries again."""
    items = unsent(engine.case_files.engine, case_ids)
    done = HandedIn()
    if not items:
        return done
    recovery_public = engine.store.state().recovery_public
    wraps: dict[tuple[str, int], RecoveryWrap] = {}
    sendable = []
    # One lookup per case, not per revision (an outbox holds many revisions of few cases).
    registered = {c: engine.store.registered(c) for c in {s.header.case_id for s, _ in items}}
    for sealed, state in items:
        h = sealed.header
        if not registered[h.case_id] and (h.case_id, h.key_version) not in wraps:
            if recovery_public is None:
                done.kept.setdefault(h.case_id, "no recovery key known")
                continue
            _, key = engine.case_files.case_key(h.case_id, h.key_version)
            wrapped = wrap_case_key(key, h.case_id, h.key_version, RECOVERY_RECIPIENT, recovery_public)
            wraps[(h.case_id, h.key_version)] = RecoveryWrap(
                case_id=h.case_id, key_version=h.key_version, ephemeral_public=wrapped.ephemeral_public,
                ciphertext=wrapped.ciphertext)
        sendable.append((sealed, state))
    for i in range(0, len(sendable), MAX_PUSH_BATCH):
        batch = sendable[i:i + MAX_PUSH_BATCH]
        cases = {s.header.case_id for s, _ in batch}
        answer = engine.transport.post("/held-apart", HeldApartDelivery(
            reason=reason, revisions=[to_wire(s) for s, _ in batch],
            recovery_wraps=[w for (case_id, _), w in wraps.items() if case_id in cases]), HeldApartResponse)
        states = {s.header.revision_id: (s.header.case_id, state) for s, state in batch}
        for result in answer.results:
            if result.revision_id not in states:
                continue
            case_id, state = states[result.revision_id]
            if result.status in ("held", "duplicate"):
                done.held += 1
                done.from_quarantine += state == QUARANTINED
            else:
                done.kept.setdefault(case_id, result.reason or "rejected")
        answered = {r.revision_id for r in answer.results}
        for s, _ in batch:  # a revision the server did not answer for was not held
            if s.header.revision_id not in answered:
                done.kept.setdefault(s.header.case_id, "no answer")
    log.info("handed in %d unsent revisions (%s); %d cases kept", done.held, reason, len(done.kept))
    return done


def handed_in_message(done: HandedIn, reason: HeldApartReason) -> str | None:
    """The sentence for the user, None when there was nothing to hand in."""
    parts: list[str] = []
    if done.held:
        if reason == "removed":
            parts.append(tr("Je bent uit een dossier verwijderd. {n} wijzigingen die je er nog niet had "
                            "verstuurd, zijn bij de server apart gezet; je coördinator beslist of ze in het "
                            "dossier komen.", n=done.held))
        else:
            parts.append(tr("{n} wijzigingen die deze laptop nog niet had verstuurd, zijn bij de server apart "
                            "gezet; je coördinator beslist of ze in het dossier komen.", n=done.held))
    if done.kept:
        parts.append(tr("{n} dossiers met wijzigingen die de server niet apart kon zetten, blijven op deze "
                        "laptop staan. Meld dit aan je coördinator.", n=len(done.kept)))
    return " ".join(parts) or None
