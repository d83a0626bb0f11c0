"""How an attachment is named on screen: its row in the list (title or file name, type, size, added on
and by) and its state (the case summary's lines are reports/case_summary_options.attachment_lines)."""

from __future__ import annotations

from leerrecht_core.i18n import tr
from leerrecht_desktop.models.attachment_types import size_text, type_label
from leerrecht_desktop.store.attachments import AttachmentInfo
from leerrecht_desktop.ui.models import format_date

# The states of an attachment's bytes (store/attachments.py). Compared as strings: the blob sync (another
# change) adds the constants to the store; until then these are the same words.
STATE_LOCAL = "local"  # sealed here, not sent yet
STATE_UPLOADING = "uploading"  # being sent to the server
STATE_SYNCED = "synced"  # here and on the server
STATE_REMOTE = "remote"  # the manifest is here, the bytes are not (yet) on this laptop


def state_label(state: str) -> str:
    return {
        STATE_LOCAL: tr("alleen op deze laptop"),
        STATE_UPLOADING: tr("wordt verzonden"),
        STATE_SYNCED: tr("gesynchroniseerd"),
        STATE_REMOTE: tr("nog niet op deze laptop"),
    }.get(state, state)


def is_remote(info: AttachmentInfo) -> bool:
    return str(info.state) == STATE_REMOTE


def added_text(info: AttachmentInfo) -> str:  # the preview's line of facts
    """"12/03/2026 door Fictieve Werker": when it was added, and by whom when the app knows the name."""
    day = format_date(info.added_at.astimezone().date()) if info.added_at else ""
    if info.added_by_name:
        return tr("{date} door {name}", date=day, name=info.added_by_name) if day else info.added_by_name
    return day


def row_texts(info: AttachmentInfo) -> list[str]:
    """The list's three columns, two lines each, so they fit the case pane beside the case list:
    title and file name; type, size and state; the day added and by whom. A refused one says so."""
    state = state_label(info.state)
    if info.refused:
        return [tr("Bijlage kan niet geopend worden"), state, ""]
    name = info.label + (f"\n{info.file_name}" if info.title and info.file_name else "")
    day = format_date(info.added_at.astimezone().date()) if info.added_at else ""
    return [name, f"{type_label(info.media_type)} · {size_text(info.size)}\n{state}",
            "\n".join(x for x in (day, info.added_by_name) if x)]
