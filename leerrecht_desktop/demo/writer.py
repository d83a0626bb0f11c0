"""Invents and saves one demo case with its history: the referral, the consent, a timeline of visits,
contacts, wellbeing scales, notes and support, and for a closed case the closing note."""

from __future__ import annotations

import copy
import datetime as dt
import random

from leerrecht_desktop.demo.people import Young, invent_young, pick_weighted
from leerrecht_desktop.demo.pools import (
    CLOSING_NOTES,
    CONCERNS,
    CONTACT_NOTES,
    NETWORK,
    NOTE_ACTIONS,
    NOTE_OWNERS,
    NOTE_TEXTS,
    REFERRED_BY,
    SUPPORT_NOTES,
    VISIT_AGREEMENTS,
    VISIT_LOCATIONS,
    VISIT_NEXT_STEPS,
    VISIT_OBSERVATIONS,
    VISIT_PRESENT,
    VISIT_PURPOSE_FIRST,
    VISIT_PURPOSES,
)
from leerrecht_desktop.models.case import CaseProfile, Consent, Referral, age_on
from leerrecht_desktop.models.catalog import pick_lists, wellbeing_questionnaire
from leerrecht_desktop.models.entries import (
    Entry,
    FamilyContact,
    FollowUpNote,
    HomeVisit,
    SupportMeasure,
    WellbeingScale,
)
from leerrecht_desktop.models.enums import CaseStatus, Kind
from leerrecht_desktop.store.casefiles import CaseFiles

DEFAULT_ENTRIES = (10, 40)
# How often each channel, support measure or place turns up (keys of the pick lists; a key a team
# removed from its pick list is skipped).
_CONTACT_CHANNEL_WEIGHTS = {"telefoon": 30, "schoolpoort": 25, "op_school": 25, "organisatie": 8,
                            "online": 8, "huisbezoek": 4}
_SUPPORT_WEIGHTS = {"laptop_geef": 30, "laptop_leen": 20, "schoolrekening": 30, "ontbijtkar": 10,
                    "soep": 5, "andere": 5}


def _kind_plan(rng: random.Random, n: int, *, final_note: bool) -> list[Kind]:
    """The kinds of a case's `n` entries in timeline order: an intake contact first, 2-6 wellbeing
    scales spread over the whole period (so a trend shows), a mix of the rest, and, when
    `final_note`, a follow-up note last (the open action of a running case, or the closing note)."""
    if n <= 0:
        return []
    scales = min(6, max(2, n // 6)) if n >= 5 else (1 if n >= 3 else 0)
    rest = n - scales
    intake = rng.choice((Kind.HOME_VISIT, Kind.HOME_VISIT, Kind.FAMILY_CONTACT))
    last = [Kind.NOTE] if final_note and rest >= 2 else []
    middle_count = rest - 1 - len(last)
    middle = [k for k in (Kind.HOME_VISIT, Kind.FAMILY_CONTACT, Kind.NOTE) if k != intake][:max(0, middle_count)]
    supports = rng.choices((0, 1, 2), weights=(40, 45, 15))[0]
    middle += [Kind.SUPPORT] * min(supports, middle_count - len(middle))
    while len(middle) < middle_count:
        middle.append(rng.choices((Kind.FAMILY_CONTACT, Kind.NOTE, Kind.HOME_VISIT), weights=(40, 40, 20))[0])
    rng.shuffle(middle)
    body = [intake, *middle, *last]
    if scales == 0:
        return body
    # Evenly spread slots for the scales, never the first slot (intake) nor the final note's.
    lo, hi = 1, n - 1 - len(last)
    slots = {lo + round(k * (hi - lo) / max(1, scales - 1)) for k in range(scales)} if scales > 1 else {(lo + hi) // 2}
    plan: list[Kind] = []
    others = iter(body)
    for i in range(n):
        plan.append(Kind.WELLBEING if i in slots else next(others))
    return plan


def _spread_dates(rng: random.Random, start: dt.date, end: dt.date, n: int) -> list[dt.date]:
    span = max(0, (end - start).days)
    return sorted(start + dt.timedelta(days=rng.randint(0, span)) for _ in range(n))


def _weighted_keys(rng: random.Random, weights: dict[str, int], allowed: set[str]) -> str:
    usable = {k: w for k, w in weights.items() if k in allowed}
    return pick_weighted(rng, usable) if usable else rng.choice(sorted(allowed))


class CaseWriter:
    """Invents and saves one case with its history into `case_files` (`write`), drawing every choice
    from `rng`. Public for the benchmarks, which hand it an in-memory stand-in for CaseFiles."""

    def __init__(self, case_files: CaseFiles, rng: random.Random, today: dt.date):
        self.cf = case_files
        self.rng = rng
        self.today = today
        lists = pick_lists()
        self.lists = lists
        self.schools = [c.key for c in lists.schools]
        self.partners = [c.key for c in lists.partners] or ["Sociaal Huis"]
        self.me = case_files.user.name
        self.role = case_files.user.role
        q = wellbeing_questionnaire()
        self.items = q.item_ids
        self.answer_range = (q.min_value, q.max_value)

    def text(self, young: Young, template: str) -> str:
        return young.text(template, self.rng, self.partners, ik=self.me)

    def write(self, entries_per_case: int | None) -> str:
        rng, today = self.rng, self.today
        young = invent_young(rng, self.role, self.schools, today)
        status = rng.choices((CaseStatus.AANGEMELD, CaseStatus.ACTIEF, CaseStatus.AFGESLOTEN),
                             weights=(15, 60, 25))[0]
        earliest = young.birth_date + dt.timedelta(days=3 * 366 + 30)  # the scale needs age 3 or more
        if status == CaseStatus.AANGEMELD:
            referred = today - dt.timedelta(days=rng.randint(1, 30))
        elif status == CaseStatus.ACTIEF:
            referred = today - dt.timedelta(days=rng.randint(45, 700))
        else:
            referred = today - dt.timedelta(days=rng.randint(200, 730))
        referred = min(today, max(referred, earliest))
        closed_on = None
        if status == CaseStatus.AFGESLOTEN:
            closed_on = min(today - dt.timedelta(days=7), referred + dt.timedelta(days=rng.randint(120, 500)))
            closed_on = max(closed_on, referred)
        end = closed_on or today
        first_contact = min(end, referred + dt.timedelta(days=rng.randint(1, 14)))

        profile = self._profile(young, referred)
        # The case's history (issue 13) is dated as it happened: registered on the referral, active from
        # the first contact, closed on its closing day, so an overview of an earlier period means something.
        record = self.cf.create_case(copy.deepcopy(profile), today=today, changed_on=referred)
        case_id, profile_id = record.case_id, record.record_id
        if status != CaseStatus.AANGEMELD:
            profile.status = CaseStatus.ACTIEF.value
            profile.consent = Consent(True, first_contact, self.me)
            self.cf.save(case_id, copy.deepcopy(profile), record_id=profile_id, today=today, changed_on=first_contact)

        if entries_per_case is None:
            low, high = (1, 4) if status == CaseStatus.AANGEMELD else DEFAULT_ENTRIES
            n = rng.randint(low, high)
        else:
            n = entries_per_case
        plan = _kind_plan(rng, n, final_note=True)
        dates = [first_contact, *_spread_dates(rng, first_contact, end, max(0, n - 1))][:n]
        if plan and plan[-1] == Kind.NOTE and n >= 2:
            # A running case's last note is recent; a closed case's is the closing note.
            dates[-1] = end if closed_on else max(dates[-2], today - dt.timedelta(days=rng.randint(0, 10)))
        closing_reason = _weighted_keys(rng, {"doel_bereikt": 45, "doorverwezen": 20, "geen_medewerking": 10,
                                              "verhuisd": 15, "andere": 10}, self.lists.keys("closed_reasons"))
        wellbeing = self._wellbeing_model()
        last_visit = max((i for i, k in enumerate(plan) if k == Kind.HOME_VISIT), default=-1)
        scale_no = 0
        for i, (kind, on) in enumerate(zip(plan, dates, strict=True)):
            final = i == n - 1 and kind == Kind.NOTE and n >= 2
            if kind == Kind.HOME_VISIT:
                recent = (today - on).days <= 30
                entry: Entry = self._home_visit(young, on, first=i == 0,
                                                plan_next=i == last_visit and closed_on is None and recent)
            elif kind == Kind.FAMILY_CONTACT:
                entry = self._family_contact(young, on)
            elif kind == Kind.WELLBEING:
                entry = self._scale(young, on, wellbeing, scale_no)
                scale_no += 1
            elif kind == Kind.SUPPORT:
                entry = self._support(young, on)
            elif final and closed_on is not None:
                entry = FollowUpNote(occurred_on=on, text=self.text(young, CLOSING_NOTES.get(
                    closing_reason, CLOSING_NOTES["andere"])))
            else:
                entry = self._note(young, on, open_action=final)
            saved = self.cf.save(case_id, entry, today=today)
            if isinstance(entry, FollowUpNote) and entry.action and self._done_later(entry, closed_on, final):
                # The action was done later: a second revision of the same note.
                done = copy.deepcopy(entry)
                done.done = True
                self.cf.save(case_id, done, record_id=saved.record_id, today=today)
            if isinstance(entry, FamilyContact) and rng.random() < 0.03:
                # Saved twice by mistake and the copy deleted: the history keeps a tombstone.
                copy_record = self.cf.save(case_id, copy.deepcopy(entry), today=today)
                self.cf.delete_entry(case_id, copy_record.record_id)

        if closed_on is not None:
            profile.status = CaseStatus.AFGESLOTEN.value
            profile.closed_reason = closing_reason
            self.cf.save(case_id, copy.deepcopy(profile), record_id=profile_id, today=today, changed_on=closed_on)
        return case_id

    def _done_later(self, note: FollowUpNote, closed_on: dt.date | None, final: bool) -> bool:
        """Whether a note's action gets ticked off later. Old actions are nearly all done; a few
        recent ones are still open or a little overdue, as in a real caseload."""
        # Always draw, so that which kinds and texts a seed gives does not depend on today's date.
        chance = self.rng.random()
        if closed_on is not None:
            return True
        if final:
            return False
        overdue_days = (self.today - (note.due_on or note.occurred_on)).days
        if overdue_days > 14:
            return chance < 0.97
        return overdue_days > 0 and chance < 0.6

    # -- the parts -------------------------------------------------------------------------------

    def _profile(self, young: Young, referred: dt.date) -> CaseProfile:
        rng, lists = self.rng, self.lists
        source = _weighted_keys(rng, {"school": 35, "clb": 15, "ouder": 12, "welzijnspartner": 15,
                                      "jongere": 8, "politie": 5, "andere": 10}, lists.keys("referral_sources"))
        concern = self.text(young, rng.choice(CONCERNS.get(source, CONCERNS["andere"])))
        referred_by = self.text(young, rng.choice(REFERRED_BY.get(source, ("Andere",))))
        groups = self._target_groups(young.level)
        domains = lists.keys("life_domains")
        chosen = {"school"} & domains if rng.random() < 0.85 else set()
        chosen |= set(rng.sample(sorted(domains), rng.randint(1, 3)))
        return CaseProfile(
            first_name=young.first_name, last_name=young.last_name, birth_date=young.birth_date,
            gender=young.gender, school=young.school, level=young.level, class_name=young.class_name,
            home_language=young.language, address=young.address, contacts=young.contacts,
            network=self.text(young, rng.choice(NETWORK)),
            referral=Referral(source, referred, referred_by, concern),
            target_groups=groups, life_domains=sorted(chosen),
            status=CaseStatus.AANGEMELD.value, assigned=[self.cf.me], consent=Consent(),
        )

    def _target_groups(self, level: str) -> list[str]:
        rng = self.rng
        chances = {
            "kleuter": {"jongere_at_risk": 0.9, "spijbelaar": 0.2},
            "lager": {"jongere_at_risk": 0.8, "spijbelaar": 0.3},
            "graad1": {"spijbelaar": 0.5, "jongere_at_risk": 0.6, "vsv": 0.05},
            "graad2": {"spijbelaar": 0.55, "jongere_at_risk": 0.5, "vsv": 0.15},
            "graad3": {"spijbelaar": 0.5, "jongere_at_risk": 0.4, "vsv": 0.4},
            "schoolverlater": {"neet": 0.6, "vsv": 0.6, "jongere_at_risk": 0.2},
        }[level]
        allowed = self.lists.keys("target_groups")
        groups = [g for g, p in chances.items() if g in allowed and rng.random() < p]
        if not groups:
            groups = [max((g for g in chances if g in allowed), key=lambda g: chances[g], default="")]
        return [g for g in groups if g]

    def _home_visit(self, young: Young, on: dt.date, *, first: bool, plan_next: bool) -> HomeVisit:
        rng = self.rng
        referrals = [rng.choice(self.partners)] if rng.random() < 0.15 else []
        # Only the latest visit carries a dated next step: the case list shows the earliest open
        # date as "next action", and earlier visits' next steps have happened since.
        # Drawn whether used or not, so the rest of a seed's data does not depend on today's date.
        wants_step = rng.random() < 0.8
        step = self.text(young, rng.choice(VISIT_NEXT_STEPS))
        step_days = rng.randint(7, 21)
        return HomeVisit(
            occurred_on=on,
            start_time=rng.choice(("09:30", "10:00", "13:30", "15:45", "16:00", "16:30", "17:00", "17:30",
                                   "18:00", "18:30", "19:00")),
            duration_minutes=rng.choice((30, 45, 60, 60, 75, 90, 120)),
            location=rng.choice(VISIT_LOCATIONS),
            present=self.text(young, rng.choice(VISIT_PRESENT)),
            purpose=VISIT_PURPOSE_FIRST if first else rng.choice(VISIT_PURPOSES),
            observations=self.text(young, rng.choice(VISIT_OBSERVATIONS)),
            agreements=self.text(young, rng.choice(VISIT_AGREEMENTS)),
            next_step=step if wants_step or plan_next else "",
            next_step_on=on + dt.timedelta(days=step_days) if plan_next else None,
            referrals=referrals,
        )

    def _family_contact(self, young: Young, on: dt.date) -> FamilyContact:
        rng = self.rng
        channel = _weighted_keys(rng, _CONTACT_CHANNEL_WEIGHTS, self.lists.keys("channels"))
        if channel == "op_school":
            with_whom = rng.choice(("{naam}", "{ouder} en de klastitularis", "{naam} en {ouder}"))
        elif channel == "online":
            with_whom = rng.choice(("{naam}", "{ouder}"))
        else:
            with_whom = rng.choice(("{ouder}", "{ouder}", "{ouder} en {naam}"))
        notes = CONTACT_NOTES.get(channel, CONTACT_NOTES["telefoon"])
        domains = sorted(self.lists.keys("life_domains"))
        return FamilyContact(
            occurred_on=on, channel=channel, with_whom=self.text(young, with_whom),
            topics=sorted(rng.sample(domains, rng.randint(1, min(3, len(domains))))),
            referrals=[rng.choice(self.partners)] if rng.random() < 0.12 else [],
            notes=self.text(young, rng.choice(notes)),
        )

    def _wellbeing_model(self) -> tuple[float, float, dict[str, float]]:
        rng = self.rng
        baseline = rng.uniform(1.8, 3.3)
        # Most young people feel better as support goes on; some stay put, a few slide.
        trend = rng.choices((0.35, 0.15, 0.0, -0.2), weights=(45, 25, 18, 12))[0]
        offsets = {item: rng.uniform(-0.7, 0.7) for item in self.items}
        return baseline, trend, offsets

    def _scale(self, young: Young, on: dt.date, model: tuple[float, float, dict[str, float]],
               step: int) -> WellbeingScale:
        rng = self.rng
        baseline, trend, offsets = model
        lo, hi = self.answer_range
        answers = {
            item: max(lo, min(hi, round(baseline + offsets[item] + trend * step + rng.gauss(0, 0.45))))
            for item in self.items
        }
        age = age_on(young.birth_date, on)
        return WellbeingScale(
            occurred_on=on,
            place=_weighted_keys(rng, {"school": 50, "thuis": 35, "buurt": 10, "elders": 5},
                                 self.lists.keys("wellbeing_places")),
            age=age if age is not None and 3 <= age <= 30 else None,
            gender={"m": "m", "v": "v"}.get(young.gender, "a"),
            answers=answers,
            filled_in_by="jongere" if (age or 0) >= 8 else "medewerker",
        )

    def _note(self, young: Young, on: dt.date, *, open_action: bool) -> FollowUpNote:
        rng = self.rng
        note = FollowUpNote(occurred_on=on, text=self.text(young, rng.choice(NOTE_TEXTS)))
        if open_action or rng.random() < 0.55:
            note.action = self.text(young, rng.choice(NOTE_ACTIONS))
            note.action_owner = self.text(young, rng.choice(NOTE_OWNERS))
            if open_action:
                note.due_on = max(on, self.today) + dt.timedelta(days=rng.randint(3, 21))
            elif rng.random() < 0.9:
                note.due_on = on + dt.timedelta(days=rng.randint(5, 30))
        return note

    def _support(self, young: Young, on: dt.date) -> SupportMeasure:
        rng = self.rng
        if young.level in ("kleuter", "lager"):
            weights = {"schoolrekening": 45, "ontbijtkar": 30, "soep": 15, "laptop_leen": 5, "andere": 5}
        else:
            weights = _SUPPORT_WEIGHTS
        measure = _weighted_keys(rng, weights, self.lists.keys("support_measures"))
        notes = SUPPORT_NOTES.get(measure, SUPPORT_NOTES["andere"])
        level = young.level if young.level in self.lists.keys("levels") else ""
        return SupportMeasure(occurred_on=on, measure=measure, level=level, note=self.text(young, rng.choice(notes)))
