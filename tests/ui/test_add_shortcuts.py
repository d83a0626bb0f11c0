"""+ Huisbezoek, + Contact, + Welbevinden, + Notitie and + Steun from the keyboard (issue 14): each is in the
Dossier menu with its shortcut, works only with a case open, and opens the right form for that case."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.ui.case_view import ADD_SHORTCUTS
from leerrecht_desktop.ui.main_window import MainWindow

from .conftest import FormCalls, Sample

NAMES = {Kind.HOME_VISIT: "add_home_visit", Kind.FAMILY_CONTACT: "add_contact", Kind.WELLBEING: "add_wellbeing",
         Kind.NOTE: "add_note", Kind.SUPPORT: "add_support"}


def test_adding_an_entry_has_a_shortcut_in_the_menu(qtbot: QtBot, main_window: MainWindow, fake_forms: FormCalls,
                                                    sample: Sample) -> None:
    case_menu = main_window.menuBar().actions()[0].menu()
    in_menu = {a.text(): a.shortcut().toString() for a in case_menu.actions() if not a.isSeparator()}
    for kind, name in NAMES.items():
        action = getattr(main_window, f"act_{name}")
        assert in_menu[action.text()] == QKeySequence(ADD_SHORTCUTS[kind]).toString()
        assert not action.isEnabled()  # no case open
    main_window.open_case(sample.ids["Bram"])
    qtbot.waitUntil(lambda: main_window.act_add_note.isEnabled())
    main_window.activateWindow()
    qtbot.waitUntil(main_window.isActiveWindow)
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(main_window.case_view, Qt.Key.Key_N, ctrl_shift)
    assert fake_forms.entry_forms[-1].call == (sample.ids["Bram"], Kind.NOTE, None)
    main_window.act_add_home_visit.trigger()
    assert fake_forms.entry_forms[-1].call == (sample.ids["Bram"], Kind.HOME_VISIT, None)
