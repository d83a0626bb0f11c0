"""Demo cases carry a plausible history (issue 13, item 2): registered on the referral, active from the
first contact, some closed, dated over the last two years, so last year's overview means something."""

from __future__ import annotations

import datetime as dt

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_desktop import demo
from leerrecht_desktop.models.enums import CaseStatus
from leerrecht_desktop.reports.loading import load_readable_cases
from leerrecht_desktop.reports.overview import compute_overview
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound

TODAY = dt.date(2026, 3, 16)


def test_demo_cases_have_a_dated_history_and_last_years_overview_differs_from_today(case_files: CaseFiles) -> None:
    ids = demo.populate(case_files, 40, seed=7, today=TODAY)
    closed_days = []
    for case_id in ids:
        profile = case_files.load_case(case_id).content
        statuses = [(c.value, c.on) for c in profile.history if c.field == "status"]
        assert statuses[0] == ("aangemeld", profile.referral.referred_on)
        assert [s for s, _ in statuses] == {
            CaseStatus.AANGEMELD: ["aangemeld"], CaseStatus.ACTIEF: ["aangemeld", "actief"],
            CaseStatus.AFGESLOTEN: ["aangemeld", "actief", "afgesloten"]}[CaseStatus(profile.status)]
        assert all(on is not None and TODAY - dt.timedelta(days=740) <= on <= TODAY for _, on in statuses)
        if profile.closed_on() is not None:
            closed_days.append(profile.closed_on())
    assert closed_days and min(closed_days) < dt.date(2025, 12, 31)

    readable = load_readable_cases(case_files, unreadable=(CaseNotFound, CryptoError))
    last_year = compute_overview(readable.cases, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    now = compute_overview(readable.cases, start=None, end=None)
    assert last_year.active_cases > 0 and last_year.closed_cases > 0
    assert last_year.by_status != now.by_status
