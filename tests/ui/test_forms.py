"""The entry forms, driven the way a worker would: type, press keys, save, and check what the case
file then holds (through `load_case`, as the case view would show it). Every name is fictitious."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from leerrecht_core.i18n import set_language
from leerrecht_desktop.models.case import CaseProfile, Contact
from leerrecht_desktop.models.catalog import pick_lists
from leerrecht_desktop.models.entries import FamilyContact, FollowUpNote, HomeVisit, SupportMeasure, WellbeingScale
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.forms import (
    EntryForm,
    FamilyContactForm,
    FollowUpNoteForm,
    HomeVisitForm,
    NewConcernForm,
    ProfileForm,
    SupportMeasureForm,
    WellbeingForm,
    close_all_forms,
    open_entry_form,
    open_forms,
    open_new_concern_form,
)
from leerrecht_desktop.ui.tasks import TaskRunner

PASSPHRASE = "blauwe fiets op de markt"  # as in tests/conftest.py
WORKER_NAME = "Fictieve Werker"
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def tasks(qapp: QApplication, workspace: Workspace) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.wait_idle()


@pytest.fixture(autouse=True)
def _close_forms(tasks: TaskRunner, case_files: CaseFiles) -> Iterator[None]:
    # Before the engine closes: a form left open by a failing test must not write into a closed store.
    yield
    close_all_forms()
    tasks.wait_idle()
    QApplication.processEvents()


@pytest.fixture
def case_id(case_files: CaseFiles) -> str:
    profile = CaseProfile(first_name="Fictief", last_name="Testkind", birth_date=dt.date.today().replace(year=2011),
                          level="graad2", school="Den Anker")
    return case_files.create_case(profile).case_id


def save_and_wait(qtbot, form: EntryForm):  # type: ignore[no-untyped-def]
    """Press Ctrl+Enter in the form and wait for the saved record."""
    # A completer's suggestion list stays open until the worker clicks elsewhere; do that first.
    while QApplication.activePopupWidget() is not None:
        QApplication.activePopupWidget().close()
    # Window shortcuts only fire in the active window, as on a real desktop.
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    with qtbot.waitSignal(form.saved, timeout=10_000) as blocker:
        qtbot.keyClick(form.focusWidget() or form, Qt.Key.Key_Return, CTRL)
    return blocker.args[0]


def only_entry(case_files: CaseFiles, case_id: str, kind: Kind):  # type: ignore[no-untyped-def]
    entries = case_files.load_case(case_id).of_kind(kind)
    assert len(entries) == 1
    return entries[0]


# -- the quick new concern -----------------------------------------------------------------------------

def test_new_concern_form_creates_a_registered_case_assigned_to_the_worker(qtbot, case_files, tasks) -> None:
    form = open_new_concern_form(None, case_files, tasks)
    assert isinstance(form, NewConcernForm) and form.isVisible() and not form.isModal()
    assert form.referred_on.date().toPython() == dt.date.today()
    qtbot.keyClicks(form.first_name, "Noor")
    qtbot.keyClicks(form.last_name, "Fictief-Aanmelding")
    form.school.setEditText("Maurits Sabbe")
    qtbot.keyClicks(form.class_name, "1B")
    form.referral_source.set_key("clb")
    qtbot.keyClicks(form.concern, "Mist veel lessen op maandag (fictief).")
    form.target_groups.boxes["spijbelaar"].click()

    record = save_and_wait(qtbot, form)

    case = case_files.load_case(record.case_id)
    p = case.content
    assert (p.first_name, p.last_name, p.class_name) == ("Noor", "Fictief-Aanmelding", "1B")
    assert p.school == "Maurits Sabbe"
    assert p.status == "aangemeld"
    assert [w.name for w in p.assigned] == [WORKER_NAME]
    assert p.referral.source == "clb" and p.referral.referred_on == dt.date.today()
    assert p.referral.concern == "Mist veel lessen op maandag (fictief)."
    assert p.target_groups == ["spijbelaar"]
    assert case_files.load_draft("new-concern") is None
    qtbot.waitUntil(lambda: form not in open_forms())


def test_new_concern_for_a_child_with_a_case_file_says_so_with_a_link(qtbot, case_files, tasks) -> None:
    existing = case_files.create_case(CaseProfile(first_name="Ruben", last_name="Jacobs",
                                                  birth_date=dt.date(2011, 8, 14))).case_id
    form = open_new_concern_form(None, case_files, tasks)
    assert isinstance(form, NewConcernForm)
    qtbot.keyClicks(form.first_name, "ruben")
    qtbot.keyClicks(form.last_name, "Jacobs ")
    form.last_name.editingFinished.emit()  # leaving the field, as Tab does
    qtbot.waitUntil(form.duplicate_label.isVisible)
    text = form.duplicate_label.text()
    assert "Er bestaat al een dossier voor Ruben Jacobs (14/08/2011)." in text
    assert f'href="{existing}"' in text
    qtbot.keyClicks(form.last_name, "x")  # another name: the warning goes until the field is left again
    assert not form.duplicate_label.isVisible()
    form.last_name.editingFinished.emit()
    tasks.wait_idle()
    QApplication.processEvents()
    assert not form.duplicate_label.isVisible()
    assert form.last_name.text() == "Jacobs x"  # what was typed stays


def test_new_concern_without_names_says_what_is_missing_and_keeps_the_input(qtbot, case_files, tasks) -> None:
    form = open_new_concern_form(None, case_files, tasks)
    qtbot.keyClicks(form.concern, "Een fictieve zorg die niet verloren mag gaan.")
    form.save_button.click()

    assert form.error_text("first_name") == "Vul de voornaam van de jongere in."
    assert form.error_text("last_name") == "Vul de familienaam van de jongere in."
    assert not form.error_summary.isHidden()
    assert "Vul de voornaam van de jongere in." in form.error_summary_list.text()
    assert form.focusWidget() is form.first_name
    assert form.concern.toPlainText() == "Een fictieve zorg die niet verloren mag gaan."
    assert form.isVisible() and not form.is_saving
    assert case_files.summaries() == []


# -- the case profile ----------------------------------------------------------------------------------

def test_profile_bad_phone_is_explained_next_to_the_field_and_the_text_stays(qtbot, case_files, tasks,
                                                                             case_id) -> None:
    profile = case_files.load_case(case_id).profile
    form = open_entry_form(None, case_files, tasks, case_id, Kind.CASE, profile)
    assert isinstance(form, ProfileForm)
    assert form.first_name.text() == "Fictief"
    qtbot.keyClicks(form.address, "Fictieve Dreef 3, 2800 Mechelen")
    form.contacts.add_button.click()
    row = form.contacts.rows[0]
    # Keyboard first: Tab goes from the address through the new row to the add button and on.
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    form.address.setFocus()
    for expected in (row.name, row.relation, row.phone, row.remove_button, form.contacts.add_button, form.network):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is expected
    qtbot.keyClicks(row.name, "Mama Fictief")
    qtbot.keyClicks(row.relation, "moeder")
    qtbot.keyClicks(row.phone, "04 sept 12")
    form.save_button.click()

    message = form.error_text("contacts.0.phone")
    assert message.startswith("Het telefoonnummer van Mama Fictief klopt niet")
    assert not row.phone_error.isHidden()
    assert form.focusWidget() is row.phone
    assert row.phone.text() == "04 sept 12"
    assert form.address.toPlainText() == "Fictieve Dreef 3, 2800 Mechelen"
    assert case_files.load_case(case_id).profile.revision == 1  # nothing was saved

    row.phone.clear()
    qtbot.keyClicks(row.phone, "0470 12 34 56")
    saved = save_and_wait(qtbot, form)

    assert saved.record_id == profile.record_id and saved.revision == 2
    p = case_files.load_case(case_id).content
    assert p.contacts == [Contact("Mama Fictief", "moeder", "0470 12 34 56")]
    assert p.address == "Fictieve Dreef 3, 2800 Mechelen"
    assert [w.name for w in p.assigned] == [WORKER_NAME]  # not edited by the form, kept


def test_profile_contacts_can_be_removed_and_closing_needs_a_reason(qtbot, case_files, tasks, case_id) -> None:
    case_files.save(case_id, CaseProfile(first_name="Fictief", last_name="Testkind",
                                         contacts=[Contact("Eerste Fictief", "vader", ""),
                                                   Contact("Tweede Fictief", "tante", "")]),
                    record_id=case_files.load_case(case_id).profile.record_id)
    form = open_entry_form(None, case_files, tasks, case_id, Kind.CASE)
    assert [r.name.text() for r in form.contacts.rows] == ["Eerste Fictief", "Tweede Fictief"]
    form.contacts.rows[0].remove_button.click()
    form.status.set_key("afgesloten")
    assert form.closed_reason.isEnabled()
    form.save_button.click()
    assert form.error_text("closed_reason") == "Kies waarom het dossier afgesloten wordt."

    form.closed_reason.set_key("doel_bereikt")
    form.consent_given.setChecked(True)  # fills in today and the worker
    assert form.consent_recorded_by.text() == WORKER_NAME
    save_and_wait(qtbot, form)

    p = case_files.load_case(case_id).content
    assert [c.name for c in p.contacts] == ["Tweede Fictief"]
    assert (p.status, p.closed_reason) == ("afgesloten", "doel_bereikt")
    assert p.consent.given and p.consent.on == dt.date.today() and p.consent.recorded_by == WORKER_NAME


# -- entries -------------------------------------------------------------------------------------------

def test_home_visit_is_logged_with_everything_typed(qtbot, case_files, tasks, case_id) -> None:
    form = open_entry_form(None, case_files, tasks, case_id, Kind.HOME_VISIT)
    assert isinstance(form, HomeVisitForm)
    assert form.occurred_on.date().toPython() == dt.date.today()
    assert form.focusWidget() is form.start_time  # the date is today already
    qtbot.keyClicks(form.start_time, "16u30")
    form.start_time.editingFinished.emit()
    assert form.start_time.text() == "16:30"
    form.duration.set_number(45)
    qtbot.keyClicks(form.present, "moeder, jongere")
    qtbot.keyClicks(form.purpose, "Kennismaking (fictief)")
    qtbot.keyClicks(form.observations, "Rustig gesprek aan de keukentafel.")
    qtbot.keyClicks(form.agreements, "Wekker zetten.")
    qtbot.keyClicks(form.next_step, "Bellen met de school")
    form.next_step_on.set_value(dt.date.today() + dt.timedelta(days=7))
    form.referrals.set_keys(["CLB"])

    record = save_and_wait(qtbot, form)

    visit = only_entry(case_files, case_id, Kind.HOME_VISIT).content
    assert isinstance(visit, HomeVisit) and record.kind == Kind.HOME_VISIT
    assert (visit.start_time, visit.duration_minutes) == ("16:30", 45)
    assert visit.observations == "Rustig gesprek aan de keukentafel."
    assert visit.next_step_on == dt.date.today() + dt.timedelta(days=7)
    assert visit.referrals == ["CLB"]
    assert visit.author_name == WORKER_NAME
    assert case_files.summary(case_id).last_contact == dt.date.today()


def test_family_contact_needs_a_channel_then_saves(qtbot, case_files, tasks, case_id) -> None:
    form = open_entry_form(None, case_files, tasks, case_id, Kind.FAMILY_CONTACT)
    assert isinstance(form, FamilyContactForm)
    qtbot.keyClicks(form.with_whom, "vader")
    qtbot.keyClicks(form.notes, "Fictief gesprek aan de schoolpoort.")
    form.save_button.click()
    assert form.error_text("channel").startswith("Kies hoe het contact verliep")
    assert form.notes.toPlainText() == "Fictief gesprek aan de schoolpoort."

    form.channel.set_key("schoolpoort")
    form.topics.boxes["school"].click()
    form.topics.boxes["financien"].click()
    form.referrals.set_keys(["Sociaal Huis"])
    # A family contact plans its next step too (issue 14's "Te doen").
    assert not form.next_step_done.isEnabled()  # nothing to tick off before a step is written
    qtbot.keyClicks(form.next_step, "Spreek volgende week opnieuw af")
    assert form.next_step_done.isEnabled()
    next_week = dt.date.today() + dt.timedelta(days=7)
    form.next_step_on.set_value(next_week)
    save_and_wait(qtbot, form)

    contact = only_entry(case_files, case_id, Kind.FAMILY_CONTACT).content
    assert isinstance(contact, FamilyContact)
    assert (contact.channel, contact.with_whom) == ("schoolpoort", "vader")
    assert contact.topics == ["school", "financien"]
    assert contact.referrals == ["Sociaal Huis"]
    assert (contact.next_step, contact.next_step_on, contact.next_step_done) == (
        "Spreek volgende week opnieuw af", next_week, False)
    assert contact.open_action_due() == next_week


def test_follow_up_note_action_owner_defaults_to_the_worker(qtbot, case_files, tasks, case_id) -> None:
    form = open_entry_form(None, case_files, tasks, case_id, Kind.NOTE)
    assert isinstance(form, FollowUpNoteForm)
    assert not form.action_owner.isEnabled()  # no action yet
    qtbot.keyClicks(form.note_text, "Fictieve notitie na het oudercontact.")
    qtbot.keyClicks(form.action, "CLB terugbellen")
    assert form.action_owner.isEnabled() and form.action_owner.text() == WORKER_NAME
    form.due_on.set_value(dt.date.today() + dt.timedelta(days=3))
    save_and_wait(qtbot, form)

    note = only_entry(case_files, case_id, Kind.NOTE).content
    assert isinstance(note, FollowUpNote)
    assert (note.action, note.action_owner, note.done) == ("CLB terugbellen", WORKER_NAME, False)
    assert note.due_on == dt.date.today() + dt.timedelta(days=3)
    assert case_files.summary(case_id).next_action == dt.date.today() + dt.timedelta(days=3)


def test_plain_note_without_action_carries_no_owner(qtbot, case_files, tasks, case_id) -> None:
    form = open_entry_form(None, case_files, tasks, case_id, Kind.NOTE)
    qtbot.keyClicks(form.note_text, "Alleen een fictieve notitie.")
    save_and_wait(qtbot, form)
    note = only_entry(case_files, case_id, Kind.NOTE).content
    assert (note.text, note.action, note.action_owner, note.due_on) == ("Alleen een fictieve notitie.", "", "", None)


def test_support_measure_takes_the_level_of_the_case(qtbot, case_files, tasks, case_id) -> None:
    form = open_entry_form(None, case_files, tasks, case_id, Kind.SUPPORT)
    assert isinstance(form, SupportMeasureForm)
    assert form.level.key() == "graad2"
    form.measure.set_key("laptop_leen")
    qtbot.keyClicks(form.note, "Leenlaptop tot het einde van het schooljaar.")
    save_and_wait(qtbot, form)

    measure = only_entry(case_files, case_id, Kind.SUPPORT).content
    assert isinstance(measure, SupportMeasure)
    assert (measure.measure, measure.level) == ("laptop_leen", "graad2")


def test_wellbeing_scale_typed_in_by_the_worker_with_the_number_keys(qtbot, case_files, tasks, case_id) -> None:
    form = open_entry_form(None, case_files, tasks, case_id, Kind.WELLBEING)
    assert isinstance(form, WellbeingForm)
    assert form.age.number() == dt.date.today().year - 2011
    rows = list(form.scale_rows.values())
    values = [3, 4, 4, 2, 3, 1, 5, 4]
    for row, value in zip(rows[:-1], values[:-1], strict=True):
        qtbot.keyClick(row, Qt.Key(Qt.Key.Key_0 + value))
    form.save_button.click()
    assert form.error_text("answers") == "Beantwoord ook vraag 8."
    assert form.focusWidget() is rows[-1]

    qtbot.keyClick(rows[-1], Qt.Key.Key_4)
    form.place.set_key("thuis")
    form.gender.set_key("a")
    save_and_wait(qtbot, form)

    scale = only_entry(case_files, case_id, Kind.WELLBEING).content
    assert isinstance(scale, WellbeingScale)
    assert scale.answers == {f"q{i}": v for i, v in enumerate(values, start=1)}
    assert (scale.place, scale.gender, scale.filled_in_by) == ("thuis", "a", "jongere")


def test_editing_an_entry_writes_a_new_revision_of_the_same_record(qtbot, case_files, tasks, case_id) -> None:
    first = case_files.save(case_id, HomeVisit(purpose="Fictief eerste bezoek"))
    form = open_entry_form(None, case_files, tasks, case_id, Kind.HOME_VISIT, first)
    assert form.draft_id == f"edit:{first.record_id}"
    assert form.purpose.toPlainText() == "Fictief eerste bezoek"
    qtbot.keyClicks(form.agreements, "Nieuwe fictieve afspraak.")
    saved = save_and_wait(qtbot, form)
    assert (saved.record_id, saved.revision) == (first.record_id, 2)
    visit = only_entry(case_files, case_id, Kind.HOME_VISIT).content
    assert visit.agreements == "Nieuwe fictieve afspraak." and visit.purpose == "Fictief eerste bezoek"


def test_opening_the_same_form_twice_gives_the_open_window(qtbot, case_files, tasks, case_id) -> None:
    a = open_entry_form(None, case_files, tasks, case_id, Kind.NOTE)
    b = open_entry_form(None, case_files, tasks, case_id, Kind.NOTE)
    assert a is b


# -- drafts --------------------------------------------------------------------------------------------

def test_a_draft_survives_closing_the_form_unsaved(qtbot, case_files, tasks, case_id) -> None:
    draft_id = f"new:{Kind.HOME_VISIT}:{case_id}"
    form = open_entry_form(None, case_files, tasks, case_id, Kind.HOME_VISIT)
    assert form.draft_id == draft_id and form.draft_banner.isHidden()
    qtbot.keyClicks(form.observations, "Fictieve observatie die niet verloren mag gaan.")
    form.duration.set_number(30)
    qtbot.keyClick(form.observations, Qt.Key.Key_Escape)  # Esc closes; the draft stays
    qtbot.waitUntil(lambda: form not in open_forms())
    assert case_files.load_draft(draft_id) is not None
    assert case_files.load_case(case_id).entries == []

    again = open_entry_form(None, case_files, tasks, case_id, Kind.HOME_VISIT)
    assert again is not form
    assert again.observations.toPlainText() == "Fictieve observatie die niet verloren mag gaan."
    assert again.duration.number() == 30
    assert not again.draft_banner.isHidden()
    assert again.draft_banner_label.text().startswith("Concept hersteld van ")

    again.confirm_discard = lambda: True  # type: ignore[method-assign]  # "Weggooien?" answered yes
    again.discard_draft_button.click()
    assert again.observations.toPlainText() == "" and again.draft_banner.isHidden()
    assert case_files.load_draft(draft_id) is None


def test_drafts_are_written_while_typing(qtbot, case_files, tasks, case_id) -> None:
    form = open_entry_form(None, case_files, tasks, case_id, Kind.FAMILY_CONTACT)
    qtbot.keyClicks(form.notes, "Fictief, zonder te sluiten.")
    qtbot.waitUntil(lambda: (case_files.load_draft(form.draft_id) or {}).get("content", {}).get("notes")
                    == "Fictief, zonder te sluiten.", timeout=5000)
    # The draft is on disk (worker thread) a moment before the form hears back on the GUI thread.
    qtbot.waitUntil(lambda: form.draft_status.text().startswith("Concept bewaard om "), timeout=5000)


def test_an_unchanged_form_leaves_no_draft(qtbot, case_files, tasks, case_id) -> None:
    form = open_entry_form(None, case_files, tasks, case_id, Kind.SUPPORT)
    form.close()
    qtbot.waitUntil(lambda: form not in open_forms())
    tasks.wait_idle()
    assert case_files.draft_ids() == []


def test_a_draft_survives_a_lock_and_unlock(qtbot, workspace, case_files, tasks, case_id) -> None:
    form = open_entry_form(None, case_files, tasks, case_id, Kind.NOTE)
    qtbot.keyClicks(form.note_text, "Fictief: net voor het vergrendelen getypt.")
    qtbot.keyClicks(form.action, "Fictieve actie")
    # What the main window does before it locks: seal every draft, then close the forms.
    close_all_forms()
    tasks.wait_idle()
    case_files.lock()

    unlocked = workspace.unlock(PASSPHRASE)
    again = open_entry_form(None, unlocked, tasks, case_id, Kind.NOTE)
    assert again.note_text.toPlainText() == "Fictief: net voor het vergrendelen getypt."
    assert again.action.text() == "Fictieve actie"
    assert again.action_owner.text() == WORKER_NAME
    assert not again.draft_banner.isHidden()

    saved = save_and_wait(qtbot, again)
    assert saved.content.text == "Fictief: net voor het vergrendelen getypt."
    assert unlocked.load_draft(again.draft_id) is None


def test_a_profile_draft_keeps_contacts_across_reopening(qtbot, case_files, tasks, case_id) -> None:
    form = open_entry_form(None, case_files, tasks, case_id, Kind.CASE)
    form.contacts.add_button.click()
    qtbot.keyClicks(form.contacts.rows[0].name, "Fictieve Grootmoeder")
    form.save_draft_now()
    form.close()
    qtbot.waitUntil(lambda: form not in open_forms())
    again = open_entry_form(None, case_files, tasks, case_id, Kind.CASE)
    assert [r.name.text() for r in again.contacts.rows] == ["Fictieve Grootmoeder"]


# -- language ------------------------------------------------------------------------------------------

def test_forms_speak_english_when_asked(qtbot, case_files, tasks, case_id) -> None:
    set_language("en")
    form = open_entry_form(None, case_files, tasks, case_id, Kind.HOME_VISIT)
    assert form.header.text() == "New home visit"
    assert form.save_button.text() == "Save"
    form.save_button.click()
    assert form.error_text("observations") != ""


def test_keyboard_only_wellbeing_and_referrals(qtbot, case_files, tasks, case_id) -> None:
    form = open_entry_form(None, case_files, tasks, case_id, Kind.WELLBEING)
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    rows = list(form.scale_rows.values())
    rows[0].setFocus()
    # One digit per statement; each moves the focus on to the next statement by itself.
    for digit in "53421534":
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key(Qt.Key.Key_0 + int(digit)))
    assert [row.value() for row in rows] == [5, 3, 4, 2, 1, 5, 3, 4]
    qtbot.keyClick(rows[0], Qt.Key.Key_Left)
    assert rows[0].value() == 4

    visit = open_entry_form(None, case_files, tasks, case_id, Kind.HOME_VISIT)
    visit.activateWindow()
    qtbot.waitUntil(visit.isActiveWindow)
    visit.referrals.setFocus()
    visit.referrals.setCurrentRow(0)
    qtbot.keyClick(visit.referrals, Qt.Key.Key_Space)
    qtbot.keyClick(visit.referrals, Qt.Key.Key_Down)
    qtbot.keyClick(visit.referrals, Qt.Key.Key_Space)
    assert visit.referrals.keys() == [p.key for p in pick_lists().partners[:2]]
