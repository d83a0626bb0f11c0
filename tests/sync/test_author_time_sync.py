"""The author's save time travels inside the sealed, signed revision (issue 13, item 1): a colleague's
laptop that receives a revision later shows and exports when it was written, not when it arrived."""

from __future__ import annotations

import datetime as dt
import io
import time
from typing import Any

import pypdf

from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.reports.case_summary import SummaryOptions, render_case_summary
from tests.kits.synckit import DAY, Laptop, ServerProcess, make_case


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


def _summary_text(laptop: Laptop, case_id: str) -> str:
    case = laptop.case_files.load_case(case_id)
    pdf = render_case_summary(case.content, case.entries, SummaryOptions(), made_by="Fictieve Maker",
                              made_at=dt.datetime(2025, 6, 20, 14, 5), today=DAY)
    return " ".join(" ".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(pdf)).pages).split())


def test_entries_of_one_day_are_in_the_order_they_were_written_on_both_laptops(
        server: ServerProcess, pair: tuple[Laptop, Laptop]) -> None:
    """The worker writes a note offline; the coordinator writes one later and syncs first, so the
    coordinator's laptop receives the worker's note after writing its own. Ordered by when the notes
    arrived, the two laptops would disagree; by the author's time, both say: the worker's first."""
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=0)
    assert w1.sync().errors == [] and coord.sync().errors == []
    w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictieve eerste notitie"), today=DAY)
    time.sleep(0.01)  # a later millisecond
    coord.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictieve tweede notitie"), today=DAY)
    assert coord.sync().errors == []
    assert w1.sync().errors == []
    assert coord.sync().errors == []

    for laptop in (w1, coord):
        texts = [r.content.text for r in laptop.case_files.load_case(case_id).entries]  # type: ignore[union-attr]
        assert texts == ["Fictieve tweede notitie", "Fictieve eerste notitie"], laptop.name  # newest first
        summary = _summary_text(laptop, case_id)
        assert summary.index("Fictieve eerste notitie") < summary.index("Fictieve tweede notitie"), laptop.name
    assert _times(w1, case_id) == _times(coord, case_id)
