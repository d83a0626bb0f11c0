"""What a sync round tells its caller: the report at the end, the progress after each page, and the
signal that stops a round cleanly between pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class SyncReport:
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0  # fields newly found in conflict by this round
    quarantined: int = 0  # revisions the server refused in this round
    refused: int = 0  # incoming revisions that failed their checks and were not stored
    errors: list[str] = field(default_factory=list)
    remaining_conflicts: int = 0  # unresolved, in total
    waiting: int = 0  # still in the outbox (pending)
    cancelled: bool = False  # stopped on request after a page; the next sync resumes there
    server_restored: bool = False  # the server had gone back to an older backup; see recover_from_restore
    requeued: int = 0  # own revisions the restored server had lost, queued and pushed again
    held_apart: int = 0  # unsent revisions of cases this user was removed from, handed to the held-apart queue
    # A coordinator's first round of the day: the team's cases erased by retention within the notice
    # period and not postponed (sync/retention.py); None when the round did not ask.
    retention_due: int | None = None
    # Enrolment only: the local profile took the account's user id (enrolling after a reset on a fresh
    # folder), so the case files given to `enrol` are locked and the caller unlocks the profile again.
    rebound: bool = False
    # Attachments (sync/blobs.py): sent whole this round, manifests newly listed here, fetched whole.
    attachments_sent: int = 0
    attachments_listed: int = 0
    attachments_fetched: int = 0


@dataclass(frozen=True)
class SyncProgress:
    """Where a sync round is, reported after each page (push batch, pull page, history page) and after
    each attachment chunk sent or fetched (phases `upload` and `download`, sync/blobs.py).
    `records_total` is known for the push (the outbox) and not for a pull (the server does not say how
    much is waiting); `bytes_done` counts the sealed bytes (nonce, ciphertext, signature) of the phase.
    For attachments, records are chunks, and `bytes_total` is known: the sealed size of what this
    round sends or fetches."""

    phase: Literal["push", "pull", "history", "upload", "download"]
    records_done: int
    records_total: int | None
    bytes_done: int
    bytes_total: int | None = None



class Cancelled(Exception):
    """Internal to a round: the caller's cancel event was set; raised only right after a page was committed."""
