"""Attachments through the sync server (issue 15; leerrecht_core/protocol_blobs.py, docs/attachments.md).

When what travels, decided for a field worker's laptop on a school's Wi-Fi:

- **Sending**: in every sync round, after the records (`sync_blobs`, called once by the engine), each
  attachment made here and not yet on the server is announced, its chunks sent (eight to a request), and
  its signed manifest last, so a colleague never sees a half-sent one. The server answers the
  announcement with the chunks it holds already, so a cut upload resumes at the first missing chunk.
  State: local → uploading → synced. A refusal (the 25 MB limit, the team's quota) is the round's
  sentence for the user; the attachment stays here, local, and is offered again next round.
- **Listing**: the manifests (small: a few KiB) come with every round, from the server's attachment
  feed, each checked (its author's signature against known_keys, its tag under the case key) before
  it is kept as `remote`: the list shows its title, type and size and that it is not here yet.
- **Fetching**: after that, in the same round, the chunks of remote attachments, oldest first, up to
  BACKGROUND_BYTES per round (so a round after a colleague added forty scans does not take the
  afternoon, and a round with nothing new costs nothing); and at once when the user opens one that
  is not here yet (`fetch_attachment`, for a worker thread of the window). Every chunk is checked
  against its digest in the signed manifest before it is stored, and the whole attachment (tags,
  order, the plaintext's hash) before it counts as here (`synced`). A cut download resumes at the
  first chunk not stored.

Memory stays at a chunk or two whatever the file's size: each chunk is read from the table, sent,
and dropped; each fetched chunk is checked, stored and dropped."""

from __future__ import annotations

import logging
from collections.abc import Callable

from leerrecht_core.crypto.attachments import AttachmentHeader, Manifest, SealedManifest, refusal, sealed_size
from leerrecht_core.crypto.errors import CryptoError, TamperedAttachment
from leerrecht_core.protocol_blobs import (
    CHUNK_LENGTHS_HEADER,
    CHUNKS_PER_REQUEST,
    AttachmentFeed,
    AttachmentManifest,
    ManifestUpload,
    UploadBegin,
    UploadState,
    parse_lengths,
    split,
)
from leerrecht_desktop.store.attachment_sync import AttachmentSync
from leerrecht_desktop.store.attachments import STATE_LOCAL, STATE_REMOTE, STATE_SYNCED, STATE_UPLOADING, AttachmentInfo
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.directory import DirectorySync
from leerrecht_desktop.sync.progress import Cancelled, SyncProgress, SyncReport
from leerrecht_desktop.sync.transport import DeviceRevoked, NotFound, ServerRefused, Transport, Unreachable

__all__ = ["BACKGROUND_BYTES", "STATE_LOCAL", "STATE_REMOTE", "STATE_SYNCED", "STATE_UPLOADING",
           "fetch_attachment", "sync_blobs"]

log = logging.getLogger(__name__)

# Sealed bytes fetched in the background per round: two of the largest scans, a few seconds on a
# school's Wi-Fi. At least one attachment is fetched per round, however large.
BACKGROUND_BYTES = 50 * 1024 * 1024
# The feed's position (plaintext settings of the data folder: numbers, never personal).
FEED_AFTER_KEY = "attachment_feed_after"
FEED_SINCE_KEY = "attachment_feed_since"
# An attachment refused in the background is not fetched again by the background (it would be
# refused again); opening it tries again.
_REFUSED_KEY = "attachment_refused:"

Bytes = Callable[[int], None]


# -- the round -------------------------------------------------------------------------------------


def sync_blobs(sync: DirectorySync, report: SyncReport) -> None:
    """The attachments' part of a sync round, after the records: send, list, fetch (bounded). The
    server unreachable meanwhile ends this part with its sentence; the records are in already."""
    blobs = AttachmentSync(sync.case_files)
    try:
        _send_all(sync, blobs, report)
        _list_new(sync, blobs, report)
        _fetch_some(sync, blobs, report)
    except Unreachable as exc:
        report.errors.append(str(exc))


def _progress(sync: DirectorySync, phase: str, done: list[int], total: list[int]) -> Bytes:
    """A per-chunk callback that reports the phase's progress and honours a cancel between chunks."""

    def on_chunk(nbytes: int) -> None:
        done[0] += 1
        done[1] += nbytes
        if sync._progress is not None:
            sync._progress(SyncProgress(phase, done[0], total[0], done[1], total[1]))  # type: ignore[arg-type]
        if sync._cancel is not None and sync._cancel.is_set():
            raise Cancelled

    return on_chunk


def _refused_here(report: SyncReport, exc: Exception) -> None:
    report.refused += 1
    report.errors.append(str(exc))


# -- sending ---------------------------------------------------------------------------------------


def _send_all(sync: DirectorySync, blobs: AttachmentSync, report: SyncReport) -> None:
    waiting = [a for a in blobs.unsent() if sync.store.registered(blobs.case_of(a) or "")]
    if not waiting:
        return
    outgoing = [blobs.outgoing(a) for a in waiting]
    on_chunk = _progress(sync, "upload", [0, 0], [sum(o.chunk_count for o in outgoing),
                                                  sum(o.sealed_size for o in outgoing)])
    for out in outgoing:
        try:
            send(sync.transport, blobs, out.sealed.header.attachment_id, on_chunk)
        except ServerRefused as exc:
            if isinstance(exc, DeviceRevoked):
                raise
            # The sentence (too large, over quota, no access) for the user; it stays here, local.
            report.errors.append(str(exc))
            blobs.set_state(out.sealed.header.attachment_id, STATE_LOCAL)
            continue
        report.attachments_sent += 1


def send(transport: Transport, blobs: AttachmentSync, attachment_id: str, on_chunk: Bytes | None = None) -> None:
    """Send one attachment: announce it, send the chunks the server does not hold, then the manifest."""
    out = blobs.outgoing(attachment_id)
    h = out.sealed.header
    state = transport.post("/attachments", UploadBegin(
        attachment_id=h.attachment_id, case_id=h.case_id, key_version=h.key_version, author_id=h.author_id,
        chunk_count=out.chunk_count, sealed_size=out.sealed_size), UploadState)
    if not state.complete:
        blobs.set_state(attachment_id, STATE_UPLOADING)
        for run in _runs([i for i in range(out.chunk_count) if i not in set(state.received)]):
            parts = [blobs.chunk_bytes(attachment_id, i) for i in run]
            transport.put_bytes(f"/attachments/{attachment_id}/chunks/{run[0]}", b"".join(parts),
                                {CHUNK_LENGTHS_HEADER: ",".join(str(len(part)) for part in parts)})
            if on_chunk is not None:
                for part in parts:
                    on_chunk(len(part))
            del parts
        transport.post(f"/attachments/{attachment_id}/manifest", ManifestUpload(
            nonce=out.sealed.nonce, sealed_manifest=out.sealed.ciphertext, signature=out.sealed.signature),
            UploadState)
    blobs.set_state(attachment_id, STATE_SYNCED)


# -- listing ---------------------------------------------------------------------------------------


def _setting(case_files: CaseFiles, key: str) -> int:
    value = case_files.workspace.setting(key, "")
    return int(value) if value.isdigit() else 0


def _list_new(sync: DirectorySync, blobs: AttachmentSync, report: SyncReport) -> None:
    """Read the feed from this laptop's position; keep each new manifest that passes its check. The
    position moves only when every manifest was decided (kept or refused): one that waits for a key
    this laptop does not have yet comes again next round."""
    case_files = sync.case_files
    after, since = _setting(case_files, FEED_AFTER_KEY), _setting(case_files, FEED_SINCE_KEY)
    mark = getattr(sync, "attachment_mark", None)
    if mark is not None and mark <= after and sync.store.state().cursor <= since:
        # Nothing completed since this laptop's last pass, and the pull brought nothing new (so no case
        # newly shared): a round with nothing new stays one request, the pull.
        return
    pos, first, complete = 0, None, True
    while True:
        page = sync.transport.get("/attachments/feed", AttachmentFeed,
                                  params={"after": after, "since": since, "pos": pos})
        first = first or page
        known = blobs.known([m.attachment_id for m in page.manifests]) if page.manifests else set()
        new = [m for m in page.manifests if m.attachment_id not in known]
        if new:
            complete = _keep(sync, blobs, new, report) and complete
        if not page.more:
            break
        pos = page.next_pos
    if complete and (first.high, first.mark) != (after, since):
        case_files.workspace.set_setting(FEED_AFTER_KEY, str(first.high))
        case_files.workspace.set_setting(FEED_SINCE_KEY, str(first.mark))


def _keep(sync: DirectorySync, blobs: AttachmentSync, manifests: list[AttachmentManifest],
          report: SyncReport) -> bool:
    if not sync._directory_fresh and any(sync.store.known_keys(m.author_id) is None for m in manifests):
        sync.refresh_directory(report)
    missing = sorted({m.case_id for m in manifests if not sync.store.has_key(m.case_id, m.key_version)})
    if missing:
        sync.fetch_cases(missing, report)
    decided = True
    for m in manifests:
        header = AttachmentHeader(m.attachment_id, m.case_id, m.key_version, m.author_id)
        try:
            blobs.keep_manifest(SealedManifest(header, m.nonce, m.sealed_manifest, m.signature))
        except CaseNotFound:
            decided = False  # no key for it (yet): asked again next round
            continue
        except CryptoError as exc:
            # An unknown author is refused as a record of theirs is (TamperedRecord), a bad manifest too.
            log.warning("an attachment's manifest from the server was refused")
            _refused_here(report, exc)
            continue
        report.attachments_listed += 1
    return decided


# -- fetching --------------------------------------------------------------------------------------


def _fetch_some(sync: DirectorySync, blobs: AttachmentSync, report: SyncReport) -> None:
    workspace = sync.case_files.workspace
    chosen: list[Manifest] = []
    budget = BACKGROUND_BYTES
    for attachment_id in blobs.remote():
        if budget <= 0:
            break
        if workspace.setting(_REFUSED_KEY + attachment_id, ""):
            continue
        manifest, _ = blobs.manifest(attachment_id)
        chosen.append(manifest)
        budget -= sealed_size(manifest.total_size, manifest.chunk_size)
    if not chosen:
        return
    on_chunk = _progress(sync, "download", [0, 0], [sum(m.chunk_count for m in chosen),
                                                    sum(sealed_size(m.total_size, m.chunk_size) for m in chosen)])
    for manifest in chosen:
        try:
            fetch(sync.transport, blobs, manifest, on_chunk)
        except TamperedAttachment as exc:
            workspace.set_setting(_REFUSED_KEY + manifest.header.attachment_id, "1")
            _refused_here(report, exc)
            continue
        report.attachments_fetched += 1


def fetch(transport: Transport, blobs: AttachmentSync, manifest: Manifest, on_chunk: Bytes | None = None) -> None:
    """Fetch the chunks of an attachment not stored yet, each checked before it is stored, then check
    the whole and mark it synced. TamperedAttachment when the server lost or changed a chunk."""
    attachment_id = manifest.header.attachment_id
    present = blobs.present(attachment_id)
    for run in _runs([i for i in range(manifest.chunk_count) if i not in present]):
        try:
            answer = transport.get_bytes(f"/attachments/{attachment_id}/chunks/{run[0]}", {"count": len(run)})
        except NotFound:
            raise refusal(manifest.header, "missing chunk") from None
        lengths = parse_lengths(answer.headers.get(CHUNK_LENGTHS_HEADER), len(answer.content), len(run))
        if lengths is None:
            raise refusal(manifest.header, "chunk size")
        # The chunks the server sent, each checked against the signed manifest before it is stored; a
        # shorter answer (the server lacks the next chunk) is followed by a request for that one.
        parts = split(answer.content, lengths)
        del answer
        blobs.keep_chunks(manifest, run[0], parts)
        if on_chunk is not None:
            for part in parts:
                on_chunk(len(part))
        if len(parts) < len(run):
            fetch(transport, blobs, manifest, on_chunk)
            return
        del parts
    blobs.settle(manifest)


def _runs(indices: list[int]) -> list[list[int]]:
    """Consecutive indices in groups of at most CHUNKS_PER_REQUEST (one request each)."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and runs[-1][-1] == i - 1 and len(runs[-1]) < CHUNKS_PER_REQUEST:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def fetch_attachment(case_files: CaseFiles, attachment_id: str,
                     progress: Callable[[int, int], None] | None = None, *,
                     transport: Transport | None = None) -> AttachmentInfo:
    """Fetch one attachment now (the user opened one that is not here yet), for a worker thread:
    `progress(bytes_done, bytes_total)` after each chunk. Returns its info, state synced. Raises
    TamperedAttachment (the server lost or changed it), a SyncError (offline, no access), or
    CaseNotFound (no such attachment here), each with its sentence."""
    blobs = AttachmentSync(case_files)
    manifest, state = blobs.manifest(attachment_id)
    if state != STATE_REMOTE:
        return blobs.info(attachment_id)
    own = transport is None
    if transport is None:
        sync_state = SyncStore(case_files).state()
        transport = Transport(sync_state.server_url, token=sync_state.device_token,
                              pinned_sha256=sync_state.pinned_sha256)
    total = sealed_size(manifest.total_size, manifest.chunk_size)
    done = [blobs.present_bytes(attachment_id)]

    def on_chunk(nbytes: int) -> None:
        done[0] += nbytes
        if progress is not None:
            progress(done[0], total)

    try:
        fetch(transport, blobs, manifest, on_chunk)
    finally:
        if own:
            transport.close()
    case_files.workspace.set_setting(_REFUSED_KEY + attachment_id, "")
    return blobs.info(attachment_id)

