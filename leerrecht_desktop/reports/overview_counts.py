"""The team overview's true counts for one period (`TeamOverview`) and how they are computed from a
team's cases. Nothing here is printable as it is: `overview_sections` applies the small-count
suppression before anything reaches a CSV or a PDF."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.case import (
    CaseProfile,
    closed_during,
    known_names,
    started_on,
    statuses_during,
    value_on,
)
from leerrecht_desktop.models.catalog import pick_lists
from leerrecht_desktop.models.entries import (
    Entry,
    FamilyContact,
    HomeVisit,
    SupportMeasure,
    WellbeingScale,
)
from leerrecht_desktop.models.enums import CaseStatus
from leerrecht_desktop.models.records import Record
from leerrecht_desktop.models.wellbeing import score

# A count below this (and above 0) could point at one child in a small team: it is never printed.
THRESHOLD = 5
SMALL = "<5"
# A number hidden only so that a "<5" in the same table can't be worked out by subtraction.
HIDDEN = "x"

# Keys that are not pick-list keys. They start with an underscore so they can't clash with a team's list.
UNKNOWN = "_unknown"  # the field was left empty
OTHER = "_other"  # a value typed in by hand, not in the pick list: never printed, it may be free text
NONE = "_none"  # a case with no target group / no assigned worker

IMPROVED, SAME, WORSE = "improved", "same", "worse"

Sort = Literal["natural", "count"]


@dataclass(frozen=True)
class TeamOverview:
    """The true counts for one period. Never print these numbers directly: go through `sections()`,
    which applies the small-count suppression. Breakdowns map a stable key (a pick-list key, a worker's
    user id, or one of UNKNOWN/OTHER/NONE) to a count, in the pick list's order."""

    start: dt.date | None
    end: dt.date | None
    cases: int  # the caseload of the period (see `_in_caseload`)
    new_referrals: int  # registered in the period: the first day of the history (else the referral date)
    closed_cases: int  # closed during the period
    active_cases: int  # "actief" at some moment of the period
    home_visits: int
    family_contacts: int
    young_people_reached: int  # cases with a home visit, family contact or scale in the period
    partner_referrals: int
    support_measures: int
    scales_taken: int
    scale_at_least_twice: int  # young people who took the wellbeing scale twice or more in the period
    by_status: dict[str, int]
    by_school: dict[str, int]
    by_level: dict[str, int]
    by_target_group: dict[str, int]
    by_worker: dict[str, int]
    by_referral_source: dict[str, int]
    contacts_by_channel: dict[str, int]
    contacts_by_topic: dict[str, int]
    referrals_by_partner: dict[str, int]
    support_by_measure: dict[str, int]
    support_by_level: dict[str, int]
    wellbeing_change: dict[str, int]  # IMPROVED / SAME / WORSE, first against last scale in the period
    wellbeing_mean_change: float | None  # mean change of the total score; None below THRESHOLD young people
    worker_names: dict[str, str] = field(default_factory=dict)  # user id -> colleague's name


# -- computing ---------------------------------------------------------------------------------------


def _in_period(day: dt.date | None, start: dt.date | None, end: dt.date | None) -> bool:
    if day is None:
        return False
    return (start is None or day >= start) and (end is None or day <= end)


def _latest_revisions(records: Iterable[Record]) -> list[Entry]:
    """The entries of a case, one per record (its highest revision), so that a caller passing a
    record's history never counts an edited visit twice."""
    best: dict[str, Record] = {}
    for record in records:
        if not isinstance(record.content, Entry):
            continue  # the profile record: the profile itself comes in separately
        held = best.get(record.record_id)
        if held is None or record.revision > held.revision:
            best[record.record_id] = record
    return [r.content for r in best.values() if isinstance(r.content, Entry)]


@dataclass(frozen=True)
class _AsItStood:
    """One case in the period: whether it counts in the caseload, and its status, school and workers
    on the period's last day; whether it was new, closed or active during the period."""

    in_caseload: bool
    status: str
    school: str
    workers: list[tuple[str, str]]  # (key, name)
    new: bool
    closed: bool
    active: bool


def _as_it_stood(profile: CaseProfile, entries: list[Entry], start: dt.date | None,
                 end: dt.date | None, team_names: dict[str, str]) -> _AsItStood:
    if not profile.history:
        return _as_it_stands_now(profile, entries, start, end)
    last = end or dt.date.max
    began = started_on(profile)
    existed = began is not None and began <= last
    held = statuses_during(profile, start, last) if existed else set()
    names = {**team_names, **known_names(profile)}
    assigned = (value_on(profile, "assigned", last) or "").split()
    return _AsItStood(
        # A case is open from its first day, even one registered as closed at once (entered afterwards).
        in_caseload=bool(held - {CaseStatus.AFGESLOTEN.value}) or (existed and _in_period(began, start, end)),
        status=value_on(profile, "status", last) or "",
        school=value_on(profile, "school", last) or "",
        workers=[(key, names.get(key) or tr("Vorige medewerker (naam onbekend)")) for key in dict.fromkeys(assigned)],
        new=_in_period(began, start, end),
        closed=existed and closed_during(profile, start, last),
        active=CaseStatus.ACTIEF.value in held,
    )


def _as_it_stands_now(profile: CaseProfile, entries: list[Entry], start: dt.date | None,
                      end: dt.date | None) -> _AsItStood:
    """A case without a history (none recorded, none derived): its current status, school and workers."""
    in_caseload = _in_caseload(profile, entries, start, end)
    known = [e.occurred_on for e in entries if e.occurred_on is not None]
    if profile.referral.referred_on:
        known.append(profile.referral.referred_on)
    closed = in_caseload and profile.status == CaseStatus.AFGESLOTEN and bool(known) \
        and _in_period(max(known), start, end)
    workers: dict[str, str] = {}
    for ref in profile.assigned:
        wid = ref.user_id or ref.name
        if wid and wid not in workers:
            workers[wid] = ref.name.strip() or ref.user_id
    return _AsItStood(
        in_caseload=in_caseload, status=profile.status, school=profile.school, workers=list(workers.items()),
        new=_in_period(profile.referral.referred_on, start, end), closed=closed,
        active=in_caseload and profile.status == CaseStatus.ACTIEF,
    )


def _in_caseload(profile: CaseProfile, entries: list[Entry], start: dt.date | None, end: dt.date | None) -> bool:
    """Whether a case without a history was open at some time in the period. Only the current status
    is known, not when it changed, so: a case began at its referral (or its first entry when the referral has no
    date), and a closed case ended at its last entry (or its referral). A running case is still open."""
    dates = [e.occurred_on for e in entries if e.occurred_on is not None]
    referred = profile.referral.referred_on
    began = referred or (min(dates) if dates else None)
    if end is not None and began is not None and began > end:
        return False
    if profile.status == CaseStatus.AFGESLOTEN and start is not None:
        known = [*dates, *([referred] if referred else [])]
        return bool(known) and max(known) >= start
    return True


def _keyed(value: str, allowed: set[str]) -> str:
    value = value.strip()
    if not value:
        return UNKNOWN
    return value if value in allowed else OTHER


def _ordered(counter: Counter[str], natural: Iterable[str], *, keep_zero: bool = True) -> dict[str, int]:
    """Counts in the pick list's order, zeros included (so a year's table has the same rows as the
    year before in the city's spreadsheet), then the extra keys that occurred."""
    out = {key: counter.get(key, 0) for key in natural} if keep_zero else {}
    for key in (*[k for k in counter if k not in out and not k.startswith("_")], OTHER, NONE, UNKNOWN):
        if counter.get(key, 0) > 0:
            out[key] = counter[key]
    return out


def compute_overview(
    cases: Iterable[tuple[CaseProfile, list[Record]]],
    *,
    start: dt.date | None,
    end: dt.date | None,
) -> TeamOverview:
    """Count a team's work for the period [start, end] (both days included; None is open-ended).

    Entries count when their date (`occurred_on`) lies in the period. The case breakdowns (status,
    school, level, target group, worker) count the caseload: the cases open at some time in the period.
    By each case's history (`CaseProfile.history`, derived for older cases by `reports/loading.py`) they
    show the status, school and workers as they stood on the period's last day, so an overview of a
    past period does not change when a case changes later; a case is new when its history begins in
    the period, closed when it was closed in it, active when it was "actief" at some moment of it. A
    case without any history counts as before: its current status, school and workers."""
    if start is not None and end is not None and start > end:
        raise ValueError(tr("Het begin van de periode ligt na het einde. Kijk de data na."))
    lists = pick_lists()
    schools, levels = lists.keys("schools"), lists.keys("levels")
    groups, sources = lists.keys("target_groups"), lists.keys("referral_sources")
    channels, domains = lists.keys("channels"), lists.keys("life_domains")
    partners, measures = lists.keys("partners"), lists.keys("support_measures")
    statuses = {s.value for s in CaseStatus}

    status: Counter[str] = Counter()
    school: Counter[str] = Counter()
    level: Counter[str] = Counter()
    group: Counter[str] = Counter()
    worker: Counter[str] = Counter()
    source: Counter[str] = Counter()
    channel: Counter[str] = Counter()
    topic: Counter[str] = Counter()
    partner: Counter[str] = Counter()
    measure: Counter[str] = Counter()
    support_level: Counter[str] = Counter()
    change: Counter[str] = Counter()
    worker_names: dict[str, str] = {}
    changes: list[int] = []
    caseload = new_referrals = home_visits = family_contacts = reached = closed_cases = active_cases = 0
    partner_referrals = support_measures = scales_taken = 0

    cases = list(cases)
    # A colleague assigned in the period but no longer on the case: their name from the team's other cases.
    team_names: dict[str, str] = {}
    for profile, _records in cases:
        team_names.update(known_names(profile))
    for profile, records in cases:
        entries = _latest_revisions(records)
        stood = _as_it_stood(profile, entries, start, end, team_names)
        closed_cases += stood.closed
        active_cases += stood.active
        if stood.in_caseload:
            caseload += 1
            status[_keyed(stood.status, statuses)] += 1
            school[_keyed(stood.school, schools)] += 1
            level[_keyed(profile.level, levels)] += 1
            # A case may be in several target groups, or with several workers: it counts in each.
            for key in {_keyed(g, groups) for g in profile.target_groups} or {NONE}:
                group[key] += 1
            for wid, name in stood.workers:
                worker[wid] += 1
                worker_names[wid] = name
            if not stood.workers:
                worker[NONE] += 1
        if stood.new:
            new_referrals += 1
            source[_keyed(profile.referral.source, sources)] += 1

        touched = False
        scales: list[WellbeingScale] = []
        for entry in entries:
            if not _in_period(entry.occurred_on, start, end):
                continue
            if isinstance(entry, HomeVisit | FamilyContact):
                touched = True
                # A partner ticked twice on one entry is one referral.
                for name in {_keyed(p, partners) for p in entry.referrals if p.strip()}:
                    partner[name] += 1
                    partner_referrals += 1
            if isinstance(entry, HomeVisit):
                home_visits += 1
            elif isinstance(entry, FamilyContact):
                family_contacts += 1
                channel[_keyed(entry.channel, channels)] += 1
                for key in {_keyed(t, domains) for t in entry.topics if t.strip()}:
                    topic[key] += 1
            elif isinstance(entry, WellbeingScale):
                touched = True
                scales.append(entry)
            elif isinstance(entry, SupportMeasure):
                support_measures += 1
                measure[_keyed(entry.measure, measures)] += 1
                # The level the measure was for (a school bill per level, as the city reports it);
                # the young person's current level when the entry does not say.
                support_level[_keyed(entry.level or profile.level, levels)] += 1
        reached += touched
        scales_taken += len(scales)
        if len(scales) >= 2:
            ordered = sorted(scales, key=lambda s: s.occurred_on)
            delta = score(ordered[-1]).total - score(ordered[0]).total
            changes.append(delta)
            change[IMPROVED if delta > 0 else WORSE if delta < 0 else SAME] += 1

    def natural(list_name: str) -> list[str]:
        return [c.key for c in getattr(lists, list_name)]

    return TeamOverview(
        start=start,
        end=end,
        cases=caseload,
        new_referrals=new_referrals,
        closed_cases=closed_cases,
        active_cases=active_cases,
        home_visits=home_visits,
        family_contacts=family_contacts,
        young_people_reached=reached,
        partner_referrals=partner_referrals,
        support_measures=support_measures,
        scales_taken=scales_taken,
        scale_at_least_twice=len(changes),
        by_status=_ordered(status, [s.value for s in CaseStatus]),
        by_school=_ordered(school, natural("schools")),
        by_level=_ordered(level, natural("levels")),
        by_target_group=_ordered(group, natural("target_groups")),
        by_worker=_ordered(worker, [], keep_zero=False),
        by_referral_source=_ordered(source, natural("referral_sources")),
        contacts_by_channel=_ordered(channel, natural("channels")),
        contacts_by_topic=_ordered(topic, natural("life_domains")),
        referrals_by_partner=_ordered(partner, natural("partners")),
        support_by_measure=_ordered(measure, natural("support_measures")),
        support_by_level=_ordered(support_level, natural("levels")),
        wellbeing_change=_ordered(change, [IMPROVED, SAME, WORSE]),
        # A mean over fewer than five young people says too much about each of them.
        wellbeing_mean_change=round(sum(changes) / len(changes), 1) if len(changes) >= THRESHOLD else None,
        worker_names=worker_names,
    )

