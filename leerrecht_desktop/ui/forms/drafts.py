"""Drafts of the forms: the draft format, the moments shown for them, and the writer that seals a form's
draft through the store in order, whichever thread asks (the entry forms and the hand-over mode use it)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.ui.tasks import TaskRunner

DRAFT_DELAY_MS = 500
DRAFT_FORMAT = 1


def now_local() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def format_moment(moment: dt.datetime, today: dt.date | None = None) -> str:
    """'14:32' for today, '12/03 14:32' this year, '12/03/2024 14:32' before."""
    today = today or dt.date.today()
    if moment.date() == today:
        return moment.strftime("%H:%M")
    if moment.year == today.year:
        return moment.strftime("%d/%m %H:%M")
    return moment.strftime("%d/%m/%Y %H:%M")


class DraftWriter:
    """Writes one form's draft through the store, in order, whichever thread asks.

    Typing schedules writes on the worker thread; closing, hiding and locking write at once on the GUI
    thread, so the draft is on disk before the keys can go. The sequence number makes an older queued
    write give way to a newer one instead of overwriting it."""

    def __init__(self, case_files: CaseFiles, runner: TaskRunner, draft_id: str, case_id: str | None):
        self.case_files = case_files
        self.runner = runner
        self.draft_id = draft_id
        self.case_id = case_id
        self._lock = threading.Lock()
        self._seq = 0

    def write_later(self, data: dict[str, Any], on_done: Callable[[Any], None],
                    on_error: Callable[[Exception], None]) -> None:
        with self._lock:
            self._seq += 1
            seq = self._seq

        def job() -> bool:
            with self._lock:
                if seq != self._seq:
                    return False
                self.case_files.save_draft(self.draft_id, self.case_id, data)
                return True

        self.runner.submit(job, on_done, on_error)

    def write_now(self, data: dict[str, Any]) -> None:
        with self._lock:
            self._seq += 1
            self.case_files.save_draft(self.draft_id, self.case_id, data)

    def cancel_pending(self) -> None:
        with self._lock:
            self._seq += 1

    def discard_now(self) -> None:
        with self._lock:
            self._seq += 1
            self.case_files.discard_draft(self.draft_id)
