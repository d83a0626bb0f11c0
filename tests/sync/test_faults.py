"""Conflicts and faults against a real server process: concurrent edits merge and converge; a push whose
answer was lost is retried without storing anything twice; a pull cut mid-way resumes; the server killed
in the middle of a push loses nothing; a record altered in the server's database is refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.account import enrol
from leerrecht_desktop.sync.engine import SyncReport
from leerrecht_desktop.sync.transport import EnrolmentInvalid, Transport, Unreachable, refusal
from tests.kits.synckit import DAY, PASSPHRASE, Laptop, ServerProcess, enrolled, make_case, new_profile, snapshot

pytestmark = pytest.mark.slow


class Faulty(httpx.BaseTransport):
    """A real HTTP transport that fails chosen requests: `before` drops the request, `after` lets the
    server handle it and loses the answer."""

    def __init__(self, fail: Callable[[httpx.Request, int], str | None]):
        self.inner = httpx.HTTPTransport()
        self.fail = fail
        self.calls: dict[str, int] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls[path] = self.calls.get(path, 0) + 1
        when = self.fail(request, self.calls[path])
        if when == "before":
            raise httpx.ConnectError("cut", request=request)
        response = self.inner.handle_request(request)
        if when == "after":
            response.read()
            raise httpx.ReadError("answer lost", request=request)
        return response


def faulty_client(server: ServerProcess, fail: Callable[[httpx.Request, int], str | None]) -> httpx.Client:
    return httpx.Client(base_url=server.url + "/v1", transport=Faulty(fail))


def server_revision_counts(server: ServerProcess) -> tuple[int, int]:
    ((total, distinct),) = server.query("SELECT count(*), count(DISTINCT revision_id) FROM revisions")
    return int(total), int(distinct)


def test_concurrent_edits_merge_and_every_device_converges(pair: tuple[Laptop, Laptop]) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=1)
    w1.sync()
    coord.sync()
    profile_id = w1.case_files.load_case(case_id).profile.record_id

    mine = w1.case_files.load_case(case_id).content
    mine.school, mine.class_name = "Fictieve School West", "5B"
    w1.case_files.save(case_id, mine, record_id=profile_id, today=DAY)
    theirs = coord.case_files.load_case(case_id).content
    theirs.school, theirs.address = "Fictieve School Oost", "Verzonnenlaan 9, 2800 Mechelen"
    coord.case_files.save(case_id, theirs, record_id=profile_id, today=DAY)

    assert w1.sync().pushed == 1
    merged = coord.sync()
    assert merged.conflicts == 1 and merged.remaining_conflicts == 1 and merged.errors == []
    w1.sync()
    coord.sync()
    a, b = snapshot(w1.case_files, case_id), snapshot(coord.case_files, case_id)
    assert a == b
    assert a["profile"]["class_name"] == "5B" and a["profile"]["address"].startswith("Verzonnenlaan")
    assert a["profile"]["school"] in {"Fictieve School West", "Fictieve School Oost"}
    (conflict,) = SyncStore(coord.case_files).conflicts(case_id)
    (field,) = conflict.details["conflicts"]
    assert field["path"] == "school"
    assert {field["mine"], field["theirs"]} == {"Fictieve School West", "Fictieve School Oost"}


@pytest.mark.parametrize("stale", ["Fictief 6C", "Fictief 7D"], ids=["same-as-reverted", "different"])
def test_a_stale_edit_never_silently_undoes_a_change_the_server_made_and_reverted(
    pair: tuple[Laptop, Laptop], stale: str,
) -> None:
    # The coordinator changes the class to 6C and sets it back while the worker, offline, changes it too.
    # Merged against the server's head alone, the server's side looks unchanged and the stale value would
    # win silently. Merged revision by revision: the worker's 6C met the coordinator's own 6C, which the
    # coordinator then reverted knowingly (the revert stands); a different value is shown as a conflict.
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=1)
    w1.sync()
    coord.sync()
    profile_id = w1.case_files.load_case(case_id).profile.record_id
    original = coord.case_files.load_case(case_id).content.class_name

    for value in ("Fictief 6C", original):
        theirs = coord.case_files.load_case(case_id).content
        theirs.class_name = value
        coord.case_files.save(case_id, theirs, record_id=profile_id, today=DAY)
        coord.sync()
    mine = w1.case_files.load_case(case_id).content
    mine.class_name = stale  # the worker's copy never saw either change
    w1.case_files.save(case_id, mine, record_id=profile_id, today=DAY)

    report = w1.sync()
    assert report.errors == [] and report.waiting == 0
    coord.sync()
    final = snapshot(w1.case_files, case_id)
    assert final == snapshot(coord.case_files, case_id)
    shown = [f for c in SyncStore(w1.case_files).conflicts(case_id) for f in c.details["conflicts"]
             if f["path"] == "class_name"]
    if stale == "Fictief 6C":
        assert final["profile"]["class_name"] == original and shown == []
    else:
        assert shown and any(stale in (f["mine"], f["theirs"]) for f in shown)


def test_a_pulled_revision_of_a_record_with_unsent_edits_is_merged(pair: tuple[Laptop, Laptop]) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=1)
    w1.sync()
    coord.sync()
    note_id = w1.case_files.load_case(case_id).entries[0].record_id
    w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief van werker", action="Bellen"),
                       record_id=note_id, today=DAY)
    w1.sync()
    coord.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief van coordinator"),
                          record_id=note_id, today=DAY)
    # Pull before pushing (a push that failed, a sync cut short): the pulled revision meets an unsent one.
    engine = coord.engine()
    report = SyncReport()
    engine.refresh_directory(report)
    engine.pull(report)
    assert report.conflicts == 1 and report.errors == []
    assert SyncStore(coord.case_files).pending_count() == 1  # the merge, based on the server's revision
    coord.sync()
    w1.sync()
    assert snapshot(w1.case_files, case_id) == snapshot(coord.case_files, case_id)
    merged = snapshot(w1.case_files, case_id)["entries"][note_id]
    assert merged["action"] == "Bellen"  # changed on one side only: kept
    assert merged["text"] in {"Fictief van werker", "Fictief van coordinator"}


def test_a_sync_with_nothing_new_is_one_round_trip(server: ServerProcess, pair: tuple[Laptop, Laptop]) -> None:
    w1, coord = pair
    for _ in range(3):
        make_case(w1.case_files, notes=2)
    w1.sync()
    coord.sync()
    transport = Faulty(lambda req, n: None)
    coord.client = httpx.Client(base_url=server.url + "/v1", transport=transport)
    report = coord.sync()
    assert (report.pushed, report.pulled) == (0, 0)
    assert transport.calls == {"/v1/pull": 1}


def test_a_push_retried_after_a_lost_answer_is_stored_once(server: ServerProcess, pair: tuple[Laptop, Laptop]) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=3)
    w1.client = faulty_client(server, lambda req, n: "after" if req.url.path.endswith("/push") and n == 1 else None)
    with pytest.raises(Unreachable):
        w1.sync()
    assert SyncStore(w1.case_files).pending_count() == 4  # the server has them, the laptop doesn't know
    report = w1.sync()
    assert report.pushed == 4 and report.waiting == 0
    assert server_revision_counts(server) == (4, 4)
    coord.sync()
    assert snapshot(coord.case_files, case_id) == snapshot(w1.case_files, case_id)


@pytest.mark.parametrize(("cut", "nth"), [("before", 2), ("after", 2), ("after", 1)])
def test_a_pull_cut_mid_way_resumes_without_skipping(server: ServerProcess, pair: tuple[Laptop, Laptop],
                                                     cut: str, nth: int) -> None:
    w1, coord = pair
    cases = [make_case(w1.case_files, notes=2) for _ in range(3)]
    w1.sync()
    coord.client = faulty_client(server, lambda req, n: cut if req.url.path.endswith("/pull") and n == nth
                                 else None)
    with pytest.raises(Unreachable):
        coord.sync(page_size=4)
    cursor = SyncStore(coord.case_files).state().cursor
    assert (cursor > 0) == (nth > 1)  # pages applied before the cut are kept; a lost page is not half-applied
    coord.client = None
    coord.sync(page_size=4)
    assert SyncStore(coord.case_files).state().cursor > cursor
    for case_id in cases:
        assert snapshot(coord.case_files, case_id) == snapshot(w1.case_files, case_id)


def test_the_server_killed_mid_push_loses_and_duplicates_nothing(server: ServerProcess, pair: tuple[Laptop, Laptop],
                                                                 tmp_path: Path) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=5)
    pause = tmp_path / "pause"
    pause.touch()
    server.stop()
    server.start(pause_file=pause)
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            w1.sync()
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    # The sync runs in this thread's twin; the case files' lock serialises their use.
    thread = threading.Thread(target=run)
    thread.start()
    reached = Path(str(pause) + ".reached")
    deadline = time.monotonic() + 60
    while not reached.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert reached.exists(), "the push never reached the server"
    server.kill()  # after taking sequence numbers, before committing
    thread.join(timeout=60)
    assert len(outcome) == 1 and isinstance(outcome[0], Unreachable)
    pause.unlink()

    server.start()
    report = w1.sync()
    assert report.pushed == 6 and report.waiting == 0
    assert server_revision_counts(server) == (6, 6)
    coord.sync()
    assert snapshot(coord.case_files, case_id) == snapshot(w1.case_files, case_id)


@pytest.mark.parametrize("column", ["ciphertext", "signature", "case_id"])
def test_a_record_altered_on_the_server_is_refused(server: ServerProcess, pair: tuple[Laptop, Laptop],
                                                   column: str) -> None:
    w1, coord = pair
    victim_case = make_case(w1.case_files, notes=1)
    other_case = make_case(w1.case_files, notes=1)
    w1.sync()
    ((revision_id, ciphertext, signature),) = server.query(
        "SELECT revision_id, ciphertext, signature FROM revisions WHERE case_id = ? AND kind = 'note'",
        (victim_case,))
    if column == "ciphertext":
        server.execute("UPDATE revisions SET ciphertext = ? WHERE revision_id = ?",
                       (bytes([ciphertext[0] ^ 1]) + bytes(ciphertext[1:]), revision_id))
    elif column == "signature":
        server.execute("UPDATE revisions SET signature = ? WHERE revision_id = ?",
                       (bytes([signature[0] ^ 1]) + bytes(signature[1:]), revision_id))
    else:
        server.execute("UPDATE revisions SET case_id = ? WHERE revision_id = ?", (other_case, revision_id))

    report = coord.sync()
    assert report.refused == 1
    assert any("gewijzigd buiten de app" in e or "beschadigd" in e for e in report.errors)
    with coord.case_files.engine.connect() as conn:
        from sqlalchemy import select

        from leerrecht_desktop.store import tables as t
        assert conn.execute(select(t.records).where(t.records.c.revision_id == revision_id)).first() is None
    # The rest arrived and opens.
    assert snapshot(coord.case_files, other_case) == snapshot(w1.case_files, other_case)


def test_an_enrolment_whose_answer_was_lost_is_finished_by_trying_again(server: ServerProcess,
                                                                        tmp_path: Path) -> None:
    server.admin("create-team", "Noord")
    laptop = new_profile(tmp_path / "w", "Fictieve Werker", "netsterk", "Noord")
    try:
        code = server.create_user("werker9", "netsterk", "Noord")
        lossy = Transport(server.url, client=faulty_client(
            server, lambda req, n: "after" if req.url.path.endswith("/enrol") and n == 1 else None))
        with pytest.raises(Unreachable):
            enrol(laptop.workspace, laptop.case_files, server.url, "werker9", code, PASSPHRASE, transport=lossy)
        assert not SyncStore(laptop.case_files).is_enrolled()
        make_case(laptop.case_files, notes=1)
        enrol(laptop.workspace, laptop.case_files, server.url, "werker9", code, PASSPHRASE, transport=lossy)
        assert SyncStore(laptop.case_files).state().device_id
        assert laptop.sync().pushed == 2
    finally:
        laptop.close()
    # A wrong code for a user not enrolled yet is still refused (the fallback login can't succeed).
    server.create_user("werker8", "netsterk", "Noord")
    other = new_profile(tmp_path / "w8", "Fictieve Werker Acht", "netsterk", "Noord")
    try:
        with pytest.raises(EnrolmentInvalid, match="aanmeldcode"):
            enrol(other.workspace, other.case_files, server.url, "werker8", "FOUT-CODE", PASSPHRASE)
        assert not SyncStore(other.case_files).is_enrolled()
    finally:
        other.close()


@pytest.mark.parametrize("cut", ["before", "after"])
def test_a_history_fetch_cut_mid_way_resumes_at_the_next_sync(server: ServerProcess, pair: tuple[Laptop, Laptop],
                                                              tmp_path: Path, cut: str) -> None:
    """A case shared with a colleague whose laptop is past the case's revisions: its history comes by
    /history pages; the connection drops on the second page; the next sync must still bring it whole."""
    w1, _coord = pair
    w2 = enrolled(server, tmp_path / "w2", "werker2", "Fictieve Werker Twee", "brugfiguur", "Noord")
    try:
        shared = make_case(w1.case_files, notes=6)
        w1.sync()
        make_case(w2.case_files, notes=0)
        w2.sync()  # its own case moves its cursor past the shared case's revisions
        w1.engine().share_case(shared, w2.user_id)
        assert w1.sync().errors == []

        w2.client = faulty_client(server, lambda req, n: cut if req.url.path.endswith("/history") and n == 2
                                  else None)
        with pytest.raises(Unreachable):
            w2.sync(page_size=3)
        w2.client = None
        got = w2.sync(page_size=3)
        assert got.errors == [] and got.refused == 0
        assert snapshot(w2.case_files, shared) == snapshot(w1.case_files, shared)
        assert SyncStore(w2.case_files).unfinished_histories() == []
    finally:
        w2.close()


def test_a_fresh_laptop_fetches_no_history_for_cases_registered_after_its_cursor(
        server: ServerProcess, pair: tuple[Laptop, Laptop]) -> None:
    """Membership events spread over several pages: cases registered after the page's cursor have no
    earlier revisions, so asking for their history would be a wasted round trip per case."""
    w1, coord = pair
    cases = [make_case(w1.case_files, notes=1) for _ in range(4)]
    w1.sync()
    counting = Faulty(lambda _req, _n: None)
    coord.client = httpx.Client(base_url=server.url + "/v1", transport=counting)
    got = coord.sync(page_size=2)
    assert got.errors == [] and got.pulled == 8
    assert not any(path.endswith("/history") for path in counting.calls)
    for case_id in cases:
        assert snapshot(coord.case_files, case_id) == snapshot(w1.case_files, case_id)


def test_an_idle_laptop_reads_the_erasure_feed_only_after_an_erasure(server: ServerProcess,
                                                                    pair: tuple[Laptop, Laptop]) -> None:
    from leerrecht_desktop.sync.erasure import erase_everywhere

    w1, coord = pair
    kept, erased = make_case(w1.case_files, notes=1), make_case(w1.case_files, notes=1)
    w1.sync()
    coord.sync()
    engine = coord.engine()
    try:
        erase_everywhere(engine, erased, "Fictief verzoek van de ouders")
    finally:
        engine.transport.close()
    transport = Faulty(lambda req, n: None)
    w1.client = httpx.Client(base_url=server.url + "/v1", transport=transport)
    w1.sync()  # the pull shows an erasure past the laptop's place in the feed: read in the same round
    # (and the directory, for the key of the coordinator who signed the erasure)
    assert (transport.calls["/v1/pull"], transport.calls["/v1/erasures"]) == (1, 1)
    assert [s.case_id for s in w1.case_files.summaries()] == [kept]
    w1.sync()  # the erasure here is in this laptop's access log: sent in the next round
    transport.calls.clear()
    w1.sync()
    assert transport.calls == {"/v1/pull": 1}


@pytest.mark.parametrize(("cut", "nth"), [("after", 2), ("before", 3), ("after", 3)])
def test_an_interrupted_pipelined_push_resumes_with_nothing_lost_or_twice(
        server: ServerProcess, pair: tuple[Laptop, Laptop], cut: str, nth: int) -> None:
    # Batches of 2, two in flight: the nth push fails before the server sees it or after it stored it,
    # while the batch after it may already have been taken.
    w1, coord = pair
    cases = [make_case(w1.case_files, notes=3) for _ in range(3)]
    total = SyncStore(w1.case_files).pending_count()
    w1.client = faulty_client(server, lambda req, n: cut if req.url.path.endswith("/push") and n == nth else None)
    with pytest.raises(Unreachable):
        w1.sync(push_batch=2)
    assert 0 < SyncStore(w1.case_files).pending_count() < total
    w1.client = None
    report = w1.sync(push_batch=2)
    assert report.waiting == 0 and report.quarantined == 0
    assert server_revision_counts(server) == (total, total)
    # Every revision the laptop holds has the number the server gave it, each number once.
    seqs = server.query("SELECT revision_id, seq FROM revisions")
    assert len({s for _, s in seqs}) == total
    coord.sync()
    for case_id in cases:
        assert snapshot(coord.case_files, case_id) == snapshot(w1.case_files, case_id)


def test_a_pipelined_push_sends_a_record_s_revisions_in_order(server: ServerProcess, pair: tuple[Laptop, Laptop],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # One record edited offline many times: two batches in flight at once never share a record (the
    # server could take the second first and refuse it), so all are taken, none refused.
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=0)
    note = w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictieve notitie 0"), today=DAY)
    for i in range(1, 6):
        w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text=f"Fictieve notitie {i}"),
                           record_id=note.record_id, today=DAY)
    sent: list[set[str]] = []
    overlaps: list[set[str]] = []
    in_flight: list[set[str]] = []
    lock = threading.Lock()
    post = Transport.post

    def recording(self: Transport, path: str, body: Any, model: Any) -> Any:
        if path != "/push":
            return post(self, path, body, model)
        records = {r.record_id for r in body.revisions}
        with lock:
            sent.append(records)
            overlaps.extend(records & other for other in in_flight if records & other)
            in_flight.append(records)
            slow = len(sent) % 2 == 0
        try:
            # Every second answer slow: the batches after it are built and sent while it is out.
            time.sleep(0.5 if slow else 0)
            return post(self, path, body, model)
        finally:
            with lock:
                in_flight.remove(records)

    monkeypatch.setattr(Transport, "post", recording)
    total = SyncStore(w1.case_files).pending_count()
    report = w1.sync(push_batch=1)
    assert report.pushed == total and report.quarantined == 0 and report.waiting == 0
    assert len(sent) == total and max(len(r) for r in sent) == 1
    assert sum(note.record_id in r for r in sent) == 6
    # A batch is sent while another is in flight, but never one of the same record.
    assert overlaps == []
    coord.sync()
    assert snapshot(coord.case_files, case_id) == snapshot(w1.case_files, case_id)


def test_cases_register_one_by_one_on_a_server_without_the_bulk_route(
        server: ServerProcess, pair: tuple[Laptop, Laptop], monkeypatch: pytest.MonkeyPatch) -> None:
    w1, coord = pair
    paths: list[str] = []
    post = Transport.post

    def older_server(self: Transport, path: str, body: Any, model: Any) -> Any:
        paths.append(path)
        if path == "/case-registrations":
            raise refusal("not_found", 404)  # what a server from before the route answers
        return post(self, path, body, model)

    monkeypatch.setattr(Transport, "post", older_server)
    cases = [make_case(w1.case_files, notes=1) for _ in range(2)]
    report = w1.sync()
    assert report.errors == [] and report.waiting == 0
    assert paths.count("/case-registrations") == 1 and paths.count("/cases") == 2
    coord.sync()
    for case_id in cases:
        assert snapshot(coord.case_files, case_id) == snapshot(w1.case_files, case_id)
