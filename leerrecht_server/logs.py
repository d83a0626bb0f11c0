"""The server's logs: one line per event, JSON (for journald, Loki, Elasticsearch...) or text (for
reading by eye), and never personal data or secrets.

What a line may hold is decided here and in observe.py, and written down in docs/operations.md:
route templates (never raw paths: those carry case ids), status, duration, a request id, the first
8 characters of a device id, exception *types* and where they were raised. Never: request or
response bodies, tokens, enrolment codes, authentication keys, user names, client addresses, query
strings, exception messages (a database error's message quotes the SQL parameters: user names,
token hashes, ciphertext). Who did what, with user names and addresses, is the audit log's job: it
is in the database, behind the database's access control, not in files that are shipped around."""

from __future__ import annotations

import json
import logging
import os
import traceback
from datetime import UTC, datetime
from typing import Any

# Fields a caller may attach with `extra={"fields": {...}}`; everything else on a record is ignored.
FIELDS_ATTR = "fields"
_MAX_FRAMES = 6


def _exception_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The exception's type and the innermost frames (file:line function), not its message."""
    exc_info = record.exc_info
    if not exc_info or exc_info[0] is None:
        return {}
    etype, tb = exc_info[0], exc_info[2]
    frames = traceback.extract_tb(tb)[-_MAX_FRAMES:] if tb else []
    return {"exc_type": f"{etype.__module__}.{etype.__qualname__}",
            "exc_where": [f"{_short(f.filename)}:{f.lineno} {f.name}" for f in frames]}


def _short(filename: str) -> str:
    # Paths could name a home folder (a user name); keep the package-relative part only.
    for marker in ("site-packages/", "leerrecht_server/", "leerrecht_desktop/"):
        if marker in filename:
            head = "" if marker == "site-packages/" else marker
            return head + filename.split(marker, 1)[1]
    return os.path.basename(filename)


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except (TypeError, ValueError):
        return str(record.msg)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, pid, msg, then the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "msg": _message(record),
        }
        fields = getattr(record, FIELDS_ATTR, None)
        if isinstance(fields, dict):
            out.update(fields)
        out.update(_exception_fields(record))
        return json.dumps(out, ensure_ascii=False, separators=(",", ":"), default=str)


class TextFormatter(logging.Formatter):
    """`ts LEVEL logger: msg key=value ...`; the same fields as JSON, the same omissions."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        parts = [f"{ts} {record.levelname} {record.name}: {_message(record)}"]
        fields = getattr(record, FIELDS_ATTR, None)
        if isinstance(fields, dict):
            parts += [f"{k}={v}" for k, v in fields.items() if v is not None]
        for k, v in _exception_fields(record).items():
            parts.append(f"{k}={' < '.join(reversed(v)) if isinstance(v, list) else v}")
        return " ".join(parts)


def logging_config(level: str = "info", fmt: str = "json") -> dict[str, Any]:
    """A logging.config dict for the server and uvicorn (uvicorn applies it in every worker process).

    uvicorn's access log stays off: our own request line replaces it, and uvicorn's would carry the
    raw path (case ids), the query string and the client address."""
    formatter = "leerrecht_server.logs.JsonFormatter" if fmt == "json" else "leerrecht_server.logs.TextFormatter"
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": {"()": formatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}},
        "loggers": {
            "leerrecht_server": {"handlers": ["stderr"], "level": upper, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": upper, "propagate": False},
            "uvicorn.error": {"level": upper},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
