"""The case profile form (every field of the dossier) and the quick 'Nieuwe aanmelding'."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.case import CaseProfile, Contact, Referral
from leerrecht_desktop.models.catalog import pick_lists
from leerrecht_desktop.models.enums import CaseStatus, Kind
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.models.summary import CaseSummary
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.importing.plan import cases_named, duplicate_sentence
from leerrecht_desktop.ui.attachments.consent import ConsentScanField, check_consent_scan
from leerrecht_desktop.ui.forms.base import EntryForm, error_label
from leerrecht_desktop.ui.forms.widgets import (
    ChecksGroup,
    EditableChoiceCombo,
    KeyCombo,
    OptionalDateEdit,
    date_edit,
    line_edit,
    plain_text,
    pydate,
    qdate,
    watch_changes,
)
from leerrecht_desktop.ui.operations import StoreOp
from leerrecht_desktop.ui.tasks import TaskRunner


def gender_choices() -> list[tuple[str, str]]:
    return [("m", tr("Jongen (m)")), ("v", tr("Meisje (v)")), ("x", tr("X (genderneutraal)"))]


def relation_suggestions() -> list[str]:
    return [tr("moeder"), tr("vader"), tr("plusouder"), tr("voogd"), tr("grootouder"), tr("pleegouder"),
            tr("broer of zus"), tr("tante of oom"), tr("buur"), tr("vriend van het gezin")]


class ContactRow(QWidget):
    remove_requested = Signal(object)

    def __init__(self, contact: Contact, parent: QWidget | None = None):
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 4)
        column.setSpacing(1)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        self.name = line_edit(tr("Naam"))
        self.relation = line_edit(tr("Relatie, bv. moeder"), relation_suggestions())
        self.phone = line_edit(tr("Telefoon, bv. 0470 12 34 56"))
        self.name.setAccessibleName(tr("Naam"))
        self.relation.setAccessibleName(tr("Relatie"))
        self.phone.setAccessibleName(tr("Telefoon"))
        self.remove_button = QPushButton(tr("Verwijderen"))
        self.remove_button.setAutoDefault(False)
        self.remove_button.setToolTip(tr("Deze contactpersoon verwijderen"))
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        self.name_error = error_label()
        self.phone_error = error_label()
        grid.addWidget(self.name, 0, 0)
        grid.addWidget(self.relation, 0, 1)
        grid.addWidget(self.phone, 0, 2)
        grid.addWidget(self.remove_button, 0, 3)
        column.addLayout(grid)
        # Under the row, not in a grid cell: a wrapped message spanning grid columns gets clipped.
        column.addWidget(self.name_error)
        column.addWidget(self.phone_error)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 2)
        self.name.setText(contact.name)
        self.relation.setText(contact.relation)
        self.phone.setText(contact.phone)

    def contact(self) -> Contact:
        return Contact(self.name.text().strip(), self.relation.text().strip(), self.phone.text().strip())


class ContactsEditor(QWidget):
    """Parents, guardians and others: rows to add and remove, each with its own error messages."""

    rows_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._rows_box = QVBoxLayout()
        self._layout.addLayout(self._rows_box)
        self.add_button = QPushButton(tr("Contactpersoon toevoegen"))
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self._add_and_focus)
        self._layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.rows: list[ContactRow] = []
        # The fields around the editor, so rows added later sit between them in the tab order.
        self.tab_before: QWidget | None = None
        self.tab_after: QWidget | None = None

    def add_row(self, contact: Contact | None = None) -> ContactRow:
        row = ContactRow(contact or Contact(), self)
        row.remove_requested.connect(self._remove)
        self._rows_box.addWidget(row)
        self.rows.append(row)
        self._fix_tab_order()
        self.rows_changed.emit()
        return row

    def _add_and_focus(self) -> None:
        self.add_row().name.setFocus(Qt.FocusReason.OtherFocusReason)

    def _remove(self, row: ContactRow) -> None:
        index = self.rows.index(row)
        self.rows.remove(row)
        row.hide()
        row.deleteLater()
        self._fix_tab_order()
        self.rows_changed.emit()
        if self.rows:
            self.rows[min(index, len(self.rows) - 1)].name.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.add_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fix_tab_order(self) -> None:
        # Rows added later would otherwise come after the add button in the tab chain.
        chain: list[QWidget] = [self.tab_before] if self.tab_before is not None else []
        for row in self.rows:
            chain += [row.name, row.relation, row.phone, row.remove_button]
        chain.append(self.add_button)
        if self.tab_after is not None:
            chain.append(self.tab_after)
        for a, b in itertools.pairwise(chain):
            QWidget.setTabOrder(a, b)

    def contacts(self) -> list[Contact]:
        return [row.contact() for row in self.rows]

    def set_contacts(self, contacts: list[Contact]) -> None:
        for row in list(self.rows):
            self.rows.remove(row)
            row.hide()
            row.deleteLater()
        for contact in contacts:
            self.add_row(contact)
        self.rows_changed.emit()


class ProfileForm(EntryForm):
    """Every field of the case profile. With no record it creates a new case."""

    kind = Kind.CASE
    default_size = (760, 820)

    def __init__(self, parent: QWidget | None, case_files: CaseFiles, runner: TaskRunner, case_id: str | None,
                 record: Record | None = None):
        super().__init__(parent, case_files, runner, case_id, record,
                         draft_id=None if record is not None else f"new:{Kind.CASE}:{case_id or ''}")

    def title_text(self) -> str:
        return tr("Dossier bewerken") if self.record is not None else tr("Nieuw dossier")

    def build(self) -> None:
        lists = pick_lists()
        self.add_section(tr("De jongere"))
        self.first_name = self.add_field("first_name", tr("Voornaam"), line_edit())
        self.last_name = self.add_field("last_name", tr("Familienaam"), line_edit())
        self.birth_date = self.add_field("birth_date", tr("Geboortedatum"), OptionalDateEdit())
        self.gender = self.add_field("gender", tr("Gender"), KeyCombo(gender_choices()))
        self.school = self.add_field("school", tr("School"), EditableChoiceCombo(lists.schools))
        self.level = self.add_field("level", tr("Niveau"), KeyCombo(lists.levels))
        self.class_name = self.add_field("class_name", tr("Klas"), line_edit(tr("bv. 2B")))
        self.home_language = self.add_field("home_language", tr("Thuistaal"), line_edit())

        self.add_section(tr("Context"))
        self.address = self.add_field("address", tr("Adres"),
                                      plain_text(2, tr("Straat en nummer, gemeente"), limit=500))
        self.contacts = ContactsEditor()
        self.add_field(None, tr("Contactpersonen"), self.contacts, focus=self.contacts.add_button)
        self.contacts.rows_changed.connect(self._contacts_changed)
        self.network = self.add_field(
            "network", tr("Netwerk rond de jongere"),
            plain_text(3, tr("bv. zorgteam van de school, CLB, andere diensten")))
        self.contacts.tab_before, self.contacts.tab_after = self.address, self.network

        self.add_section(tr("Aanmelding"))
        self.referral_source = self.add_field("referral.source", tr("Gemeld door"),
                                              KeyCombo(lists.referral_sources))
        self.referred_by = self.add_field("referral.referred_by", tr("Naam melder"),
                                          line_edit(tr("naam of functie")))
        self.referred_on = self.add_field("referral.referred_on", tr("Datum van aanmelding"),
                                          OptionalDateEdit())
        self.concern = self.add_field("referral.concern", tr("Bezorgdheid"),
                                      plain_text(3, tr("in de woorden van de melder")))

        self.add_section(tr("Doelgroep en levensdomeinen"))
        self.target_groups = self.add_field("target_groups", tr("Doelgroep"), ChecksGroup(lists.target_groups))
        self.life_domains = self.add_field("life_domains", tr("Levensdomeinen"),
                                           ChecksGroup(lists.life_domains, columns=3))

        self.add_section(tr("Status"))
        self.status = self.add_field(
            "status", tr("Status"), KeyCombo([(s.value, s.label) for s in CaseStatus], empty_label=None))
        self.closed_reason = self.add_field("closed_reason", tr("Reden van afsluiten"),
                                            KeyCombo(lists.closed_reasons, empty_label=tr("Kies…")))
        self.status.currentIndexChanged.connect(lambda _i: self._status_changed())
        # The case's history (issue 13): when a change of status or school took effect, and why.
        self.changed_on = self.add_field("changed_on", tr("Datum van de wijziging"), OptionalDateEdit(dt.date.today()))
        self.changed_on.setToolTip(tr("Wanneer de nieuwe status of school inging: vandaag, of een dag ervoor."))
        self.change_reason = self.add_field("change_reason", tr("Reden van de wijziging"),
                                            line_edit(tr("kort, bv. intake gedaan")))
        self.assigned_label = QLabel()
        self.assigned_label.setWordWrap(True)
        self.add_field(None, tr("Toegewezen aan"), self.assigned_label)

        self.add_section(tr("Toestemming"))
        self.consent_given = self.add_field(
            "consent.given", tr("Toestemming"), QCheckBox(tr("Het gezin of de jongere gaf toestemming")))
        self.consent_on = self.add_field("consent.on", tr("Datum toestemming"), OptionalDateEdit())
        self.consent_recorded_by = self.add_field("consent.recorded_by", tr("Genoteerd door"), line_edit())
        # Issue 15: the signed form, one of this case's attachments (checked again when saving).
        self.consent_scan = self.add_field("consent.attachment_id", tr("Scan van het formulier"), ConsentScanField())
        self.consent_scan.load(self.case_files, self.case_id, self.runner)
        self.consent_given.toggled.connect(self._consent_changed)

    def default_content(self) -> CaseProfile:
        return CaseProfile(referral=Referral(referred_on=dt.date.today()))

    def keep_from_base(self, content: Any) -> None:
        assert isinstance(self._base, CaseProfile)
        content.assigned = copy.deepcopy(self._base.assigned)

    def set_content(self, content: Any) -> None:
        assert isinstance(content, CaseProfile)
        self.first_name.setText(content.first_name)
        self.last_name.setText(content.last_name)
        self.birth_date.set_value(content.birth_date)
        self.gender.set_key(content.gender)
        self.school.set_key(content.school)
        self.level.set_key(content.level)
        self.class_name.setText(content.class_name)
        self.home_language.setText(content.home_language)
        self.address.setPlainText(content.address)
        self.contacts.set_contacts(content.contacts)
        self.network.setPlainText(content.network)
        self.referral_source.set_key(content.referral.source)
        self.referred_by.setText(content.referral.referred_by)
        self.referred_on.set_value(content.referral.referred_on)
        self.concern.setPlainText(content.referral.concern)
        self.target_groups.set_keys(content.target_groups)
        self.life_domains.set_keys(content.life_domains)
        self.status.set_key(content.status or CaseStatus.AANGEMELD.value)
        self.closed_reason.set_key(content.closed_reason)
        self.changed_on.set_value(dt.date.today())
        self.change_reason.clear()
        names = [w.name for w in content.assigned if w.name]
        self.assigned_label.setText(", ".join(names) if names
                                    else tr("{name} (jij), bij het bewaren", name=self.case_files.user.name))
        self.consent_given.setChecked(content.consent.given)
        self.consent_on.set_value(content.consent.on)
        self.consent_recorded_by.setText(content.consent.recorded_by)
        self.consent_scan.set_value(content.consent.attachment_id)
        self._status_changed()
        self._consent_changed(content.consent.given, fill_defaults=False)

    def collect(self) -> CaseProfile:
        p = copy.deepcopy(self._base)
        assert isinstance(p, CaseProfile)
        p.first_name = self.first_name.text().strip()
        p.last_name = self.last_name.text().strip()
        p.birth_date = self.birth_date.value()
        p.gender = self.gender.key()
        p.school = self.school.key()
        p.level = self.level.key()
        p.class_name = self.class_name.text().strip()
        p.home_language = self.home_language.text().strip()
        p.address = self.address.toPlainText().strip()
        p.contacts = self.contacts.contacts()
        p.network = self.network.toPlainText().strip()
        p.referral = Referral(self.referral_source.key(), self.referred_on.value(), self.referred_by.text().strip(),
                              self.concern.toPlainText().strip())
        p.target_groups = self.target_groups.keys()
        p.life_domains = self.life_domains.keys()
        p.status = self.status.key()
        p.closed_reason = self.closed_reason.key() if p.status == CaseStatus.AFGESLOTEN else ""
        p.consent.given = self.consent_given.isChecked()
        p.consent.on = self.consent_on.value() if p.consent.given else None
        p.consent.recorded_by = self.consent_recorded_by.text().strip() if p.consent.given else ""
        p.consent.attachment_id = self.consent_scan.value()
        return p

    def _status_changed(self) -> None:
        self.closed_reason.setEnabled(self.status.key() == CaseStatus.AFGESLOTEN)

    def _consent_changed(self, given: bool, fill_defaults: bool = True) -> None:
        self.consent_on.setEnabled(given)
        self.consent_recorded_by.setEnabled(given)
        if given and fill_defaults and not self._loading:
            if self.consent_on.value() is None:
                self.consent_on.set_value(dt.date.today())
            if not self.consent_recorded_by.text().strip():
                self.consent_recorded_by.setText(self.case_files.user.name)

    def _contacts_changed(self) -> None:
        self.unregister_fields("contacts.")
        for i, row in enumerate(self.contacts.rows):
            self.register_field(f"contacts.{i}.name", row.name, row.name_error)
            self.register_field(f"contacts.{i}.phone", row.phone, row.phone_error)
        watch_changes(self.contacts, self._on_changed)
        self._on_changed()

    def save_call(self, content: Any) -> Callable[[], Record]:
        """The save, with the date and reason of a change of status, school or assignment for the
        case's history (the store records the steps; a date in the future is refused there)."""
        case_files, case_id = self.case_files, self.case_id
        on, reason = self.changed_on.value() or dt.date.today(), self.change_reason.text().strip()
        scan = content.consent.attachment_id
        if self.record is not None:
            assert case_id is not None
            record_id = self.record.record_id

            def save() -> Record:
                check_consent_scan(case_files, case_id, scan)  # on the store thread, as the save
                return case_files.save(case_id, content, record_id=record_id, changed_on=on, change_reason=reason)

            return save
        return lambda: case_files.create_case(content, changed_on=on, change_reason=reason)


class NewConcernForm(EntryForm):
    """'Nieuwe aanmelding': the few fields that let a concern be logged in under a minute.
    The case starts as 'aangemeld' with the worker assigned; the rest comes later in the profile."""

    kind = Kind.CASE
    default_size = (560, 640)

    def __init__(self, parent: QWidget | None, case_files: CaseFiles, runner: TaskRunner):
        super().__init__(parent, case_files, runner, None, None, draft_id="new-concern")

    def title_text(self) -> str:
        return tr("Nieuwe aanmelding")

    def subtitle_text(self) -> str:
        return tr("Alleen het nodige. De rest vul je later aan in het dossier.")

    def build(self) -> None:
        lists = pick_lists()
        self.first_name = self.add_field("first_name", tr("Voornaam"), line_edit())
        self.last_name = self.add_field("last_name", tr("Familienaam"), line_edit())
        # The same check as an import's (store/importing): a second case file for the same child splits
        # its story in two, so the worker sees the existing one, and can open it, before saving.
        self.duplicate_label = QLabel()
        self.duplicate_label.setObjectName("warningBanner")
        self.duplicate_label.setWordWrap(True)
        self.duplicate_label.setTextFormat(Qt.TextFormat.RichText)
        self.duplicate_label.setVisible(False)
        self.duplicate_label.linkActivated.connect(self._open_existing)
        self.form.addRow(self.duplicate_label)
        for edit in (self.first_name, self.last_name):
            edit.editingFinished.connect(self._check_duplicate)
            edit.textEdited.connect(lambda _text: self.duplicate_label.setVisible(False))
        self.school = self.add_field("school", tr("School"), EditableChoiceCombo(lists.schools))
        self.class_name = self.add_field("class_name", tr("Klas"), line_edit(tr("bv. 2B")))
        self.referral_source = self.add_field("referral.source", tr("Gemeld door"),
                                              KeyCombo(lists.referral_sources))
        self.referred_by = self.add_field("referral.referred_by", tr("Naam melder"),
                                          line_edit(tr("naam of functie (optioneel)")))
        self.referred_on = self.add_field("referral.referred_on", tr("Datum"), date_edit())
        self.concern = self.add_field("referral.concern", tr("Bezorgdheid"),
                                      plain_text(4, tr("in de woorden van de melder")))
        self.target_groups = self.add_field("target_groups", tr("Doelgroep"), ChecksGroup(lists.target_groups))

    def default_content(self) -> CaseProfile:
        return CaseProfile(status=CaseStatus.AANGEMELD.value, referral=Referral(referred_on=dt.date.today()))

    def _check_duplicate(self) -> None:
        first, last = self.first_name.text().strip(), self.last_name.text().strip()
        if not (first and last):
            return
        case_files = self.case_files
        StoreOp(self, lambda: cases_named(case_files, first, last), runner=self.runner) \
            .success(lambda found: self._show_duplicates(found, first, last)).run()

    def _show_duplicates(self, found: list[CaseSummary], first: str, last: str) -> None:
        if (self.first_name.text().strip(), self.last_name.text().strip()) != (first, last):
            return  # typed on meanwhile
        lines = [f"{escape(duplicate_sentence(s))} <a href=\"{escape(s.case_id)}\">{escape(tr('Openen'))}</a>"
                 for s in found[:3]]
        self.duplicate_label.setText("<br/>".join(lines))
        self.duplicate_label.setVisible(bool(found))

    def _open_existing(self, case_id: str) -> None:
        """Open the existing case in the window; this form keeps what was typed (as a draft)."""
        window = self.parentWidget()
        opener = getattr(window, "open_case", None)
        if window is not None and callable(opener):
            select = getattr(window, "select_case", None)
            if callable(select):
                select(case_id)
            opener(case_id)
            window.raise_()
            window.activateWindow()

    def set_content(self, content: Any) -> None:
        assert isinstance(content, CaseProfile)
        self.first_name.setText(content.first_name)
        self.last_name.setText(content.last_name)
        self.school.set_key(content.school)
        self.class_name.setText(content.class_name)
        self.referral_source.set_key(content.referral.source)
        self.referred_by.setText(content.referral.referred_by)
        self.referred_on.setDate(qdate(content.referral.referred_on or dt.date.today()))
        self.concern.setPlainText(content.referral.concern)
        self.target_groups.set_keys(content.target_groups)

    def collect(self) -> CaseProfile:
        p = copy.deepcopy(self._base)
        assert isinstance(p, CaseProfile)
        p.first_name = self.first_name.text().strip()
        p.last_name = self.last_name.text().strip()
        p.school = self.school.key()
        p.class_name = self.class_name.text().strip()
        p.referral = Referral(self.referral_source.key(), pydate(self.referred_on.date()),
                              self.referred_by.text().strip(), self.concern.toPlainText().strip())
        p.target_groups = self.target_groups.keys()
        p.status = CaseStatus.AANGEMELD.value
        return p

    def save_call(self, content: Any) -> Callable[[], Record]:
        case_files = self.case_files
        return lambda: case_files.create_case(content)
