"""The main window's menu and toolbar actions, registered by decorator out of the window class (the
habit of Picard's `ui/mainwindow/actions.py`): each action is a function of the window, with its text,
shortcut and tip next to it. `build_actions(window)` makes them (as `window.act_<name>`), in the order
registered; `build_menus(window)` lays out the menus and the toolbar.

Texts are functions, not strings: the window is rebuilt when the language changes, and each build
asks for the text in the language of that moment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QSizePolicy, QStatusBar, QToolBar, QWidget

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.enums import Kind, Role
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.sync.handover import HandoverOutcome
from leerrecht_desktop.ui.assign_dialog import AssignDialog
from leerrecht_desktop.ui.case_view import ADD_SHORTCUTS
from leerrecht_desktop.ui.dialogs import DialogManager
from leerrecht_desktop.ui.store_events import StoreEvents
from leerrecht_desktop.ui.tasks import TaskRunner

Shortcut = QKeySequence | QKeySequence.StandardKey | str | None


class ActionHost(Protocol):
    """What the actions call on the window (MainWindow has all of it)."""

    case_files: CaseFiles
    toolbar: QToolBar
    dialogs: DialogManager
    runner: TaskRunner
    store_events: StoreEvents
    _current_case_id: str | None
    is_locked: bool

    def statusBar(self) -> QStatusBar: ...

    def new_concern(self) -> None: ...
    def focus_search(self) -> None: ...
    def open_todo(self) -> None: ...
    def edit_profile(self) -> None: ...
    def add_entry(self, kind: Kind) -> None: ...
    def erase_current_case(self) -> None: ...
    def print_summary(self) -> None: ...
    def open_overview(self) -> None: ...
    def lock(self) -> None: ...
    def close(self) -> bool: ...
    def change_passphrase(self) -> None: ...
    def open_settings(self) -> None: ...
    def sync_now(self) -> None: ...
    def open_enrol(self) -> None: ...
    def open_quarantine(self) -> None: ...
    def open_held_apart(self) -> None: ...

    def open_retention(self) -> None: ...
    def open_about(self) -> None: ...


@dataclass(frozen=True)
class ActionSpec:
    name: str  # the window gets it as `act_<name>`
    text: Callable[[], str]
    slot: Callable[[ActionHost], object]
    shortcut: Shortcut = None
    tip: Callable[[], str] | None = None


ACTIONS: list[ActionSpec] = []


def main_action(name: str, text: Callable[[], str], shortcut: Shortcut = None,
                tip: Callable[[], str] | None = None) -> Callable[[Callable[[ActionHost], object]],
                                                                  Callable[[ActionHost], object]]:
    """Register the decorated function as the main window's action `act_<name>`."""
    def register(slot: Callable[[ActionHost], object]) -> Callable[[ActionHost], object]:
        ACTIONS.append(ActionSpec(name, text, slot, shortcut, tip))
        return slot
    return register


@main_action("new", lambda: tr("Nieuwe aanmelding"), QKeySequence.StandardKey.New,
             lambda: tr("Noteer snel een nieuwe bezorgdheid (Ctrl+N)"))
def _new(window: ActionHost) -> None:
    window.new_concern()


@main_action("find", lambda: tr("Zoeken"), QKeySequence.StandardKey.Find)
def _find(window: ActionHost) -> None:
    window.focus_search()


@main_action("import_cases", lambda: tr("Importeren…"), None,
             lambda: tr("Breng dossiers in uit een rekenblad (.xlsx of .csv): eerst zie je wat er gebeurt"))
def _import_cases(window: ActionHost) -> None:
    if window.is_locked:
        return
    from leerrecht_desktop.ui.import_dialog import ImportDialog, choose_file

    parent = window if isinstance(window, QWidget) else None
    path = choose_file(parent)
    if path is None:
        return

    def done(case_ids: list[str]) -> None:
        window.store_events.changed(case_ids)
        window.statusBar().showMessage(tr("{n} dossiers geïmporteerd of aangevuld. Ze gaan mee met de volgende "
                                          "synchronisatie.", n=len(case_ids)), 10_000)

    def make() -> ImportDialog:
        dialog = ImportDialog(window.case_files, path, parent, runner=window.runner)
        dialog.imported.connect(done)
        return dialog

    window.dialogs.open("import", make)


@main_action("todo", lambda: tr("Te doen…"), "Ctrl+T",
             lambda: tr("Alle open acties en volgende stappen over je dossiers heen (Ctrl+T)"))
def _todo(window: ActionHost) -> None:
    window.open_todo()


@main_action("edit_profile", lambda: tr("Profiel bewerken"))
def _edit_profile(window: ActionHost) -> None:
    window.edit_profile()


# The case view's "+ Huisbezoek" and friends, also from the keyboard and the Dossier menu.
def _add_action(name: str, kind: Kind, text: Callable[[], str]) -> None:
    main_action(name, text, ADD_SHORTCUTS[kind])(lambda window: window.add_entry(kind))


_add_action("add_home_visit", Kind.HOME_VISIT, lambda: tr("Nieuw huisbezoek"))
_add_action("add_contact", Kind.FAMILY_CONTACT, lambda: tr("Nieuw gezinscontact"))
_add_action("add_wellbeing", Kind.WELLBEING, lambda: tr("Nieuwe welbevindenschaal"))
_add_action("add_note", Kind.NOTE, lambda: tr("Nieuwe opvolgnotitie"))
_add_action("add_support", Kind.SUPPORT, lambda: tr("Nieuwe steunmaatregel"))
ADD_ACTIONS = ["add_home_visit", "add_contact", "add_wellbeing", "add_note", "add_support"]


@main_action("erase", lambda: tr("Dossier wissen…"))
def _erase(window: ActionHost) -> None:
    window.erase_current_case()


@main_action("print_summary", lambda: tr("Samenvatting afdrukken…"), QKeySequence.StandardKey.Print,
             lambda: tr("Druk een samenvatting van dit dossier af of bewaar ze als PDF (Ctrl+P)"))
def _print_summary(window: ActionHost) -> None:
    window.print_summary()


@main_action("access_export", lambda: tr("Inzage-export…"), None,
             lambda: tr("Geef de jongere of het gezin een kopie van dit dossier (inzage, AVG art. 15): als PDF om "
                        "te lezen, of als JSON om over te dragen"))
def _access_export(window: ActionHost) -> None:
    case_id = window._current_case_id
    if window.is_locked or case_id is None:
        return
    from leerrecht_desktop.ui.access_export import export_for_access

    export_for_access(window if isinstance(window, QWidget) else None, window.case_files, case_id, window.runner,
                      on_done=lambda text: window.statusBar().showMessage(text, 15000))


@main_action("access_log", lambda: tr("Toegangslogboek…"), None,
             lambda: tr("Wie dit dossier opende, afdrukte, exporteerde, deelde of overdroeg, en wanneer"))
def _access_log(window: ActionHost) -> None:
    if not window.is_locked and window._current_case_id is not None:
        from leerrecht_desktop.ui.access_log_dialog import open_access_log

        open_access_log(window, window._current_case_id)


@main_action("overview", lambda: tr("Teamoverzicht…"), None,
             lambda: tr("Aantallen van het team voor een periode, zonder namen (PDF of CSV)"))
def _overview(window: ActionHost) -> None:
    window.open_overview()


@main_action("lock", lambda: tr("Vergrendelen"), "Ctrl+L", lambda: tr("Vergrendel Leerrecht nu (Ctrl+L)"))
def _lock(window: ActionHost) -> None:
    window.lock()


@main_action("quit", lambda: tr("Afsluiten"), QKeySequence.StandardKey.Quit)
def _quit(window: ActionHost) -> None:
    window.close()


@main_action("passphrase", lambda: tr("Wachtwoordzin wijzigen…"))
def _passphrase(window: ActionHost) -> None:
    window.change_passphrase()


@main_action("settings", lambda: tr("Instellingen…"))
def _settings(window: ActionHost) -> None:
    window.open_settings()


@main_action("sync_now", lambda: tr("Nu synchroniseren"), "F5",
             lambda: tr("Wissel nu wijzigingen uit met de server (F5)"))
def _sync_now(window: ActionHost) -> None:
    window.sync_now()


@main_action("enrol", lambda: tr("Koppelen aan server…"))
def _enrol(window: ActionHost) -> None:
    window.open_enrol()


@main_action("quarantine", lambda: tr("Geweigerde wijzigingen…"))
def _quarantine(window: ActionHost) -> None:
    window.open_quarantine()


@main_action("held_apart", lambda: tr("Apart gezette wijzigingen…"), None,
             lambda: tr("Wat een ingetrokken laptop of een verwijderde collega nog niet had verstuurd: overnemen of "
                        "weggooien"))
def _held_apart(window: ActionHost) -> None:
    window.open_held_apart()


@main_action("retention", lambda: tr("Binnenkort te wissen…"), None,
             lambda: tr("Afgesloten dossiers waarvan de bewaartermijn binnenkort voorbij is: het wissen uitstellen "
                        "met een reden"))
def _retention(window: ActionHost) -> None:
    window.open_retention()


def _open_assign(window: ActionHost, case_id: str | None) -> None:
    """The hand-over dialog (one case, or every case of a colleague); after it, every view follows
    the store (store_changed) and the status bar says whether it went out or waits for the server."""
    if window.is_locked:
        return

    def done(outcome: HandoverOutcome) -> None:
        window.store_events.changed(outcome.case_ids)
        window.statusBar().showMessage(
            tr("Overgedragen. Het gaat mee met de volgende synchronisatie.") if outcome.queued
            else tr("{n} dossier(s) overgedragen.", n=len(outcome.case_ids)), 8000)
        if not outcome.queued:
            window.sync_now()

    def make() -> AssignDialog:
        parent = window if isinstance(window, QWidget) else None
        dialog = AssignDialog(window.case_files, case_id, parent, runner=window.runner)
        dialog.assigned.connect(done)
        return dialog

    window.dialogs.open("assign", make)


@main_action("assign_case", lambda: tr("Dossier overdragen…"), None,
             lambda: tr("Geef dit dossier aan een collega: 'Toegewezen aan' en de toegang gaan mee"))
def _assign_case(window: ActionHost) -> None:
    case_id = window._current_case_id
    if case_id is not None:
        _open_assign(window, case_id)


@main_action("assign_all", lambda: tr("Alle dossiers van een collega overdragen…"), None,
             lambda: tr("Een collega vertrekt: geef al diens dossiers in één keer aan een ander"))
def _assign_all(window: ActionHost) -> None:
    _open_assign(window, None)


@main_action("about", lambda: tr("Over Leerrecht…"))
def _about(window: ActionHost) -> None:
    window.open_about()


# Shortcuts that work from every window of the app, not only the main window (Ctrl+L also from a modal
# dialog: locking.ActivityWatcher sees it first).
APPLICATION_WIDE = ("lock", "print_summary", "sync_now")


def build_actions(window: QMainWindow) -> dict[str, QAction]:
    """Make every registered action as `window.act_<name>`, then the few that start out special.
    Returns them by name (for build_menus)."""
    host: ActionHost = window  # type: ignore[assignment]  # MainWindow implements ActionHost
    actions: dict[str, QAction] = {}
    for spec in ACTIONS:
        action = QAction(spec.text(), window)
        if spec.shortcut is not None:
            action.setShortcut(QKeySequence(spec.shortcut))
        if spec.tip is not None:
            action.setToolTip(spec.tip())
            action.setStatusTip(spec.tip())
        action.triggered.connect(lambda _checked=False, slot=spec.slot: slot(host))
        window.addAction(action)  # shortcuts keep working while menus and toolbar are hidden
        setattr(window, f"act_{spec.name}", action)
        actions[spec.name] = action
    # Also from a non-modal dialog of the app (an open form, the print preview): the shortcut still works.
    for name in APPLICATION_WIDE:
        actions[name].setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    # The team's figures are the coordinator's task; others see only their own cases anyway.
    actions["overview"].setVisible(host.case_files.user.role == Role.COORDINATOR)
    actions["assign_all"].setVisible(host.case_files.user.role == Role.COORDINATOR)
    actions["held_apart"].setVisible(host.case_files.user.role == Role.COORDINATOR)
    actions["held_apart"].setEnabled(False)  # until the store says this laptop is enrolled
    actions["retention"].setVisible(host.case_files.user.role == Role.COORDINATOR)
    actions["retention"].setEnabled(False)
    actions["sync_now"].setEnabled(False)  # until the store says this laptop is enrolled
    actions["quarantine"].setEnabled(False)
    actions["about"].setMenuRole(QAction.MenuRole.AboutRole)  # macOS puts it in the application menu
    # Like erasing, the access export needs a case on screen: it follows that action's state (set by the
    # case pane when a case opens or closes, the window locks or a hand-over starts).
    erase, access = actions["erase"], actions["access_export"]
    for follower in (access, *(actions[name] for name in ADD_ACTIONS)):
        follower.setEnabled(erase.isEnabled())
        erase.changed.connect(lambda follower=follower: follower.setEnabled(erase.isEnabled()))
    # The access log is on the server: shown once the store says this laptop is enrolled; enabled as erase.
    log = actions["access_log"]
    log.setVisible(False)
    log.setEnabled(erase.isEnabled())
    erase.changed.connect(lambda: log.setEnabled(erase.isEnabled()))
    return actions


# The menus and the toolbar by action name; None is a separator.
CASE_MENU = ["new", "import_cases", "find", "todo", None, *ADD_ACTIONS, None, "edit_profile", "print_summary",
             "access_export", "access_log", "assign_case", "erase", None, "lock", "quit"]
EXTRA_MENU = ["passphrase", "settings", None, "sync_now", "enrol", "quarantine", "held_apart", "retention", None,
              "overview", "assign_all", None, "about"]


def build_menus(window: QMainWindow, actions: dict[str, QAction]) -> QToolBar:
    """The "Dossier" and "Extra" menus and the toolbar (returned: the window hides it in a hand-over)."""
    for title, names in ((tr("&Dossier"), CASE_MENU), (tr("&Extra"), EXTRA_MENU)):
        menu = window.menuBar().addMenu(title)
        for name in names:
            if name is None:
                menu.addSeparator()
            else:
                menu.addAction(actions[name])

    toolbar = QToolBar(tr("Werkbalk"))
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    toolbar.addAction(actions["new"])
    toolbar.addAction(actions["todo"])
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    toolbar.addWidget(spacer)
    for name in ("sync_now", "settings", "lock"):
        toolbar.addAction(actions[name])
    window.addToolBar(toolbar)
    return toolbar
