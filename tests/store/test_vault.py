"""The vault of a data folder: creating a profile, unlocking, the delay after wrong tries, changing the
passphrase. A fake clock stands in for the wall clock, so no test waits or measures time."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from leerrecht_core.crypto.errors import WrongPassphrase
from leerrecht_core.crypto.kdf import KdfParams
from leerrecht_core.i18n import set_language
from leerrecht_desktop.models.validation import ValidationError
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import DataDirMissing, NoProfile, ProfileExists, UnlockThrottled, VaultDamaged
from leerrecht_desktop.store.workspace import MAX_DELAY_SECONDS, Workspace
from tests.kits.storekit import (
    PASSPHRASE,
    WORKER_NAME,
    FakeClock,
    fictitious_profile,
    home_visit,
    note,
    raw_execute,
    raw_query,
)

WRONG = "rode fiets op de markt"
NEW_PASSPHRASE = "groene tram naar de Grote Markt"


def fail(ws: Workspace, passphrase: str = WRONG) -> UnlockThrottled:
    with pytest.raises(UnlockThrottled) as caught:
        ws.unlock(passphrase)
    return caught.value


# -- unlocking -----------------------------------------------------------------------------------

def test_the_right_passphrase_unlocks_the_profile(ws: Workspace) -> None:
    session = ws.unlock(PASSPHRASE)
    assert session.user.name == WORKER_NAME and session.user.role == "brugfiguur"
    assert not session.is_locked


def test_a_wrong_passphrase_is_refused_in_dutch(ws: Workspace) -> None:
    err = fail(ws)
    assert isinstance(err, WrongPassphrase)
    assert str(err) == "Die wachtwoordzin klopt niet. Je kan opnieuw proberen over 1 seconde."


def test_a_wrong_passphrase_is_refused_in_english_when_chosen(ws: Workspace) -> None:
    set_language("en")
    assert str(fail(ws)) == "That passphrase is not correct. You can try again in 1 second."


def test_the_wait_doubles_after_each_wrong_try(ws: Workspace, clock: FakeClock) -> None:
    waits = []
    for _ in range(3):
        err = fail(ws)
        waits.append(err.wait_seconds)
        assert ws.unlock_wait_seconds() == err.wait_seconds
        clock.advance(err.wait_seconds)
        assert ws.unlock_wait_seconds() == 0
    assert waits == [1, 2, 4]
    assert "over 4 seconden" in str(err)


def test_the_wait_is_capped_at_a_minute(ws: Workspace, clock: FakeClock) -> None:
    for _ in range(12):
        err = fail(ws)
        clock.advance(err.wait_seconds)
    assert err.wait_seconds == MAX_DELAY_SECONDS == 60


def test_a_try_during_the_wait_is_refused_without_checking_the_passphrase(
    ws: Workspace, clock: FakeClock, kdf_calls: list[str]
) -> None:
    fail(ws)
    clock.advance(1)
    fail(ws)  # two failures: wait 2 s
    kdf_calls.clear()
    clock.advance(1.5)
    # Even the right passphrase is not looked at while the wait runs: no Argon2id, no answer.
    with pytest.raises(UnlockThrottled) as caught:
        ws.unlock(PASSPHRASE)
    assert kdf_calls == []
    assert str(caught.value) == "Te veel foute pogingen. Probeer opnieuw over 1 seconde."
    assert caught.value.wait_seconds == pytest.approx(0.5)
    # The refused try did not count as a failure: after the wait, the next wrong one waits 4 s, not 8 s.
    clock.advance(0.5)
    assert fail(ws).wait_seconds == 4


def test_verify_passphrase_is_throttled_like_unlock(ws: Workspace, clock: FakeClock) -> None:
    with pytest.raises(UnlockThrottled):
        ws.verify_passphrase(WRONG)
    with pytest.raises(UnlockThrottled):
        ws.verify_passphrase(PASSPHRASE)
    clock.advance(1)
    ws.verify_passphrase(PASSPHRASE)


def test_the_wait_survives_closing_and_reopening_the_folder(
    ws: Workspace, data_dir: Path, clock: FakeClock
) -> None:
    fail(ws)
    clock.advance(1)
    fail(ws)
    ws.close()
    clock.advance(0.5)
    again = Workspace(data_dir, clock=clock)
    try:
        assert again.unlock_wait_seconds() == pytest.approx(1.5)
        with pytest.raises(UnlockThrottled):
            again.unlock(PASSPHRASE)
        clock.advance(1.5)
        assert again.unlock(PASSPHRASE).user.name == WORKER_NAME
    finally:
        again.close()


def test_the_right_passphrase_resets_the_delay(ws: Workspace, clock: FakeClock) -> None:
    for _ in range(3):
        clock.advance(fail(ws).wait_seconds)
    ws.unlock(PASSPHRASE)
    assert ws.unlock_wait_seconds() == 0
    assert raw_query(ws.data_dir, "SELECT failed_attempts, last_failed_at FROM vault") == [(0, None)]
    assert fail(ws).wait_seconds == 1


def test_a_clock_set_back_never_reports_a_wait_longer_than_the_delay(ws: Workspace, clock: FakeClock) -> None:
    for _ in range(2):
        clock.advance(fail(ws).wait_seconds)
    fail(ws)  # third failure: wait 4 s
    clock.advance(-30 * 24 * 3600)  # the laptop's clock jumps a month back
    assert ws.unlock_wait_seconds() == 4
    with pytest.raises(UnlockThrottled) as caught:
        ws.unlock(PASSPHRASE)
    assert caught.value.wait_seconds == 4
    # ... and the wait ends 4 s after the jump, not when the clock catches up a month later.
    clock.advance(4)
    assert ws.unlock_wait_seconds() == 0
    assert ws.unlock(PASSPHRASE).user.name == WORKER_NAME


def test_a_clock_set_forward_only_ends_the_wait(ws: Workspace, clock: FakeClock) -> None:
    fail(ws)
    clock.advance(365 * 24 * 3600)
    assert ws.unlock_wait_seconds() == 0
    ws.unlock(PASSPHRASE)


# -- creating a profile ---------------------------------------------------------------------------

@pytest.mark.parametrize(("passphrase", "reason"), [
    ("kort zinnet", "te kort"),
    ("wachtwoord123", "te bekend"),
    ("zzzzzzzzzzzzzzzz", "herhaalt"),
    ("abcdefghijklmnop", "reeks"),
    ("fictieve1234!", "lijkt te veel op je naam"),
])
def test_a_weak_passphrase_is_refused_with_the_reason_and_nothing_is_written(
    data_dir: Path, passphrase: str, reason: str
) -> None:
    w = Workspace(data_dir, create=True)
    try:
        with pytest.raises(ValidationError) as caught:
            w.create_profile(name=WORKER_NAME, role="netsterk", team="", passphrase=passphrase, confirm=passphrase)
        assert reason in (caught.value.for_field("passphrase") or "")
        assert not w.has_profile()
    finally:
        w.close()


def test_a_confirmation_that_differs_is_refused(data_dir: Path) -> None:
    w = Workspace(data_dir, create=True)
    try:
        with pytest.raises(ValidationError) as caught:
            w.create_profile(name=WORKER_NAME, role="netsterk", team="", passphrase=PASSPHRASE,
                             confirm=PASSPHRASE + " ")
        assert caught.value.for_field("confirm") == "De twee wachtwoordzinnen zijn niet gelijk. Typ ze opnieuw."
        assert not w.has_profile()
    finally:
        w.close()


def test_name_and_role_are_required(data_dir: Path) -> None:
    w = Workspace(data_dir, create=True)
    try:
        with pytest.raises(ValidationError) as caught:
            w.create_profile(name=" ", role="directeur", team="", passphrase=PASSPHRASE)
        assert caught.value.for_field("name") == "Vul je naam in."
        assert "Kies je rol" in (caught.value.for_field("role") or "")
    finally:
        w.close()


def test_a_second_profile_in_the_same_folder_is_refused(ws: Workspace) -> None:
    with pytest.raises(ProfileExists) as caught:
        ws.create_profile(name="Andere Fictieve Werker", role="netsterk", team="", passphrase=NEW_PASSPHRASE)
    assert str(caught.value) == "Er bestaat al een profiel in deze map. Ontgrendel het met je wachtwoordzin."
    assert raw_query(ws.data_dir, "SELECT COUNT(*) FROM vault") == [(1,)]
    assert ws.unlock(PASSPHRASE).user.name == WORKER_NAME


def test_a_folder_without_data_is_named_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nergens"
    with pytest.raises(DataDirMissing) as caught:
        Workspace(missing)
    assert str(missing) in str(caught.value)
    assert not missing.exists()


def test_unlocking_before_a_profile_exists_says_so(data_dir: Path) -> None:
    w = Workspace(data_dir, create=True)
    try:
        with pytest.raises(NoProfile):
            w.unlock(PASSPHRASE)
    finally:
        w.close()


def test_kdf_parameters_are_stored_beside_the_salt(ws: Workspace) -> None:
    (stored,) = raw_query(ws.data_dir, "SELECT kdf FROM vault")[0]
    params = json.loads(stored)
    assert {"memory_kib", "iterations", "lanes", "salt"} <= params.keys()
    assert params["algorithm"] == "argon2id"
    assert len(bytes.fromhex(params["salt"])) >= 16
    # The test suite asks for the OWASP minimum (LEERRECHT_KDF_PROFILE=minimum), never less.
    assert (params["memory_kib"], params["iterations"], params["lanes"]) == (19 * 1024, 2, 1)
    assert KdfParams.from_json(params).salt.hex() == params["salt"]


def test_nothing_personal_in_the_vault_row_is_plaintext(ws: Workspace) -> None:
    row = raw_query(ws.data_dir, "SELECT * FROM vault")[0]
    blob = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row)
    assert WORKER_NAME.encode() not in blob and b"Team Fictief" not in blob and b"brugfiguur" not in blob


def test_a_lowered_kdf_cost_in_the_file_is_refused(ws: Workspace) -> None:
    (stored,) = raw_query(ws.data_dir, "SELECT kdf FROM vault")[0]
    params = json.loads(stored)
    params["memory_kib"] = 1024
    raw_execute(ws.data_dir, "UPDATE vault SET kdf = ?", (json.dumps(params),))
    with pytest.raises(VaultDamaged, match="beschadigd"):
        ws.unlock(PASSPHRASE)
    assert raw_query(ws.data_dir, "SELECT failed_attempts FROM vault") == [(0,)]


# -- changing the passphrase ------------------------------------------------------------------------

def _records_snapshot(data_dir: Path) -> list[tuple[Any, ...]]:
    return raw_query(data_dir, "SELECT revision_id, nonce, ciphertext, signature FROM records ORDER BY revision_id")


def _everything_readable(session: CaseFiles) -> dict[str, Any]:
    """What a worker sees: every case with its entries, every history, every draft, the case list."""
    seen: dict[str, Any] = {"cases": {}, "history": {}, "drafts": {}}
    for summary in session.summaries():
        case = session.load_case(summary.case_id)
        assert case.refused == []
        seen["cases"][summary.case_id] = (summary.full_name, summary.entry_count, summary.last_contact,
                                          sorted((r.record_id, r.revision) for r in case.entries))
        for record in [case.profile, *case.entries]:
            seen["history"][record.record_id] = [r.content for r in session.history(record.record_id)]
    for draft_id in session.draft_ids():
        seen["drafts"][draft_id] = session.load_draft(draft_id)
    return seen


@pytest.fixture
def filled(ws: Workspace) -> Callable[[], dict[str, Any]]:
    session = ws.unlock(PASSPHRASE)
    for _ in range(2):
        case = session.create_case(fictitious_profile())
        first = session.save(case.case_id, note("Fictieve eerste versie"))
        session.save(case.case_id, note("Fictieve tweede versie"), record_id=first.record_id)
        gone = session.save(case.case_id, home_visit())
        session.delete_entry(case.case_id, gone.record_id)
        session.save(case.case_id, home_visit(next_step="Fictief bellen"))
        session.save_draft(f"draft-{case.case_id}", case.case_id, {"text": "Fictieve kladversie"})
    session.save_draft("draft-new-case", None, {"first_name": "Fictief"})
    return lambda: _everything_readable(session)


def test_changing_the_passphrase_keeps_everything_readable_and_re_encrypts_nothing(
    ws: Workspace, data_dir: Path, clock: FakeClock, filled: Callable[[], dict[str, Any]]
) -> None:
    before = filled()
    records_before = _records_snapshot(data_dir)
    keys_before = raw_query(data_dir, "SELECT * FROM case_keys ORDER BY case_id")
    index_before = raw_query(data_dir, "SELECT * FROM case_index ORDER BY case_id")
    drafts_before = raw_query(data_dir, "SELECT draft_id, blob FROM drafts ORDER BY draft_id")
    (kdf_before,) = raw_query(data_dir, "SELECT kdf FROM vault")[0]

    ws.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, NEW_PASSPHRASE)

    # Only the wrap of the user's keys changed: every sealed byte of the case files is as it was.
    assert _records_snapshot(data_dir) == records_before
    assert raw_query(data_dir, "SELECT * FROM case_keys ORDER BY case_id") == keys_before
    assert raw_query(data_dir, "SELECT * FROM case_index ORDER BY case_id") == index_before
    assert raw_query(data_dir, "SELECT draft_id, blob FROM drafts ORDER BY draft_id") == drafts_before
    (kdf_after,) = raw_query(data_dir, "SELECT kdf FROM vault")[0]
    assert json.loads(kdf_after)["salt"] != json.loads(kdf_before)["salt"]

    ws.close()
    reopened = Workspace(data_dir, clock=clock)
    try:
        with pytest.raises(WrongPassphrase):
            reopened.unlock(PASSPHRASE)
        clock.advance(1)
        assert _everything_readable(reopened.unlock(NEW_PASSPHRASE)) == before
    finally:
        reopened.close()


def test_changing_needs_the_current_passphrase(ws: Workspace, clock: FakeClock) -> None:
    with pytest.raises(WrongPassphrase):
        ws.change_passphrase(WRONG, NEW_PASSPHRASE, NEW_PASSPHRASE)
    clock.advance(1)
    ws.unlock(PASSPHRASE)


@pytest.mark.parametrize(("new", "confirm", "field_name"), [
    ("te kort", "te kort", "passphrase"),
    (NEW_PASSPHRASE, NEW_PASSPHRASE + "!", "confirm"),
])
def test_a_refused_new_passphrase_changes_nothing(ws: Workspace, new: str, confirm: str, field_name: str) -> None:
    (vault_before,) = raw_query(ws.data_dir, "SELECT kdf, wrapped_secrets FROM vault")
    with pytest.raises(ValidationError) as caught:
        ws.change_passphrase(PASSPHRASE, new, confirm)
    assert caught.value.for_field(field_name)
    assert raw_query(ws.data_dir, "SELECT kdf, wrapped_secrets FROM vault") == [vault_before]
    ws.unlock(PASSPHRASE)
