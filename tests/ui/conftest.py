"""Fixtures for the UI shell. Every name, school class and note here is fictitious."""

from __future__ import annotations

import datetime as dt
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QWidget

from leerrecht_desktop.models.case import CaseProfile, Contact, Referral, WorkerRef
from leerrecht_desktop.models.entries import FamilyContact, FollowUpNote, HomeVisit, SupportMeasure, WellbeingScale
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.application import Shell
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.tasks import TaskRunner
from tests.kits.synckit import ServerProcess, running_server

OTHER_WORKER = WorkerRef("00000000-0000-4000-8000-000000000001", "Andere Collega")


@dataclass
class Sample:
    """The fictitious caseload the shell tests look at, by first name."""

    ids: dict[str, str]
    today: dt.date


def scale(day: dt.date, values: list[int], by: str = "jongere") -> WellbeingScale:
    return WellbeingScale(occurred_on=day, place="school", answers={f"q{i}": v for i, v in enumerate(values, 1)},
                          filled_in_by=by)


def add_sample_cases(case_files: CaseFiles, today: dt.date) -> Sample:
    """Six cases that differ in what the list's search, filters and sort look at."""

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    me = case_files.me
    ids: dict[str, str] = {}
    profiles = [
        CaseProfile(first_name="Amira", last_name="Vandenbroeck", birth_date=dt.date(today.year - 14, 3, 2),
                    gender="v", school="Maurits Sabbe", level="graad2", class_name="3B", status="actief",
                    target_groups=["spijbelaar"], life_domains=["school", "gezin"], assigned=[me],
                    address="Fictiefstraat 1, 2800 Mechelen",
                    contacts=[Contact("Fatima Vandenbroeck", "moeder", "0470 12 34 56")],
                    referral=Referral("clb", ago(120), "CLB-medewerker", "Veel afwezig op maandag."),
                    network="Leerlingenbegeleider, CLB"),
        CaseProfile(first_name="Bram", last_name="Peeters", birth_date=dt.date(today.year - 16, 9, 12),
                    gender="m", school="Den Anker", level="graad3", class_name="5C", status="actief",
                    target_groups=["jongere_at_risk"], assigned=[me, OTHER_WORKER]),
        CaseProfile(first_name="Chloë", last_name="Janssens", birth_date=dt.date(today.year - 9, 1, 20),
                    gender="v", school="De Luchtballon", level="lager", class_name="L4", status="aangemeld",
                    target_groups=["vsv"], assigned=[OTHER_WORKER],
                    referral=Referral("school", ago(5), "Zorgcoördinator", "Komt vaak zonder boterhammen.")),
        CaseProfile(first_name="Dries", last_name="Claes", birth_date=dt.date(today.year - 17, 6, 1),
                    gender="m", school="Maurits Sabbe", level="graad3", class_name="6A", status="afgesloten",
                    closed_reason="doel_bereikt", target_groups=["neet"], assigned=[me]),
        CaseProfile(first_name="Elif", last_name="Yilmaz", birth_date=dt.date(today.year - 13, 11, 30),
                    gender="v", school="TSM middenschool", level="graad1", class_name="1A", status="aangemeld",
                    target_groups=["spijbelaar", "jongere_at_risk"], assigned=[me]),
        CaseProfile(first_name="Finn", last_name="Maes", birth_date=dt.date(today.year - 15, 2, 14),
                    gender="m", school="Den Anker", level="graad2", class_name="4D", status="actief",
                    assigned=[OTHER_WORKER]),
    ]
    with case_files.batch():
        for profile in profiles:
            ids[profile.first_name] = case_files.create_case(profile, today=today).case_id
        a = ids["Amira"]
        case_files.save(a, HomeVisit(occurred_on=ago(40), start_time="16:30", duration_minutes=60,
                                     purpose="Kennismaking met het gezin", observations="Warm onthaal.",
                                     agreements="Amira zet een wekker.", next_step="Bellen met de school",
                                     next_step_on=ago(-3)), today=today)
        case_files.save(a, FamilyContact(occurred_on=ago(20), channel="telefoon", with_whom="moeder",
                                         topics=["school"], notes="Afspraak met de leerkracht gemaakt."),
                        today=today)
        case_files.save(a, FollowUpNote(occurred_on=ago(10), text="Amira was drie dagen op tijd.",
                                        action="Terugkoppelen aan CLB", due_on=ago(-1)), today=today)
        case_files.save(a, SupportMeasure(occurred_on=ago(60), measure="laptop_leen", level="graad2"), today=today)
        case_files.save(a, scale(ago(90), [2, 3, 2, 2, 3, 3, 2, 2]), today=today)
        case_files.save(a, scale(ago(45), [3, 3, 3, 2, 3, 4, 3, 3]), today=today)
        case_files.save(a, scale(ago(2), [4, 4, 3, 3, 4, 4, 4, 4]), today=today)
        case_files.save(ids["Bram"], FollowUpNote(occurred_on=ago(30), text="Gesprek over stage.",
                                                  action="Stageplaats zoeken", due_on=ago(-20)), today=today)
        case_files.save(ids["Bram"], FamilyContact(occurred_on=ago(3), channel="schoolpoort", with_whom="vader"),
                        today=today)
        case_files.save(ids["Chloë"], FollowUpNote(occurred_on=ago(4), text="Eerste contact gepland.",
                                                   action="Huisbezoek plannen", due_on=ago(-8)), today=today)
        case_files.save(ids["Dries"], HomeVisit(occurred_on=ago(200), purpose="Afsluitend gesprek"), today=today)
        case_files.save(ids["Elif"], FollowUpNote(occurred_on=ago(1), text="Aangemeld door de school.",
                                                  action="Ouders bellen", due_on=ago(-40)), today=today)
    return Sample(ids, today)


@pytest.fixture
def runner(workspace: Workspace) -> Iterator[TaskRunner]:
    # Depends on `workspace`, so its teardown (wait for queued store work) runs before the engine closes.
    task_runner = TaskRunner()
    yield task_runner
    task_runner.wait_idle()


@pytest.fixture
def sample(case_files: CaseFiles) -> Sample:
    return add_sample_cases(case_files, dt.date.today())


@pytest.fixture
def main_window(qtbot, workspace: Workspace, case_files: CaseFiles, runner: TaskRunner,  # type: ignore[no-untyped-def]
                sample: Sample) -> Iterator[MainWindow]:
    window = MainWindow(workspace, case_files, runner)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.case_model.rowCount() == len(sample.ids))
    qtbot.waitUntil(lambda: not window.notes_search.building)  # searching the notes is ready too
    yield window
    window.dispose()
    runner.wait_idle()


@pytest.fixture
def shell(qtbot, workspace: Workspace, runner: TaskRunner) -> Iterator[Shell]:  # type: ignore[no-untyped-def]
    app_shell = Shell(workspace, runner)
    yield app_shell
    for window in (app_shell.main_window, app_shell.unlock_window, app_shell.first_start):
        if window is not None:
            window.hide()
    if app_shell.main_window is not None:
        app_shell.main_window.dispose()
    runner.wait_idle()


# -- stand-ins for the forms and the hand-over (written elsewhere; the shell only needs their contract) --


class FakeForm(QDialog):
    saved = Signal(object)

    def __init__(self, parent: QWidget | None, call: tuple[Any, ...]):
        super().__init__(parent)
        self.call = call
        self.drafts_saved = 0

    def save_draft_now(self) -> None:
        self.drafts_saved += 1


@dataclass
class FormCalls:
    entry_forms: list[FakeForm] = field(default_factory=list)
    concern_forms: list[FakeForm] = field(default_factory=list)
    handovers: list[tuple[Any, ...]] = field(default_factory=list)


@pytest.fixture
def fake_forms(monkeypatch: pytest.MonkeyPatch) -> FormCalls:
    """Replace `ui.forms` and `ui.handover` with recorders that honour the agreed signatures."""
    calls = FormCalls()

    def open_entry_form(parent: QWidget, case_files: CaseFiles, runner: TaskRunner, case_id: str, kind: Kind,
                        record: Record | None = None) -> FakeForm:
        form = FakeForm(parent, (case_id, kind, record))
        form.show()
        calls.entry_forms.append(form)
        return form

    def open_new_concern_form(parent: QWidget, case_files: CaseFiles, runner: TaskRunner) -> FakeForm:
        form = FakeForm(parent, ())
        form.show()
        calls.concern_forms.append(form)
        return form

    def start_handover(main_window: Any, workspace: Workspace, case_files: CaseFiles, runner: TaskRunner,
                       case_id: str) -> None:
        calls.handovers.append((main_window, case_id))

    forms = types.ModuleType("leerrecht_desktop.ui.forms")
    forms.open_entry_form = open_entry_form  # type: ignore[attr-defined]
    forms.open_new_concern_form = open_new_concern_form  # type: ignore[attr-defined]
    handover = types.ModuleType("leerrecht_desktop.ui.handover")
    handover.start_handover = start_handover  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "leerrecht_desktop.ui.forms", forms)
    monkeypatch.setitem(sys.modules, "leerrecht_desktop.ui.handover", handover)
    return calls


# The dialogs that talk to a real server (sharing, hand-over, erasure, held-apart, settings, sync).
SERVER_TEAM = "Team Noord"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A real `leerrecht-server` on loopback with the team SERVER_TEAM."""
    with running_server(tmp_path / "server", team=SERVER_TEAM) as proc:
        yield proc
