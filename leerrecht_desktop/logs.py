"""The desktop app's log: the platform's log folder, rotated, one line per record, no personal data.

The code never logs content (names, notes, addresses, the data folder's path); this module adds the
safety net for what it can't see coming, an exception's message, which may quote data (a validation
error naming a field's value, a driver error quoting a statement). Logged exceptions keep their type
and frames (module, function, line) and lose their message. `exception_frames` is shared with the
crash report (ui/crash.py). No Qt here: the commands log too."""

from __future__ import annotations

import contextlib
import getpass
import io
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import Any

from leerrecht_desktop import paths

LOG_FILENAME = "leerrecht.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
LOG_DIR_ENV = "LEERRECHT_LOG_DIR"
MAX_CHAIN = 5  # causes and contexts followed per exception: enough to see why, bounded against cycles

Frame = tuple[str, str, int]  # (module, function, line)
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def log_dir() -> Path:
    """The platform's log folder (Linux ~/.local/state/Leerrecht/log), or LEERRECHT_LOG_DIR."""
    override = os.environ.get(LOG_DIR_ENV)
    return Path(override).expanduser() if override else paths.default_log_dir()


def _frames(tb: TracebackType | None) -> list[Frame]:
    frames: list[Frame] = []
    while tb is not None:
        code = tb.tb_frame.f_code
        # The module's dotted name, never its file: a path can hold the user's login name.
        module = tb.tb_frame.f_globals.get("__name__")
        if not isinstance(module, str) or not module:
            module = Path(code.co_filename).name
        frames.append((module, getattr(code, "co_qualname", code.co_name), tb.tb_lineno))
        tb = tb.tb_next
    return frames


def type_name(exc_type: type[BaseException]) -> str:
    module = getattr(exc_type, "__module__", "")
    name = getattr(exc_type, "__qualname__", exc_type.__name__)
    return name if module in ("builtins", "", None) else f"{module}.{name}"


def exception_frames(exc: BaseException) -> list[tuple[str, list[Frame]]]:
    """The exception and its causes, outermost last as Python prints them: (type, frames) each,
    without the messages."""
    chain: list[tuple[str, list[Frame]]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(chain) < MAX_CHAIN:
        seen.add(id(current))
        chain.append((type_name(type(current)), _frames(current.__traceback__)))
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    chain.reverse()
    return chain


def safe_exception_text(exc: BaseException, *, multiline: bool = False) -> str:
    """Type and frames of `exc` and its causes; the message is left out."""
    parts = []
    for name, frames in exception_frames(exc):
        where = [f"{module}:{function}:{line}" for module, function, line in frames]
        if multiline:
            parts.append("\n".join([f"{name} (bericht weggelaten)"] + [f"  {w}" for w in where]))
        else:
            parts.append(f"{name} (bericht weggelaten) at " + " > ".join(where))
    return ("\n" if multiline else " <- caused ").join(parts)


class DropExceptionMessages(logging.Filter):
    """Replaces a record's exception by its type and frames before any formatter sees it.

    Applied to every record that reaches the log file, not only leerrecht_desktop's: a library's
    exception can quote data just as well."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = safe_exception_text(record.exc_info[1])
        elif record.exc_info:
            record.exc_text = None
        record.exc_info = None
        record.stack_info = None
        return True


class OneLineFormatter(logging.Formatter):
    """time level logger: message [| exception], always on one line, so a log reads (and greps) as one
    event per line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return " ⏎ ".join(super().format(record).splitlines())

    def formatException(self, ei: Any) -> str:
        # Reached only without DropExceptionMessages; still no message.
        return safe_exception_text(ei[1]) if ei and ei[1] is not None else ""


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A RotatingFileHandler whose files are created 0600 (rotation renames them, keeping that).

    A write that fails (a full disk, a folder gone) ends the log for this run, quietly: logging's own
    handling would print a traceback on stderr for every record, and a command must still work (or
    refuse in one line) when the log can't be written."""

    failed = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.failed:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            self.failed = True
            stream, self.stream = self.stream, None
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()  # what is still buffered can't be written either
            return
        super().handleError(record)

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with contextlib.suppress(OSError):
            os.fchmod(fd, 0o600)  # a file made by an older version or copied in may be looser
        stream = os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)
        assert isinstance(stream, io.TextIOWrapper)
        return stream


def setup_logging(directory: Path | None = None, *, max_bytes: int = MAX_BYTES,
                  backup_count: int = BACKUP_COUNT) -> PrivateRotatingFileHandler | None:
    """Log INFO and up of the app (and Alembic's upgrade steps), WARNING and up of libraries, to
    `leerrecht.log` in the log folder. Returns the handler (for `teardown_logging`), or None when the
    folder can't be made: the app then runs without a log rather than not at all."""
    folder = directory if directory is not None else log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
        handler = PrivateRotatingFileHandler(folder / LOG_FILENAME, maxBytes=max_bytes, backupCount=backup_count,
                                             encoding="utf-8")
    except OSError:
        return None
    handler.setLevel(logging.INFO)
    handler.addFilter(DropExceptionMessages())
    handler.setFormatter(OneLineFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    for name in ("leerrecht_desktop", "alembic.runtime.migration"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)
    return handler


def teardown_logging(handler: logging.Handler | None) -> None:
    if handler is None:
        return
    logging.getLogger().removeHandler(handler)
    handler.close()


@contextlib.contextmanager
def logging_to_file(directory: Path | None = None) -> Iterator[PrivateRotatingFileHandler | None]:
    """The log for one run of `main`; removed afterwards, so an in-process caller (a test, the
    self-check) doesn't keep writing into it."""
    handler = setup_logging(directory)
    try:
        yield handler
    finally:
        teardown_logging(handler)


def current_log_file(handler: logging.Handler | None = None) -> Path | None:
    """The file the app is logging to now, if any."""
    handlers = [handler] if handler is not None else logging.getLogger().handlers
    for h in handlers:
        if isinstance(h, PrivateRotatingFileHandler):
            return Path(h.baseFilename)
    return None


def tail(path: Path | None, lines: int = 200) -> list[str]:
    """The last `lines` lines of the log (and of its previous file when the current one is short)."""
    if path is None:
        return []
    found: list[str] = []
    for candidate in (Path(str(path) + ".1"), path):
        with contextlib.suppress(OSError):
            found += candidate.read_text(encoding="utf-8", errors="replace").splitlines()
    return found[-lines:]


def scrub_paths(text: str, extra: list[tuple[str, str]] | None = None) -> str:
    """Replace what could name the person at this computer in a line that leaves the laptop (a crash
    report): the temporary folder, the home folder (/home/<name>, C:\\Users\\<name>) and the login name."""
    replacements: list[tuple[str, str]] = list(extra or [])
    with contextlib.suppress(Exception):
        replacements.append((str(Path(tempfile.gettempdir())), "<tmp>"))
    with contextlib.suppress(Exception):
        replacements.append((str(Path.home()), "~"))
    with contextlib.suppress(Exception):
        user = getpass.getuser()
        if len(user) >= 3:  # a two-letter login would blank out half the words of a line
            replacements.append((user, "<user>"))
    # Longest first: the temporary folder usually lies inside the home folder.
    for old, new in sorted(replacements, key=lambda r: len(r[0]), reverse=True):
        if old:
            text = text.replace(old, new)
    return text
