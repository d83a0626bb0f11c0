"""Take the README's screenshots from the real windows on demo data (fictitious people only).

    xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python scripts/readme_screenshots.py docs/screenshots

Makes a throwaway data folder with `leerrecht init` and `leerrecht demo`, unlocks it through the unlock
window, and saves: the case list with a case's timeline, the wellbeing chart, the print preview of a
case summary and the hand-over page. Then page 1 of a case summary and of a team overview, made with
`leerrecht report` / `leerrecht overview` and rendered with `pdftoppm -png -r 50 -f 1 -l 1`."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QWidget

from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.store.workspace import Workspace
from leerrecht_desktop.ui.application import Shell
from leerrecht_desktop.ui.report_dialog import SummaryDialog
from leerrecht_desktop.ui.style import apply_style

PASSPHRASE = "schermafdruk met vier woorden"


def wait_for(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QCoreApplication.processEvents()
        time.sleep(0.02)


def settle(seconds: float = 0.4) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.02)


def grab(widget: QWidget, path: Path) -> None:
    settle()
    widget.grab().save(str(path))
    print("wrote", path)


def demo_window(cases: int) -> tuple[QApplication, Shell, Workspace, Path]:
    """A throwaway data folder with `cases` demo cases, unlocked through the unlock window; the shell's
    main window is shown. Also used by scripts/attachments_screenshots.py."""
    data = Path(tempfile.mkdtemp()) / "data"
    env = dict(os.environ, LEERRECHT_PASSPHRASE=PASSPHRASE)
    cli = [sys.executable, "-m", "leerrecht_desktop"]
    subprocess.run([*cli, "init", "--data-dir", str(data), "--name", "Sofie Demowerker", "--role",
                    "onderwijsassistent", "--team", "Arktos OA"], env=env, check=True)
    subprocess.run([*cli, "demo", "--data-dir", str(data), "--cases", str(cases), "--seed", "7"], env=env, check=True)

    app = QApplication(sys.argv[:1])
    apply_style(app)
    workspace = Workspace(data)
    shell = Shell(workspace)
    shell.start()
    unlock = shell.unlock_window
    assert unlock is not None
    unlock.passphrase_edit.setText(PASSPHRASE)
    unlock.passphrase_edit.returnPressed.emit()
    wait_for(lambda: shell.main_window is not None and shell.main_window.isVisible())
    return app, shell, workspace, data


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    _app, shell, workspace, data = demo_window(40)
    env = dict(os.environ, LEERRECHT_PASSPHRASE=PASSPHRASE)
    cli = [sys.executable, "-m", "leerrecht_desktop"]
    window = shell.main_window
    assert window is not None and shell.case_files is not None
    window.resize(1400, 860)

    # A running case with a few wellbeing scales shows the most.
    summaries = shell.case_files.summaries()
    best = max(summaries, key=lambda s: (s.status == "actief",
                                         sum(c.kind == Kind.WELLBEING for c in s.entries.values())))
    window.select_case(best.case_id)
    window.open_case(best.case_id)
    wait_for(lambda: window.current_case_id == best.case_id)
    settle(1.0)
    grab(window, out / "case-list-and-timeline.png")

    view = window.case_view
    view.tabs.setCurrentWidget(view.wellbeing)
    grab(window, out / "wellbeing-chart.png")

    window.print_summary()  # "Samenvatting afdrukken…" (Ctrl+P)
    dialog = window.summary_dialog
    assert isinstance(dialog, SummaryDialog)
    dialog.preview_button.click()
    wait_for(lambda: dialog.page_count > 0 and not dialog.busy, seconds=60)
    dialog.resize(900, 760)
    grab(dialog, out / "print-preview.png")
    dialog.reject()
    settle()

    window.start_handover()
    wait_for(lambda: window.in_handover)
    handover = next(w for w in window.findChildren(QWidget) if hasattr(w, "answer_buttons"))
    handover.start_button.click()
    handover.answer_buttons[0][3].click()
    settle(0.6)
    grab(window, out / "wellbeing-handover.png")
    shell.shutdown()
    workspace.close()

    # Page 1 of the printed documents, as the README shows them.
    with tempfile.TemporaryDirectory() as pdfs:
        summary = Path(pdfs) / "samenvatting.pdf"
        overview = Path(pdfs) / "teamoverzicht.pdf"
        subprocess.run([*cli, "report", "--data-dir", str(data), "--case", best.case_id, "--out", str(summary)],
                       env=env, check=True)
        # The last twelve months: the demo's entries go back about nine months from today.
        today = dt.date.today()
        subprocess.run([*cli, "overview", "--data-dir", str(data), "--out", str(overview),
                        "--from", (today - dt.timedelta(days=364)).isoformat(), "--to", today.isoformat()],
                       env=env, check=True)
        for pdf, name in ((summary, "case-summary-page1"), (overview, "team-overview-page1")):
            subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                            str(out / name)], check=True)
            print("wrote", out / f"{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
