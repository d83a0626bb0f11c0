"""The README's sync try-out runs as written (issue 14, a newcomer's path): its code block is taken from
README.md and run by bash, line for line, in an empty folder with a fresh home, the venv's commands on the
PATH only through the block's own `export PATH` line. Only the port is changed (to a free one) and the
passphrase is given in the environment, as the README says scripts do. At the end the coördinator's
laptop has Sofie's five case files."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def tryout_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The sync server, and two laptops syncing"):]
    match = re.search(r"```\n(.*?)```", section, re.S)
    assert match is not None, "the try-out's code block is gone from the README"
    return match.group(1)


def test_the_readme_sync_tryout_runs_as_written(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    block = tryout_block()
    assert 'export PATH="$PWD/.venv/bin:$PATH"' in block
    script = block.replace("8765", str(port)).replace('"$PWD/.venv/bin', f'"{ROOT}/.venv/bin')
    venv_bin = Path(sys.executable).parent
    if not (ROOT / ".venv" / "bin" / "leerrecht").exists():
        # Run from another checkout: its commands come from the interpreter running the tests.
        script = script.replace(f'"{ROOT}/.venv/bin', f'"{venv_bin}')
    work = tmp_path / "work"
    work.mkdir()
    env = {"HOME": str(tmp_path / "home"), "XDG_DATA_HOME": str(tmp_path / "home" / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "home" / "config"), "PATH": "/usr/bin:/bin",
           "LEERRECHT_PASSPHRASE": "fictieve wachtwoordzin om te proberen", "LEERRECHT_KDF_PROFILE": "minimum",
           "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    full = "set -euo pipefail\n" + script + "\nleerrecht cases --data-dir K\nkill %1\n"
    result = subprocess.run(["bash", "-c", full], cwd=work, env=env, capture_output=True, text=True, timeout=600,
                            start_new_session=True)
    try:
        assert result.returncode == 0, result.stderr[-3000:]
        cases = [line for line in result.stdout.splitlines() if re.match(r"^[0-9a-f]{8}", line)]
        assert len(cases) >= 5, result.stdout[-3000:]
    finally:
        # The server started with `&` must not outlive the test, even when the block failed half-way.
        subprocess.run(["pkill", "-f", "--", f"serve --port {port}"], check=False)
