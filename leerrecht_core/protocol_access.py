"""The wire format of the access log (issue 13 item 6): what a laptop tells the server about who
opened, printed, exported, shared, handed over or erased a case there, and what a coordinator reads
back. Kept beside `protocol.py` (same rules: version 1, extra fields refused).

    POST /access-log            AccessLogPush   -> 204           a laptop's unsent entries; one audit
                                                                 row each, for cases the caller is or
                                                                 was a member of (others dropped, unsaid)
    GET  /cases/{id}/access-log                 -> CaseAccessLog a case's access log, newest first
                                                                 (the team's coordinators; in a team
                                                                 without one, the case's worker)

An entry is metadata only: the laptop's time, a fixed action word and the case id. The server takes
who from the caller's device token; there is no content and no name in it.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import AwareDatetime, Field

from leerrecht_core.protocol import Model, Uuid

# The fixed vocabulary of what a laptop records (the `action` of its audit_log row on the server).
AccessAction = Literal[
    "case_opened",  # the case shown in the window (repeated openings within a few minutes: once)
    "case_printed",  # its case summary sent to a printer
    "case_summary_saved",  # its case summary saved as a PDF file
    "case_exported",  # in an export: the whole-profile export (one per case) or an access request
    "case_shared",  # a colleague given access
    "case_unshared",  # a colleague taken off it (a new key for the others)
    "case_handed_over",  # handed to a colleague, or transferred to another team
    "case_erased_local",  # erased from this laptop by its user
    "attachment_opened",  # one of its attachments shown in the app's preview (issue 15)
    "attachment_saved",  # one of its attachments saved as a file (Opslaan als…)
]
ACCESS_ACTIONS: tuple[str, ...] = get_args(AccessAction)
MAX_ACCESS_ENTRIES = 500
MAX_ACCESS_LOG = 2000

# The organisation's retention of access entries on the server, in days (admin set-access-log-retention).
ACCESS_LOG_DEFAULT_DAYS = 730
ACCESS_LOG_MIN_DAYS = 30
ACCESS_LOG_MAX_DAYS = 3650


class AccessEntry(Model):
    at: AwareDatetime  # the laptop's time of the action
    action: AccessAction
    case_id: Uuid


class AccessLogPush(Model):
    entries: list[AccessEntry] = Field(min_length=1, max_length=MAX_ACCESS_ENTRIES)


class CaseAccessEntry(Model):
    at: str  # ISO 8601, UTC: the laptop's time for a laptop entry, the server's for its own
    action: str  # a laptop's AccessAction, or a server event (member_add, member_remove, ...)
    user_id: str | None = None
    display_name: str | None = None  # None: an administrator, or a user no longer known
    source: Literal["laptop", "server"]
    subject_name: str | None = None  # member_add / member_remove: the colleague added or taken off


class CaseAccessLog(Model):
    case_id: Uuid
    entries: list[CaseAccessEntry]  # newest first, at most MAX_ACCESS_LOG
    more: bool = False  # older entries exist beyond MAX_ACCESS_LOG
