"""What a case summary is asked for: the sections a user can leave out, the period, pseudonymising and
the password (with the shortest one accepted). The dialog and the CLI build these; case_summary reads them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from leerrecht_core.i18n import tr


class Section(StrEnum):
    """The parts of the summary a user can leave out. The header (who, status, period) is always there."""

    REFERRAL = "referral"
    AGREEMENTS = "agreements"
    CONTACTS = "contacts"
    WELLBEING = "wellbeing"
    NOTES = "notes"
    SUPPORT = "support"
    ATTACHMENTS = "attachments"  # a list of the case's attachments (titles, not images); off unless chosen

    @property
    def label(self) -> str:
        return {
            Section.REFERRAL: tr("Aanmelding en context"),
            Section.AGREEMENTS: tr("Afspraken en open acties"),
            Section.CONTACTS: tr("Huisbezoeken en gezinscontacten"),
            Section.WELLBEING: tr("Welbevinden"),
            Section.NOTES: tr("Opvolgnotities"),
            Section.SUPPORT: tr("Steunmaatregelen"),
            Section.ATTACHMENTS: tr("Bijlagen"),
        }[self]


# The sections a summary has unless the user leaves some out. Bijlagen is not among them: a list of the
# scans in a file is asked for, not given by default (in the window and on the command line alike).
ALL_SECTIONS: frozenset[Section] = frozenset(Section) - {Section.ATTACHMENTS}


@dataclass(frozen=True)
class AttachmentLine:
    """One attachment as the summary lists it: what it is, never its content. The caller (who read
    the store) makes these; reports do not read the store."""

    title: str
    file_name: str
    media_type: str
    size: int
    added_at: dt.datetime | None


class ListedAttachment(Protocol):
    """What the summary needs of an attachment as the store lists it (store/attachments.AttachmentInfo),
    named here by shape because reports do not import the store."""

    @property
    def title(self) -> str: ...
    @property
    def file_name(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def added_at(self) -> dt.datetime | None: ...
    @property
    def refused(self) -> str: ...


def attachment_lines(listed: Iterable[ListedAttachment]) -> tuple[AttachmentLine, ...]:
    """The summary's lines for a case's attachments, for the window and the command line alike;
    refused ones are left out (nothing of them can be read)."""
    return tuple(AttachmentLine(a.title, a.file_name, a.media_type, a.size, a.added_at) for a in listed
                 if not a.refused)

# The shortest password the app and the CLI accept for a protected PDF. The file can be attacked
# offline, without the app's delay between tries; AES-256 does not help against a short password.
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class SummaryOptions:
    """What to put in the summary. `period_from`/`period_to` are inclusive; None means open-ended."""

    period_from: dt.date | None = None
    period_to: dt.date | None = None
    sections: frozenset[Section] = field(default=ALL_SECTIONS)
    pseudonymise: bool = False
    password: str | None = None
    # The case's attachments, listed when Section.ATTACHMENTS is chosen.
    attachments: tuple[AttachmentLine, ...] = ()

    def __post_init__(self) -> None:
        if self.period_from and self.period_to and self.period_from > self.period_to:
            raise ValueError(tr("De periode begint na het einde. Kies een begindatum vóór de einddatum."))

    def covers(self, day: dt.date) -> bool:
        return (self.period_from is None or day >= self.period_from) and (
            self.period_to is None or day <= self.period_to)
