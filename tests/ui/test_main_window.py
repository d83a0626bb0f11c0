"""The main window as a field worker uses it: find a case, open it, lock, change settings."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from sqlalchemy import select, update

from leerrecht_core.i18n import current_language
from leerrecht_desktop.models.case import CaseProfile, age_on
from leerrecht_desktop.models.entries import FollowUpNote
from leerrecht_desktop.models.enums import CaseStatus, Kind, Role
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.application import Shell
from leerrecht_desktop.ui.main_window import MainWindow
from leerrecht_desktop.ui.models import CaseColumn, EntryColumn

from .conftest import FormCalls, Sample

PASSPHRASE = "blauwe fiets op de markt"  # the one tests/conftest.py gives the `case_files` profile


def shown(window: MainWindow) -> list[str]:
    return [s.first_name for s in window.visible_summaries()]


def open_case(qtbot, window: MainWindow, first_name: str) -> None:  # type: ignore[no-untyped-def]
    """Pick a case the keyboard way: search, arrow down into the list, Enter."""
    window.search_edit.clear()
    qtbot.keyClicks(window.search_edit, first_name)
    qtbot.keyClick(window.search_edit, Qt.Key.Key_Down)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.case_view.case_file is not None
                    and window.case_view.case_file.content.first_name == first_name)


def select_combo(combo, data: object) -> None:  # type: ignore[no-untyped-def]
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


# -- the list -------------------------------------------------------------------------------------------


def test_the_list_shows_every_case_with_its_columns_and_the_status_bar_says_where_data_stands(
        main_window: MainWindow, case_files: CaseFiles) -> None:
    titles = [main_window.case_model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
              for c in CaseColumn]
    assert titles == ["Naam", "School", "Klas", "Status", "Laatste contact", "Volgende actie"]
    assert sorted(shown(main_window)) == ["Amira", "Bram", "Chloë", "Dries", "Elif", "Finn"]
    assert main_window.count_label.text() == "6 dossiers"
    waiting = case_files.pending_changes()
    assert main_window.sync_label.text() == (
        f"Niet gekoppeld aan een server · {waiting} wijzigingen wachten op synchronisatie")
    assert "Fictieve Werker" in main_window.user_label.text()
    assert Role.ONDERWIJSASSISTENT.label in main_window.user_label.text()


def test_search_narrows_the_list_as_you_type(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(main_window.search_edit, "a")
    assert "Amira" in shown(main_window) and "Bram" in shown(main_window)
    qtbot.keyClicks(main_window.search_edit, "mi")
    assert shown(main_window) == ["Amira"]
    assert main_window.count_label.text() == "1 van 6 dossiers"

    main_window.search_edit.clear()
    qtbot.keyClicks(main_window.search_edit, "den anker")  # school
    assert sorted(shown(main_window)) == ["Bram", "Finn"]
    main_window.search_edit.clear()
    qtbot.keyClicks(main_window.search_edit, "6a")  # class
    assert shown(main_window) == ["Dries"]
    qtbot.keyClicks(main_window.search_edit, "x")
    assert shown(main_window) == []
    assert main_window.empty_label.isVisible()
    assert "Geen dossiers gevonden" in main_window.empty_label.text()


def test_my_cases_and_status_school_and_target_group_filters(main_window: MainWindow) -> None:
    main_window.mine_check.setChecked(True)
    assert sorted(shown(main_window)) == ["Amira", "Bram", "Dries", "Elif"]
    main_window.mine_check.setChecked(False)

    select_combo(main_window.status_combo, CaseStatus.ACTIEF.value)
    assert sorted(shown(main_window)) == ["Amira", "Bram", "Finn"]
    select_combo(main_window.school_combo, "Den Anker")
    assert sorted(shown(main_window)) == ["Bram", "Finn"]
    select_combo(main_window.status_combo, "")
    select_combo(main_window.school_combo, "")

    select_combo(main_window.group_combo, "spijbelaar")
    assert sorted(shown(main_window)) == ["Amira", "Elif"]
    select_combo(main_window.status_combo, CaseStatus.AANGEMELD.value)
    assert shown(main_window) == ["Elif"]


def test_school_filter_offers_the_schools_in_the_data(main_window: MainWindow) -> None:
    schools = [main_window.school_combo.itemData(i) for i in range(main_window.school_combo.count())]
    assert schools == ["", "De Luchtballon", "Den Anker", "Maurits Sabbe", "TSM middenschool"]


def test_sorting_by_next_action_and_by_last_contact(main_window: MainWindow) -> None:
    # Next action: soonest first, cases without one last (by name).
    assert shown(main_window) == ["Amira", "Chloë", "Bram", "Elif", "Dries", "Finn"]
    select_combo(main_window.sort_combo, 1)  # Laatste contact: most recent first
    assert shown(main_window) == ["Amira", "Bram", "Dries", "Chloë", "Finn", "Elif"]
    select_combo(main_window.sort_combo, 0)
    # Clicking the column header reverses the order but keeps cases without a date at the bottom.
    main_window.table.sortByColumn(CaseColumn.NEXT_ACTION, Qt.SortOrder.DescendingOrder)
    assert shown(main_window) == ["Elif", "Bram", "Chloë", "Amira", "Dries", "Finn"]


def test_overdue_next_action_stands_out(qtbot, main_window: MainWindow, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                        sample: Sample) -> None:
    overdue = sample.today - dt.timedelta(days=3)
    case_files.save(sample.ids["Finn"], FollowUpNote(occurred_on=overdue, text="Bellen", action="Mama bellen",
                                                     due_on=overdue))
    main_window.reload_list()
    model = main_window.case_model

    def finn_next_action(role: Qt.ItemDataRole) -> object:
        row = model.row_of(sample.ids["Finn"])
        return model.data(model.index(row, CaseColumn.NEXT_ACTION), role)

    qtbot.waitUntil(lambda: finn_next_action(Qt.ItemDataRole.ToolTipRole) == "Deze actie is over datum.")
    assert finn_next_action(Qt.ItemDataRole.DisplayRole) == overdue.strftime("%d/%m/%y")
    assert shown(main_window)[0] == "Finn"  # the most urgent case comes first


# -- the case view ----------------------------------------------------------------------------------------


def test_opening_a_case_shows_its_header_and_timeline(qtbot, main_window: MainWindow,  # type: ignore[no-untyped-def]
                                                       sample: Sample) -> None:
    open_case(qtbot, main_window, "Amira")
    view = main_window.case_view
    assert view.name_label.text() == "Amira Vandenbroeck"
    age = age_on(dt.date(sample.today.year - 14, 3, 2), dt.date.today())
    assert view.details_label.text().startswith(f"{age} jaar · Maurits Sabbe · klas 3B")
    assert view.status_label.text() == "Actief"
    assert view.workers_label.text().startswith("Begeleid door Fictieve Werker")

    timeline = view.timeline_model
    assert timeline.rowCount() == 7
    dates = [timeline.record_at(r).content.occurred_on for r in range(timeline.rowCount())]  # type: ignore[union-attr]
    assert dates == sorted(dates, reverse=True)  # newest first
    first = [timeline.data(timeline.index(0, c)) for c in EntryColumn]
    assert first[1] == "Welbevindenschaal"
    assert first[2] == "Fictieve Werker"
    assert first[3] == "Totaal 30 van 40"
    kinds = {timeline.data(timeline.index(r, EntryColumn.KIND)) for r in range(7)}
    assert kinds == {"Huisbezoek", "Gezinscontact", "Welbevindenschaal", "Opvolgnotitie", "Steunmaatregel"}
    summaries = [timeline.data(timeline.index(r, EntryColumn.SUMMARY)) for r in range(7)]
    assert "Telefoon met moeder: Afspraak met de leerkracht gemaakt." in summaries

    assert view.kind_tables[Kind.HOME_VISIT].model.rowCount() == 1
    assert view.kind_tables[Kind.NOTE].model.rowCount() == 1
    assert "Fatima Vandenbroeck" in view.profile_view.toPlainText()
    assert not view.refused_label.isVisible()


def test_wellbeing_tab_shows_the_trend_and_the_scores(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    open_case(qtbot, main_window, "Amira")
    panel = main_window.case_view.wellbeing
    assert [s.total for s in panel.chart.series()] == [19, 24, 30]
    table = panel.table
    assert table.rowCount() == 3
    newest = [table.item(0, c).text() for c in range(4)]  # type: ignore[union-attr]
    assert newest[1:] == ["30", "3,75", "+6"]  # a decimal comma, as in Flanders
    assert table.item(2, 3).text() == ""  # type: ignore[union-attr]  # the first scale has nothing to compare with

    select_combo(panel.mode_combo, "items")
    assert panel.chart.mode() == "items"
    assert panel.chart.legend_labels()[0] == "Vraag 1"


def test_a_record_that_fails_its_check_is_not_shown_but_said(qtbot, main_window: MainWindow,  # type: ignore[no-untyped-def]
                                                              workspace: Workspace, case_files: CaseFiles,
                                                              sample: Sample) -> None:
    victim = case_files.load_case(sample.ids["Amira"]).of_kind(Kind.SUPPORT)[0]
    with workspace.engine.begin() as conn:
        blob = conn.execute(select(t.records.c.ciphertext).where(
            t.records.c.record_id == victim.record_id, t.records.c.is_head.is_(True))).scalar_one()
        conn.execute(update(t.records).where(t.records.c.record_id == victim.record_id)
                     .values(ciphertext=bytes([blob[0] ^ 1]) + blob[1:]))
    open_case(qtbot, main_window, "Amira")
    view = main_window.case_view
    assert view.refused_label.isVisible()
    assert "kon niet veilig geopend worden" in view.refused_label.text()
    assert view.timeline_model.rowCount() == 6


def test_the_case_view_asks_for_the_right_form(qtbot, main_window: MainWindow, fake_forms: FormCalls,  # type: ignore[no-untyped-def]
                                                sample: Sample) -> None:
    open_case(qtbot, main_window, "Amira")
    view = main_window.case_view
    qtbot.mouseClick(view.action_buttons[Kind.HOME_VISIT], Qt.MouseButton.LeftButton)
    assert fake_forms.entry_forms[-1].call == (sample.ids["Amira"], Kind.HOME_VISIT, None)

    table = view.timeline.view
    rect = table.visualRect(view.timeline_model.index(0, EntryColumn.SUMMARY))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # a real double-click
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # starts with a press
    # A double-click reads the entry (ui/entry_view.py); editing is one button on from there.
    from leerrecht_desktop.ui.entry_view import EntryView

    reading = main_window.dialogs.get("entry", EntryView)
    assert reading is not None and fake_forms.entry_forms[-1].call[1] == Kind.HOME_VISIT
    reading.edit_button.click()
    case_id, kind, record = fake_forms.entry_forms[-1].call
    assert (case_id, kind) == (sample.ids["Amira"], Kind.WELLBEING)
    assert record is view.timeline_model.record_at(0)

    qtbot.mouseClick(view.edit_profile_button, Qt.MouseButton.LeftButton)
    case_id, kind, record = fake_forms.entry_forms[-1].call
    assert kind == Kind.CASE and record.record_id == view.case_file.profile.record_id  # type: ignore[union-attr]

    qtbot.mouseClick(view.action_buttons[Kind.WELLBEING], Qt.MouseButton.LeftButton)
    assert fake_forms.handovers == [(main_window, sample.ids["Amira"])]
    qtbot.mouseClick(view.wellbeing.add_button, Qt.MouseButton.LeftButton)  # the worker enters a scale
    assert fake_forms.entry_forms[-1].call == (sample.ids["Amira"], Kind.WELLBEING, None)


def test_a_saved_entry_shows_up_in_the_open_case(qtbot, main_window: MainWindow, fake_forms: FormCalls,  # type: ignore[no-untyped-def]
                                                 case_files: CaseFiles, sample: Sample) -> None:
    open_case(qtbot, main_window, "Bram")
    qtbot.mouseClick(main_window.case_view.action_buttons[Kind.NOTE], Qt.MouseButton.LeftButton)
    form = fake_forms.entry_forms[-1]
    record = case_files.save(sample.ids["Bram"], FollowUpNote(text="Fictieve nieuwe notitie"))
    form.saved.emit(record)
    qtbot.waitUntil(lambda: main_window.case_view.timeline_model.rowCount() == 3)


def test_new_concern_opens_the_quick_form_and_then_the_new_case(qtbot, main_window: MainWindow,  # type: ignore[no-untyped-def]
                                                                fake_forms: FormCalls, case_files: CaseFiles) -> None:
    qtbot.keyClicks(main_window.search_edit, "zzz")
    main_window.act_new.trigger()
    assert len(fake_forms.concern_forms) == 1
    record = case_files.create_case(CaseProfile(first_name="Gaia", last_name="Nieuw"))
    fake_forms.concern_forms[0].saved.emit(record)
    qtbot.waitUntil(lambda: main_window.case_view.case_id == record.case_id)
    assert main_window.search_edit.text() == ""  # the new case is visible in the list
    assert "Gaia" in shown(main_window)
    assert main_window.table.currentIndex().isValid()


def test_keyboard_shortcuts(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert main_window.act_new.shortcut().toString() == "Ctrl+N"
    assert main_window.act_lock.shortcut().toString() == "Ctrl+L"
    assert main_window.act_find.shortcut().toString() == "Ctrl+F"
    main_window.table.setFocus()
    main_window.act_find.trigger()
    assert main_window.search_edit.hasFocus() or main_window.focusWidget() is main_window.search_edit


def test_erasing_a_case_asks_first_and_then_removes_it(qtbot, main_window: MainWindow,  # type: ignore[no-untyped-def]
                                                       case_files: CaseFiles, sample: Sample) -> None:
    open_case(qtbot, main_window, "Dries")
    main_window.act_erase.trigger()
    box = main_window.erase_box
    assert box is not None
    assert "Dries Claes" in box.text()
    assert "1 notitie" in box.informativeText()
    assert "geen andere kopie" in box.informativeText()  # not linked to a server: this is the only copy
    cancel = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.RejectRole)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert sample.ids["Dries"] in {s.case_id for s in case_files.summaries()}

    main_window.act_erase.trigger()
    box = main_window.erase_box
    assert box is not None
    erase = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole)
    qtbot.mouseClick(erase, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: main_window.case_model.rowCount() == 5)
    assert "Dries" not in shown(main_window)
    assert main_window.case_view.case_file is None
    assert sample.ids["Dries"] not in {s.case_id for s in case_files.summaries()}


def test_handover_page_takes_the_whole_window_and_gives_it_back(qtbot, main_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    open_case(qtbot, main_window, "Amira")
    page = QLabel("Fictieve vragenlijst")
    main_window.show_handover_page(page)
    assert page.isVisible()
    assert not main_window.normal_page.isVisible()
    assert not main_window.menuBar().isVisible()
    assert not main_window.toolbar.isVisible()
    assert not main_window.statusBar().isVisible()
    assert not main_window.act_new.isEnabled()

    main_window.end_handover()
    assert main_window.normal_page.isVisible()
    assert main_window.menuBar().isVisible() and main_window.statusBar().isVisible()
    assert main_window.act_new.isEnabled()
    qtbot.waitUntil(lambda: main_window.case_view.case_id is not None)


# -- lock -------------------------------------------------------------------------------------------------


def unlock_through_window(qtbot, shell: Shell, passphrase: str = PASSPHRASE) -> None:  # type: ignore[no-untyped-def]
    door = shell.unlock_window
    assert door is not None and door.isVisible()
    qtbot.keyClicks(door.passphrase_edit, passphrase)
    qtbot.mouseClick(door.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shell.main_window is not None and shell.main_window.isVisible())


def test_lock_hides_the_case_data_and_unlock_brings_it_back(qtbot, shell: Shell, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                                            sample: Sample) -> None:
    shell.enter(case_files)
    window = shell.main_window
    assert window is not None
    qtbot.waitUntil(lambda: window.case_model.rowCount() == 6)
    open_case(qtbot, window, "Amira")

    window.act_lock.trigger()  # Ctrl+L
    assert not window.isVisible()
    assert window.case_model.rowCount() == 0
    assert window.case_view.case_file is None
    assert window.case_view.name_label.text() == ""
    assert window.case_view.timeline_model.rowCount() == 0
    assert window.search_edit.text() == ""
    qtbot.waitUntil(lambda: case_files.is_locked)

    unlock_through_window(qtbot, shell)
    assert shell.main_window is window  # the same window comes back
    qtbot.waitUntil(lambda: window.case_model.rowCount() == 6 and window.case_view.case_id == sample.ids["Amira"])
    assert not shell.unlock_window.isVisible()  # type: ignore[union-attr]
    assert window.case_files is not case_files and not window.case_files.is_locked


def test_idle_time_locks_the_app(qtbot, shell: Shell, case_files: CaseFiles, sample: Sample) -> None:  # type: ignore[no-untyped-def]
    shell.enter(case_files)
    window = shell.main_window
    assert window is not None
    assert window.idle_timer.interval() == 10 * 60_000  # the default: 10 minutes
    qtbot.waitUntil(lambda: window.case_model.rowCount() == 6)
    window.set_idle_interval_ms(30)
    qtbot.waitUntil(lambda: window.is_locked)
    assert not window.isVisible()
    assert window.case_model.rowCount() == 0
    assert shell.unlock_window is not None and shell.unlock_window.isVisible()


def test_lock_saves_the_drafts_of_open_forms_before_closing_them(qtbot, shell: Shell, case_files: CaseFiles,  # type: ignore[no-untyped-def]
                                                                 fake_forms: FormCalls, sample: Sample) -> None:
    shell.enter(case_files)
    window = shell.main_window
    assert window is not None
    qtbot.waitUntil(lambda: window.case_model.rowCount() == 6)
    open_case(qtbot, window, "Amira")
    window.add_entry(Kind.HOME_VISIT)
    window.open_settings()
    form = fake_forms.entry_forms[-1]
    settings = window.settings_dialog
    assert form.isVisible() and settings is not None and settings.isVisible()

    window.lock()
    assert form.drafts_saved == 1
    assert not form.isVisible()
    assert not settings.isVisible()
    qtbot.waitUntil(lambda: case_files.is_locked)


# -- passphrase and settings -------------------------------------------------------------------------------


def test_change_passphrase(qtbot, main_window: MainWindow, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    main_window.act_passphrase.trigger()
    dialog = main_window.passphrase_dialog
    assert dialog is not None and dialog.isVisible()

    qtbot.keyClicks(dialog.old_edit, "rode fiets op de markt")
    qtbot.keyClicks(dialog.new_edit, "paarse olifant in de tuin")
    qtbot.keyClicks(dialog.confirm_edit, "paarse olifant in de tuin")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.errors["old"].isVisible())
    assert "klopt niet" in dialog.errors["old"].text()
    qtbot.waitUntil(dialog.ok_button.isEnabled, timeout=10_000)

    dialog.old_edit.clear()
    qtbot.keyClicks(dialog.old_edit, PASSPHRASE)
    dialog.new_edit.clear()
    qtbot.keyClicks(dialog.new_edit, "kort")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.errors["passphrase"].isVisible())
    assert "te kort" in dialog.errors["passphrase"].text()

    dialog.new_edit.clear()
    qtbot.keyClicks(dialog.new_edit, "paarse olifant in de tuin")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: main_window.passphrase_dialog is None)  # closed (and deleted) once done
    assert main_window.statusBar().currentMessage() == "Je wachtwoordzin is gewijzigd."
    assert not workspace.unlock("paarse olifant in de tuin").is_locked


def test_settings_switch_the_app_to_english(qtbot, shell: Shell, workspace: Workspace,  # type: ignore[no-untyped-def]
                                            case_files: CaseFiles, sample: Sample) -> None:
    shell.enter(case_files)
    old = shell.main_window
    assert old is not None
    qtbot.waitUntil(lambda: old.case_model.rowCount() == 6)
    open_case(qtbot, old, "Amira")
    old.act_settings.trigger()
    dialog = old.settings_dialog
    assert dialog is not None
    assert dialog.data_dir_edit.isReadOnly() and dialog.data_dir_edit.text() == str(workspace.data_dir)
    select_combo(dialog.language_combo, "en")
    dialog.idle_spin.setValue(5)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: shell.main_window is not old)
    window = shell.main_window
    assert window is not None and window.isVisible()
    assert current_language() == "en"
    assert workspace.language == "en"
    assert workspace.idle_lock_minutes == 5
    assert window.idle_timer.interval() == 5 * 60_000
    assert window.search_edit.placeholderText() == "Search by name, school, class or in the notes  (Ctrl+F)"
    assert [a.text() for a in window.menuBar().actions()] == ["&Case file", "&Tools"]
    assert window.act_lock.text() == "Lock"
    assert window.mine_check.text() == "My case files"
    qtbot.waitUntil(lambda: window.case_model.rowCount() == 6 and window.case_view.case_id == sample.ids["Amira"])
    assert window.count_label.text() == "6 case files"
    assert window.case_view.tabs.tabText(0) == "Timeline"
    assert window.case_view.status_label.text() == "Active"
    assert "Not linked to a server" in window.sync_label.text()
