"""Budget of DESIGN.md section 6 for the case summary PDF: a 20-page summary in under 2 s.

    python benchmarks/report.py [--entries 190] [--runs 11] [--pseudonymise] [--json out.json]

Builds one fictitious case in memory with the demo generator (leerrecht_desktop/demo/, its CaseWriter: invented
names, notes as field workers write them, wellbeing scales) and renders its summary repeatedly. Prints
the median and 95th percentile of the render time, the page count, the budget, and the raw cost of
laying out the same text with plain ReportLab (one Helvetica paragraph per entry: no tables, charts,
embedded fonts or Arabic shaping) with the ratio. No figure is asserted anywhere: timings on a shared
machine are noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import datetime as dt
import io
import json
import os
import random
import statistics
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

# Siblings in benchmarks/: `python benchmarks/report.py` puts this folder first on the path; the packages
# come from the installed checkout (`make` installs it editable).
from measure import p95, timed

from leerrecht_desktop.demo import CaseWriter
from leerrecht_desktop.models.case import CaseProfile, WorkerRef
from leerrecht_desktop.models.entries import Entry
from leerrecht_desktop.models.enums import Role
from leerrecht_desktop.models.records import Record, kind_of

BUDGET_MS = 2000
TODAY = dt.date(2025, 6, 20)
MADE_AT = dt.datetime(2025, 6, 20, 14, 5)


class _InMemoryCase:
    """Stands in for the store's CaseFiles so the demo writer's cases stay in memory: the benchmark
    measures rendering, not SQLite or the vault."""

    def __init__(self) -> None:
        self.user = SimpleNamespace(name="Fictieve Werker", role=Role.ONDERWIJSASSISTENT.value)
        self.me = WorkerRef("bench-user", "Fictieve Werker")
        self.records: dict[str, Record] = {}
        self.profile: CaseProfile | None = None

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        yield

    def create_case(self, profile: CaseProfile, *, today: dt.date | None = None) -> Record:
        return self.save(str(uuid.uuid4()), profile)

    def save(self, case_id: str, content: Any, *, record_id: str | None = None,
             today: dt.date | None = None) -> Record:
        record = Record(record_id or str(uuid.uuid4()), case_id, kind_of(content), 1, "bench",
                        dt.datetime.now(dt.UTC), copy.deepcopy(content))
        if isinstance(content, CaseProfile):
            self.profile = record.content  # type: ignore[assignment]
        else:
            self.records[record.record_id] = record
        return record

    def delete_entry(self, case_id: str, record_id: str) -> None:
        self.records.pop(record_id, None)


def make_case(entries: int, seed: int = 4) -> tuple[CaseProfile, list[Record]]:
    store = _InMemoryCase()
    writer = CaseWriter(store, random.Random(seed), TODAY)  # type: ignore[arg-type]
    writer.write(entries)
    assert store.profile is not None
    # A long-running case: the summary shows the whole history.
    return store.profile, list(store.records.values())


def render(profile: CaseProfile, records: list[Record], pseudonymise: bool) -> bytes:
    from leerrecht_desktop.reports.case_summary import SummaryOptions, render_case_summary

    return render_case_summary(profile, records, SummaryOptions(pseudonymise=pseudonymise),
                               made_by="Fictieve Werker", made_at=MADE_AT, today=TODAY)


def raw_render(profile: CaseProfile, records: list[Record]) -> bytes:
    """The same text with nothing of this project: plain ReportLab paragraphs in Helvetica."""
    from xml.sax.saxutils import escape

    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    style = getSampleStyleSheet()["BodyText"]
    story = [Paragraph(escape(profile.full_name), style)]
    for record in records:
        content = record.content
        assert isinstance(content, Entry)
        text = " ".join(str(v) for v in dataclasses.asdict(content).values() if isinstance(v, str))
        story.append(Paragraph(escape(text), style))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer).build(story)
    return buffer.getvalue()


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=190, help="entries in the case (190 gives about 20 pages)")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--pseudonymise", action="store_true", help="render the pseudonymised summary")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one render")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    profile, records = make_case(args.entries)
    pdf = render(profile, records, args.pseudonymise)
    pages = page_count(pdf)
    times = timed(lambda: render(profile, records, args.pseudonymise), args.runs)
    raw = timed(lambda: raw_render(profile, records), args.runs)
    med, high, raw_med = statistics.median(times), p95(times), statistics.median(raw)

    print(f"\nCase summary: {len(records)} entries, {pages} pages, {len(pdf) / 1024:.0f} KiB; "
          f"{args.runs} runs; {os.cpu_count()} cores" + (" (pseudonymised)" if args.pseudonymise else ""))
    print(f"{'figure':24} {'median':>9} {'p95':>9} {'budget':>8}  {'raw median':>10}  ratio  raw =")
    print(f"{'case_summary_pdf':24} {med:7.0f}ms {high:7.0f}ms {BUDGET_MS:6d}ms  {raw_med:8.0f}ms  "
          f"{med / raw_med:4.1f}x  plain ReportLab paragraphs of the same text, Helvetica")
    print(f"per page: {med / pages:.0f} ms")
    if args.profile:
        import cProfile
        import pstats

        with cProfile.Profile() as prof:
            render(profile, records, args.pseudonymise)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    if args.json:
        args.json.write_text(json.dumps({"case_summary_pdf": {
            "median_ms": med, "p95_ms": high, "budget_ms": BUDGET_MS, "pages": pages, "entries": len(records),
            "raw_median_ms": raw_med, "runs": args.runs, "pseudonymised": args.pseudonymise,
        }}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
