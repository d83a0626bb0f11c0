"""Dependencies point one way (DESIGN.md §1): the import contracts in pyproject.toml ([tool.importlinter]),
checked by import-linter on this checkout's import graph, function-level imports included. `make lint`
and CI run `lint-imports` too; this test makes `make test` check them as well."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The same entry point as the `lint-imports` script, run with this interpreter (no PATH lookup).
COMMAND = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def run_contracts(*args: str) -> subprocess.CompletedProcess[str]:
    # This checkout first on the path, so the graph is of the code under test, not another install.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", COMMAND, "--no-cache", "--no-logo", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_the_import_contracts_are_kept() -> None:
    result = run_contracts()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contracts_see_a_broken_rule(tmp_path: Path) -> None:
    # A contract that must break on today's code: the check really reads the graph and fails on a break.
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["leerrecht_desktop"]\ninclude_external_packages = true\n\n'
        '[[tool.importlinter.contracts]]\nname = "ui without Qt (false)"\ntype = "forbidden"\n'
        'source_modules = ["leerrecht_desktop.ui"]\nforbidden_modules = ["PySide6"]\n', encoding="utf-8")
    result = run_contracts(str(config))
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
