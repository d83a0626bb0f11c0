"""Push (sealed revisions in, each decided on its own), pull (everything the caller may see after a
cursor) and a case's history (its whole past, for a new member)."""

from __future__ import annotations

import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter

from leerrecht_core import protocol as p
from leerrecht_server.api.access import visible_case
from leerrecht_server.api.deps import (
    CaseIdPath,
    CurrentDevice,
    Cursor,
    EngineDep,
    PageLimit,
    PushingDevice,
    SettingsDep,
)
from leerrecht_server.crud import push as push_crud
from leerrecht_server.crud import revisions as crud
from leerrecht_server.crud.audit import audit_caller
from leerrecht_server.crud.blobs import feed_high
from leerrecht_server.crud.erasure import erasure_mark
from leerrecht_server.crud.user_keys import former_signing_keys
from leerrecht_server.db import SeqAllocator, committed_high_water, read_transaction, write_transaction

router = APIRouter(prefix=p.API_PREFIX, tags=["revisions"])


def _pause_for_tests(pause_file: str | None) -> None:
    """LEERRECHT_SERVER_TEST_PAUSE_FILE: hold a push that took numbers, before it commits."""
    if not pause_file:
        return
    pause = Path(pause_file)
    if pause.exists():
        Path(str(pause) + ".reached").touch()
        while pause.exists():
            time.sleep(0.02)


@router.post("/push")
def push(body: p.PushRequest, c: PushingDevice, engine: EngineDep, settings: SettingsDep) -> p.PushResponse:
    # The user's current key, then the ones a reset retired: what a replaced laptop (or an old outbox
    # delivered by the new profile) signed before the reset is still the user's. A reset only adds
    # keys to this list, so reading it before the write lock accepts nothing the lock would refuse.
    with read_transaction(engine) as conn:
        signers = [Ed25519PublicKey.from_public_bytes(k) for k in
                   [c.signing_public, *former_signing_keys(conn, [c.user_id]).get(c.user_id, [])]]
    # The signatures are checked in parallel before the write lock is taken: no other push waits on them.
    signed = push_crud.signatures_ok(body.revisions, signers)
    with write_transaction(engine) as conn:
        # The counter lock is taken before anything is read, so heads and duplicates are
        # checked and written with no other push in between, in any process.
        seqs = SeqAllocator(conn)
        mine = crud.member_key_versions(conn, c.user_id)
        results = push_crud.push_batch(conn, body.revisions, signed, c, mine, seqs)
        accepted_cases = list(dict.fromkeys(rev.case_id for rev, r in zip(body.revisions, results, strict=True)
                                            if r.status == "accepted"))
        seqs.flush()
        audit_caller(conn, c, "push", accepted_cases or sorted({r.case_id for r in body.revisions}),
                     detail=" ".join(f"{s}={sum(r.status == s for r in results)}"
                                     for s in ("accepted", "duplicate", "conflict", "rejected")))
        if seqs.taken:
            _pause_for_tests(settings.pause_file)
    return p.PushResponse(results=results)


@router.get("/pull")
def pull(c: CurrentDevice, engine: EngineDep, after: Cursor = 0, limit: PageLimit = p.MAX_PULL_LIMIT) -> p.PullPage:
    with read_transaction(engine) as conn:
        # Read the committed high-water mark first and never serve beyond it: every number up
        # to it is committed (SeqAllocator), so revisions and membership events, read by two
        # statements, describe the same prefix of history.
        high = committed_high_water(conn)
        if after >= high:
            # Nothing new (the common case: a laptop's background sync). Answered before the
            # per-case query, whose cost grows with the caller's cases.
            return p.PullPage(revisions=[], memberships=[], next_cursor=after, more=False, high_water=high,
                              erasure_mark=erasure_mark(conn, high), attachment_mark=feed_high(conn))
        items = crud.pull_items(conn, c.user_id, after, high, limit)
        mark = erasure_mark(conn, high)
        attachments = feed_high(conn)
    page, more = items[:limit], len(items) > limit
    page_revs = [crud.to_wire(r) for _, r in page if not isinstance(r, p.MembershipEvent)]
    page_events = [r for _, r in page if isinstance(r, p.MembershipEvent)]
    if page:
        with write_transaction(engine) as conn:
            audit_caller(conn, c, "pull", [r.case_id for r in page_revs] + [e.case_id for e in page_events],
                         detail=f"after={after} revisions={len(page_revs)} events={len(page_events)}")
    return p.PullPage(revisions=page_revs, memberships=page_events,
                      next_cursor=page[-1][0] if page else after, more=more, high_water=high, erasure_mark=mark,
                      attachment_mark=attachments)


@router.get("/cases/{case_id}/history")
def history(case_id: CaseIdPath, c: CurrentDevice, engine: EngineDep, after: Cursor = 0,
            limit: PageLimit = p.MAX_PULL_LIMIT) -> p.PullPage:
    with read_transaction(engine) as conn:
        visible_case(conn, case_id, c)
        rows = crud.case_history(conn, case_id, after, committed_high_water(conn), limit)
    page, more = rows[:limit], len(rows) > limit
    if page:
        with write_transaction(engine) as conn:
            audit_caller(conn, c, "history", [case_id], detail=f"after={after} revisions={len(page)}")
    return p.PullPage(revisions=[crud.to_wire(r) for r in page], memberships=[],
                      next_cursor=int(page[-1].seq) if page else after, more=more)
