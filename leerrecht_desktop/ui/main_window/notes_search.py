"""The window's side of searching all text (store/search_index.py): builds the index after unlock in
batches of store operations, keeps it current after writes, and drops it at lock. What a hit says is
in ui/search_text.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from leerrecht_core.errors import LeerrechtError
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.search_index import (
    BATCH_SECONDS,
    CaseText,
    Hit,
    IndexBuild,
    SearchIndex,
    changed_cases,
    head_fingerprints,
    read_cases,
)
from leerrecht_desktop.ui.store_events import CaseIds
from leerrecht_desktop.ui.tasks import report_crash

# base.WindowBase._submit: store work whose result is dropped once the session it was asked in ended.
Submit = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[Exception], None]], None]


class NotesSearch(QObject):
    """One index per unlocked session. `changed` is emitted after every batch that landed (the list
    filters again, the count follows)."""

    changed = Signal()

    def __init__(self, submit: Submit, parent: QObject | None = None):
        super().__init__(parent)
        self._submit = submit
        self.index = SearchIndex()
        self._build: IndexBuild | None = None
        self._case_files: CaseFiles | None = None
        self._generation = 0  # a batch asked before a drop or restart is ignored when it lands
        self._reading = False

    @property
    def started(self) -> bool:
        return self._build is not None

    @property
    def building(self) -> bool:
        return self._build is not None and self._build.building

    @property
    def progress(self) -> tuple[int, int]:
        """(cases indexed, cases to index) of the first build."""
        return (self._build.done, self._build.total) if self._build is not None else (0, 0)

    def start(self, case_files: CaseFiles, case_ids: list[str]) -> None:
        """After unlock: index these cases, a batch per store operation."""
        self.drop()
        self._case_files = case_files
        self._build = IndexBuild.of(case_ids)
        self._next()
        self.changed.emit()

    def drop(self) -> None:
        """At lock: the decrypted text goes with the keys."""
        self._generation += 1
        self._reading = False
        self._build = None
        self._case_files = None
        self.index.clear()

    def store_changed(self, case_ids: CaseIds) -> None:
        """After a write: reindex the cases it touched; a write that names none (a sync round that
        pulled) is compared by head revisions first, so only what changed is decrypted again."""
        if self._build is None or self._case_files is None:
            return
        if case_ids is not None:
            self._want(case_ids)
            return
        case_files, generation = self._case_files, self._generation

        def compared(current: dict[str, int]) -> None:
            if generation == self._generation:
                self._want(changed_cases(self.index, current))

        self._submit(lambda: head_fingerprints(case_files), compared, lambda _exc: None)  # the next write asks again

    def search(self, text: str) -> dict[str, Hit]:
        return self.index.search(text)

    def _want(self, case_ids: set[str] | frozenset[str]) -> None:
        if self._build is not None and case_ids:
            self._build.want(case_ids)
            self._next()

    def _next(self) -> None:
        build, case_files = self._build, self._case_files
        if build is None or case_files is None or self._reading:
            return
        batch = build.next_batch()
        if not batch:
            return
        self._reading = True
        generation = self._generation

        def landed(texts: dict[str, CaseText | None]) -> None:
            if generation != self._generation:
                return
            self.index.put(texts)
            build.landed(batch, texts.keys())
            self._reading = False
            self.changed.emit()
            self._next()  # queued behind whatever was submitted meanwhile: the store thread stays responsive

        self._submit(lambda: read_cases(case_files, batch, seconds=BATCH_SECONDS), landed,
                     self._failed(generation, batch))

    def _failed(self, generation: int, batch: list[str]) -> Callable[[Exception], None]:
        def failed(exc: Exception) -> None:
            # A refusal (a store error) leaves these cases out of the search rather than stopping it:
            # the list still finds them by name. Anything else is a bug, and goes to the crash report.
            if not isinstance(exc, LeerrechtError):
                report_crash(exc)
            if generation != self._generation or self._build is None:
                return
            self._build.landed(batch)
            self._reading = False
            self.changed.emit()
            self._next()

        return failed
