"""One signal after every write to the store: `store_changed(case_ids)`.

Whoever writes (a form's save, erasing, a sync round that pulled new data, a conflict resolved, a
refused change retried or left out, sharing) tells the hub; the views (case list, open case, status
bar) listen, instead of each writer calling each view by hand."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

# The cases a write touched; None when it may have touched any (a sync round that pulled new data).
CaseIds = frozenset[str] | None


class StoreEvents(QObject):
    store_changed = Signal(object)  # CaseIds

    def changed(self, case_ids: Iterable[str] | None = None) -> None:
        self.store_changed.emit(None if case_ids is None else frozenset(case_ids))
