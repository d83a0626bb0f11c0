"""The laptop's access log reaches the server (issue 13, item 6): at each sync round the sealed local
entries (store/access_log.py: who, when, a fixed action word, which case) are sent in batches to
`POST /v1/access-log` and deleted here once the server took them. Nothing is sent, and no request made,
when nothing waits, so a sync with nothing new stays one request.

A batch whose answer is lost is sent again at the next round: the server then holds those entries
twice (docs/threat-model.md §13). An access log that says someone looked twice is wrong in the safe
direction; one that forgets a look is not."""

from __future__ import annotations

import logging

from leerrecht_core.protocol_access import MAX_ACCESS_ENTRIES, AccessEntry, AccessLogPush
from leerrecht_desktop.store.access_log import AccessLog
from leerrecht_desktop.sync.membership import MembershipSync

log = logging.getLogger("leerrecht_desktop.sync.engine")


def send_access_log(sync: MembershipSync) -> int:
    """Send every waiting entry, oldest first; returns how many. Unreachable propagates after the
    batches already taken were deleted here, so the next round sends only the rest."""
    access = AccessLog.of(sync.case_files)
    sent = 0
    while entries := access.unsent(MAX_ACCESS_ENTRIES):
        body = AccessLogPush(entries=[AccessEntry.model_validate({"at": e.at, "action": e.action,
                                                                  "case_id": e.case_id}) for e in entries])
        sync.transport.post_empty("/access-log", body)
        access.drop(e.row_id for e in entries)
        sent += len(entries)
        if len(entries) < MAX_ACCESS_ENTRIES:
            break
    if sent:
        log.info("access log: %d entries sent", sent)
    return sent
