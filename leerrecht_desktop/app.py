"""Composition root: `leerrecht` (the console script and the bundle's program) starts here.

    leerrecht [--data-dir D]                          open the window (ui/application.py)
    leerrecht --self-check                            check this installation, headless (selfcheck.py)
    leerrecht COMMAND ...                             a headless command (cli/, `leerrecht --help`)

The parser, the commands and how a refusal is printed live in cli/; this module only picks what runs,
with logging to the log folder around it. Qt is imported only when the window opens, so the commands
start fast and work without a display.
"""

from __future__ import annotations

import logging
from pathlib import Path

from leerrecht_core.i18n import tr
from leerrecht_desktop import __version__, cli, paths
from leerrecht_desktop.cli.common import EXIT_USAGE, CliError
from leerrecht_desktop.logs import logging_to_file

_log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    parser = cli.build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors: argparse already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.self_check:
        # Imported here: the checks pull in reports and Qt, which the other commands do not need.
        from leerrecht_desktop.selfcheck import run_self_check

        return run_self_check()
    data_dir = (args.data_dir or paths.default_data_dir()).expanduser()
    # The log goes to the platform's log folder; what a command prints on stderr stays as it was.
    with logging_to_file():
        _log.info("leerrecht %s: %s", __version__, args.command or "window")
        return cli.main(args, data_dir, window=_run_gui)


def _run_gui(data_dir: Path) -> int:
    # Qt is imported only here, so the commands start fast and work without a display.
    try:
        from leerrecht_desktop.ui.application import run_gui
    except ImportError as exc:
        raise CliError(tr("Het venster kan niet starten: {reason}", reason=str(exc))) from None
    return run_gui(data_dir)
