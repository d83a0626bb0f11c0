"""Erasure everywhere (issue 13, item 3), the laptop's side.

`erase_everywhere`: a coordinator (or, in a team without one, the case's worker) erases a case on the
server with a reason, signed over `erasure_message`, and then here, unsent changes included. Offline it
erases nothing; a case the server never knew (made offline) is erased here only.

`apply_erasures`: every sync round, before the push, the laptop reads the erasure feed from its cursor
and erases each case it holds that was erased, but only on proof: a requested erasure must carry the
signature of a colleague who may erase it (a coordinator of the team, or a member of the case), a
retention erasure a policy at least RETENTION_MIN_CLOSED_DAYS that this laptop's own copy of the case
meets (closed, and long enough ago). Anything else keeps the case, readable, and the sync report says so.
The case's name goes into the report (on screen), never into the log."""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from sqlalchemy import func, select

from leerrecht_core.crypto.errors import CryptoError
from leerrecht_core.i18n import tr
from leerrecht_core.protocol_lifecycle import (
    MAX_ERASURE_FEED,
    MAX_ERASURE_REASON_LEN,
    RETENTION_MIN_CLOSED_DAYS,
    CaseErase,
    ErasureEvent,
    ErasureFeed,
    erasure_message,
)
from leerrecht_desktop.store import tables as t
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.errors import CaseNotFound, StoreError
from leerrecht_desktop.sync.errors import SyncError
from leerrecht_desktop.sync.membership import MembershipSync
from leerrecht_desktop.sync.progress import SyncReport
from leerrecht_desktop.sync.transport import Forbidden, NotFound, ServerRefused, Unreachable

log = logging.getLogger("leerrecht_desktop.sync.engine")

# The laptop's place in the erasure feed: a plain `settings` row (no schema change).
ERASURE_CURSOR_KEY = "sync.erasure_cursor"
# The newest erasure the last pull reported (PullPage.erasure_mark): the feed is read only when it is
# past the cursor, so a sync with nothing new stays one request. Unknown (a first round): read it.
ERASURE_MARK_KEY = "sync.erasure_mark"


class ErasureRefused(SyncError):
    """An erasure that did not happen, worded for the user; nothing was erased."""


@dataclass(frozen=True)
class Erased:
    """What `erase_everywhere` did: `everywhere` False when the server never knew the case (erased
    here only); `unsent` this laptop's changes of it that were not sent and went with it."""

    case_id: str
    everywhere: bool
    unsent: int


def check_reason(reason: str | None) -> str:
    """The reason as it is sent, or ErasureRefused with what is wrong."""
    if reason is None or not reason.strip():
        raise ErasureRefused(tr("Geef een reden op waarom het dossier gewist wordt (bijvoorbeeld: verzoek van de "
                                "ouders). Er is niets gewist."))
    reason = reason.strip()
    if len(reason) > MAX_ERASURE_REASON_LEN:
        raise ErasureRefused(tr("De reden is te lang: hoogstens {n} tekens. Er is niets gewist.",
                                n=MAX_ERASURE_REASON_LEN))
    if any(unicodedata.category(ch) == "Cc" for ch in reason):
        raise ErasureRefused(tr("De reden mag geen regeleinden of andere stuurtekens bevatten; schrijf ze op één "
                                "regel. Er is niets gewist."))
    return reason


def holds_case(sync: MembershipSync, case_id: str) -> bool:
    with sync.case_files.engine.connect() as conn:
        return any(conn.execute(select(table.c.case_id).where(table.c.case_id == case_id)).first() is not None
                   for table in (t.case_index, t.case_keys))


def unsent_of(case_files: CaseFiles, case_id: str) -> int:
    """This laptop's changes of the case that the server does not have (waiting or refused)."""
    with case_files.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.outbox)
                                .where(t.outbox.c.case_id == case_id)).scalar_one())


def _erase_here(sync: MembershipSync, case_id: str) -> int:
    unsent = unsent_of(sync.case_files, case_id)
    sync.case_files.erase_case(case_id)
    return unsent


def erase_everywhere(sync: MembershipSync, case_id: str, reason: str | None) -> Erased:
    """Erase a case on the server (and so on every laptop at its next sync), then here. Refused, with
    nothing erased, for a bad reason, a case not on this laptop, a caller who may not erase it, or no
    connection."""
    reason = check_reason(reason)
    if not holds_case(sync, case_id):
        raise ErasureRefused(tr("Dit dossier staat niet op deze laptop. Kijk het id na met 'leerrecht cases'. Er "
                                "is niets gewist."))
    if not sync.store.registered(case_id):
        # Made here and never sent: no other laptop and no server has it.
        return Erased(case_id, everywhere=False, unsent=_erase_here(sync, case_id))
    signature = sync.case_files.secrets.signing.sign(erasure_message(case_id, sync.me))
    try:
        sync.transport.post_empty(f"/cases/{case_id}/erase", CaseErase(reason=reason, signature=signature))
    except Unreachable:
        raise ErasureRefused(tr("Een dossier overal wissen kan pas als de server bereikbaar is. Er is niets "
                                "gewist; probeer opnieuw wanneer er verbinding is.")) from None
    except Forbidden:
        raise ErasureRefused(tr("Alleen een coördinator van het team mag dit dossier wissen (in een team zonder "
                                "coördinator: de eigen begeleider van het dossier). Er is niets gewist; vraag het "
                                "aan je coördinator.")) from None
    except NotFound:
        raise ErasureRefused(tr("De server kent dit dossier niet, of het is niet met jou gedeeld. Er is niets "
                                "gewist; synchroniseer en probeer opnieuw, of vraag het aan je "
                                "coördinator.")) from None
    except ServerRefused as exc:
        if exc.code == "case_held":
            raise ErasureRefused(tr("Het wissen van dit dossier is uitgesteld omdat het bewaard moet blijven (bv. "
                                    "voor een gerechtelijke procedure). Er is niets gewist. Een coördinator kan het "
                                    "uitstel opheffen via Extra › Binnenkort te wissen…")) from None
        if exc.code != "case_erased":
            raise
        # Erased already (by a colleague): only this copy is left to erase.
    log.info("a case was erased everywhere on request")
    return Erased(case_id, everywhere=True, unsent=_erase_here(sync, case_id))


def erased_message(erased: Erased, name: str) -> str:
    """What the one who erased a case is told."""
    if not erased.everywhere:
        text = tr("Het dossier van {name} is gewist. Het stond nog niet op de server, dus alleen op deze laptop.",
                  name=name)
    else:
        text = tr("Het dossier van {name} is gewist op de server; elke laptop die het heeft, wist het bij zijn "
                  "volgende synchronisatie.", name=name)
    if erased.unsent:
        text += " " + tr("{n} wijzigingen die nog niet verstuurd waren, zijn mee gewist.", n=erased.unsent)
    return text


# -- the feed, at every sync round -------------------------------------------------------------------


def _setting(sync: MembershipSync, key: str) -> int | None:
    """A number kept in the data folder's plaintext settings (a feed position, never personal)."""
    value = sync.case_files.workspace.setting(key, "")
    return int(value) if value.isdigit() else None


def _put_setting(sync: MembershipSync, key: str, value: int) -> None:
    sync.case_files.workspace.set_setting(key, str(value))


def _cursor(sync: MembershipSync) -> int:
    return _setting(sync, ERASURE_CURSOR_KEY) or 0


def _set_cursor(sync: MembershipSync, cursor: int) -> None:
    _put_setting(sync, ERASURE_CURSOR_KEY, cursor)


def note_erasure_mark(sync: MembershipSync, mark: int | None) -> bool:
    """Keep the pull's erasure mark (written only when it changed); True when the feed has news past
    this laptop's cursor, to read in the same round."""
    if mark is None:
        return False
    if _setting(sync, ERASURE_MARK_KEY) != mark:
        _put_setting(sync, ERASURE_MARK_KEY, mark)
    return mark > _cursor(sync)


def _case_name(sync: MembershipSync, case_id: str) -> str:
    try:
        return sync.case_files.summary(case_id).full_name or tr("een jongere")
    except (CaseNotFound, StoreError):
        return tr("een jongere")


def _person(sync: MembershipSync, user_id: str | None) -> str:
    entry = sync._directory.get(user_id or "")
    return entry.display_name if entry is not None else tr("een collega")


def request_proven(sync: MembershipSync, event: ErasureEvent, report: SyncReport) -> bool:
    """Did a colleague who may erase this case sign its erasure? A coordinator of the team (as the
    directory lists them) or a member of the case, at a signing key this laptop knows for them."""
    if event.erased_by is None or event.signature is None:
        return False
    if not sync._directory_fresh:
        sync.refresh_directory(report)  # who they are and their role, as the server lists them now
    keys = sync.store.known_keys(event.erased_by)
    if keys is None:
        return False
    may = event.erased_by in sync.store.members(event.case_id) or sync._is_team_coordinator(event.erased_by)
    if not may:
        return False
    try:
        sync._verify_grant_signature(event.erased_by, keys[1], event.signature,
                                     erasure_message(event.case_id, event.erased_by))
    except InvalidSignature:
        return False
    return True


def retention_due(sync: MembershipSync, event: ErasureEvent, today: dt.date) -> bool:
    """Is this laptop's own copy of the case closed at least the policy's days ago, and the policy at
    least the floor? The closing date is the one this laptop reports (store/profile_history.py
    `closed_on`, sync/retention.py)."""
    days = event.closed_days
    if days is None or days < RETENTION_MIN_CLOSED_DAYS:
        return False
    try:
        closed = sync.case_files.closed_on(event.case_id)
    except (CaseNotFound, StoreError, CryptoError):
        return False
    return closed is not None and (today - closed).days >= days


def _kept_message(event: ErasureEvent, name: str) -> str:
    if event.cause == "retention":
        return tr("De server meldt dat de bewaartermijn van het dossier van {name} voorbij is, maar volgens deze "
                  "laptop is het dossier niet (lang genoeg) afgesloten. Het dossier blijft op deze laptop en blijft "
                  "leesbaar; er wordt niets gewist. Meld dit aan je coördinator.", name=name)
    return tr("De server meldt dat het dossier van {name} gewist is, maar kan niet aantonen dat iemand die dat mag "
              "het wiste. Het dossier blijft op deze laptop en blijft leesbaar; er wordt niets gewist. Meld dit aan "
              "je coördinator.", name=name)


def _gone_message(sync: MembershipSync, event: ErasureEvent, name: str, unsent: int) -> str:
    if event.cause == "retention":
        text = tr("Het dossier van {name} is gewist: het was langer afgesloten dan de bewaartermijn van je "
                  "organisatie ({days} dagen).", name=name, days=event.closed_days or 0)
    else:
        text = tr("Het dossier van {name} is gewist door {who}. Reden: {reason}", name=name,
                  who=_person(sync, event.erased_by), reason=event.reason or "-")
    if unsent:
        text += " " + tr("{n} wijzigingen van deze laptop die nog niet verstuurd waren, zijn mee gewist.", n=unsent)
    return text


def apply_erasures(sync: MembershipSync, report: SyncReport, *, today: dt.date | None = None,
                   idle: bool = False) -> None:
    """Read the erasure feed from this laptop's cursor and erase what is proven (module docstring).
    Unreachable propagates before the cursor moves, so the next round reads the same events again.
    `idle`: this laptop has nothing to send, so the feed is read only when the last pull's erasure mark
    is past the cursor (the pull of this round reads it otherwise); with something to send it is read
    first, so a change of an erased case is never pushed."""
    day = today or dt.date.today()
    cursor = _cursor(sync)
    mark = _setting(sync, ERASURE_MARK_KEY)
    if idle and mark is not None and mark <= cursor:
        return
    while True:
        feed = sync.transport.get("/erasures", ErasureFeed, params={"after": cursor, "limit": MAX_ERASURE_FEED})
        erased = kept = 0
        for event in feed.erasures:
            if not holds_case(sync, event.case_id):
                continue
            name = _case_name(sync, event.case_id)
            proven = (request_proven(sync, event, report) if event.cause == "request"
                      else retention_due(sync, event, day))
            if not proven:
                kept += 1
                report.errors.append(_kept_message(event, name))
                continue
            unsent = _erase_here(sync, event.case_id)
            erased += 1
            report.errors.append(_gone_message(sync, event, name, unsent))
        if erased or kept:
            log.info("erasure feed: %d cases erased, %d kept without proof", erased, kept)
        if feed.next_cursor > cursor:
            _set_cursor(sync, feed.next_cursor)
        if not feed.more or feed.next_cursor <= cursor:
            return
        cursor = feed.next_cursor

