"""The case summary: one young person's case file as a print-ready A4 PDF, for a case consultation
(casusoverleg) or a handover, optionally pseudonymised and password-protected.

Input is domain objects only (the caller has decrypted them); output is the PDF as bytes, built in
memory. What it holds and the pseudonymisation rules: docs/reports.md.

This module picks and orders the entries and assembles the PDF; case_summary_sections builds the
sections (with the charts of wellbeing_charts) and case_summary_options holds what the caller asks for."""

from __future__ import annotations

import dataclasses
import datetime as dt

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.case import CaseProfile
from leerrecht_desktop.models.entries import Entry, HomeVisit
from leerrecht_desktop.models.records import Record, saved_text
from leerrecht_desktop.reports.case_summary_options import (
    ALL_SECTIONS,
    MIN_PASSWORD_LENGTH,
    AttachmentLine,
    Section,
    SummaryOptions,
)
from leerrecht_desktop.reports.case_summary_sections import SummaryStory
from leerrecht_desktop.reports.layout import build_pdf
from leerrecht_desktop.reports.pseudonymise import Pseudonymiser

# The options live in case_summary_options (the story needs them too); callers import them from here.
__all__ = ["ALL_SECTIONS", "MIN_PASSWORD_LENGTH", "AttachmentLine", "Section", "SummaryOptions", "render_case_summary"]


def render_case_summary(profile: CaseProfile, entries: list[Record], options: SummaryOptions, *, made_by: str,
                        made_at: dt.datetime, today: dt.date) -> bytes:
    """The case summary as PDF bytes. `entries` are the case's records (a record holding the profile
    itself is ignored); those dated outside the period are left out. `today` dates the age and
    marks overdue actions; `made_by`/`made_at` go into every page's footer."""
    age = profile.age(today)  # before pseudonymising drops the birth date: the age stays
    chosen = sorted(
        (r for r in entries if isinstance(r.content, Entry) and options.covers(r.content.occurred_on)),
        key=_chronological,
    )
    items: list[Entry] = [r.content for r in chosen if isinstance(r.content, Entry)]
    if options.pseudonymise:
        p = Pseudonymiser(profile)
        profile = p.profile(profile)
        items = [p.entry(e) for e in items]
        # A title or file name can hold a name ("toestemming Amira.pdf"): pseudonymised like a note.
        options = dataclasses.replace(options, attachments=tuple(
            dataclasses.replace(a, title=p.text(a.title), file_name=p.text(a.file_name)) for a in options.attachments))
    newest = max(chosen, key=lambda r: r.saved_at, default=None)
    story = SummaryStory(profile, items, options, age=age, today=today,
                         last_saved="" if newest is None else saved_text(newest)).story()
    return build_pdf(story, title=tr("Dossiersamenvatting"), made_by=made_by, made_at=made_at,
                     password=options.password)


def _chronological(record: Record) -> tuple[dt.date, str, dt.datetime]:
    content = record.content
    assert isinstance(content, Entry)
    return content.occurred_on, content.start_time if isinstance(content, HomeVisit) else "", record.saved_at
