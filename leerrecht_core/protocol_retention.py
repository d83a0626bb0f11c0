"""The wire format of retention (issue 13, item 4): the closing dates laptops report, the list of cases
whose erasure is near, and holds. Shared by both sides; same rules as `protocol.py`.

    POST   /closings                    ClosingsRequest -> ClosingsResponse   members report closing dates
    GET    /retention                   -> RetentionList     a coordinator of the team (in a team without
                                                             one: the case's worker): erasures due soon
    POST   /cases/{id}/retention-hold   HoldRequest -> DueCase   postpone one case's erasure until a day
    DELETE /cases/{id}/retention-hold   -> 204                   lift it

The server can't read a case's status. A laptop tells it only the day the case was closed, or that it
is open (`closed_on: null`), for each case whose profile it is about to push: nothing else of the
profile (docs/threat-model.md). The server erases a case `closed_days` after that day
(`admin set-retention`), unless a hold runs until that day or later.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, Field, WithJsonSchema

from leerrecht_core.protocol import _NO_CONTROL, MAX_CASE_STATES, Model, Uuid, _text

# The notice and the list "Binnenkort te wissen" show what is erased within this many days (or is overdue).
RETENTION_NOTICE_DAYS = 30
# A hold postpones an erasure by at most this many days from today (about five years).
MAX_HOLD_DAYS = 5 * 365 + 1
MAX_HOLD_REASON_LEN = 500
# A retention period applies when the organisation set none (docs/operations.md says why ten years).
DEFAULT_RETENTION_CLOSED_DAYS = 3650

_EARLIEST = dt.date(1900, 1, 1)
_LATEST = dt.date(2999, 12, 31)


def _plausible(day: dt.date) -> dt.date:
    # Far enough from date.min/max that adding any retention period or hold stays a valid date.
    if not _EARLIEST <= day <= _LATEST:
        raise ValueError("a day between 1900-01-01 and 2999-12-31")
    return day


# The schema says the same as the validator, so a client (and the fuzz test) generated from the OpenAPI
# document sends only days the model takes: years 1900-2999, each month's days (29 February left out).
_DAY_PATTERN = (r"^(19[0-9]{2}|2[0-9]{3})-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)"
                r"|(0[13578]|1[02])-31)$")
Day = Annotated[dt.date, AfterValidator(_plausible),
                WithJsonSchema({"type": "string", "format": "date", "pattern": _DAY_PATTERN})]


class Closing(Model):
    case_id: Uuid
    closed_on: Day | None  # None: the case is open (again)


class ClosingsRequest(Model):
    cases: list[Closing] = Field(min_length=1, max_length=MAX_CASE_STATES)


class ClosingsResponse(Model):
    # The cases whose closing date was recorded: those of the request the caller is a member of.
    recorded: list[Uuid]


class RetentionHold(Model):
    until: dt.date
    reason: str
    held_by: str  # user name of the coordinator (or worker) who set it
    held_at: str


class DueCase(Model):
    case_id: Uuid
    closed_on: dt.date
    erase_on: dt.date  # closed_on + the retention period
    hold: RetentionHold | None = None


class RetentionList(Model):
    closed_days: int  # the retention period in force
    today: dt.date  # the server's day the list was made on
    cases: list[DueCase]  # erased within RETENTION_NOTICE_DAYS or overdue (held ones too), by erase_on


class HoldRequest(Model):
    until: Day
    reason: Annotated[str, _text(MAX_HOLD_REASON_LEN), _NO_CONTROL]
