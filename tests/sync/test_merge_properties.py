"""Properties of the three-way merge over random records, and a simulation of devices syncing one record
through a server with optimistic concurrency (DESIGN.md §3): every device converges on the server's content,
and no edit disappears without having been shown as a conflict."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from leerrecht_desktop.models.case import CaseProfile, Consent, Contact, Referral
from leerrecht_desktop.models.records import encode
from leerrecht_desktop.sync.merge import (
    MISSING,
    Conflict,
    MergeResult,
    apply_path,
    get_path,
    merge,
    merge_deleted,
    same,
    split_path,
)

# Reproducible in CI (fixed seed, no example database on disk) and fast: the file runs in about 10 s.
FAST = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Record = dict[str, Any]

# Few keys and small alphabets, so that both sides often touch the same field, and sometimes the same way.
KEYS = st.sampled_from(["naam", "school", "status", "zoë", "referral", "concern", "x"])
TEXT = st.text(alphabet="az é中 ", max_size=3)
LEAVES = st.one_of(
    TEXT,
    st.integers(-2, 3),
    st.booleans(),
    st.none(),
    st.lists(st.sampled_from(["neet", "vsv", "spijbelaar", "één"]), max_size=3),
)
INNER = st.dictionaries(KEYS, LEAVES, max_size=3)
VALUES = st.one_of(LEAVES, st.dictionaries(KEYS, st.one_of(LEAVES, INNER), max_size=4))
RECORDS = st.dictionaries(KEYS, VALUES, max_size=6)


@st.composite
def edits_of(draw: st.DrawFn, record: Record) -> Record:
    """`record` as a device might have edited it: fields kept, changed (to anything, even another type),
    removed, edited inside, and new ones added, in any key order."""
    out: Record = {}
    for key, value in record.items():
        action = draw(st.sampled_from(["keep", "keep", "keep", "change", "remove", "inside"]))
        if action == "keep":
            out[key] = copy.deepcopy(value)
        elif action == "change":
            out[key] = draw(VALUES)
        elif action == "inside" and isinstance(value, dict):
            out[key] = draw(edits_of(value))
        elif action == "inside":
            out[key] = copy.deepcopy(value)
    for key, value in draw(st.dictionaries(KEYS, VALUES, max_size=2)).items():
        out.setdefault(key, value)
    return dict(draw(st.permutations(list(out.items()))))


@st.composite
def triples(draw: st.DrawFn) -> tuple[Record, Record, Record]:
    """A base and two concurrent edits of it; the second sometimes builds on the first, so that both sides
    often make the same change."""
    base = draw(RECORDS)
    x = draw(edits_of(base))
    y = draw(st.one_of(edits_of(base), edits_of(x)))
    return (base, y, x) if draw(st.booleans()) else (base, x, y)


def paths(*records: Any) -> set[str]:
    """Every dotted path to a value (leaf or dict) in any of the records."""
    found: set[str] = set()

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                path = f"{prefix}.{key}" if prefix else key
                found.add(path)
                walk(value, path)

    for record in records:
        walk(record, "")
    return found


def at(value: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return MISSING
        value = value[key]
    return value


def shown(result: MergeResult, path: str, value: Any, side: str) -> bool:
    """Whether `value` at `path` on `side` is in a conflict at that path or at a path above it."""
    keys = split_path(path)
    for conflict in result.conflicts:
        ck = conflict.keys
        if keys[: len(ck)] == ck and same(at(getattr(conflict, side), keys[len(ck):]), value):
            return True
    return False


def dumped(record: Record) -> str:
    """Order-sensitive: two devices must store the very same JSON, key order included."""
    return json.dumps(record, ensure_ascii=False)


# merge


@FAST
@given(triples())
def test_symmetry(triple: tuple[Record, Record, Record]) -> None:
    base, x, y = triple
    xy, yx = merge(base, x, y), merge(base, y, x)
    assert dumped(xy.merged) == dumped(yx.merged)
    assert xy.conflict_paths == yx.conflict_paths
    assert yx.conflicts == tuple(c.swapped() for c in xy.conflicts)


@FAST
@given(RECORDS, RECORDS)
def test_symmetry_without_a_base(x: Record, y: Record) -> None:
    xy, yx = merge(None, x, y), merge(None, y, x)
    assert dumped(xy.merged) == dumped(yx.merged)
    assert yx.conflicts == tuple(c.swapped() for c in xy.conflicts)


@FAST
@given(triples())
def test_identity(triple: tuple[Record, Record, Record]) -> None:
    base, x, _ = triple
    for result in (merge(base, base, x), merge(base, x, base), merge(base, x, x)):
        assert result.merged == x and same(result.merged, x)
        assert not result.has_conflicts
    assert merge(None, x, x).merged == x


@FAST
@given(triples())
def test_no_lost_edit(triple: tuple[Record, Record, Record]) -> None:
    """Field by field, at every depth: a change made on one side is in the merged record (or, if a field
    above it conflicted, shown in that conflict); a field changed differently on both sides is in a
    conflict with both values; a field both sides agree on has that value."""
    base, x, y = triple
    result = merge(base, x, y)
    event(f"conflicts: {min(len(result.conflicts), 2)}")
    merged = result.merged
    for path in paths(base, x, y, merged):
        b, mine, theirs, m = (get_path(r, path) for r in (base, x, y, merged))
        if same(mine, theirs):
            assert same(m, mine), path
        elif same(mine, b):
            assert same(m, theirs) or shown(result, path, theirs, "theirs"), path
        elif same(theirs, b):
            assert same(m, mine) or shown(result, path, mine, "mine"), path
        elif not (isinstance(mine, dict) and isinstance(theirs, dict)):  # two dicts: see the fields inside
            assert shown(result, path, mine, "mine") and shown(result, path, theirs, "theirs"), path


@st.composite
def histories(draw: st.DrawFn) -> tuple[Record, Record, list[Record]]:
    """A base, a local edit of it, and the revisions a server accepted meanwhile (each an edit of the one
    before, sometimes of an older one, so that fields change and change back)."""
    base = draw(RECORDS)
    mine = draw(edits_of(base))
    revisions = [base]
    for _ in range(draw(st.integers(1, 4))):
        revisions.append(draw(edits_of(draw(st.sampled_from(revisions)))))
    return base, mine, revisions[1:]


def changed_along(base: Record, revisions: list[Record], path: str) -> bool:
    values = [get_path(r, path) for r in (base, *revisions)]
    return any(not same(a, b) for a, b in itertools.pairwise(values))


@FAST
@given(histories())
def test_no_lost_edit_over_a_history(history: tuple[Record, Record, list[Record]]) -> None:
    """Merging over every revision since the base: a field the server side changed at any point, even if it
    ended where it began, counts as changed; so a local change to it is either the result or a conflict."""
    base, mine, revisions = history
    theirs = revisions[-1]
    result = merge(base, mine, theirs, between=revisions[:-1])
    assert merge(base, mine, theirs, between=[base, *revisions[:-1], theirs]) == result  # repeats change nothing
    for path in paths(base, mine, *revisions, result.merged):
        b, m, t, merged = (get_path(r, path) for r in (base, mine, theirs, result.merged))
        if same(m, t):
            assert same(merged, m), path
        elif same(m, b):
            assert same(merged, t) or shown(result, path, t, "theirs"), path
        elif not changed_along(base, revisions, path):
            assert same(merged, m) or shown(result, path, m, "mine"), path
        elif not (isinstance(m, dict) and isinstance(t, dict)):
            assert shown(result, path, m, "mine") and shown(result, path, t, "theirs"), path


@FAST
@given(triples())
def test_every_conflict_is_real_and_takes_the_deterministic_value(triple: tuple[Record, Record, Record]) -> None:
    base, x, y = triple
    result = merge(base, x, y)
    for c in result.conflicts:
        assert same(c.base, get_path(base, c.path))
        assert same(c.mine, get_path(x, c.path))
        assert same(c.theirs, get_path(y, c.path))
        assert not same(c.mine, c.base) and not same(c.theirs, c.base) and not same(c.mine, c.theirs)
        assert same(get_path(result.merged, c.path), max(c.mine, c.theirs, key=json_text))
    assert len(set(result.conflict_paths)) == len(result.conflicts)
    assert list(result.conflict_paths) == sorted(result.conflict_paths, key=split_path)


def json_text(value: Any) -> str:
    return "" if value is MISSING else json.dumps(value, sort_keys=True, ensure_ascii=False)


@FAST
@given(RECORDS, RECORDS)
def test_without_a_base_only_agreement_is_merged_silently(x: Record, y: Record) -> None:
    result = merge(None, x, y)
    for path in paths(x, y):
        mine, theirs = get_path(x, path), get_path(y, path)
        if same(mine, theirs):
            assert same(get_path(result.merged, path), mine)
        elif not (isinstance(mine, dict) and isinstance(theirs, dict)):
            assert shown(result, path, mine, "mine") and shown(result, path, theirs, "theirs"), path
    assert all(c.base is MISSING for c in result.conflicts)


@FAST
@given(triples())
def test_the_result_is_plain_json_and_the_inputs_are_untouched(triple: tuple[Record, Record, Record]) -> None:
    before = copy.deepcopy(triple)
    result = merge(*triple)
    assert json.loads(json.dumps(result.merged)) == result.merged  # no MISSING, no foreign objects
    assert triple == before
    for c in result.conflicts:
        assert Conflict.from_dict(json.loads(json.dumps(c.to_dict()))) == c


@FAST
@given(triples())
def test_resolving_every_conflict_with_the_provisional_value_changes_nothing(
    triple: tuple[Record, Record, Record],
) -> None:
    result = merge(*triple)
    resolved = result.merged
    for c in result.conflicts:
        resolved = apply_path(resolved, c.path, c.provisional)
    assert resolved == result.merged


@FAST
@given(triples(), st.booleans(), st.booleans(), st.booleans())
def test_merge_deleted_is_symmetric_and_never_hides_an_edit(
    triple: tuple[Record, Record, Record], x_deleted: bool, y_deleted: bool, tombstone_has_content: bool
) -> None:
    base, x, y = triple
    x_content = x if not x_deleted or tombstone_has_content else None
    y_content = y if not y_deleted or tombstone_has_content else None
    deleted, result = merge_deleted(base, x_deleted, x_content, y_deleted, y_content)
    other_deleted, other = merge_deleted(base, y_deleted, y_content, x_deleted, x_content)
    assert deleted == other_deleted
    assert (result is None) == (other is None) == deleted
    if result is not None and other is not None:
        assert dumped(result.merged) == dumped(other.merged)
        assert other.conflicts == tuple(c.swapped() for c in result.conflicts)
    if x_deleted and y_deleted:
        assert deleted
    elif x_deleted or y_deleted:
        survivor = y if x_deleted else x
        assert deleted == same(survivor, base)
        if result is not None:
            assert result.conflicts[0].path == ""
            if not tombstone_has_content:
                assert result.merged == survivor


# Convergence: devices syncing one record through a server that only accepts a revision based on its head.

TEMPLATE = encode(
    CaseProfile(
        first_name="Fictieve",
        last_name="Testkind",
        school="Den Anker",
        contacts=[Contact("Fictieve Moeder", "moeder", "0470 00 00 01")],
        referral=Referral("clb", dt.date(2025, 1, 2), "Fictieve CLB-medewerker", "Veel afwezig"),
        target_groups=["spijbelaar"],
        consent=Consent(True, dt.date(2025, 1, 3), "Fictieve Werker"),
    )
)
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "first_name": st.sampled_from(["Fictieve", "Zoë", "Ömer", "Jan"]),
    "school": st.sampled_from(["Den Anker", "Ba Stassart", "De Luchtballon"]),
    "status": st.sampled_from(["aangemeld", "actief", "afgesloten"]),
    "network": TEXT,
    "target_groups": st.lists(st.sampled_from(["vsv", "spijbelaar", "jongere_at_risk", "neet"]), unique=True,
                              max_size=3),
    "contacts": st.lists(
        st.builds(lambda name, phone: {"name": name, "relation": "ouder", "phone": phone},
                  st.sampled_from(["Fictieve Moeder", "Fictieve Oom"]), st.sampled_from(["", "0470 00 00 02"])),
        max_size=2,
    ),
    "referral.concern": TEXT,
    "referral.source": st.sampled_from(["clb", "school", "ouder"]),
    "consent.given": st.booleans(),
    "consent.on": st.one_of(st.none(), st.sampled_from(["2025-01-03", "2025-02-01"])),
}
assert all(get_path(TEMPLATE, path) is not MISSING for path in FIELD_VALUES)


@dataclass(frozen=True)
class Revision:
    deleted: bool
    content: Record  # for a tombstone, what the record held when it was deleted
    known: frozenset[int]  # the edits and deletions the pushing device had seen


@dataclass
class Device:
    rev: int  # the server revision the local copy is based on
    base: Revision  # that revision, kept for the three-way merge
    deleted: bool
    local: Record
    pending: bool = False
    known: set[int] = field(default_factory=set)
    unreconciled: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Event:
    """An edit (path, value) or, with path None, a deletion, made by one device knowing `known`."""

    device: int
    path: str | None
    value: Any
    known: frozenset[int]


@dataclass(frozen=True)
class Shown:
    conflict: Conflict
    involved: frozenset[int]  # the events either side of that merge knew


class World:
    def __init__(self, devices: int, tombstones_keep_content: bool, stepwise: bool = False) -> None:
        first = Revision(False, copy.deepcopy(TEMPLATE), frozenset())
        self.revisions = [first]
        self.devices = [Device(0, first, False, copy.deepcopy(TEMPLATE)) for _ in range(devices)]
        self.keep = tombstones_keep_content
        self.stepwise = stepwise
        self.events: list[Event] = []
        self.no_ops: set[int] = set()
        self.shown: list[Shown] = []
        self.refused = 0

    @property
    def head(self) -> int:
        return len(self.revisions) - 1

    def push(self, based_on: int, revision: Revision) -> bool:
        """The server: it can't read the content, so it only compares revision numbers."""
        if based_on != self.head:
            self.refused += 1
            return False
        self.revisions.append(revision)
        return True

    def record(self, dev: Device, d: int, path: str | None, value: Any) -> None:
        eid = len(self.events)
        self.events.append(Event(d, path, value, frozenset(dev.known)))
        dev.known.add(eid)
        dev.unreconciled.append(eid)
        dev.pending = True

    def edit(self, d: int, path: str, value: Any) -> None:
        dev = self.devices[d]
        if dev.deleted:  # the UI offers no editing of a deleted record
            return
        self.record(dev, d, path, value)
        dev.local = apply_path(dev.local, path, value)

    def delete(self, d: int) -> None:
        dev = self.devices[d]
        if not dev.deleted:
            self.record(dev, d, None, None)
            dev.deleted = True

    def content(self, rev: Revision) -> Record | None:
        """What the merge gets for a revision: a tombstone's content only if tombstones carry it."""
        return None if rev.deleted and not self.keep else rev.content

    def reconcile(self, dev: Device) -> None:
        # A state-based merge sees a field set back to its base value as unchanged: such an edit has no
        # effect to lose, so it is set aside here rather than flagged at the end.
        for eid in dev.unreconciled:
            e = self.events[eid]
            if e.path is None or not same(get_path(dev.local, e.path), e.value):
                continue  # overtaken by a later edit of the same device: see `superseded`
            base = self.content(dev.base)
            if base is not None and same(get_path(base, e.path), e.value):
                self.no_ops.add(eid)
        dev.unreconciled.clear()

    def sync(self, d: int) -> None:
        dev = self.devices[d]
        for _ in range(4):  # sequential, so one merge always suffices; the bound catches a ping-pong
            if not dev.pending:
                break
            self.reconcile(dev)
            mine = Revision(dev.deleted, copy.deepcopy(dev.local), frozenset(dev.known))
            if self.push(dev.rev, mine):
                dev.rev, dev.base, dev.pending = self.head, mine, False
                continue
            # Refused: the device pulls what the server accepted since its base and merges its edit over all
            # of it, not over the head alone (test_merge.py shows the edit that would be lost): either one
            # revision at a time, or all at once with `between`.
            chain = self.revisions[dev.rev + 1 :]
            if self.stepwise:
                for revision in chain:
                    self.merge_into(dev, revision, [])
            else:
                self.merge_into(dev, chain[-1], [self.content(r) for r in chain[:-1]])
            head = chain[-1]
            dev.rev = self.head
            dev.pending = dev.deleted != head.deleted or (not dev.deleted and not same(dev.local, head.content))
        assert not dev.pending, "a device kept merging without getting its revision accepted"
        head = self.revisions[self.head]
        dev.rev, dev.base, dev.deleted, dev.local = self.head, head, head.deleted, copy.deepcopy(head.content)
        dev.known |= head.known

    def merge_into(self, dev: Device, theirs: Revision, between: list[Record | None]) -> None:
        mine = None if dev.deleted and not self.keep else dev.local
        deleted, result = merge_deleted(
            self.content(dev.base), dev.deleted, mine, theirs.deleted, self.content(theirs), between=between
        )
        if result is not None:
            involved = frozenset(dev.known | theirs.known)
            self.shown.extend(Shown(c, involved) for c in result.conflicts)
        dev.known |= theirs.known
        dev.base, dev.deleted = theirs, deleted
        dev.local = copy.deepcopy(theirs.content) if result is None else result.merged

    # the final check

    def superseded(self, eid: int) -> bool:
        """Someone who had seen this event later changed the same field or deleted the record: an overwrite
        with knowledge, not a loss. (An edit beats a concurrent deletion; a deletion beats the edits it saw.)"""
        e = self.events[eid]
        return any(
            eid in later.known and (e.path is None or later.path is None or later.path == e.path)
            for later in self.events[eid + 1 :]
        )

    def lost(self) -> list[str]:
        final = self.revisions[self.head]
        accounted = []
        for eid, e in enumerate(self.events):
            if e.path is None:
                ok = final.deleted or any(s.conflict.path == "" and eid in s.involved for s in self.shown)
            else:
                visible = not final.deleted and same(get_path(final.content, e.path), e.value)
                ok = visible or eid in self.no_ops or self.edit_shown(eid, e)
            accounted.append(ok or self.superseded(eid))
        # Two devices making the same change concurrently is one change: the second merge finds it already
        # there and has nothing to show. What becomes of either is what becomes of both.
        def twins(e: Event) -> list[int]:
            return [t for t, twin in enumerate(self.events) if twin.path == e.path and same(twin.value, e.value)]

        return [
            f"event {eid} {e} is neither in the final record nor shown as a conflict"
            for eid, e in enumerate(self.events)
            if not any(accounted[t] for t in twins(e))
        ]

    def edit_shown(self, eid: int, e: Event) -> bool:
        assert e.path is not None
        for s in self.shown:
            if eid not in s.involved:
                continue
            c = s.conflict
            if c.path == e.path and (same(c.mine, e.value) or same(c.theirs, e.value)):
                return True
            if c.path == "" and any(
                isinstance(side, dict) and same(get_path(side, e.path), e.value) for side in (c.mine, c.theirs)
            ):
                return True
        return False


Action = tuple[str, int, str, Any]  # (kind, device, field path, value)


ACTION_KINDS = ["edit", "edit", "edit", "sync", "sync", "delete"]


def actions(devices: int, fields: list[str], deletes: bool) -> st.SearchStrategy[Action]:
    device = st.integers(0, devices - 1)
    edit = st.tuples(st.just("edit"), device, st.sampled_from(fields)).flatmap(
        lambda t: st.tuples(st.just(t[0]), st.just(t[1]), st.just(t[2]), FIELD_VALUES[t[2]])
    )
    sync = st.tuples(st.just("sync"), device, st.just(""), st.none())
    delete = st.tuples(st.just("delete"), device, st.just(""), st.none())
    kinds = ACTION_KINDS if deletes else [k for k in ACTION_KINDS if k != "delete"]
    return st.sampled_from(kinds).flatmap(lambda k: {"edit": edit, "sync": sync, "delete": delete}[k])


class Scenario(NamedTuple):
    devices: int
    deletes: bool
    tombstones_keep_content: bool
    stepwise: bool  # merge over the revisions one at a time rather than all at once with `between`
    actions: list[Action]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    devices = draw(st.integers(2, 4))
    # A few fields per scenario, so that devices often edit the same one concurrently.
    fields = draw(st.lists(st.sampled_from(sorted(FIELD_VALUES)), min_size=1, max_size=4, unique=True))
    deletes = draw(st.booleans())
    keep, stepwise = draw(st.booleans()), draw(st.booleans())
    return Scenario(devices, deletes, keep, stepwise,
                    draw(st.lists(actions(devices, fields, deletes), min_size=4, max_size=40)))


@FAST
@given(scenarios())
# Found by this test: a name set to Zoë and back on one device, and to Zoë on another. Merged over the head
# alone, the second device's Zoë silently undid the change back (so devices merge over every revision).
@example(Scenario(2, False, False, False, [("edit", 0, "first_name", "Zoë"), ("sync", 0, "", None),
                                           ("edit", 0, "first_name", "Fictieve"), ("edit", 1, "first_name", "Zoë")]))
# Found by this test: two devices delete, a third edits; the record comes back and says it was deleted.
@example(Scenario(3, True, False, False, [("delete", 2, "", None), ("sync", 2, "", None), ("delete", 0, "", None),
                                          ("edit", 1, "consent.given", False)]))
def test_devices_converge_and_no_edit_disappears_unseen(scenario: Scenario) -> None:
    world = World(scenario.devices, scenario.tombstones_keep_content, scenario.stepwise)
    for kind, d, path, value in scenario.actions:
        if kind == "edit":
            world.edit(d, path, value)
        elif kind == "delete":
            world.delete(d)
        else:
            world.sync(d)
    for _ in range(3):  # everyone syncs until nothing moves
        heads = world.head
        for d in range(scenario.devices):
            world.sync(d)
        if world.head == heads:
            break
    assert world.head == heads, "the server head still moved after every device had synced"

    head = world.revisions[world.head]
    for dev in world.devices:
        assert not dev.pending and dev.rev == world.head and dev.deleted == head.deleted
        assert dumped(dev.local) == dumped(head.content)
    assert world.lost() == []
    event(f"refused pushes: {min(world.refused, 3)}{'+' if world.refused >= 3 else ''}")
    event(f"conflicts shown: {min(len(world.shown), 3)}{'+' if len(world.shown) >= 3 else ''}")
    if any(s.conflict.path == "" for s in world.shown):
        event("an edit brought a deleted record back")
    if head.deleted:
        event("ends deleted")


def test_the_simulation_notices_a_lost_edit() -> None:
    """The check above is not vacuous: a device that drops its own edit instead of merging is caught."""
    world = World(2, tombstones_keep_content=True)
    world.edit(0, "school", "Ba Stassart")
    world.edit(1, "status", "actief")
    world.sync(1)
    dev = world.devices[0]
    world.reconcile(dev)
    dev.rev, dev.base, dev.local, dev.pending = world.head, world.revisions[-1], world.revisions[-1].content, False
    world.sync(0)
    assert len(world.lost()) == 1


def test_a_concurrent_edit_of_one_field_is_shown_on_the_device_that_merges() -> None:
    world = World(2, tombstones_keep_content=True)
    world.edit(0, "referral.concern", "Afwezig op maandag")
    world.edit(1, "referral.concern", "Afwezig op vrijdag")
    world.sync(0)
    world.sync(1)
    world.sync(0)
    assert [s.conflict for s in world.shown] == [
        Conflict("referral.concern", "Veel afwezig", "Afwezig op vrijdag", "Afwezig op maandag")
    ]
    assert world.devices[0].local == world.devices[1].local
    assert get_path(world.devices[0].local, "referral.concern") == "Afwezig op vrijdag"
    assert world.lost() == []


def test_an_edit_brings_back_a_record_deleted_meanwhile() -> None:
    world = World(3, tombstones_keep_content=True)
    world.edit(0, "school", "Ba Stassart")
    world.sync(0)
    world.sync(1)
    world.delete(1)
    world.sync(1)
    world.edit(2, "status", "actief")  # device 2 never saw the school change nor the deletion
    world.sync(2)
    for d in range(3):
        world.sync(d)
    head = world.revisions[-1]
    assert not head.deleted
    assert (head.content["school"], head.content["status"]) == ("Ba Stassart", "actief")
    assert [s.conflict.path for s in world.shown] == [""]
    assert world.lost() == []
