"""Attachments between two laptops through a real server process (issue 15, sync/blobs.py): byte for byte,
through the database store and the directory store; a chunk the server changed, lost or cut short is
refused on the laptop; a cut upload resumes with the chunks not sent; the 25 MB limit and the team's
quota each reach the laptop as their Dutch sentence; nothing of the file is in the clear anywhere; a
colleague who is not a member of the case gets nothing."""

from __future__ import annotations

import io
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from leerrecht_core.crypto.attachments import CHUNK_SIZE, MAX_SIZE
from leerrecht_core.crypto.errors import TamperedAttachment
from leerrecht_core.protocol_blobs import CHUNK_LENGTHS_HEADER
from leerrecht_desktop.store import attachments as store_attachments
from leerrecht_desktop.store.attachments import (
    STATE_LOCAL,
    STATE_REMOTE,
    STATE_SYNCED,
    Attachments,
    NotHereYet,
)
from leerrecht_desktop.store.errors import CaseNotFound
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync import blobs
from leerrecht_desktop.sync.blobs import fetch_attachment
from leerrecht_desktop.sync.transport import Transport
from tests.kits.storekit import files_containing, text_forms
from tests.kits.synckit import Laptop, ServerProcess, enrolled, make_case, running_server
from tests.server.conftest import pg_schema

pytestmark = pytest.mark.slow

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def marker() -> bytes:
    return f"FictiefBlobMerk{uuid.uuid4().hex[:10]}".encode()


def fictitious_png(folder: Path, mark: bytes, size: int = 900_000) -> Path:
    """A PNG by its first bytes, several chunks long, with the marker between random bytes."""
    path = folder / f"scan-{uuid.uuid4().hex[:6]}.png"
    half = (size - len(PNG_MAGIC) - len(mark)) // 2
    path.write_bytes(PNG_MAGIC + os.urandom(half) + mark + os.urandom(size - len(PNG_MAGIC) - len(mark) - half))
    return path


def team(server: ServerProcess, tmp_path: Path) -> tuple[Laptop, Laptop]:
    server.admin("create-team", "Noord")
    w1 = enrolled(server, tmp_path / "w1", "werker1", "Fictieve Werker Een", "netsterk", "Noord")
    coord = enrolled(server, tmp_path / "coord", "coord", "Fictieve Coordinator", "coordinator", "Noord")
    return w1, coord


@pytest.fixture(params=["database", "directory"])
def server(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    if request.param == "directory":
        monkeypatch.setenv("LEERRECHT_SERVER_BLOB_STORE", "directory")
        monkeypatch.setenv("LEERRECHT_SERVER_BLOB_DIR", str(tmp_path / "server" / "blobs"))
    with running_server(tmp_path / "server") as proc:
        yield proc


@pytest.fixture
def pair(server: ServerProcess, tmp_path: Path) -> Iterator[tuple[Laptop, Laptop]]:
    w1, coord = team(server, tmp_path)
    yield w1, coord
    w1.close()
    coord.close()


def state_of(laptop: Laptop, attachment_id: str) -> str:
    return Attachments(laptop.case_files).info(attachment_id).state


def opened(laptop: Laptop, attachment_id: str) -> bytes:
    sink = io.BytesIO()
    Attachments(laptop.case_files).open_to(attachment_id, sink)
    return sink.getvalue()


def test_an_attachment_goes_from_one_laptop_to_another_byte_identical(
        pair: tuple[Laptop, Laptop], server: ServerProcess, tmp_path: Path) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=1)
    mark = marker()
    png = fictitious_png(tmp_path, mark)
    info = Attachments(w1.case_files).add(case_id, png, "Fictieve scan van het rapport")
    assert info.state == STATE_LOCAL

    report = w1.sync()
    assert report.attachments_sent == 1 and report.errors == []
    assert state_of(w1, info.attachment_id) == STATE_SYNCED
    assert server.query("SELECT chunk_count, feed_seq IS NOT NULL FROM attachments") == [(4, 1)]

    progress: list[tuple[str, int, int | None]] = []
    got = coord.engine().sync_once(progress=lambda p: progress.append((p.phase, p.bytes_done, p.bytes_total)))
    assert got.attachments_listed == 1 and got.attachments_fetched == 1 and got.errors == []
    downloads = [p for p in progress if p[0] == "download"]
    assert len(downloads) == 4 and downloads[-1][1] == downloads[-1][2]  # one per chunk, to the last byte
    (listed,) = Attachments(coord.case_files).list(case_id)
    assert (listed.title, listed.size, listed.media_type, listed.state) == (
        "Fictieve scan van het rapport", png.stat().st_size, "image/png", STATE_SYNCED)
    # The coordinator's list says who added it: the name the author signed into the manifest.
    assert (listed.added_by_id, listed.added_by_name) == (w1.case_files.user.user_id, w1.case_files.user.name)
    assert listed.added_by_name and listed.added_by_name != coord.case_files.user.name
    assert opened(coord, info.attachment_id) == png.read_bytes()

    # A round with nothing new lists and fetches nothing.
    again = coord.sync()
    assert (again.attachments_listed, again.attachments_fetched, again.attachments_sent) == (0, 0, 0)

    # Nothing of the file in the clear: not on either laptop, not on the server (database, blob files).
    needles = [mark, png.read_bytes()[len(PNG_MAGIC):len(PNG_MAGIC) + 32], *text_forms("Fictieve scan van het rapport"),
               *text_forms(png.name)]
    for laptop in (w1, coord):
        laptop.case_files.checkpoint()
        assert files_containing(laptop.data_dir, needles) == []
    assert files_containing(server.folder, needles) == []
    blob_files = [p for p in (server.folder / "blobs").rglob("*") if p.is_file()]
    stored_rows = server.query("SELECT count(*) FROM blob_data")
    # The store chosen holds the chunks, the other nothing.
    assert (len(blob_files), stored_rows) in ((4, [(0,)]), (0, [(4,)]))


def test_before_it_is_fetched_a_colleague_sees_it_listed_as_remote_and_fetches_it_on_demand(
        pair: tuple[Laptop, Laptop], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=1)
    png = fictitious_png(tmp_path, marker(), size=600_000)
    info = Attachments(w1.case_files).add(case_id, png, "Fictieve foto")
    w1.sync()
    monkeypatch.setattr(blobs, "BACKGROUND_BYTES", 0)  # no background fetch this round
    report = coord.sync()
    assert report.attachments_listed == 1 and report.attachments_fetched == 0
    (listed,) = Attachments(coord.case_files).list(case_id)
    assert (listed.state, listed.title, listed.size) == (STATE_REMOTE, "Fictieve foto", png.stat().st_size)
    with pytest.raises(NotHereYet):
        opened(coord, info.attachment_id)

    seen: list[tuple[int, int]] = []
    fetched = fetch_attachment(coord.case_files, info.attachment_id, lambda done, total: seen.append((done, total)))
    assert fetched.state == STATE_SYNCED and opened(coord, info.attachment_id) == png.read_bytes()
    assert len(seen) == 3 and seen[-1][0] == seen[-1][1] and all(t == seen[0][1] for _, t in seen)


def _server_chunk(server: ServerProcess, attachment_id: str, index: int) -> tuple[str, Path | None]:
    blob_dir = server.folder / "blobs"
    if blob_dir.exists():
        return "file", blob_dir / attachment_id[:2] / attachment_id / str(index)
    return "row", None


def _change_chunk(server: ServerProcess, attachment_id: str, index: int, how: str) -> None:
    kind, path = _server_chunk(server, attachment_id, index)
    if kind == "file":
        assert path is not None
        data = path.read_bytes()
        if how == "flip":
            path.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
        elif how == "drop":
            path.unlink()
        else:
            path.write_bytes(data[:-500])
        return
    with closing(sqlite3.connect(server.db_path)) as conn, conn:
        if how == "flip":
            (data,) = conn.execute("SELECT data FROM blob_data WHERE attachment_id = ? AND chunk_index = ?",
                                   (attachment_id, index)).fetchone()
            changed = data[:100] + bytes([data[100] ^ 1]) + data[101:]
            conn.execute("UPDATE blob_data SET data = ? WHERE attachment_id = ? AND chunk_index = ?",
                         (changed, attachment_id, index))
        elif how == "drop":
            conn.execute("DELETE FROM blob_data WHERE attachment_id = ? AND chunk_index = ?", (attachment_id, index))
        else:
            conn.execute("UPDATE blob_data SET data = substr(data, 1, length(data) - 500) "
                         "WHERE attachment_id = ? AND chunk_index = ?", (attachment_id, index))


@pytest.mark.parametrize(("how", "index", "reason"), [("flip", 1, "chunk digest"), ("drop", 1, "missing chunk"),
                                                      ("truncate", 2, "chunk digest")])
def test_a_chunk_changed_lost_or_cut_short_on_the_server_is_refused_on_the_laptop(
        pair: tuple[Laptop, Laptop], server: ServerProcess, tmp_path: Path, how: str, index: int, reason: str) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=1)
    info = Attachments(w1.case_files).add(case_id, fictitious_png(tmp_path, marker(), size=600_000), "Fictief")
    w1.sync()
    _change_chunk(server, info.attachment_id, index, how)

    report = coord.sync()
    assert report.attachments_listed == 1 and report.attachments_fetched == 0 and report.refused == 1
    assert any(e.startswith("Een bijlage is gewijzigd buiten de app of beschadigd") for e in report.errors)
    assert state_of(coord, info.attachment_id) == STATE_REMOTE
    with pytest.raises(NotHereYet):
        opened(coord, info.attachment_id)
    with pytest.raises(TamperedAttachment) as refused:
        fetch_attachment(coord.case_files, info.attachment_id)
    assert refused.value.reason == reason
    assert state_of(coord, info.attachment_id) == STATE_REMOTE
    # Not fetched again in the background (it would be refused again); opening tries again.
    assert coord.sync().refused == 0


class Recording(httpx.BaseTransport):
    """A real HTTP transport that notes the chunks of every upload request, and cuts the connection at
    the n-th such request."""

    def __init__(self, cut_at: int | None = None):
        self.inner = httpx.HTTPTransport()
        self.cut_at = cut_at
        self.requests: list[list[int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and "/chunks/" in request.url.path:
            if self.cut_at is not None and len(self.requests) == self.cut_at:
                raise httpx.ConnectError("cut", request=request)
            first = int(request.url.path.rsplit("/", 1)[1])
            count = len(request.headers[CHUNK_LENGTHS_HEADER].split(","))
            self.requests.append(list(range(first, first + count)))
        return self.inner.handle_request(request)


def test_an_upload_cut_halfway_resumes_with_only_the_chunks_not_sent(pair: tuple[Laptop, Laptop], server: ServerProcess,
                                                                     tmp_path: Path) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=1)
    png = fictitious_png(tmp_path, marker(), size=20 * CHUNK_SIZE - 1000)  # 20 chunks: 8 + 8 + 4 per request
    info = Attachments(w1.case_files).add(case_id, png, "Fictief")

    cut = Recording(cut_at=1)
    w1.client = httpx.Client(base_url=server.url + "/v1", transport=cut)
    report = w1.sync()
    assert cut.requests == [list(range(8))] and report.attachments_sent == 0
    assert any("niet bereikbaar" in e for e in report.errors)
    assert state_of(w1, info.attachment_id) == "uploading"
    assert server.query("SELECT count(*) FROM attachment_chunks") == [(8,)]
    assert server.query("SELECT feed_seq FROM attachments") == [(None,)]
    # Half-uploaded: listed to nobody.
    assert coord.sync().attachments_listed == 0

    resumed = Recording()
    w1.client = httpx.Client(base_url=server.url + "/v1", transport=resumed)
    assert w1.sync().attachments_sent == 1
    assert resumed.requests == [list(range(8, 16)), list(range(16, 20))]
    assert state_of(w1, info.attachment_id) == STATE_SYNCED
    assert coord.sync().attachments_fetched == 1 and opened(coord, info.attachment_id) == png.read_bytes()


def test_over_the_quota_the_laptop_says_so_in_dutch_and_keeps_it(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEERRECHT_SERVER_TEAM_QUOTA_MB", "1")
    with running_server(tmp_path / "server") as server:
        w1, coord = team(server, tmp_path)
        case_id = make_case(w1.case_files, notes=1)
        first = Attachments(w1.case_files).add(case_id, fictitious_png(tmp_path, marker(), size=600_000), "Een")
        second = Attachments(w1.case_files).add(case_id, fictitious_png(tmp_path, marker(), size=600_000), "Twee")
        report = w1.sync()
        assert report.attachments_sent == 1
        assert report.errors == ["De server heeft geen plaats meer voor de bijlagen van je team. De bijlage blijft op "
                                 "deze laptop en wordt verstuurd zodra er plaats is; vraag je coördinator om oude "
                                 "bijlagen te laten wissen of meer plaats te vragen aan de beheerder."]
        states = {state_of(w1, a.attachment_id) for a in (first, second)}
        assert states == {STATE_SYNCED, STATE_LOCAL}
        assert server.query("SELECT count(*) FROM attachments") == [(1,)]
        w1.close()
        coord.close()


def test_over_25_mb_the_server_refuses_and_the_laptop_says_so_in_dutch(
        pair: tuple[Laptop, Laptop], server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w1, _ = pair
    case_id = make_case(w1.case_files, notes=1)
    # A laptop that would let a larger file in (an older or altered app): the server still refuses it.
    monkeypatch.setattr(store_attachments, "MAX_SIZE", MAX_SIZE + 4 * CHUNK_SIZE)
    big = fictitious_png(tmp_path, marker(), size=MAX_SIZE + CHUNK_SIZE)
    info = Attachments(w1.case_files).add(case_id, big, "Te groot")
    report = w1.sync()
    assert report.attachments_sent == 0
    assert report.errors == ["De server neemt deze bijlage niet aan: ze is groter dan 25 MB. Ze blijft op deze "
                             "laptop; verdeel de scan over kleinere bestanden."]
    assert state_of(w1, info.attachment_id) == STATE_LOCAL
    assert server.query("SELECT count(*) FROM attachments") == [(0,)]


def test_a_colleague_who_is_not_a_member_gets_nothing(pair: tuple[Laptop, Laptop], server: ServerProcess,
                                                      tmp_path: Path) -> None:
    w1, _ = pair
    other = enrolled(server, tmp_path / "w2", "werker2", "Fictieve Werker Twee", "netsterk", "Noord")
    case_id = make_case(w1.case_files, notes=1)
    info = Attachments(w1.case_files).add(case_id, fictitious_png(tmp_path, marker(), size=300_000), "Fictief")
    w1.sync()
    report = other.sync()
    assert report.attachments_listed == 0 and Attachments(other.case_files).list(case_id) == []
    state = SyncStore(other.case_files).state()
    with httpx.Client(base_url=server.url + "/v1", headers={"Authorization": f"Bearer {state.device_token}"}) as http:
        assert http.get(f"/attachments/{info.attachment_id}/chunks/0").status_code == 404
        assert http.get("/attachments/feed").json()["manifests"] == []
        begin = {"attachment_id": str(uuid.uuid4()), "case_id": case_id, "key_version": 1,
                 "author_id": other.user_id, "chunk_count": 1, "sealed_size": 100}
        assert http.post("/attachments", json=begin).status_code == 404
        assert http.put(f"/attachments/{info.attachment_id}/chunks/0", content=b"x" * 100).status_code == 404
    other.close()


def test_erasing_the_case_erases_its_attachments_on_the_server(pair: tuple[Laptop, Laptop], server: ServerProcess,
                                                                tmp_path: Path) -> None:
    from leerrecht_desktop.sync.erasure import erase_everywhere

    w1, coord = pair
    case_id = make_case(w1.case_files, notes=1)
    info = Attachments(w1.case_files).add(case_id, fictitious_png(tmp_path, marker(), size=300_000), "Fictief")
    w1.sync()
    coord.sync()
    engine = coord.engine()
    try:
        erase_everywhere(engine, case_id, "Fictieve reden")
    finally:
        engine.transport.close()
    assert server.query("SELECT count(*) FROM attachments") == [(0,)]
    assert server.query("SELECT count(*) FROM attachment_chunks") == [(0,)]
    assert server.query("SELECT count(*) FROM blob_data") == [(0,)]
    assert not [p for p in (server.folder / "blobs").rglob("*") if p.is_file()]
    w1.sync()
    with pytest.raises(CaseNotFound):
        Attachments(w1.case_files).info(info.attachment_id)


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from pg_schema()


def test_on_postgresql_the_chunks_are_bytea_and_hold_nothing_in_the_clear(tmp_path: Path, pg_url: str) -> None:
    proc = ServerProcess(tmp_path / "server", db_url=pg_url)
    proc.start()
    try:
        w1, coord = team(proc, tmp_path)
        case_id = make_case(w1.case_files, notes=1)
        mark = marker()
        png = fictitious_png(tmp_path, mark, size=600_000)
        info = Attachments(w1.case_files).add(case_id, png, "Fictief")
        w1.sync()
        assert coord.sync().attachments_fetched == 1 and opened(coord, info.attachment_id) == png.read_bytes()
        rows: Callable[[str], list[tuple[object, ...]]] = proc.query
        for (data,) in rows("SELECT data FROM blob_data"):
            assert mark not in bytes(data)  # type: ignore[arg-type]
        for (manifest,) in rows("SELECT sealed_manifest FROM attachments"):
            assert b"Fictief" not in bytes(manifest)  # type: ignore[arg-type]
        assert len(rows("SELECT data FROM blob_data")) == 3
        w1.close()
        coord.close()
    finally:
        proc.stop()


def test_a_transport_can_be_given_to_fetch_attachment(pair: tuple[Laptop, Laptop], server: ServerProcess,
                                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=1)
    png = fictitious_png(tmp_path, marker(), size=300_000)
    info = Attachments(w1.case_files).add(case_id, png, "Fictief")
    w1.sync()
    monkeypatch.setattr(blobs, "BACKGROUND_BYTES", 0)
    coord.sync()
    state = SyncStore(coord.case_files).state()
    with Transport(state.server_url, token=state.device_token) as transport:
        assert fetch_attachment(coord.case_files, info.attachment_id, transport=transport).state == STATE_SYNCED
    assert opened(coord, info.attachment_id) == png.read_bytes()


def test_sending_and_fetching_25_mb_holds_a_few_chunks_in_memory_not_the_file(
        pair: tuple[Laptop, Laptop], server: ServerProcess, tmp_path: Path) -> None:
    import tracemalloc

    w1, coord = pair
    case_id = make_case(w1.case_files, notes=1)
    big = fictitious_png(tmp_path, marker(), size=MAX_SIZE)
    info = Attachments(w1.case_files).add(case_id, big, "Groot")
    peaks = []
    for laptop in (w1, coord):
        tracemalloc.start()
        try:
            laptop.sync()
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert state_of(coord, info.attachment_id) == STATE_SYNCED
    # A request's eight chunks (2 MiB) and their copies, far from the file's 25 MiB.
    assert max(peaks) < 8 * 1024 * 1024, peaks
