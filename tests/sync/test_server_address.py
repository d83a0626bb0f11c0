"""A new server address (sync/server_address.py) is refused with a sentence before anything is stored;
without Qt. The accepted path runs against a real server in tests/ui/test_settings.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from leerrecht_core.errors import LeerrechtError
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.server_address import ServerCheckFailed, check_and_save_server_url
from tests.kits.synckit import free_port, new_profile

OLD = "http://127.0.0.1:9"


def test_a_bad_or_silent_address_is_refused_and_the_old_one_stays(tmp_path: Path) -> None:
    laptop = new_profile(tmp_path / "a", "Fictieve Werker", "onderwijsassistent", "Fictief Team")
    try:
        store = SyncStore(laptop.case_files)
        store.save_enrolment(server_url=OLD, device_id="fictief-toestel", device_token="fictief-token",
                             team_id="fictief-team", role="onderwijsassistent", recovery_public=None,
                             pinned_sha256=None)
        with pytest.raises(ServerCheckFailed, match="geen geldig serveradres") as refused:
            check_and_save_server_url(laptop.case_files, "leerrecht punt mechelen")
        assert isinstance(refused.value, LeerrechtError)  # the settings dialog shows str(err) as it is
        nowhere = f"http://127.0.0.1:{free_port()}"
        with pytest.raises(ServerCheckFailed, match="antwoordt geen server"):
            check_and_save_server_url(laptop.case_files, nowhere)
        assert store.state().server_url == OLD
    finally:
        laptop.close()
