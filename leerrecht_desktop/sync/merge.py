"""Three-way, field-level merge of record contents (DESIGN.md §3).

The server can't read a record, so when it refuses a push because someone else got there first, the client
merges its own revision with the server's against the revision both started from. Both devices that may
ever merge the same pair of revisions must end with the same content, so every choice here depends only on
the values, never on which side is "mine". The rules, with examples, are in docs/merge.md.

Pure functions over JSON-ready dicts (what `models.records.encode` produces): no Qt, no SQL, no network.
The author's save time a sealed payload carries (`models.records.SAVED_AT_KEY`) is not content: it is
dropped from every side before merging, so it is never a conflict, and a merge result, saved as a new
revision, gets its own time.
"""

from __future__ import annotations

import copy
import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from leerrecht_desktop.models.records import without_saved_at


class _Missing(enum.Enum):
    # An enum member stays one object through copy.deepcopy and pickle, so `is MISSING` stays reliable.
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing.MISSING
"""The value of an absent key, distinct from JSON null. At path "" it stands for a deleted record."""

SEPARATOR: Final = "."

HISTORY_PATH: Final = ("history",)
"""A profile's history (issue 13): steps that laptops only ever append. Merged as the union of its
items (`_merge_history`), never as a conflict."""


def canonical(value: Any) -> str:
    """The text provisional values are ordered by. Absent sorts before every JSON text (which is never
    empty), so a value beats a removal. Strings compare by code point, the same on every platform."""
    if value is MISSING:
        return ""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


_SCALARS: Final = (str, int, bool, type(None))


def same(a: Any, b: Any) -> bool:
    """Equality as JSON sees it: True is not 1, and 1 is not 1.0, which Python's == would conflate and so
    make the outcome depend on which side's object happened to be kept."""
    if a is b:
        return True
    if type(a) is type(b) and isinstance(a, _SCALARS):
        return bool(a == b)
    return canonical(a) == canonical(b)


def provisional(a: Any, b: Any) -> Any:
    """The value a conflict takes until someone chooses: the one whose canonical JSON sorts last."""
    return a if canonical(a) >= canonical(b) else b


@dataclass(frozen=True)
class Conflict:
    """A field both sides changed differently. `path` is the dotted key path ("referral.concern"), or ""
    for the record itself when one side deleted it. Values are MISSING where the key (or record) is absent."""

    path: str
    base: Any
    mine: Any
    theirs: Any

    @property
    def keys(self) -> tuple[str, ...]:
        return split_path(self.path)

    @property
    def provisional(self) -> Any:
        return provisional(self.mine, self.theirs)

    def swapped(self) -> Conflict:
        return Conflict(self.path, self.base, self.theirs, self.mine)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for keeping a conflict until the user resolves it; an absent value is an absent key."""
        out: dict[str, Any] = {"path": self.path}
        for name in ("base", "mine", "theirs"):
            value = getattr(self, name)
            if value is not MISSING:
                out[name] = copy.deepcopy(value)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conflict:
        return cls(
            str(data["path"]),
            copy.deepcopy(data.get("base", MISSING)),
            copy.deepcopy(data.get("mine", MISSING)),
            copy.deepcopy(data.get("theirs", MISSING)),
        )


@dataclass(frozen=True)
class MergeResult:
    merged: dict[str, Any]
    conflicts: tuple[Conflict, ...] = ()

    @property
    def has_conflicts(self) -> bool:
        return bool(self.conflicts)

    @property
    def conflict_paths(self) -> tuple[str, ...]:
        return tuple(c.path for c in self.conflicts)


def merge(
    base: dict[str, Any] | None,
    mine: dict[str, Any],
    theirs: dict[str, Any],
    *,
    between: Sequence[dict[str, Any] | None] = (),
) -> MergeResult:
    """Merge two revisions of one record against their common ancestor `base`.

    A key changed on one side takes that side's value; changed identically on both, that value. Changed
    differently on both: dicts merge key by key, anything else (lists included) is a Conflict whose
    provisional value is `provisional(mine, theirs)`. With `base` None nothing is known to be unchanged,
    so every key where the sides differ is a conflict. Symmetric: swapping mine and theirs gives the same
    merged dict (same key order too) and the same conflicts with mine and theirs swapped.

    `between` are the revisions the server accepted after `base` and before `theirs`, oldest first. Pass
    them when merging a local edit over several server revisions: a field someone changed and someone else
    changed back looks unchanged against `base` alone, and the local edit would then silently undo the
    change back (docs/merge.md, "Merge against the whole history"). A field any of them changed counts as
    changed by theirs. A None (a tombstone without content) counts as every field changed.
    """
    base, mine, theirs = _content(base), without_saved_at(mine), without_saved_at(theirs)
    history = [{} if r is None else without_saved_at(r) for r in (*between, theirs)]
    for name, side in (("base", base), ("mine", mine), ("theirs", theirs), *(("between", r) for r in history)):
        if side is not None and not _nestable(side):
            raise ValueError(f"{name}: record field names must be non-empty strings without {SEPARATOR!r}")
    conflicts: list[Conflict] = []
    merged = _merge_dicts(base, mine, history, (), conflicts)
    conflicts.sort(key=lambda c: c.keys)
    return MergeResult(merged, tuple(conflicts))


def merge_deleted(
    base: dict[str, Any] | None,
    mine_deleted: bool,
    mine: dict[str, Any] | None,
    theirs_deleted: bool,
    theirs: dict[str, Any] | None,
    *,
    between: Sequence[dict[str, Any] | None] = (),
) -> tuple[bool, MergeResult | None]:
    """Merge two revisions either of which may be a deletion (tombstone). Returns (deleted, result).

    Both deleted: deleted. Neither: `merge`. One deleted while the other left the record as `base`: deleted.
    One deleted while the other edited it: the edit wins (no edit may disappear unseen) and the record stays,
    with a Conflict at path "" (MISSING on the deleting side) telling the user it was deleted elsewhere.
    The kept content is the editing side's, merged with the content the deleting side had when it deleted
    if the tombstone carries that (None or {} if it doesn't), so edits made before the deletion come back too.
    With `base` None (no common content) any surviving content counts as an edit. `between` as for `merge`;
    theirs counts as edited if any revision in it changed the record.
    """
    base, mine, theirs = _content(base), _content(mine), _content(theirs)
    between = [_content(r) for r in between]
    if mine_deleted and theirs_deleted:
        return True, None
    if not mine_deleted and not theirs_deleted:
        if mine is None or theirs is None:
            raise ValueError("a side that is not deleted needs its content")
        return False, merge(base, mine, theirs, between=between)
    survivor, gone = (theirs, mine) if mine_deleted else (mine, theirs)
    if survivor is None:
        raise ValueError("a side that is not deleted needs its content")
    history = [{} if r is None else r for r in (*between, survivor)] if mine_deleted else [survivor]
    if base is not None and not _changed(base, history):
        return True, None
    deletion = Conflict(
        "",
        MISSING if base is None else copy.deepcopy(base),
        MISSING if mine_deleted else copy.deepcopy(survivor),
        MISSING if theirs_deleted else copy.deepcopy(survivor),
    )
    if not gone:
        # {} is how a store may write a tombstone with no content; merged as content it would read as
        # "the deleter emptied every field" and wipe the edit's record.
        return False, MergeResult(copy.deepcopy(survivor), (deletion,))
    # Keep mine and theirs in place so the field conflicts read the same way round as the deletion.
    mine_content, theirs_content = (gone, survivor) if mine_deleted else (survivor, gone)
    kept = merge(base, mine_content, theirs_content, between=between)
    return False, MergeResult(kept.merged, (deletion, *kept.conflicts))


def resolve(result_or_merged: MergeResult | dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """The merged content with the field at `path` set to the value the user chose (MISSING removes it)."""
    merged = result_or_merged.merged if isinstance(result_or_merged, MergeResult) else result_or_merged
    return apply_path(merged, path, value)


def split_path(path: str) -> tuple[str, ...]:
    return tuple(path.split(SEPARATOR)) if path else ()


def get_path(record: Any, path: str, default: Any = MISSING) -> Any:
    """The value at a dotted path; `default` if a key is absent or a step is not a dict."""
    node = record
    for key in split_path(path):
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def apply_path(record: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `record` with the value at `path` set (created with its parents if absent), or
    removed if `value` is MISSING. Path "" replaces the whole record."""
    keys = split_path(path)
    if not keys:
        if not isinstance(value, dict):
            raise ValueError("the value for path '' must be a whole record (a dict)")
        return copy.deepcopy(dict(value))
    out = copy.deepcopy(dict(record))
    node: dict[str, Any] = out
    for i, key in enumerate(keys[:-1]):
        child = node.get(key, MISSING)
        if child is MISSING:
            if value is MISSING:
                return out
            child = node[key] = {}
        elif not isinstance(child, dict):
            where = SEPARATOR.join(keys[: i + 1])
            raise ValueError(f"{where!r} is not a group of fields, so it has no {keys[i + 1]!r}")
        node = child
    if value is MISSING:
        node.pop(keys[-1], None)
    else:
        node[keys[-1]] = copy.deepcopy(value)
    return out


def _content(record: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if record is None else without_saved_at(record)


def _nestable(d: dict[Any, Any]) -> bool:
    # A key that is empty or holds the separator would make a dotted path ambiguous; such a dict is merged
    # as one value rather than field by field.
    return all(isinstance(k, str) and k and SEPARATOR not in k for k in d)


def _merge_dicts(
    base: dict[str, Any] | None,
    mine: dict[str, Any],
    history: list[dict[str, Any]],
    prefix: tuple[str, ...],
    conflicts: list[Conflict],
) -> dict[str, Any]:
    known = base or {}
    theirs = history[-1]
    # Key order must not depend on the side either: the base's order, then new keys sorted.
    new = sorted((mine.keys() | theirs.keys()) - known.keys())
    merged: dict[str, Any] = {}
    for key in [*known.keys(), *new]:
        if (*prefix, key) == HISTORY_PATH:
            union = _merge_history([known.get(key, MISSING), mine.get(key, MISSING),
                                    *(r.get(key, MISSING) for r in history)])
            if union is not None:
                if union or any(key in side for side in (known, mine, *history)):
                    merged[key] = union
                continue
        value = _merge_value(
            base is None,
            known.get(key, MISSING),
            mine.get(key, MISSING),
            [r.get(key, MISSING) for r in history],
            (*prefix, key),
            conflicts,
        )
        if value is not MISSING:
            merged[key] = value
    return merged


def _merge_value(
    no_base: bool, b: Any, m: Any, history: list[Any], path: tuple[str, ...], conflicts: list[Conflict]
) -> Any:
    t = history[-1]
    if same(m, t):
        if isinstance(m, dict) and json.dumps(m) != json.dumps(t):
            # Equal but with keys in another order: keep the order that does not depend on the side.
            m = max(m, t, key=json.dumps)
        return copy.deepcopy(m)
    if not no_base:
        if same(m, b):
            return copy.deepcopy(t)
        if not _changed(b, history):
            return copy.deepcopy(m)
    if _is_group(m) and _is_group(t) and (not isinstance(b, dict) or _is_group(b)):
        # A base that is absent or not a dict means every sub-field was absent: known, so merge against {}.
        sub_base = None if no_base else (b if _is_group(b) else {})
        sub_history = [r if _is_group(r) else {} for r in history]
        return _merge_dicts(sub_base, m, sub_history, path, conflicts)
    conflicts.append(Conflict(SEPARATOR.join(path), copy.deepcopy(b), copy.deepcopy(m), copy.deepcopy(t)))
    return copy.deepcopy(provisional(m, t))


def _merge_history(values: Sequence[Any]) -> list[Any] | None:
    """The rule for a profile's history: the union of the items of every side (the base, mine, and
    every revision of theirs), each once, ordered by (date, canonical JSON), as
    `models.case.history_key` orders a history; the same on every laptop, whichever side is mine.
    An item only one side has is a step the other had not seen, never one it removed: nothing removes
    a step. None when a side holds something other than a list of steps: then the ordinary rules apply."""
    items: dict[str, Any] = {}
    for value in values:
        if value is MISSING:
            continue
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            return None
        for item in value:
            items.setdefault(canonical(item), item)

    def order(text: str) -> tuple[str, str]:
        on = items[text].get("on")
        return (on if isinstance(on, str) else "", text)

    return [copy.deepcopy(items[text]) for text in sorted(items, key=order)]


def _changed(base: Any, history: Sequence[Any]) -> bool:
    """Whether any step from `base` through the revisions in `history` changed the value."""
    previous = base
    for value in history:
        if not same(previous, value):
            return True
        previous = value
    return False


def _is_group(value: Any) -> bool:
    return isinstance(value, dict) and _nestable(value)
