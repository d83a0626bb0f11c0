"""The case view's "Geschiedenis" tab shows a case's history, newest first: date, what changed (status and
school labels, workers' names), the reason and who (issue 13, item 2). A real data folder."""

from __future__ import annotations

import copy
import datetime as dt

from pytestqt.qtbot import QtBot

from leerrecht_desktop.models.case import WorkerRef
from leerrecht_desktop.models.enums import CaseStatus
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.case_view import CaseView
from tests.kits.storekit import fictitious_profile

COLLEAGUE = WorkerRef("00000000-0000-4000-8000-000000000009", "Fictieve Collega")


def test_the_case_view_shows_the_history_newest_first(qtbot: QtBot, case_files: CaseFiles) -> None:
    today = dt.date.today()
    profile = fictitious_profile("hist")
    case = case_files.create_case(profile, changed_on=dt.date(2025, 1, 6))
    changed = copy.deepcopy(case_files.load_case(case.case_id).content)
    changed.status = CaseStatus.ACTIEF
    changed.assigned = [case_files.me, COLLEAGUE]
    case_files.save(case.case_id, changed, record_id=case.record_id, changed_on=dt.date(2025, 2, 3),
                    change_reason="Intake gedaan")
    changed = copy.deepcopy(case_files.load_case(case.case_id).content)
    changed.status, changed.closed_reason = CaseStatus.AFGESLOTEN, "doel_bereikt"
    case_files.save(case.case_id, changed, record_id=case.record_id)

    view = CaseView()
    qtbot.addWidget(view)
    view.set_case_file(case_files.load_case(case.case_id), today=today)
    tab = view.tabs.indexOf(view.history_panel)
    assert view.tabs.tabText(tab) == "Geschiedenis"
    me = case_files.me.name
    rows = view.history_panel.rows()
    assert rows[0] == (today.strftime("%d/%m/%Y"), "Status: Afgesloten", "Doel bereikt", me)
    assert ("03/02/2025", "Status: Actief", "Intake gedaan", me) in rows[1:3]
    assert ("03/02/2025", f"Toegewezen aan: {me}, Fictieve Collega", "Intake gedaan", me) in rows[1:3]
    assert set(rows[3:]) == {("06/01/2025", "Status: Aangemeld", "", me),
                             ("06/01/2025", f"Toegewezen aan: {me}", "", me),
                             ("06/01/2025", "School: Den Anker", "", me)}

    view.clear()
    assert view.history_panel.rows() == []
