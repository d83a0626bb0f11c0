"""Dependencies point one way (DESIGN.md §1): ui → (reports, sync, store, crypto) → models.
Nothing below ui imports Qt; the domain model knows no SQL and no cryptography. Checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "leerrecht_desktop"
# crypto now lives in the shared core (leerrecht_core/crypto); the rest in the desktop package.
DIRS = {"crypto": ROOT / "leerrecht_core" / "crypto"}

# For each core package, the top-level modules it must never import.
FORBIDDEN = {
    "models": {"PySide6", "shiboken6", "sqlalchemy", "alembic", "cryptography", "leerrecht_core.crypto",
               "leerrecht_desktop.store", "leerrecht_desktop.sync", "leerrecht_desktop.ui",
               "leerrecht_desktop.reports"},
    "crypto": {"PySide6", "shiboken6", "sqlalchemy", "alembic", "leerrecht_desktop"},
    "store": {"PySide6", "shiboken6", "leerrecht_desktop.ui", "leerrecht_desktop.sync", "leerrecht_desktop.reports"},
    # Reports take domain objects (models) and give bytes; loading and decrypting is the caller's job.
    "reports": {"PySide6", "shiboken6", "sqlalchemy", "alembic", "cryptography", "leerrecht_core.crypto",
                "leerrecht_desktop.store", "leerrecht_desktop.sync", "leerrecht_desktop.ui",
                "leerrecht_desktop.app"},
}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def violations(package: str) -> list[str]:
    out = []
    for path in sorted(DIRS.get(package, PACKAGE / package).rglob("*.py")):
        for name in imported_modules(path):
            for banned in FORBIDDEN[package]:
                if name == banned or name.startswith(banned + "."):
                    out.append(f"{path.relative_to(ROOT)} imports {name}")
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_core_packages_import_only_downwards(package: str) -> None:
    assert DIRS.get(package, PACKAGE / package).is_dir()
    assert violations(package) == []


def test_the_check_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import PySide6.QtCore\nfrom sqlalchemy import select\nfrom . import sibling\n")
    assert imported_modules(sample) == {"PySide6.QtCore", "sqlalchemy"}
