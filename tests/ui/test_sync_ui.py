"""Sync in the main window, against a real `leerrecht-server` process on loopback: linking through the
dialog, the status bar indicator (waiting, synced, offline), "Nu synchroniseren", a conflict shown as
a banner and resolved in its dialog, the loop stopped on lock, a revoked device. Every name and note is
fictitious. No timing assertions: every wait is `qtbot.waitUntil` on what the user would see."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import decode, encode
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.sync.account import enrol, login_new_laptop
from leerrecht_desktop.sync.background import SyncStatus
from leerrecht_desktop.sync.transport import Unauthorized
from leerrecht_desktop.ui.application import Shell
from leerrecht_desktop.ui.conflict_dialog import ConflictDialog, field_label
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.reenrol_dialog import ResetProfileDialog
from leerrecht_desktop.ui.sync_status import status_text
from leerrecht_desktop.ui.tasks import TaskRunner
from tests.kits.synckit import PASSPHRASE, Laptop, ServerProcess, enrolled, make_case, new_profile

from .conftest import SERVER_TEAM

WAIT = 60_000  # generous: a real server and Argon2id; never asserted as a duration
TEAM = SERVER_TEAM
SHOTS = os.environ.get("LEERRECHT_SYNC_UI_SHOTS")  # a folder to save screenshots in, when set


def shot(widget: object, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / name))  # type: ignore[attr-defined]


# -- the indicator's wording (no server) -------------------------------------------------------------

def test_the_indicator_says_synced_offline_and_conflicts_at_a_glance() -> None:
    today = dt.date(2025, 2, 3)
    at = dt.datetime(2025, 2, 3, 13, 32, tzinfo=dt.UTC).isoformat()
    local = dt.datetime.fromisoformat(at).astimezone().strftime("%H:%M")
    online = SyncStatus(online=True, last_success_at=at)
    assert status_text(online, 0, at, today) == f"Gesynchroniseerd om {local} · 0 wachtend"
    offline = SyncStatus(online=False, last_success_at=at)
    assert status_text(offline, 12, at, today) == (
        f"Offline · 12 wijzigingen wachten · laatst gesynchroniseerd om {local}")
    assert status_text(SyncStatus(online=False), 1, None, today) == (
        "Offline · 1 wijziging wacht · nog nooit gesynchroniseerd")
    assert status_text(SyncStatus(online=True, conflicts=2), 0, at, today).endswith(" · 2 conflicten")
    assert status_text(SyncStatus(), 3, None, today) == "Verbinden met de server… · 3 wachtend"
    replaced = SyncStatus(online=True, stopped=True, replaced=True)
    assert status_text(replaced, 0, at, today) == (
        "Vervangen door een nieuwe aanmelding: deze laptop synchroniseert niet meer")


def test_conflict_paths_get_dutch_labels_where_known() -> None:
    assert field_label("school") == "School"
    assert field_label("referral.concern") == "Aanmelding › Bezorgdheid"
    assert field_label("iets_onbekends") == "iets_onbekends"


# -- against a real server -----------------------------------------------------------------------------

@pytest.fixture
def windows(qtbot: QtBot) -> Iterator[list[tuple[MainWindow, TaskRunner, Laptop]]]:
    made: list[tuple[MainWindow, TaskRunner, Laptop]] = []
    yield made
    for window, runner, laptop in made:
        window.hide()
        window.dispose()  # stops the loop (on the runner)
        runner.wait_idle()
        laptop.close()


def open_window(qtbot: QtBot, windows: list[tuple[MainWindow, TaskRunner, Laptop]],
                laptop: Laptop) -> MainWindow:
    runner = TaskRunner()
    window = MainWindow(laptop.workspace, laptop.case_files, runner)
    window.sync.interval = 3600.0  # no round on its own during a test: rounds come from start and F5
    qtbot.addWidget(window)
    windows.append((window, runner, laptop))
    window.show()
    return window


def add_note(window: MainWindow, case_files: CaseFiles, case_id: str) -> None:
    """Save a note the way the forms do (on the store worker), then let the window reload its list."""
    window.runner.submit(lambda: case_files.save(case_id, FollowUpNote(occurred_on=dt.date(2025, 2, 3),
                                                                       text="Fictieve nieuwe notitie")),
                         lambda _r: window.reload_list())


def unlock_through_window(qtbot: QtBot, shell: Shell) -> None:
    door = shell.unlock_window
    assert door is not None
    qtbot.waitUntil(door.isVisible)
    qtbot.keyClicks(door.passphrase_edit, PASSPHRASE)
    qtbot.mouseClick(door.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shell.main_window is not None and shell.main_window.isVisible(), timeout=WAIT)


def synced(window: MainWindow) -> bool:
    return window.sync_label.text().startswith("Gesynchroniseerd om")


@pytest.mark.slow
def test_enrol_through_the_dialog_then_changes_wait_until_nu_synchroniseren(
        qtbot: QtBot, server: ServerProcess, tmp_path: Path,
        windows: list[tuple[MainWindow, TaskRunner, Laptop]]) -> None:
    laptop = new_profile(tmp_path / "a", "Fictieve Werker", "onderwijsassistent", TEAM)
    case_id = make_case(laptop.case_files)
    code = server.create_user("fictieve.werker", "onderwijsassistent", TEAM)
    window = open_window(qtbot, windows, laptop)
    qtbot.waitUntil(lambda: window.sync_label.text().startswith("Niet gekoppeld aan een server"), timeout=WAIT)
    assert window.act_enrol.isVisible() and not window.act_sync_now.isEnabled()

    window.act_enrol.trigger()
    dialog = window.enrol_dialog
    assert dialog is not None
    dialog.server_edit.setText(server.url)
    dialog.username_edit.setText("fictieve.werker")
    dialog.code_edit.setText("FOUTE-CODE-123")
    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.ok_button.click()
    # A wrong code: the error stands next to the code field, in Dutch, and the input is kept.
    qtbot.waitUntil(lambda: not dialog.errors["code"].isHidden() and not dialog.busy, timeout=WAIT)
    assert dialog.errors["code"].text() and dialog.errors["server"].isHidden()
    assert dialog.server_edit.text() == server.url and dialog.username_edit.text() == "fictieve.werker"
    shot(dialog, "enrol_dialog_error.png")

    dialog.code_edit.setText(code)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: window.enrol_dialog is None and window.sync.enrolled, timeout=WAIT)
    # The loop starts at once: the case made before enrolment goes up.
    qtbot.waitUntil(lambda: synced(window) and window.sync_label.text().endswith("· 0 wachtend"), timeout=WAIT)
    assert window.act_sync_now.isEnabled() and not window.act_enrol.isVisible()
    assert SyncStore(laptop.case_files).registered(case_id)

    add_note(window, laptop.case_files, case_id)
    qtbot.waitUntil(lambda: window.sync_label.text().endswith("· 1 wachtend"), timeout=WAIT)
    shot(window.statusBar(), "status_waiting.png")
    window.act_sync_now.trigger()
    qtbot.waitUntil(lambda: synced(window) and window.sync_label.text().endswith("· 0 wachtend"), timeout=WAIT)
    shot(window.statusBar(), "status_synced.png")
    assert SyncStore(laptop.case_files).pending_count() == 0
    assert server.query("SELECT count(*) FROM revisions")[0][0] >= 4  # profile and three notes at least


@pytest.mark.slow
def test_a_stopped_server_shows_offline_with_what_waits_and_comes_back(
        qtbot: QtBot, server: ServerProcess, tmp_path: Path,
        windows: list[tuple[MainWindow, TaskRunner, Laptop]]) -> None:
    laptop = enrolled(server, tmp_path / "a", "fictieve.werker", "Fictieve Werker", "onderwijsassistent", TEAM,
                      before=1)
    case_id = SyncStore(laptop.case_files).local_case_ids()[0]
    window = open_window(qtbot, windows, laptop)
    qtbot.waitUntil(lambda: synced(window), timeout=WAIT)

    server.stop()
    add_note(window, laptop.case_files, case_id)
    window.act_sync_now.trigger()
    qtbot.waitUntil(lambda: window.sync_label.text().startswith("Offline · 1 wijziging wacht · laatst "
                                                                 "gesynchroniseerd om"), timeout=WAIT)
    shot(window.statusBar(), "status_offline.png")
    assert "niet bereikbaar" in window.sync_label.toolTip()

    server.start()  # same port, same database
    window.act_sync_now.trigger()
    qtbot.waitUntil(lambda: synced(window) and window.sync_label.text().endswith("· 0 wachtend"), timeout=WAIT)


def edit_school(case_files: CaseFiles, case_id: str, school: str) -> None:
    case = case_files.load_case(case_id)
    content = encode(case.profile.content)
    content["school"] = school
    case_files.save(case_id, decode(Kind.CASE, content), record_id=case.profile.record_id)


@pytest.mark.slow
def test_a_conflict_from_two_laptops_shows_a_banner_and_the_choice_is_written(
        qtbot: QtBot, server: ServerProcess, tmp_path: Path,
        windows: list[tuple[MainWindow, TaskRunner, Laptop]]) -> None:
    a = enrolled(server, tmp_path / "a", "fictieve.werker", "Fictieve Werker", "onderwijsassistent", TEAM)
    case_id = make_case(a.case_files)
    a.sync()
    ws_b, cf_b = login_new_laptop(tmp_path / "b", server.url, "fictieve.werker", PASSPHRASE)
    b = Laptop("b", tmp_path / "b", ws_b, cf_b)
    try:
        b.sync()
        edit_school(b.case_files, case_id, "Fictieve School Van B")
        b.sync()
    finally:
        b.close()
    edit_school(a.case_files, case_id, "Fictieve School Van A")  # the same field, differently, not sent yet

    window = open_window(qtbot, windows, a)
    window.open_case(case_id)
    banner = window.case_view.conflict_banner
    qtbot.waitUntil(lambda: not banner.isHidden(), timeout=WAIT)
    assert window.case_view.conflict_label.text() == "1 veld in conflict"
    qtbot.waitUntil(lambda: window.sync_label.text().endswith("· 1 conflict"), timeout=WAIT)
    shot(window, "window_conflict.png")

    window.case_view.conflict_button.click()
    dialog = window.conflict_dialog
    assert isinstance(dialog, ConflictDialog)
    shot(dialog, "conflict_dialog.png")
    choices = {(path, side): button for _cid, path, side, button in dialog.keep_buttons}
    assert set(choices) == {("school", "mine"), ("school", "theirs")}
    choices[("school", "theirs")].click()  # keep what the other laptop wrote
    qtbot.waitUntil(lambda: banner.isHidden() and window.conflict_dialog is None, timeout=WAIT)
    window.runner.wait_idle()
    assert SyncStore(a.case_files).conflicts(case_id) == []
    assert a.case_files.load_case(case_id).content.school == "Fictieve School Van B"
    # The choice is a new local revision, sent with the next sync; the indicator's conflict count goes.
    window.act_sync_now.trigger()
    qtbot.waitUntil(lambda: synced(window) and window.sync_label.text().endswith("· 0 wachtend"), timeout=WAIT)


@pytest.mark.slow
def test_lock_stops_the_loop_before_the_keys_go_and_unlock_starts_it_again(
        qtbot: QtBot, server: ServerProcess, tmp_path: Path,
        windows: list[tuple[MainWindow, TaskRunner, Laptop]]) -> None:
    laptop = enrolled(server, tmp_path / "a", "fictieve.werker", "Fictieve Werker", "onderwijsassistent", TEAM)
    window = open_window(qtbot, windows, laptop)
    qtbot.waitUntil(lambda: synced(window), timeout=WAIT)
    loop = window.sync.loop
    assert loop is not None
    thread = loop._thread
    assert isinstance(thread, threading.Thread) and thread.is_alive()

    window.lock()
    assert window.sync.loop is None
    window.runner.wait_idle()
    assert not thread.is_alive() and laptop.case_files.is_locked

    window.resume(laptop.workspace.unlock(PASSPHRASE))
    qtbot.waitUntil(lambda: window.sync.loop is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: synced(window), timeout=WAIT)


@pytest.mark.slow
def test_a_revoked_device_says_so_and_goes_to_the_unlock_state(
        qtbot: QtBot, server: ServerProcess, tmp_path: Path,
        windows: list[tuple[MainWindow, TaskRunner, Laptop]]) -> None:
    laptop = enrolled(server, tmp_path / "a", "fictieve.werker", "Fictieve Werker", "onderwijsassistent", TEAM,
                      before=1)
    window = open_window(qtbot, windows, laptop)
    qtbot.waitUntil(lambda: synced(window), timeout=WAIT)
    locked: list[bool] = []
    window.locked.connect(lambda: locked.append(True))

    server.admin("revoke-device", SyncStore(laptop.case_files).state().device_id)
    window.act_sync_now.trigger()
    qtbot.waitUntil(lambda: window.revoked_box is not None and bool(locked), timeout=WAIT)
    box = window.revoked_box
    assert box is not None and "losgekoppeld" in box.text()
    assert window.is_locked and not window.sync.enrolled
    window.runner.wait_idle()
    assert SyncStore(laptop.case_files).local_case_ids() == []
    box.close()


@pytest.mark.slow
def test_after_a_revocation_the_app_restarts_at_unlock_with_nothing_left_and_can_be_linked_again(
        qtbot: QtBot, server: ServerProcess, tmp_path: Path) -> None:
    """The whole application (Shell): unlock, revoked while open, the unlock window comes back; started
    again on the same folder, the worker's passphrase still opens it, with no case left, no name on
    disk, and "Koppelen met server" offered again."""
    folder = tmp_path / "a"
    laptop = enrolled(server, folder, "fictieve.werker", "Fictieve Werker", "onderwijsassistent", TEAM, before=2)
    names = [s.last_name for s in laptop.case_files.summaries()]
    device_id = SyncStore(laptop.case_files).state().device_id
    laptop.case_files.lock()
    runner = TaskRunner()
    shell = Shell(laptop.workspace, runner)
    try:
        shell.start()
        unlock_through_window(qtbot, shell)
        window = shell.main_window
        assert window is not None
        qtbot.waitUntil(lambda: synced(window), timeout=WAIT)
        server.admin("revoke-device", device_id)
        window.act_sync_now.trigger()
        qtbot.waitUntil(lambda: shell.unlock_window is not None and shell.unlock_window.isVisible(), timeout=WAIT)
        assert window.revoked_box is not None and not window.isVisible()
        window.revoked_box.close()
    finally:
        for w in (shell.main_window, shell.unlock_window):
            if w is not None:
                w.hide()
        if shell.main_window is not None:
            shell.main_window.dispose()
        runner.wait_idle()
        laptop.workspace.close()

    raw = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    assert names and not any(name.encode() in raw for name in names)

    workspace = Workspace(folder)
    runner = TaskRunner()
    again = Shell(workspace, runner)
    try:
        again.start()
        assert again.first_start is None  # the profile (the worker's own keys) stays
        unlock_through_window(qtbot, again)
        window = again.main_window
        assert window is not None
        qtbot.waitUntil(lambda: window.act_enrol.isVisible(), timeout=WAIT)
        assert window.case_model.rowCount() == 0 and not window.sync.enrolled
    finally:
        for w in (again.main_window, again.unlock_window):
            if w is not None:
                w.hide()
        if again.main_window is not None:
            again.main_window.dispose()
        runner.wait_idle()
        workspace.close()


@pytest.mark.slow
def test_share_with_a_colleague_and_take_it_back(
        qtbot: QtBot, server: ServerProcess, tmp_path: Path,
        windows: list[tuple[MainWindow, TaskRunner, Laptop]]) -> None:
    a = enrolled(server, tmp_path / "a", "fictieve.werker", "Fictieve Werker", "onderwijsassistent", TEAM, before=1)
    b = enrolled(server, tmp_path / "b", "andere.collega", "Andere Collega", "netsterk", TEAM)
    try:
        case_id = SyncStore(a.case_files).local_case_ids()[0]
        window = open_window(qtbot, windows, a)
        qtbot.waitUntil(lambda: synced(window), timeout=WAIT)
        window.open_case(case_id)
        qtbot.waitUntil(lambda: window.case_view.case_file is not None, timeout=WAIT)
        assert not window.case_view.share_button.isHidden()
        # On an enrolled laptop erasing is everywhere (a copy erased here only would come back), and the
        # dialog says so (tests/ui/test_erase_dialog.py erases).
        window.act_erase.trigger()
        from leerrecht_desktop.ui.erase_dialog import EraseDialog

        dialog = window.dialogs.get("erase", EraseDialog)
        assert dialog is not None and "op elke laptop die het heeft" in dialog.intro.text()
        assert window.erase_box is None
        dialog.reject()

        def share(checked: bool) -> None:
            window.case_view.share_button.click()
            dialog = window.share_dialog
            assert dialog is not None
            qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=WAIT)
            item = dialog.list.item(0)
            assert item.text() == "Andere Collega · Netsterk-medewerker"
            shot(dialog, "share_dialog.png")
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            dialog.ok_button.click()
            qtbot.waitUntil(lambda: window.share_dialog is None, timeout=WAIT)
            # The change queued and the window asked for a round: it is sent, nothing waits.
            qtbot.waitUntil(lambda: not SyncStore(a.case_files).pending_member_changes(), timeout=WAIT)

        share(True)
        b.sync()
        assert case_id in SyncStore(b.case_files).local_case_ids()
        share(False)
        b.sync()
        assert case_id not in SyncStore(b.case_files).local_case_ids()
    finally:
        b.close()


@pytest.mark.slow
def test_refused_changes_are_listed_with_their_reason_and_can_be_retried_or_left_out(
        qtbot: QtBot, server: ServerProcess, tmp_path: Path,
        windows: list[tuple[MainWindow, TaskRunner, Laptop]]) -> None:
    laptop = enrolled(server, tmp_path / "a", "fictieve.werker", "Fictieve Werker", "onderwijsassistent", TEAM)
    case_id = make_case(laptop.case_files, notes=2)  # not synced: profile and two notes wait
    store = SyncStore(laptop.case_files)
    pending = [o.sealed.header.revision_id for o in store.outgoing(10) if o.sealed.header.kind == Kind.NOTE]
    # What the engine does with a revision the server refuses (the real server refuses few things a
    # correct client sends; the refusal path itself is covered by tests/sync).
    with laptop.case_files.sync_transaction() as conn:
        for revision_id in pending:
            store.quarantine(conn, revision_id, "Fictieve weigering door de server")
    window = open_window(qtbot, windows, laptop)
    qtbot.waitUntil(lambda: synced(window), timeout=WAIT)
    window.act_quarantine.trigger()
    dialog = window.quarantine_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=WAIT)
    item = dialog.table.item(0, 1)
    assert item is not None and item.text() == "Fictieve weigering door de server"
    name = dialog.table.item(0, 0)
    assert name is not None and name.text().startswith("Fictiefsync")
    shot(dialog, "quarantine_dialog.png")

    dialog.table.selectRow(0)
    dialog.retry_button.click()  # back in the queue, and a round is asked for: it goes up
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=WAIT)
    dialog.table.selectRow(0)
    dialog.discard_button.click()
    qtbot.waitUntil(lambda: dialog.empty.isVisibleTo(dialog), timeout=WAIT)
    window.runner.wait_idle()
    assert store.quarantined() == []
    qtbot.waitUntil(lambda: synced(window) and window.sync_label.text().endswith("· 0 wachtend"), timeout=WAIT)
    assert len(laptop.case_files.load_case(case_id).entries) == 1  # one note sent, one left out


@pytest.mark.slow
def test_a_passphrase_changed_in_the_app_reaches_the_server_for_a_further_laptop(
        qtbot: QtBot, server: ServerProcess, tmp_path: Path,
        windows: list[tuple[MainWindow, TaskRunner, Laptop]]) -> None:
    laptop = enrolled(server, tmp_path / "a", "fictieve.wisselaar", "Fictieve Wisselaar", "netsterk", TEAM)
    window = open_window(qtbot, windows, laptop)
    qtbot.waitUntil(lambda: synced(window), timeout=WAIT)

    window.act_passphrase.trigger()
    dialog = window.passphrase_dialog
    assert dialog is not None
    new = "zeven wolken boven de schelde"
    qtbot.keyClicks(dialog.old_edit, PASSPHRASE)
    qtbot.keyClicks(dialog.new_edit, new)
    qtbot.keyClicks(dialog.confirm_edit, new)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.passphrase_dialog is None, timeout=WAIT)
    # Queued by the dialog, sent by the background loop it wakes: nothing waits any more.
    store = SyncStore(laptop.case_files)
    qtbot.waitUntil(lambda: store.pending_passphrase_change() is None and synced(window), timeout=WAIT)

    with pytest.raises(Unauthorized):  # the old passphrase is refused by the server
        login_new_laptop(tmp_path / "old", server.url, "fictieve.wisselaar", PASSPHRASE)
    workspace, case_files = login_new_laptop(tmp_path / "b", server.url, "fictieve.wisselaar", new)
    assert case_files.user.user_id == laptop.user_id
    workspace.close()


# -- after a reset (issue 11) ----------------------------------------------------------------------------

@pytest.mark.slow
def test_a_replaced_laptop_says_so_in_the_status_bar_keeps_its_cases_and_stops(
        qtbot: QtBot, server: ServerProcess, tmp_path: Path,
        windows: list[tuple[MainWindow, TaskRunner, Laptop]]) -> None:
    laptop = enrolled(server, tmp_path / "a", "fictieve.werker", "Fictieve Werker", "onderwijsassistent", TEAM,
                      before=1)
    case_id = SyncStore(laptop.case_files).local_case_ids()[0]
    window = open_window(qtbot, windows, laptop)
    qtbot.waitUntil(lambda: synced(window), timeout=WAIT)
    # The worker got a new laptop through a reset: this one is replaced.
    code = server.admin("reset-user", "fictieve.werker").strip().splitlines()[-1]
    fresh = new_profile(tmp_path / "b", "Fictieve Werker", "onderwijsassistent", TEAM)
    enrol(fresh.workspace, fresh.case_files, server.url, "fictieve.werker", code, PASSPHRASE)
    fresh.close()
    add_note(window, laptop.case_files, case_id)
    qtbot.waitUntil(lambda: "1 wachtend" in window.sync_label.text(), timeout=WAIT)

    window.act_sync_now.trigger()
    qtbot.waitUntil(lambda: window.sync_label.text().startswith("Vervangen door een nieuwe aanmelding"),
                    timeout=WAIT)
    qtbot.waitUntil(lambda: "Wat nog niet verstuurd was, is verstuurd" in window.statusBar().currentMessage(),
                    timeout=WAIT)
    shot(window, "replaced.png")
    window.runner.wait_idle()
    assert not window.is_locked and window.revoked_box is None
    store = SyncStore(laptop.case_files)
    assert store.replaced() and store.pending_count() == 0
    assert store.local_case_ids() == [case_id]  # never wiped


@pytest.mark.slow
def test_the_forgotten_passphrase_dialog_confirms_delivers_and_sets_the_old_profile_aside(
        qtbot: QtBot, server: ServerProcess, tmp_path: Path) -> None:
    laptop = enrolled(server, tmp_path / "a", "fictieve.werker", "Fictieve Werker", "onderwijsassistent", TEAM,
                      before=1)
    laptop.sync()
    case_id = SyncStore(laptop.case_files).local_case_ids()[0]
    laptop.case_files.save(case_id, FollowUpNote(occurred_on=dt.date(2025, 2, 3), text="Fictief, niet verstuurd"))
    laptop.close()
    code = server.admin("reset-user", "fictieve.werker").strip().splitlines()[-1]
    runner = TaskRunner()
    try:
        dialog = ResetProfileDialog(laptop.data_dir, runner=runner)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: "1 wijzigingen zijn nog niet verstuurd" in dialog.unsent_label.text(), timeout=WAIT)
        for edit, text in ((dialog.server_edit, server.url), (dialog.username_edit, "fictieve.werker"),
                           (dialog.code_edit, code), (dialog.passphrase_edit, "een nieuwe zin om te onthouden"),
                           (dialog.confirm_edit, "een nieuwe zin om te onthouden")):
            qtbot.keyClicks(edit, text)
        assert not dialog.ok_button.isEnabled()  # the explicit confirmation first
        dialog.confirm_check.setChecked(True)
        shot(dialog, "reset-profile.png")
        done: list[str] = []
        dialog.replaced.connect(done.append)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(done), timeout=WAIT)
        assert Path(done[0]).exists() and Path(done[0]).parent == laptop.data_dir / "backups"
    finally:
        runner.wait_idle()
    ws = Workspace(laptop.data_dir)
    try:
        cf = ws.unlock("een nieuwe zin om te onthouden")
        # The old name was sealed under the forgotten passphrase: the new profile has the server's.
        shown = server.query("SELECT display_name FROM users WHERE username = ?", ("fictieve.werker",))[0][0]
        assert cf.user.user_id == laptop.user_id and cf.user.name == shown
        cf.lock()
    finally:
        ws.close()


@pytest.mark.slow
def test_forgotten_passphrase_from_the_unlock_window_to_a_new_profile(qtbot: QtBot, server: ServerProcess,
                                                                      tmp_path: Path) -> None:
    """The whole application: "Wachtwoordzin vergeten…" on the unlock window, the dialog, then the unlock
    window of the new profile opens with the new passphrase."""
    laptop = enrolled(server, tmp_path / "a", "fictieve.werker", "Fictieve Werker", "onderwijsassistent", TEAM,
                      before=1)
    laptop.case_files.lock()
    code = server.admin("reset-user", "fictieve.werker").strip().splitlines()[-1]
    runner = TaskRunner()
    shell = Shell(laptop.workspace, runner)
    new = "een nieuwe zin om te onthouden"
    try:
        shell.start()
        door = shell.unlock_window
        assert door is not None
        qtbot.waitUntil(door.isVisible)
        qtbot.mouseClick(door.forgot_button, Qt.MouseButton.LeftButton)
        dialog = door.findChild(ResetProfileDialog)
        assert dialog is not None
        for edit, text in ((dialog.server_edit, server.url), (dialog.username_edit, "fictieve.werker"),
                           (dialog.code_edit, code), (dialog.passphrase_edit, new), (dialog.confirm_edit, new)):
            qtbot.keyClicks(edit, text)
        dialog.confirm_check.setChecked(True)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: shell.unlock_window is not None and shell.unlock_window is not door, timeout=WAIT)
        for box in shell.unlock_window.findChildren(QMessageBox):
            assert "Je nieuwe profiel is klaar" in box.text()
            box.close()
        qtbot.keyClicks(shell.unlock_window.passphrase_edit, new)
        qtbot.mouseClick(shell.unlock_window.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: shell.main_window is not None and shell.main_window.isVisible(), timeout=WAIT)
    finally:
        for w in (shell.main_window, shell.unlock_window):
            if w is not None:
                w.hide()
        if shell.main_window is not None:
            shell.main_window.dispose()
        runner.wait_idle()
        shell.workspace.close()
        laptop.workspace.close()
