"""Run by tests/ui/test_fits_screen.py in its own process, on an offscreen screen of a given size (Qt's
offscreen platform reads the screen from a JSON file): opens the main window with a case, every entry form
and every dialog the window opens, as a worker would, and prints one JSON list of what lies off the
screen (a window frame, or a visible button). Nothing on a real server: network dialogs show their
"can't reach the server" state, which is what a field worker offline sees."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QTimer
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QApplication, QWidget

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def off_screen(window: QWidget, name: str, area: QRect) -> list[str]:
    problems = []
    if not area.contains(window.frameGeometry()):
        problems.append(f"{name}: window {window.frameGeometry().getRect()} outside {area.getRect()}")
    for button in window.findChildren(QAbstractButton):
        if not button.isVisibleTo(window) or button.window() is not window or _scrolls(button, window):
            continue
        rect = QRect(button.mapToGlobal(QPoint(0, 0)), button.size())
        if not area.contains(rect):
            problems.append(f"{name}: button {button.text()!r} at {rect.getRect()}")
    return problems


def _scrolls(widget: QWidget, window: QWidget) -> bool:
    """Inside a scroll area: it comes into view by scrolling, as the form's fields do."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def truncated_names(window: QWidget) -> list[str]:
    """Names, schools and the headers of the case list that do not fit their column (they would show "…")."""
    from leerrecht_desktop.ui.models import CaseColumn

    table = window.table  # type: ignore[attr-defined]
    model, metrics = table.model(), table.fontMetrics()
    problems = []
    for col in (CaseColumn.NAME, CaseColumn.SCHOOL):
        room = table.columnWidth(col) - 12  # the cell's padding
        for row in range(model.rowCount()):
            text = str(model.index(row, col).data())
            if metrics.horizontalAdvance(text) > room:
                problems.append(f"case list: {text!r} cut in a column of {table.columnWidth(col)} px")
    return problems


def settle(app: QApplication, seconds: float = 0.3) -> None:
    loop_end = dt.datetime.now() + dt.timedelta(seconds=seconds)
    while dt.datetime.now() < loop_end:
        app.processEvents()


def attachment_preview(app: QApplication, window: QWidget, case_files: object, case_id: str, area: QRect) -> list[str]:
    """The preview of an attachment (issue 15), on a one-page PDF of the case's."""
    import io

    from reportlab.platypus import Paragraph

    from leerrecht_desktop.reports.layout import build_pdf, styles
    from leerrecht_desktop.store.attachments import Attachments

    pdf = build_pdf([Paragraph("Fictieve toestemming", styles()["body"])], title="Fictief", made_by="Fictief",
                    made_at=dt.datetime(2026, 3, 5, 10, 0))
    info = Attachments(case_files).add(case_id, io.BytesIO(pdf), "Fictieve toestemming",  # type: ignore[arg-type]
                                       file_name="toestemming.pdf")
    panel = window.case_view.attachments  # type: ignore[attr-defined]
    panel.reload()
    settle(app, 1)
    preview = panel.open_preview(info.attachment_id)
    if preview is None:
        return ["attachment preview: did not open"]
    settle(app, 2)  # the page is made on the worker thread
    problems = off_screen(preview, "attachment preview", area)
    preview.reject()
    settle(app)
    return problems


def main() -> int:
    app = QApplication(sys.argv)
    from leerrecht_desktop.models.enums import Kind
    from leerrecht_desktop.store.workspace import Workspace
    from leerrecht_desktop.ui.forms import close_all_forms, open_entry_form, open_forms
    from leerrecht_desktop.ui.main_window import MainWindow
    from leerrecht_desktop.ui.style import apply_style
    from leerrecht_desktop.ui.tasks import TaskRunner
    from tests.ui.conftest import add_sample_cases

    apply_style(app)
    area = app.primaryScreen().availableGeometry()
    workspace = Workspace(Path(tempfile.mkdtemp()) / "data", create=True)
    case_files = workspace.create_profile(name="Fictieve Coördinator", role="coordinator", team="Team Noord",
                                          passphrase="blauwe fiets op de markt")
    sample = add_sample_cases(case_files, dt.date.today())
    from leerrecht_desktop.models.case import CaseProfile

    # The longest names the issue saw cut, as the case list shows them ("Achternaam, Voornaam").
    case_files.create_case(CaseProfile(first_name="Marie-Louise", last_name="Vandenbroucke",
                                       school="Scheppers secundair", class_name="5 STW"))
    case_files.create_case(CaseProfile(first_name="Szymon", last_name="Wiśniewski", school="TSM middenschool"))
    runner = TaskRunner()
    window = MainWindow(workspace, case_files, runner)
    window.show()
    settle(app, 1)
    case_id = sample.ids["Bram"]
    window.open_case(case_id)
    settle(app, 1)
    window.case_view.share_button.setVisible(True)  # as on an enrolled laptop
    window.case_view.assign_button.setVisible(True)
    settle(app)
    problems = off_screen(window, "main window", area)
    if os.environ.get("FIT_CHECK_NAMES"):
        problems += truncated_names(window)

    for kind in (Kind.HOME_VISIT, Kind.FAMILY_CONTACT, Kind.WELLBEING, Kind.NOTE, Kind.SUPPORT, Kind.CASE):
        form = open_entry_form(window, case_files, runner, case_id, kind)
        settle(app)
        problems += off_screen(form, f"form {kind.value}", area)
        close_all_forms()
        settle(app)
    assert not open_forms()

    openers = {"settings": window.open_settings, "about": window.open_about, "passphrase": window.change_passphrase,
               "overview": window.open_overview, "summary": window.print_summary,
               "quarantine": window.open_quarantine, "retention": window.open_retention,
               "held_apart": window.open_held_apart, "enrol": window.open_enrol, "todo": window.open_todo}
    for name, opener in openers.items():
        before = set(window.dialogs._open)
        opener()
        settle(app, 0.5)
        opened = [window.dialogs._open[n] for n in set(window.dialogs._open) - before]
        if not opened:
            problems.append(f"{name}: did not open")
            continue
        dialog = opened[0]
        if name == "summary":
            dialog.show_preview()  # type: ignore[attr-defined]
            settle(app, 3)  # the pages are made on the worker thread
        problems += off_screen(dialog, name, area)
        dialog.reject()
        settle(app)
    # The import dialog, on a small spreadsheet with a problem row (its longest state).
    from leerrecht_desktop.ui.import_dialog import ImportDialog

    sheet = Path(tempfile.mkdtemp()) / "caseload.csv"
    sheet.write_text("Voornaam;Familienaam;Geboortedatum\nFictief;Testkind;31/02/2012\n", encoding="utf-8")
    dialog = window.dialogs.open("import", lambda: ImportDialog(case_files, sheet, window, runner=runner))
    settle(app, 1)
    if dialog is None:
        problems.append("import: did not open")
    else:
        problems += off_screen(dialog, "import", area)
        dialog.reject()
        settle(app)
    problems += attachment_preview(app, window, case_files, case_id, area)
    print(json.dumps(problems))
    QTimer.singleShot(0, app.quit)
    window.dispose()
    runner.wait_idle()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
