"""The desktop bundle (build.spec): PyInstaller builds it on this machine, and the bundled program answers
--version and passes its --self-check in a clean environment (no virtualenv, no PYTHONPATH, no source
tree), offscreen. Slow (about a minute to build on the 2-core machine); CI runs it like every test.

LEERRECHT_BUNDLE_DIR=dist/leerrecht reuses a bundle built before (e.g. by `make bundle`) instead of
building one. The fast checks at the end keep the icon files and the licence in step with their sources."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from leerrecht_desktop import __version__
from leerrecht_desktop.ui.about import ICON_SIZES, LICENCE

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "build.spec"
ICONS = ROOT / "resources" / "icons"
# A bound that catches a dependency dragging in half of Qt or the server stack; the bundle is about 215 MB.
MAX_BUNDLE_MB = 320
CHECKS = ["resources", "vault", "records", "pdf", "qt", "cleanup"]


def program(bundle: Path) -> Path:
    # Windows has a windowed Leerrecht.exe and a console leerrecht-cli.exe (see build.spec).
    return bundle / ("leerrecht-cli.exe" if sys.platform == "win32" else "leerrecht")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    reuse = os.environ.get("LEERRECHT_BUNDLE_DIR")
    if reuse:
        folder = Path(reuse).resolve()
        assert program(folder).is_file(), f"LEERRECHT_BUNDLE_DIR={reuse} holds no bundle"
        yield folder
        return
    pytest.importorskip("PyInstaller", reason="pip install '.[bundle]' (part of '.[dev]')")
    work = tmp_path_factory.mktemp("bundle")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(work / "dist"), "--workpath", str(work / "build"), str(SPEC)],
        cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False,
    )
    took = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    print(f"\nbundle built in {took:.0f} s")  # shown with -s; the figure is in docs/desktop-bundle.md
    yield work / "dist" / "leerrecht"


def clean_env(home: Path) -> dict[str, str]:
    """What a freshly installed program sees: no virtualenv, no PYTHONPATH, no source tree, no test settings."""
    env = {
        "PATH": os.defpath,
        "HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
    }
    if sys.platform == "win32":  # Windows can't start a program without these
        env.update({k: os.environ[k] for k in ("SYSTEMROOT", "WINDIR", "USERPROFILE") if k in os.environ})
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    return env


def run_bundled(bundle: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # cwd outside the repository, so nothing can be imported from the source tree by accident.
    return subprocess.run([str(program(bundle)), *args], cwd=home, env=clean_env(home), capture_output=True,
                          text=True, timeout=300, check=False)


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


@pytest.mark.slow
def test_the_bundle_answers_version(bundle: Path, tmp_path: Path) -> None:
    result = run_bundled(bundle, tmp_path, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"leerrecht {__version__}"


@pytest.mark.slow
def test_the_bundle_passes_its_self_check_headless(bundle: Path, tmp_path: Path) -> None:
    result = run_bundled(bundle, tmp_path, "--self-check")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"leerrecht {__version__} --self-check (bundel;")  # frozen, not the source tree
    for check in CHECKS:
        assert any(line.split()[:2] == ["OK", check] for line in lines), f"{check}:\n{result.stdout}"
    assert "FAILED" not in result.stdout
    assert list((tmp_path / "tmp").iterdir()) == []  # the temporary profile is gone


@pytest.mark.slow
def test_the_bundle_holds_the_desktop_and_not_the_server(bundle: Path) -> None:
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(program(bundle)))
    modules = set(archive.open_embedded_archive("PYZ.pyz").toc)
    assert {"leerrecht_desktop.app", "leerrecht_desktop.selfcheck", "leerrecht_desktop.ui.application",
            "leerrecht_desktop.cli.reports", "leerrecht_desktop.demo.writer",
            "alembic.op", "sqlalchemy.dialects.sqlite"} <= modules
    unwanted = {m for m in modules if m.split(".")[0] in {"leerrecht_server", "fastapi", "uvicorn", "psycopg",
                                                         "pytest", "hypothesis", "tkinter", "PyInstaller"}}
    assert not unwanted, sorted(unwanted)[:20]
    internal = bundle / "_internal"
    for rel in ("resources/i18n/en/ui_about.json", "resources/questionnaires/welbevindenschaal.json",
                "resources/fonts/NotoSans-Regular.ttf", "resources/icons/leerrecht-256.png",
                "resources/demo/names.json", "leerrecht_desktop/store/migrations/env.py"):
        assert (internal / rel).is_file(), rel
    assert list((internal / "leerrecht_desktop/store/migrations/versions").glob("0001_*.py"))
    assert folder_mb(bundle) < MAX_BUNDLE_MB


# -- fast: the files the bundle and the about box rely on ------------------------------------------------


def test_the_icon_exists_at_every_size_and_the_ico_holds_them_all() -> None:
    for size in ICON_SIZES:
        png = (ICONS / f"leerrecht-{size}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])
        assert (width, height) == (size, size)
    ico = (ICONS / "leerrecht.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind, count) == (0, 1, len(ICON_SIZES))
    sides = sorted(ico[6 + 16 * i] or 256 for i in range(count))
    assert sides == sorted(ICON_SIZES)
    assert (ICONS / "leerrecht.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_the_about_box_licence_is_the_declared_one() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["license"]
    assert declared == {"text": LICENCE}


def test_the_spec_sets_the_windows_icon_and_the_entry_point() -> None:
    spec = SPEC.read_text(encoding="utf-8")
    assert "leerrecht.ico" in spec
    assert "from leerrecht_desktop.app import main" in spec
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["leerrecht"] == "leerrecht_desktop.app:main"
