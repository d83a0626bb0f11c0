"""The directory: the enrolled users of the caller's team, with the public keys to wrap case keys for."""

from __future__ import annotations

from fastapi import APIRouter

from leerrecht_core import protocol as p
from leerrecht_server.api.deps import CurrentDevice, EngineDep
from leerrecht_server.crud.directory import team_directory
from leerrecht_server.crud.org import recovery_public
from leerrecht_server.crud.transfer import outside_directory
from leerrecht_server.crud.user_keys import former_signing_keys
from leerrecht_server.db import read_transaction

router = APIRouter(prefix=p.API_PREFIX, tags=["directory"])


@router.get("/directory")
def directory(c: CurrentDevice, engine: EngineDep) -> p.DirectoryResponse:
    with read_transaction(engine) as conn:
        # Beyond the team: other teams' coordinators (for a coordinator) and the authors and granters
        # of the caller's cases (crud.transfer.outside_directory says why).
        rows = [*team_directory(conn, c.team_id), *outside_directory(conn, c)]
        former = former_signing_keys(conn, [r.user_id for r in rows])
        rec = recovery_public(conn)
    return p.DirectoryResponse(
        users=[p.DirectoryEntry(user_id=r.user_id, display_name=r.display_name, role=r.role, team_id=r.team_id,
                                exchange_public=r.exchange_public, signing_public=r.signing_public,
                                former_signing_public=former.get(r.user_id, []))
               for r in rows],
        recovery_public=rec)
