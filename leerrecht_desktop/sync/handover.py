"""Handing cases over ("Toegewezen aan" to a colleague) and transferring a case to another team.

A hand-over changes the case profile's assigned workers (a new, sealed profile revision), shares
the case key with the new worker and, unless the previous one is kept, removes the previous worker
from the case with a key rotation, so what is written from then on is sealed under a key they never
get; their laptops erase the case at their next sync. Who may: a coordinator (role from the
enrolment), or the case's assigned worker handing their own place on. The server can't read who is
assigned (it is sealed): it checks its own stand-in, the case's owner, which a hand-over passes on
(docs/threat-model.md section 8), and the app checks the assignment.

Offline, a coordinator's hand-over is queued like sharing (the share, the rotation and the profile
revision go out at the next sync, in that order). Handing on one's own case needs the server: the
profile revision must reach it before one's own access ends. A transfer to another team is online
only (the receiving coordinators' keys come from the server). No Qt here."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from sqlalchemy import func, select

from leerrecht_core.crypto.keys import new_case_key, wrap_case_key
from leerrecht_core.crypto.local import open_local, seal_local
from leerrecht_core.errors import LeerrechtError
from leerrecht_core.i18n import tr
from leerrecht_core.protocol import RECOVERY_RECIPIENT, CaseState, MemberRemove
from leerrecht_core.protocol_transfer import PeopleResponse, Person, TransferRequest, TransferResponse
from leerrecht_desktop.models.case import CaseProfile, WorkerRef
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.access_log import AccessLog
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.sync.engine import SyncEngine, SyncReport
from leerrecht_desktop.sync.removals import removal_signature, transfer_signature
from leerrecht_desktop.sync.transport import Forbidden, Unreachable

# The last people list seen online, sealed under the local key (names are personal data): lets a
# coordinator hand over while offline. A settings row, no schema change.
_PEOPLE_SETTING = "handover.people"


class HandoverRefused(LeerrechtError):
    """A hand-over or transfer that may not or can't be done; nothing was changed."""


@dataclass
class HandoverOutcome:
    case_ids: list[str] = field(default_factory=list)  # handed over (or queued)
    queued: bool = False  # offline: goes out with the next sync
    errors: list[str] = field(default_factory=list)


# -- people ---------------------------------------------------------------------------------------


def _save_people(case_files: CaseFiles, people: list[Person]) -> None:
    blob = seal_local(case_files.secrets.local_key, "people", case_files.user.user_id,
                      [p.model_dump(mode="json") for p in people])
    case_files.workspace.set_setting(_PEOPLE_SETTING, base64.b64encode(blob).decode("ascii"))


def _cached_people(case_files: CaseFiles) -> list[Person]:
    raw = case_files.workspace.setting(_PEOPLE_SETTING, "")
    if not raw:
        return []
    data = open_local(case_files.secrets.local_key, "people", case_files.user.user_id, base64.b64decode(raw))
    return [Person.model_validate(item) for item in data]


def people(engine: SyncEngine) -> tuple[list[Person], bool]:
    """Who a case can be handed to (the server's list, or offline the last one seen) and whether the
    server answered."""
    try:
        answer = engine.transport.get("/people", PeopleResponse)
    except Unreachable:
        return _cached_people(engine.case_files), False
    _save_people(engine.case_files, list(answer.people))
    return list(answer.people), True


def resolve(people_list: list[Person], name: str, team_id: str) -> Person:
    """A colleague of `team_id` by user name (exact, any case) or by display name if only one has it."""
    wanted = name.strip().casefold()
    team = [p for p in people_list if p.team_id == team_id]
    by_username = [p for p in team if p.username.casefold() == wanted]
    if by_username:
        return by_username[0]
    by_name = [p for p in team if p.display_name.strip().casefold() == wanted]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        raise HandoverRefused(tr("Meer dan één collega heet '{name}'. Gebruik de gebruikersnaam.", name=name))
    raise HandoverRefused(tr("Er is geen collega '{name}' in je team (of de server kent die nog niet).", name=name))


# -- hand-over ------------------------------------------------------------------------------------


class Handover:
    """One hand-over session on an unlocked laptop: the engine, the people list, whether online."""

    def __init__(self, case_files: CaseFiles, engine: SyncEngine | None = None):
        self.case_files = case_files
        self.engine = engine or SyncEngine.for_case_files(case_files)
        self.state = self.engine.store.state()
        self.people, self.online = people(self.engine)

    def close(self) -> None:
        self.engine.transport.close()

    @property
    def is_coordinator(self) -> bool:
        return self.state.role == "coordinator"

    def colleagues(self) -> list[Person]:
        """The team's people a case can go to (not me)."""
        return [p for p in self.people if p.team_id == self.state.team_id and p.user_id != self.engine.me]

    def cases_of(self, user_id: str) -> list[str]:
        """The cases on this laptop whose assigned workers include `user_id`."""
        return sorted(s.case_id for s in self.case_files.summaries() if user_id in s.assigned_ids)

    # -- the one-case step ----------------------------------------------------------------------

    def _check_may(self, profile: CaseProfile) -> None:
        if self.is_coordinator or self.engine.me in {w.user_id for w in profile.assigned}:
            return
        raise HandoverRefused(tr("Alleen een coördinator van het team of de begeleider aan wie het dossier is "
                                 "toegewezen, kan het overdragen. Er is niets gewijzigd."))

    def _plan(self, case_id: str, to: Person, previous: set[str] | None) -> tuple[CaseProfile, str, set[str]]:
        """Check one case: (the new profile, its record id, whom to take off). Changes nothing."""
        case = self.case_files.load_case(case_id)
        profile = case.content
        self._check_may(profile)
        assigned = [w.user_id for w in profile.assigned]
        if previous is None:
            # A coordinator hands the whole case on; a worker their own place in it.
            previous = set(assigned) if self.is_coordinator else {self.engine.me}
        previous.discard(to.user_id)
        kept = [w for w in profile.assigned if w.user_id not in previous and w.user_id != to.user_id]
        profile.assigned = [WorkerRef(to.user_id, to.display_name), *kept]
        return profile, case.profile.record_id, previous

    def _off_case(self, case_id: str, user_id: str) -> bool:
        """Whether `user_id` should lose the case key: a member, and not a coordinator of the team
        (they see every case of their team, assigned or not)."""
        if user_id not in self.engine.store.members(case_id):
            return False
        role = next((p.role for p in self.people if p.user_id == user_id), "")
        return role != "coordinator"

    def check(self, case_id: str, to: Person, *, keep_previous: bool = False,
              previous: set[str] | None = None) -> tuple[CaseProfile, str, set[str], bool]:
        """Whether this laptop may hand the case to `to` now: (the new profile, its record id, whom to
        take off, whether this user's own access ends). Raises HandoverRefused; changes nothing."""
        profile, record_id, gone = self._plan(case_id, to, None if previous is None else set(previous))
        leave = not keep_previous and self.engine.me in gone and not self.is_coordinator
        if leave and not self.online:
            raise HandoverRefused(tr("Een dossier dat je zelf overdraagt, kan alleen met verbinding met de server: "
                                     "je toegang stopt pas als je laatste wijzigingen verstuurd zijn. Er is niets "
                                     "gewijzigd."))
        return profile, record_id, gone, leave

    def hand_over(self, case_id: str, to: Person, *, keep_previous: bool = False,
                  previous: set[str] | None = None) -> bool:
        """Hand one case to `to`; True when this laptop's own access ends (sent at once, online)."""
        profile, record_id, gone, leave = self.check(case_id, to, keep_previous=keep_previous, previous=previous)
        store, engine = self.engine.store, self.engine
        members = store.members(case_id)
        if to.user_id not in members:
            engine.share_case(case_id, to.user_id)
            if store.registered(case_id):
                # The rotation below wraps the new key for the new worker too: the share goes first.
                store.mark_registered(case_id, [*members, to.user_id])
        if not keep_previous:
            for user_id in sorted(gone - {engine.me}):
                if self._off_case(case_id, user_id):
                    engine.unshare_case(case_id, user_id)
        # Saved after the rotation: sealed under the new key, which the previous worker never gets.
        self.case_files.save(case_id, profile, record_id=record_id)
        AccessLog.of(self.case_files).record(case_id, "case_handed_over")  # never raises
        return leave

    def leave(self, case_id: str, report: SyncReport) -> None:
        """End this user's own access to a case they handed on: everything of it pushed first, then a
        new key for everyone who stays, then the server's removal event erases it here."""
        engine = self.engine
        with self.case_files.engine.connect() as conn:
            unsent = conn.execute(select(func.count()).select_from(t.outbox)
                                  .where(t.outbox.c.case_id == case_id)).scalar_one()
        if unsent:
            raise HandoverRefused(tr("Niet al je wijzigingen aan dit dossier zijn verstuurd; je houdt er toegang "
                                     "toe. Vraag je coördinator om je eraf te halen als ze verstuurd zijn."))
        state = engine.transport.get(f"/cases/{case_id}", CaseState)
        engine.refresh_directory(report)
        recipients: dict[str, bytes] = {}
        for member in state.members:
            if member == engine.me:
                continue
            keys = engine.store.known_keys(member)
            if keys is None:
                raise HandoverRefused(tr("Niet alle collega's van dit dossier zijn bekend op deze laptop. "
                                         "Synchroniseer eerst."))
            recipients[member] = keys[0]
        if self.state.recovery_public is not None:
            recipients[RECOVERY_RECIPIENT] = self.state.recovery_public
        version, key = state.key_version + 1, new_case_key()
        grants = [engine._grant(case_id, version, rid, wrap_case_key(key, case_id, version, rid, public))
                  for rid, public in recipients.items()]
        try:
            engine.transport.post(f"/cases/{case_id}/members/remove",
                                  MemberRemove(user_id=engine.me, grants=grants,
                                               signature=removal_signature(engine, case_id, engine.me, version)),
                                  CaseState)
        except Forbidden:
            # The server knows another worker as the case's own (docs/threat-model.md section 8).
            raise HandoverRefused(tr("De server laat je dit dossier niet zelf overdragen: voor de server is het "
                                     "niet jouw dossier. Je houdt er toegang toe; vraag je coördinator om het over "
                                     "te dragen.")) from None

    # -- the commands ---------------------------------------------------------------------------

    def run(self, case_ids: list[str], to: Person, *, keep_previous: bool, previous: set[str] | None,
            send: bool = True) -> HandoverOutcome:
        """Hand each case over, then send it all when online (one sync round). With `send` False the
        caller's own sync loop sends it (the window's: no second round beside it); a worker's own
        departure is sent here regardless, it must follow the push."""
        for case_id in case_ids:  # every case checked before the first is changed
            self.check(case_id, to, keep_previous=keep_previous, previous=previous)
        outcome = HandoverOutcome()
        leaving: list[str] = []
        for case_id in case_ids:
            if self.hand_over(case_id, to, keep_previous=keep_previous, previous=previous):
                leaving.append(case_id)
            outcome.case_ids.append(case_id)
        outcome.queued = not self.online if not (send or leaving) else not self._send(outcome)
        for case_id in leaving:
            report = SyncReport()
            try:
                self.leave(case_id, report)
            except HandoverRefused as exc:
                # Handed over already; only this laptop's own access stays until its changes are sent.
                report.errors.append(str(exc))
            outcome.errors.extend(report.errors)
        if leaving:
            self._send(outcome)  # the removal event erases the case here
        return outcome

    def _send(self, outcome: HandoverOutcome) -> bool:
        if not self.online:
            return False
        try:
            report = self.engine.sync_once()
        except Unreachable:
            return False
        outcome.errors.extend(report.errors)
        return True

    def transfer(self, case_id: str, team: str) -> TransferResponse:
        """Move a case to another team's coordinators (online, coordinators only)."""
        if not self.is_coordinator:
            raise HandoverRefused(tr("Alleen een coördinator kan een dossier naar een ander team overdragen. "
                                     "Er is niets gewijzigd."))
        if not self.online:
            raise HandoverRefused(tr("Een dossier naar een ander team overdragen kan alleen met verbinding met de "
                                     "server. Er is niets gewijzigd."))
        self.case_files.load_case(case_id)  # refuses a case that is not on this laptop
        wanted = team.strip().casefold()
        receivers = [p for p in self.people if p.team_id != self.state.team_id and p.role == "coordinator"
                     and wanted in (p.team_id.casefold(), p.team_name.casefold())]
        if not receivers:
            raise HandoverRefused(tr("Er is geen ander team '{team}' met een aangemelde coördinator.", team=team))
        report = self.engine.sync_once()  # what this laptop has not sent yet goes first
        self.engine.refresh_directory(report)
        publics: dict[str, bytes] = {}
        for person in receivers:
            keys = self.engine.store.known_keys(person.user_id)
            if keys is None:
                raise HandoverRefused(tr("De sleutels van de coördinator van dat team zijn niet bekend. Probeer "
                                         "opnieuw."))
            publics[person.user_id] = keys[0]
        grants = self.engine._grants_for(case_id, publics)
        version, key = max(r.key_version for r in self.engine.store.key_versions(case_id)) + 1, new_case_key()
        new = dict(publics)
        if self.state.recovery_public is not None:
            new[RECOVERY_RECIPIENT] = self.state.recovery_public
        grants += [self.engine._grant(case_id, version, rid, wrap_case_key(key, case_id, version, rid, public))
                   for rid, public in new.items()]
        answer = self.engine.transport.post(f"/cases/{case_id}/transfer",
                                            TransferRequest(team_id=receivers[0].team_id, grants=grants,
                                                            signature=transfer_signature(
                                                                self.engine, case_id, receivers[0].team_id, version)),
                                            TransferResponse)
        AccessLog.of(self.case_files).record(case_id, "case_handed_over")  # sent by the round below
        self.engine.sync_once()  # the removal event erases the case here
        return answer


# -- for the window (each call one NetworkOp: its own session) -------------------------------------


@dataclass(frozen=True)
class HandoverChoices:
    colleagues: list[Person]  # the team, not me
    counts: dict[str, int]  # user id -> cases on this laptop assigned to them
    is_coordinator: bool
    online: bool


def handover_choices(case_files: CaseFiles) -> HandoverChoices:
    session = Handover(case_files)
    try:
        colleagues = session.colleagues()
        counts = {p.user_id: len(session.cases_of(p.user_id)) for p in colleagues}
        return HandoverChoices(colleagues, counts, session.is_coordinator, session.online)
    finally:
        session.close()


def hand_over_cases(case_files: CaseFiles, to_user_id: str, *, case_id: str | None = None,
                    from_user_id: str | None = None, keep_previous: bool = False,
                    send: bool = True) -> HandoverOutcome:
    """One case (`case_id`) or every case of `from_user_id`, to a colleague of the team."""
    session = Handover(case_files)
    try:
        to = next((p for p in session.colleagues() if p.user_id == to_user_id), None)
        if to is None:
            raise HandoverRefused(tr("Deze collega is niet (meer) bekend in je team."))
        if case_id is not None:
            return session.run([case_id], to, keep_previous=keep_previous, previous=None, send=send)
        assert from_user_id is not None
        return session.run(session.cases_of(from_user_id), to, keep_previous=keep_previous,
                           previous={from_user_id}, send=send)
    finally:
        session.close()
