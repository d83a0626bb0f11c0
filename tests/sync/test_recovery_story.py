"""Issue 11, the forgotten passphrase end to end, with real server processes and real data folders: a
worker with cases and an unsent change forgets their passphrase; the beheerder runs `reset-user`; the
worker enrols again with the new code and a new passphrase (on the old folder, on a fresh one, or on a
new laptop while the old one still knows the old passphrase); `recover-user` runs as a subprocess with
the key from LEERRECHT_RECOVERY_KEY; the next sync brings every case back, identical, with the unsent
change. Every name and note is fictitious."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store.database import database_path
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.sync import reenrol
from leerrecht_desktop.sync.account import enrol
from leerrecht_desktop.sync.engine import SyncEngine
from leerrecht_desktop.sync.reenrol import Delivery, DeliveryFailed, reenrol_forgotten
from leerrecht_desktop.sync.transport import DeviceReplaced
from tests.kits.synckit import DAY, ROOT, Laptop, ServerProcess, enrolled, make_case, snapshot

pytestmark = pytest.mark.slow

NEW_PASSPHRASE = "blauwe fiets langs het kanaal"
UNSENT_TEXT = "Fictief huisbezoek, nog niet verstuurd"


def cli(*args: str | Path, passphrase: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERRECHT_")}
    env.update({"LEERRECHT_KDF_PROFILE": "minimum", "PYTHONIOENCODING": "utf-8", "LEERRECHT_PASSPHRASE": passphrase,
                "PYTHONPATH": str(ROOT)})
    if code is not None:
        env["LEERRECHT_ENROL_CODE"] = code
    return subprocess.run([sys.executable, "-m", "leerrecht_desktop", *map(str, args)], env=env, cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=600, stdin=subprocess.DEVNULL)


def recover_user(server: ServerProcess, username: str, recovery_private: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LEERRECHT_RECOVERY_KEY": recovery_private}
    return subprocess.run([sys.executable, "-m", "leerrecht_server", "admin", "--db", server.db_url, "recover-user",
                           username], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
                          stdin=subprocess.DEVNULL)


def sync_folder(data_dir: Path, passphrase: str) -> None:
    ws = Workspace(data_dir)
    try:
        cf = ws.unlock(passphrase)
        engine = SyncEngine.for_case_files(cf)
        try:
            engine.sync_once()
        finally:
            engine.transport.close()
        cf.lock()
    finally:
        ws.close()


def reset_code(server: ServerProcess, username: str) -> str:
    return server.admin("reset-user", username).strip().splitlines()[-1]


class Story:
    """A team with a recovery key, a worker with two synced cases shared with their coordinator, and
    one change saved after the last sync (unsent)."""

    def __init__(self, server: ServerProcess, tmp_path: Path):
        server.admin("create-team", "Noord")
        self.recovery_private = server.admin("create-recovery-key").strip().splitlines()[-1]
        self.server = server
        self.coord = enrolled(server, tmp_path / "coord", "coord", "Fictieve Coordinator", "coordinator", "Noord")
        self.worker = enrolled(server, tmp_path / "w1", "werker1", "Fictieve Werker Een", "netsterk", "Noord",
                               before=2)
        assert self.worker.sync().waiting == 0
        self.case_ids = sorted(SyncStore(self.worker.case_files).local_case_ids())
        self.user_id = self.worker.user_id
        self.worker.case_files.save(self.case_ids[0], FollowUpNote(occurred_on=DAY, text=UNSENT_TEXT), today=DAY)
        assert SyncStore(self.worker.case_files).pending_count() == 1
        self.before = {c: snapshot(self.worker.case_files, c) for c in self.case_ids}

    def forget(self) -> Path:
        """The worker's old laptop, closed: its passphrase is forgotten."""
        self.worker.close()
        return self.worker.data_dir

    def recover(self) -> None:
        result = recover_user(self.server, "werker1", self.recovery_private)
        assert result.returncode == 0, result.stderr
        assert self.recovery_private not in result.stdout + result.stderr

    def assert_back(self, data_dir: Path, passphrase: str) -> None:
        ws = Workspace(data_dir)
        try:
            cf = ws.unlock(passphrase)
            assert cf.user.user_id == self.user_id
            assert sorted(SyncStore(cf).local_case_ids()) == self.case_ids
            for case_id in self.case_ids:
                assert snapshot(cf, case_id) == self.before[case_id]
            texts = [getattr(r.content, "text", "") for r in cf.load_case(self.case_ids[0]).entries]
            assert UNSENT_TEXT in texts
            cf.lock()
        finally:
            ws.close()

    def close(self) -> None:
        self.coord.close()


@pytest.fixture
def story(server: ServerProcess, tmp_path: Path) -> Any:
    s = Story(server, tmp_path)
    yield s
    s.close()


def test_forgotten_passphrase_on_the_old_folder_brings_every_case_back(story: Story, tmp_path: Path) -> None:
    old = story.forget()
    code = reset_code(story.server, "werker1")

    refused = cli("enroll", "--data-dir", old, "--server", story.server.url, "--user", "werker1",
                  passphrase=NEW_PASSPHRASE, code=code)
    assert refused.returncode == 1 and "--reset-profile" in refused.stderr, refused.stderr

    done = cli("enroll", "--data-dir", old, "--server", story.server.url, "--user", "werker1", "--reset-profile",
               passphrase=NEW_PASSPHRASE, code=code)
    assert done.returncode == 0, done.stderr
    assert "1 niet-verstuurde wijzigingen zijn verstuurd" in done.stderr
    set_aside = list((old / "backups").glob(reenrol.SET_ASIDE_PREFIX + "*.sqlite3"))
    assert len(set_aside) == 1 and stat.S_IMODE(set_aside[0].stat().st_mode) == 0o600
    assert str(set_aside[0]) in done.stderr
    assert not (old / reenrol.STAGING_DIRNAME).exists()

    story.recover()
    synced = cli("sync", "--data-dir", old, passphrase=NEW_PASSPHRASE)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    story.assert_back(old, NEW_PASSPHRASE)
    # The coordinator still reads the worker's cases, the change made before the reset included.
    story.coord.sync()
    assert snapshot(story.coord.case_files, story.case_ids[0]) == story.before[story.case_ids[0]]


def test_without_the_delivery_step_the_unsent_change_would_be_lost(story: Story) -> None:
    """The mutant check: the same story with the delivery taken out loses the unsent change."""
    old = story.forget()
    code = reset_code(story.server, "werker1")
    reenrol_forgotten(old, story.server.url, "werker1", code, NEW_PASSPHRASE,
                      deliver=lambda _old, _transport: Delivery(0, 0))
    story.recover()
    ws = Workspace(old)
    try:
        cf = ws.unlock(NEW_PASSPHRASE)
        SyncEngine.for_case_files(cf).sync_once()
        texts = [getattr(r.content, "text", "") for r in cf.load_case(story.case_ids[0]).entries]
        assert UNSENT_TEXT not in texts
        cf.lock()
    finally:
        ws.close()


def test_a_failed_delivery_sets_nothing_aside_and_a_second_try_finishes(story: Story) -> None:
    old = story.forget()
    code = reset_code(story.server, "werker1")

    def server_gone(_old: Workspace, _transport: object) -> Delivery:
        raise DeliveryFailed("De server is niet bereikbaar.")

    with pytest.raises(DeliveryFailed):
        reenrol_forgotten(old, story.server.url, "werker1", code, NEW_PASSPHRASE, deliver=server_gone)
    assert not (old / "backups").exists() or not list((old / "backups").glob(reenrol.SET_ASIDE_PREFIX + "*"))
    assert database_path(old).exists() and (old / reenrol.STAGING_DIRNAME).exists()
    assert reenrol.unsent_changes(old) == 1  # nothing set aside, nothing lost
    ws = Workspace(old)
    try:
        with pytest.raises(Exception, match="wachtwoordzin klopt niet"):
            ws.unlock(NEW_PASSPHRASE)  # still the old profile
    finally:
        ws.close()
    # Again, with the same code (used already) and the same new passphrase: the staged profile goes on.
    done = reenrol_forgotten(old, story.server.url, "werker1", code, NEW_PASSPHRASE)
    assert done.delivery.delivered == 1 and done.set_aside.exists()
    story.recover()
    sync_folder(old, NEW_PASSPHRASE)
    story.assert_back(old, NEW_PASSPHRASE)


def test_forgotten_passphrase_on_a_fresh_folder(story: Story, tmp_path: Path) -> None:
    story.forget()
    code = reset_code(story.server, "werker1")
    fresh = tmp_path / "nieuwe-laptop"
    assert cli("init", "--data-dir", fresh, "--name", "Fictieve Werker Een", "--role", "netsterk",
               passphrase=NEW_PASSPHRASE).returncode == 0
    done = cli("enroll", "--data-dir", fresh, "--server", story.server.url, "--user", "werker1",
               passphrase=NEW_PASSPHRASE, code=code)
    assert done.returncode == 0, done.stderr
    story.recover()
    synced = cli("sync", "--data-dir", fresh, passphrase=NEW_PASSPHRASE)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    # The unsent change stayed on the forgotten laptop: everything the server had is back.
    ws = Workspace(fresh)
    try:
        cf = ws.unlock(NEW_PASSPHRASE)
        assert cf.user.user_id == story.user_id
        assert sorted(SyncStore(cf).local_case_ids()) == story.case_ids
        for case_id in story.case_ids[1:]:
            assert snapshot(cf, case_id) == story.before[case_id]
        cf.lock()
    finally:
        ws.close()
    # A further laptop logs in with the new passphrase: the server has the secrets sealed for the account's id.
    further = cli("enroll", "--data-dir", tmp_path / "derde", "--server", story.server.url, "--user", "werker1",
                  passphrase=NEW_PASSPHRASE)
    assert further.returncode == 0, further.stderr


def test_a_fresh_folder_with_cases_is_not_bound_to_the_reset_account(story: Story, tmp_path: Path) -> None:
    story.forget()
    code = reset_code(story.server, "werker1")
    ws = Workspace(tmp_path / "vol", create=True)
    try:
        cf = ws.create_profile(name="Fictieve Werker Een", role="netsterk", team="Noord", passphrase=NEW_PASSPHRASE)
        make_case(cf, notes=1)
        with pytest.raises(Exception, match="heeft al dossiers"):
            enrol(ws, cf, story.server.url, "werker1", code, NEW_PASSPHRASE)
        assert not SyncStore(cf).is_enrolled()
    finally:
        ws.close()


def test_a_replaced_laptop_delivers_what_it_had_stops_and_keeps_its_cases(story: Story, tmp_path: Path) -> None:
    """The worker got a new laptop through a reset; the old one still knows the old passphrase."""
    code = reset_code(story.server, "werker1")
    new_ws = Workspace(tmp_path / "nieuw", create=True)
    new_cf = new_ws.create_profile(name="Fictieve Werker Een", role="netsterk", team="Noord",
                                   passphrase=NEW_PASSPHRASE)
    report = enrol(new_ws, new_cf, story.server.url, "werker1", code, NEW_PASSPHRASE)
    assert report.rebound
    new_ws.close()

    old: Laptop = story.worker
    with pytest.raises(DeviceReplaced) as replaced:
        old.sync()
    assert str(replaced.value) \
        == "Deze laptop is vervangen door een nieuwe aanmelding van jouw account. Wat nog niet verstuurd was, " \
        "is verstuurd; deze laptop synchroniseert niet meer. De dossiers blijven hier leesbaar tot je ze wist."
    store = SyncStore(old.case_files)
    assert store.replaced() and store.pending_count() == 0
    for case_id in story.case_ids:  # never wiped
        assert snapshot(old.case_files, case_id) == story.before[case_id]
    with pytest.raises(DeviceReplaced):
        old.sync()  # stopped for good, without asking the server again
    old.close()

    story.recover()
    sync_folder(tmp_path / "nieuw", NEW_PASSPHRASE)
    story.assert_back(tmp_path / "nieuw", NEW_PASSPHRASE)
