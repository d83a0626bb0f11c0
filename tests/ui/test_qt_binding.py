"""The Qt binding itself must survive a long session: PySide6-Essentials 6.12.0 on Python 3.11 lost a
reference to None on every call returning nothing, and the interpreter aborted after some thousands of
calls. pyproject.toml pins a version below it; this test tells whoever lifts the pin."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import sys
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
app = QApplication(sys.argv[:1])
widget, edit = QWidget(), QLineEdit()
for i in range(30000):  # a long day of clicks and typing
    widget.setEnabled(i % 2 == 0)
    edit.setText("x")
print("survived")
"""


def test_a_long_session_of_qt_calls_does_not_crash_the_interpreter() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "survived"
