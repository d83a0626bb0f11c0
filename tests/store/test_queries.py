"""The named reads the windows ask of the store (store/queries.py), without Qt."""

from __future__ import annotations

from pathlib import Path

from leerrecht_desktop.store import queries
from leerrecht_desktop.store.syncstore import SyncStore
from tests.kits.synckit import make_case, new_profile


def test_case_list_enrolment_and_refused_changes(tmp_path: Path) -> None:
    laptop = new_profile(tmp_path / "a", "Fictieve Werker", "onderwijsassistent", "Fictief Team")
    try:
        cf = laptop.case_files
        case_id = make_case(cf, notes=1)
        summaries, pending = queries.case_list(cf)
        assert [s.case_id for s in summaries] == [case_id] and pending == cf.pending_changes()
        assert not queries.is_enrolled(cf) and queries.last_sync_if_enrolled(cf) is None
        assert queries.stored_server_url(cf) is None
        assert queries.case_conflicts(cf, case_id) == []

        store = SyncStore(cf)
        store.save_enrolment(server_url="http://127.0.0.1:9", device_id="fictief-toestel",
                             device_token="fictief-token", team_id="fictief-team", role="onderwijsassistent",
                             recovery_public=None, pinned_sha256=None)
        assert queries.is_enrolled(cf) and queries.last_sync_if_enrolled(cf) == ""
        assert queries.stored_server_url(cf) == "http://127.0.0.1:9"

        revision_id = store.outgoing(10)[0].sealed.header.revision_id
        with cf.sync_transaction() as conn:
            store.quarantine(conn, revision_id, "Fictieve weigering")
        (refused, name), = queries.load_quarantined(cf)
        assert refused.reason == "Fictieve weigering" and name.startswith("Fictiefsync")
        queries.retry_quarantined(cf, revision_id)
        assert queries.load_quarantined(cf) == []
        with cf.sync_transaction() as conn:
            store.quarantine(conn, revision_id, "Fictieve weigering")
        queries.discard_quarantined(cf, revision_id)
        assert queries.load_quarantined(cf) == []
    finally:
        laptop.close()
