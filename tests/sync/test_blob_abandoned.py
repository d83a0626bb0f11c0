"""An upload that was begun and never completed is given up after a week by the server's sweep
(retention.sweep, `admin run-retention`): its chunks and the quota it reserved go, and nothing is lost,
because the laptop still has the attachment and, at its next round, sends it again in full; the
colleague then gets it byte for byte. A dry run only says what it would give up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest

from leerrecht_core.crypto.attachments import CHUNK_SIZE
from leerrecht_desktop.store.attachments import STATE_SYNCED, Attachments
from tests.kits.synckit import Laptop, ServerProcess, make_case
from tests.sync.test_blobs import Recording, fictitious_png, marker, opened, state_of

pytestmark = pytest.mark.slow


def backdate_uploads(server: ServerProcess, days: int) -> None:
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).isoformat(timespec="milliseconds")
    server.execute("UPDATE attachments SET created_at = ? WHERE feed_seq IS NULL", (when,))


def test_an_upload_never_completed_is_given_up_after_a_week_and_sent_again_in_full(
        pair: tuple[Laptop, Laptop], server: ServerProcess, tmp_path: Path) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=1)
    png = fictitious_png(tmp_path, marker(), size=12 * CHUNK_SIZE - 1000)  # 12 chunks: 8 + 4 per request
    info = Attachments(w1.case_files).add(case_id, png, "Fictief")
    w1.client = httpx.Client(base_url=server.url + "/v1", transport=Recording(cut_at=1))
    assert w1.sync().attachments_sent == 0
    assert server.query("SELECT count(*) FROM attachment_chunks") == [(8,)]

    # Six days old: kept (the laptop may still resume it).
    backdate_uploads(server, 6)
    assert "attachment upload" not in server.admin("run-retention")
    assert server.query("SELECT count(*) FROM attachment_chunks") == [(8,)]

    backdate_uploads(server, 8)
    dry = server.admin("run-retention", "--dry-run")
    assert "1 attachment upload(s) begun more than a week ago and never completed would be given up" in dry
    assert server.query("SELECT count(*) FROM attachment_chunks") == [(8,)]
    done = server.admin("run-retention")
    assert "1 attachment upload(s) begun more than a week ago and never completed given up" in done
    assert server.query("SELECT count(*) FROM attachments") == [(0,)]
    assert server.query("SELECT count(*) FROM attachment_chunks") == [(0,)]
    assert server.query("SELECT count(*) FROM blob_data") == [(0,)]
    assert server.query("SELECT actor FROM audit_log WHERE action = 'attachment_abandoned'") == [("retention",)]
    assert state_of(w1, info.attachment_id) == "uploading"  # the laptop still has all of it

    again = Recording()
    w1.client = httpx.Client(base_url=server.url + "/v1", transport=again)
    assert w1.sync().attachments_sent == 1
    assert again.requests == [list(range(8)), list(range(8, 12))]  # every chunk once more
    assert state_of(w1, info.attachment_id) == STATE_SYNCED
    assert coord.sync().attachments_fetched == 1 and opened(coord, info.attachment_id) == png.read_bytes()

    # A complete attachment is never given up, however old.
    server.execute("UPDATE attachments SET created_at = '2020-01-01T00:00:00.000+00:00'")
    assert "attachment upload" not in server.admin("run-retention")
    assert server.query("SELECT count(*) FROM attachment_chunks") == [(12,)]
