"""Moving to another server address (Instellingen › Serveradres): check that the new address is this
team's Leerrecht server before it is stored. Network and store work; no Qt (the settings dialog runs it
as an operation)."""

from __future__ import annotations

from leerrecht_core.i18n import tr
from leerrecht_desktop.store.casefiles import CaseFiles
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync.errors import SyncError

# The check of a new server address runs on the store worker (it ends in a store write); kept short so
# queued draft saves wait seconds, not the sync's 30.
CHECK_TIMEOUT_SECONDS = 10.0
CHECK_CONNECT_SECONDS = 5.0


class ServerCheckFailed(SyncError):
    """The new address was refused; the message is for the field's error line."""


def check_and_save_server_url(case_files: CaseFiles, url: str) -> str:
    """Runs on the worker: the new address must parse (https://, or http:// to this computer), answer as
    a Leerrecht server that accepts this laptop's device token, and list this user with the keys this
    laptop has (so it is the same organisation's server, not just any Leerrecht). Then it is stored;
    the next sync round reads it. Returns the stored address."""
    import httpx  # late: the settings dialog opens without loading the network stack

    from leerrecht_core.protocol import DirectoryResponse
    from leerrecht_desktop.sync.transport import (
        BadResponse,
        CertificateProblem,
        NotFound,
        Transport,
        Unauthorized,
        Unreachable,
        check_server_url,
    )

    try:
        new_url = check_server_url(url)
    except SyncError as exc:
        raise ServerCheckFailed(str(exc)) from None
    store = SyncStore(case_files)
    state = store.state()
    try:
        with Transport(new_url, token=state.device_token, pinned_sha256=state.pinned_sha256,
                       timeout=httpx.Timeout(CHECK_TIMEOUT_SECONDS, connect=CHECK_CONNECT_SECONDS)) as transport:
            directory = transport.get("/directory", DirectoryResponse)
    except Unreachable:
        raise ServerCheckFailed(tr("Op {url} antwoordt geen server. Kijk het adres na; tot dan blijft het oude "
                                   "adres gelden.", url=new_url)) from None
    except (NotFound, BadResponse):
        raise ServerCheckFailed(tr("Op {url} draait geen Leerrecht-server. Kijk het adres na.", url=new_url)) from None
    except Unauthorized:
        raise ServerCheckFailed(tr("De server op {url} kent deze laptop niet. Is het wel de Leerrecht-server van "
                                   "je team?", url=new_url)) from None
    except (CertificateProblem, SyncError) as exc:
        raise ServerCheckFailed(str(exc)) from None
    me = case_files.user.user_id
    secrets = case_files.secrets
    if not any(u.user_id == me and u.exchange_public == secrets.exchange_public
               and u.signing_public == secrets.signing_public for u in directory.users):
        raise ServerCheckFailed(tr("De server op {url} kent je account niet. Is het wel de Leerrecht-server van "
                                   "je team?", url=new_url))
    store.set_server_url(new_url)
    return new_url
