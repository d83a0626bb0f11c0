"""The author's save time travels inside the sealed, signed revision (issue 13, item 1): a colleague's
laptop that receives a revision later shows and exports when it was written, not when it arrived."""

from __future__ import annotations

import time
from typing import Any

from tests.kits.synckit import Laptop, ServerProcess, make_case


def _times(laptop: Laptop, case_id: str) -> dict[tuple[str, int], tuple[str, str]]:
    exported: dict[str, Any] = laptop.case_files.export(case_ids=[case_id])
    return {(record["record_id"], rev["revision"]): (rev["saved_at"], rev["saved_at_source"])
            for case in exported["cases"] for record in case["records"] for rev in record["revisions"]}


def test_two_laptops_exports_of_a_case_agree_on_every_saved_at(server: ServerProcess,
                                                               pair: tuple[Laptop, Laptop]) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=3)
    assert w1.sync().errors == []
    time.sleep(0.05)  # the coordinator's laptop receives it measurably later (timestamps have milliseconds)
    assert coord.sync().errors == []
    written, received = _times(w1, case_id), _times(coord, case_id)
    assert len(written) >= 4  # the profile and three notes
    assert received == written
    assert {source for _, source in received.values()} == {"author"}
    # The case view's records say the same: the author's time, not marked as received.
    records = coord.case_files.load_case(case_id).entries
    assert records and not any(r.time_received for r in records)
