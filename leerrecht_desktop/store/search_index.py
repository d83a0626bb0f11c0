"""Search over all text of the unlocked case files: an index held in memory only.

The case list's own search looks at the sealed summaries (name, school, class). A word that stands
only in a note needs the records themselves, and opening a record costs an Ed25519 verification and
an AES-GCM open: at 2,000 cases and 60,000 entries that is seconds. So the index is built once after
unlock, in batches of cases (`BATCH`, one store operation each, so a save or opening a case queued
meanwhile runs between two batches), kept current per case after every write, and dropped with the
keys at lock. It is never written anywhere: no table, no temporary file, no log line
(docs/threat-model.md §6, docs/architecture.md §3).

Per keystroke it must answer within 100 ms at that size (DESIGN §6), in pure Python. Each case holds
one folded string of all its fields (models/folding.py), so a case is ruled in or out with one `in`
per word, and only the cases that match are searched for their matching entry. A query that
refines the previous one (a letter typed more) only looks at the previous matches.

No Qt here: ui/main_window/notes_search.py runs the batches and shows the results."""

from __future__ import annotations

import bisect
import datetime as dt
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import bindparam, select

from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.catalog import pick_lists
from leerrecht_desktop.models.entries import FamilyContact, FollowUpNote, HomeVisit, SupportMeasure, WellbeingScale
from leerrecht_desktop.models.enums import Kind
from leerrecht_desktop.models.folding import fold, fold_with_positions, fold_words
from leerrecht_desktop.models.records import Content, Record
from leerrecht_desktop.store import tables as t

if TYPE_CHECKING:
    from leerrecht_desktop.store.sealed_store import SealedStore

# At most this many cases per store operation, and about this long: opening a case's 30 records
# (an Ed25519 verification and an AES-GCM open each) takes 5 to 10 ms on the development machine, so a
# batch is some 20 to 100 cases, and a save or a case opened meanwhile waits at most that long.
BATCH = 100
BATCH_SECONDS = 0.15
# Characters of context shown on each side of the found word.
_BEFORE, _AFTER = 40, 70
_HEADS = select(t.records).where(t.records.c.case_id == bindparam("b_case_id"), t.records.c.is_head.is_(True))


# -- what is searchable ----------------------------------------------------------------------------------


def searchable_fields(content: Content) -> list[tuple[str, str]]:
    """(field name, text) of a record that search looks at: what a worker wrote, and the labels of what
    they picked (channel, topics, measure, place), in the language shown. Field names are the
    dataclass's; the window labels them."""
    lists = pick_lists()
    fields: list[tuple[str, str]] = []

    def add(name: str, text: str | None) -> None:
        if text and text.strip():
            fields.append((name, text))

    def labels(list_name: str, keys: Iterable[str]) -> str:
        return ", ".join(lists.label(list_name, key) for key in keys if key)

    if isinstance(content, HomeVisit):
        for name in ("purpose", "present", "observations", "agreements", "next_step", "location"):
            add(name, getattr(content, name))
        add("referrals", labels("partners", content.referrals))
    elif isinstance(content, FamilyContact):
        add("with_whom", content.with_whom)
        add("notes", content.notes)
        # Issue 14's next step of a contact comes with another change; read it when it is there.
        add("next_step", getattr(content, "next_step", ""))
        add("topics", labels("life_domains", content.topics))
        add("channel", labels("channels", [content.channel]))
        add("referrals", labels("partners", content.referrals))
    elif isinstance(content, FollowUpNote):
        for name in ("text", "action", "action_owner"):
            add(name, getattr(content, name))
    elif isinstance(content, SupportMeasure):
        add("note", content.note)
        add("measure", labels("support_measures", [content.measure]))
    elif isinstance(content, WellbeingScale):
        add("place", labels("wellbeing_places", [content.place]))
    elif isinstance(content, CaseProfile):
        add("name", content.full_name)
        add("school", content.school)
        add("class_name", content.class_name)
        add("address", content.address)
        for contact in content.contacts:
            add("contacts", " ".join(x for x in (contact.name, contact.relation, contact.phone) if x))
        add("network", content.network)
        add("concern", content.referral.concern)
        add("referred_by", content.referral.referred_by)
    return fields


# -- one case's text --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexedEntry:
    """A record of the case as the index knows it: its fields are `fields[first:end]` of its case."""

    record_id: str
    kind: Kind
    on: dt.date | None
    first: int
    end: int


@dataclass(frozen=True)
class CaseText:
    """One case's searchable text: every field of its head records, folded and joined into `folded`
    (one `in` per word decides whether the case matches), with where each field starts in it.
    Entries newest first, the profile last: the newest entry that matches is the one shown."""

    case_id: str
    folded: str
    starts: tuple[int, ...]  # per field: its offset in `folded`
    field_names: tuple[str, ...]
    field_texts: tuple[str, ...]  # as written, for the snippet
    entries: tuple[IndexedEntry, ...]
    fingerprint: int  # of the head revisions it was built from (changed_cases compares it)

    def entry_span(self, entry: IndexedEntry) -> tuple[int, int]:
        start = self.starts[entry.first]
        end = self.starts[entry.end] if entry.end < len(self.starts) else len(self.folded)
        return start, end


def case_text(case_id: str, records: Sequence[Record], fingerprint: int = 0) -> CaseText:
    """The index's view of a case from its opened head records (tombstones and refused ones left out)."""
    def newest_first(record: Record) -> tuple[int, dt.date, dt.datetime]:
        occurred = getattr(record.content, "occurred_on", None) or record.saved_at.date()
        return (0 if record.kind == Kind.CASE else 1), occurred, record.saved_at

    parts: list[str] = []
    starts: list[int] = []
    names: list[str] = []
    texts: list[str] = []
    entries: list[IndexedEntry] = []
    offset = 0
    for record in sorted(records, key=newest_first, reverse=True):
        first = len(names)
        for name, text in searchable_fields(record.content):
            folded = fold(text)
            starts.append(offset)
            names.append(name)
            texts.append(text)
            parts.append(folded)
            offset += len(folded) + 1  # the "\n" between fields: no word spans two of them
        if len(names) > first:
            entries.append(IndexedEntry(record.record_id, record.kind,
                                        getattr(record.content, "occurred_on", None), first, len(names)))
    return CaseText(case_id, "\n".join(parts), tuple(starts), tuple(names), tuple(texts), tuple(entries),
                    fingerprint)


def heads_fingerprint(revision_ids: Iterable[str]) -> int:
    """Order-free and cheap: the set of a case's head revisions (hash() is per process; the index too)."""
    value = 0
    count = 0
    for revision_id in revision_ids:
        value ^= hash(revision_id)
        count += 1
    return hash((count, value))


# -- reading from the store (on the store thread) --------------------------------------------------------


def read_cases(store: SealedStore, case_ids: Sequence[str], *,
               seconds: float | None = None) -> dict[str, CaseText | None]:
    """The searchable text of `case_ids`, from their head records, each verified and decrypted as
    `load_case` does; None for a case no longer here (or without a readable profile: the list does
    not show it either). A record that fails its check is left out, as it is out of the case view.

    With `seconds`, it stops after the first case that ends past that time: a batch then costs about
    the same on a fast and a loaded machine, and the caller queues what was not read again. The
    store's lock is taken per case, so a sync thread waits one case, not a batch."""
    deadline = None if seconds is None else time.perf_counter() + seconds
    out: dict[str, CaseText | None] = {}
    with store.engine.connect() as conn:
        for case_id in case_ids:
            # The session's caches (case keys, signers) and its lock state; the heads read under it
            # too, so a sync thread's write can't slip between reading them and checking them.
            with store._lock:
                heads = conn.execute(_HEADS, {"b_case_id": case_id}).all()
                good, _refused = store.bookkeeping.check_heads(conn, case_id, heads) if heads else ([], 0)
                records = [r for r in store._open_rows(conn, good) if isinstance(r, Record)]
            has_profile = any(r.kind == Kind.CASE for r in records)
            out[case_id] = case_text(case_id, records, heads_fingerprint(row.revision_id for row in heads)) \
                if has_profile else None
            if deadline is not None and time.perf_counter() > deadline:
                break
    return out


def head_fingerprints(store: SealedStore) -> dict[str, int]:
    """Per case on this laptop, the fingerprint of its head revisions: plaintext columns, no decrypting
    (about 0.2 s at 60,000 entries). After a write that names no cases (a sync round that pulled), the
    window reindexes only the cases whose fingerprint changed."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.records.c.case_id, t.records.c.revision_id)
                            .where(t.records.c.is_head.is_(True))).all()
    by_case: dict[str, list[str]] = defaultdict(list)
    for case_id, revision_id in rows:
        by_case[case_id].append(revision_id)
    return {case_id: heads_fingerprint(ids) for case_id, ids in by_case.items()}


# -- searching ---------------------------------------------------------------------------------------------


class Where(NamedTuple):
    """The entry (or the profile) and field a case was found in."""

    record_id: str
    kind: Kind
    on: dt.date | None
    field_name: str
    all_words: bool  # every word of the query stands in this one entry
    text: str  # the field as written
    word: str  # the folded word the snippet is around


class Hit:
    """A case the query was found in. Which entry and field, and the snippet, are worked out when
    first asked: a common word matches every case, and only the few hits on screen are ever asked,
    so a keystroke pays only for the `in` tests (the 100 ms budget at 2,000 cases)."""

    __slots__ = ("_case", "_snippet", "_where", "_words", "case_id")

    def __init__(self, case: CaseText, words: list[str]):
        self.case_id = case.case_id
        self._case = case
        self._words = words
        self._where: Where | None = None
        self._snippet: str | None = None

    def __repr__(self) -> str:
        return f"Hit({self.case_id!r}, {self._words!r})"

    @property
    def where(self) -> Where:
        if self._where is None:
            self._where = _locate(self._case, self._words)
        return self._where

    @property
    def record_id(self) -> str:
        return self.where.record_id

    @property
    def kind(self) -> Kind:
        return self.where.kind

    @property
    def on(self) -> dt.date | None:
        return self.where.on

    @property
    def field_name(self) -> str:
        return self.where.field_name

    @property
    def all_words(self) -> bool:
        return self.where.all_words

    @property
    def in_profile(self) -> bool:
        return self.kind == Kind.CASE

    @property
    def snippet(self) -> str:
        """The found word in its context, as written: "…met de mama van Léna afgesproken om…"."""
        if self._snippet is None:
            where = self.where
            self._snippet = snippet(where.text, where.word)
        return self._snippet


def snippet(text: str, word: str) -> str:
    """`text` around the first occurrence of folded `word`, on one line, cut at spaces, with "…"."""
    folded, positions = fold_with_positions(text)
    at = folded.find(word) if word else -1
    if at < 0 or not positions:
        start = end = 0
    else:
        start = positions[at]
        end = positions[min(at + len(word), len(positions)) - 1] + 1
    lo, hi = max(0, start - _BEFORE), min(len(text), end + _AFTER)
    if lo > 0:
        space = text.find(" ", lo, start)
        lo = space + 1 if space >= 0 else lo
    if hi < len(text):
        space = text.rfind(" ", end, hi)
        hi = space if space >= 0 else hi
    body = " ".join(text[lo:hi].split())
    return ("…" if lo > 0 else "") + body + ("…" if hi < len(text) else "")


def _locate(case: CaseText, words: list[str]) -> Where:
    """The entry a matching case is shown with: the newest holding every word, else the newest holding
    the most of them; in it, the first field holding every word, else the field of the word that
    comes first."""
    folded = case.folded
    best: IndexedEntry | None = None
    best_count = 0
    for entry in case.entries:
        start, end = case.entry_span(entry)
        count = sum(1 for word in words if folded.find(word, start, end) >= 0)
        if count > best_count:
            best, best_count = entry, count
            if count == len(words):
                break
    assert best is not None  # the case matched, so some entry holds a word
    start, end = case.entry_span(best)
    for i in range(best.first, best.end):
        field_start = case.starts[i]
        field_end = case.starts[i + 1] if i + 1 < len(case.starts) else len(folded)
        found = [(at, word) for word in words if (at := folded.find(word, field_start, field_end)) >= 0]
        if len(found) == len(words):
            break
    else:
        found = [(at, word) for word in words if (at := folded.find(word, start, end)) >= 0]
    at, word = min(found)
    field_index = bisect.bisect_right(case.starts, at) - 1
    return Where(best.record_id, best.kind, best.on, case.field_names[field_index], best_count == len(words),
                 case.field_texts[field_index], word)


class SearchIndex:
    """The index of one unlocked session. Written on the store side (`put`, `remove`), searched on the
    GUI thread: a lock keeps the dict consistent between the two; a search works on a snapshot."""

    def __init__(self) -> None:
        self._cases: dict[str, CaseText] = {}
        self._lock = threading.Lock()
        # The last query's words and matches: a query that refines it searches only those.
        self._memo: tuple[list[str], dict[str, Hit]] | None = None

    def __len__(self) -> int:
        return len(self._cases)

    def __contains__(self, case_id: object) -> bool:
        return case_id in self._cases

    def put(self, texts: Mapping[str, CaseText | None]) -> None:
        """Replace the named cases' text; None removes a case (erased, or no longer readable)."""
        with self._lock:
            for case_id, text in texts.items():
                if text is None:
                    self._cases.pop(case_id, None)
                else:
                    self._cases[case_id] = text
            self._memo = None

    def remove(self, case_ids: Iterable[str]) -> None:
        self.put(dict.fromkeys(case_ids))

    def clear(self) -> None:
        """Drop every text (the session locks): nothing of it stays reachable from here."""
        with self._lock:
            self._cases = {}
            self._memo = None

    def fingerprints(self) -> dict[str, int]:
        with self._lock:
            return {case_id: text.fingerprint for case_id, text in self._cases.items()}

    def search(self, query: str) -> dict[str, Hit]:
        """The cases in which every word of `query` occurs (folded), each with its matching entry."""
        words = fold_words(query)
        if not words:
            return {}
        with self._lock:
            memo = self._memo
            if memo is not None and memo[0] == words:
                return dict(memo[1])
            if memo is not None and _refines(words, memo[0]):
                candidates = [self._cases[case_id] for case_id in memo[1] if case_id in self._cases]
            else:
                candidates = list(self._cases.values())
        # Longest word first: the rarest, it rules most cases out with the first `in`.
        ordered = sorted(words, key=len, reverse=True)
        hits: dict[str, Hit] = {}
        for case in candidates:
            folded = case.folded
            if all(word in folded for word in ordered):
                hits[case.case_id] = Hit(case, words)
        with self._lock:
            self._memo = (words, hits)
        return dict(hits)


def _refines(words: list[str], previous: list[str]) -> bool:
    """Every case matching `words` also matched `previous`: each earlier word stands in a new one
    ("peeters maur" after "peeters ma")."""
    return all(any(old in new for new in words) for old in previous)


# -- the build plan ----------------------------------------------------------------------------------------


@dataclass
class IndexBuild:
    """What is left to index in this session: the cases known at unlock (counted for "800 of 2,000"),
    then every case a write touched since (first in the queue: what just changed matters most)."""

    total: int = 0
    _initial: set[str] = field(default_factory=set)
    _queue: dict[str, None] = field(default_factory=dict)  # an ordered set
    _in_flight: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, case_ids: Iterable[str]) -> IndexBuild:
        ids = list(dict.fromkeys(case_ids))
        return cls(len(ids), set(ids), dict.fromkeys(ids))

    @property
    def building(self) -> bool:
        """The first build is not done yet: a search may still miss cases."""
        return bool(self._initial)

    @property
    def done(self) -> int:
        return self.total - len(self._initial)

    @property
    def idle(self) -> bool:
        return not self._queue and not self._in_flight

    def want(self, case_ids: Iterable[str]) -> None:
        """These cases changed: (re)index them next. A case being read right now is read again."""
        fresh = dict.fromkeys(case_ids)
        for case_id in fresh:
            self._queue.pop(case_id, None)
        self._queue = {**fresh, **self._queue}

    def next_batch(self, size: int = BATCH) -> list[str]:
        batch = list(self._queue)[:size]
        for case_id in batch:
            del self._queue[case_id]
        self._in_flight.update(batch)
        return batch

    def landed(self, batch: Sequence[str], read: Iterable[str] | None = None) -> None:
        """A batch came back: the cases `read` (all of them when None: read, or given up) count as
        done; the rest go back to the front of the queue, unless a write queued them meanwhile."""
        done = set(batch) if read is None else set(read)
        for case_id in batch:
            self._in_flight.discard(case_id)
            if case_id in done:
                self._initial.discard(case_id)
        rest = {case_id: None for case_id in batch if case_id not in done and case_id not in self._queue}
        self._queue = {**rest, **self._queue}


def changed_cases(index: SearchIndex, current: Mapping[str, int]) -> set[str]:
    """The cases to reindex after a write that named none: new, gone, or with other head revisions."""
    known = index.fingerprints()
    return {case_id for case_id in current.keys() | known.keys() if current.get(case_id) != known.get(case_id)}
