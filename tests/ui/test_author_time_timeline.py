"""The case view's timeline says when each entry was last saved (issue 13, item 1): a colleague's entry
with its author's own time, one sealed without it (by an app from before) with the time it arrived,
marked "(tijd van ontvangst)". Two real data folders through a real `leerrecht-server` process;
every name and note is fictitious."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.store import sealed_store
from leerrecht_desktop.ui.case_view import CaseView
from leerrecht_desktop.ui.models import EntryColumn
from tests.kits.synckit import DAY, ServerProcess, enrolled, profile

from .conftest import SERVER_TEAM


def _shown(moment: dt.datetime) -> str:
    local = moment.astimezone()
    return f"{local:%d/%m/%Y} om {local:%H:%M}"


def test_the_timeline_shows_the_authors_time_and_marks_a_time_received(
        qtbot: QtBot, server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w1 = enrolled(server, tmp_path / "w1", "werker1", "Fictieve Werker Een", "netsterk", SERVER_TEAM)
    coord = enrolled(server, tmp_path / "coord", "coord", "Fictieve Coordinator", "coordinator", SERVER_TEAM)
    try:
        cf = w1.case_files
        case_id = cf.create_case(profile(), today=DAY).case_id
        signed = cf.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictieve notitie met tijd"), today=DAY)
        with monkeypatch.context() as m:
            m.setattr(sealed_store, "with_saved_at", lambda payload, saved_at: payload)  # as the old app sealed
            cf.save(case_id, FollowUpNote(occurred_on=DAY - dt.timedelta(days=1), text="Fictieve oude notitie"),
                    today=DAY)
        assert w1.sync().errors == [] and coord.sync().errors == []

        view = CaseView()
        qtbot.addWidget(view)
        view.set_case_file(coord.case_files.load_case(case_id))
        timeline = view.timeline_model
        assert timeline.rowCount() == 2
        tips = {timeline.record_at(r).content.text:  # type: ignore[union-attr]
                [timeline.data(timeline.index(r, c), Qt.ItemDataRole.ToolTipRole)
                 for c in (EntryColumn.DATE, EntryColumn.AUTHOR)] for r in range(2)}
        assert tips["Fictieve notitie met tijd"] == [f"Laatst opgeslagen op {_shown(signed.saved_at)}"] * 2
        [old] = [timeline.record_at(r) for r in range(2) if timeline.record_at(r).time_received]
        marked = f"Laatst opgeslagen op {_shown(old.saved_at)} (tijd van ontvangst)"
        assert tips["Fictieve oude notitie"] == [marked] * 2
    finally:
        w1.close()
        coord.close()
