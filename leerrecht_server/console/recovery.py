"""The recovery page: whether the organisation's recovery key exists (its public half's fingerprint and
when it was made, to compare with the printed kit), and each worker on the way through the recovery
story (a new code given, enrolled again, case keys not yet back) with the step that is next and who
takes it. Read-only on purpose: the key's private half is never shown or typed in a browser (issue 16),
so creating the key and `recover-user` stay on the server host (docs/operations.md §11)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response

from leerrecht_server.api.deps import EngineDep
from leerrecht_server.console.web import PREFIX, FullSession, render
from leerrecht_server.db import read_transaction
from leerrecht_server.recovery_kit import fingerprint
from leerrecht_server.tables import audit_log, org_settings, teams, users

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@dataclass(frozen=True)
class OnTheWay:
    username: str
    team: str
    status: str  # reset (step 2 next: the worker enrols) | awaiting_recovery (step 3: recover-user)


@router.get("/recovery")
def recovery_page(request: Request, _session: FullSession, engine: EngineDep) -> Response:
    with read_transaction(engine) as conn:
        public = conn.execute(sa.select(org_settings.c.value)
                              .where(org_settings.c.key == "recovery_public")).scalar_one_or_none()
        made = None
        if public is not None:
            made = conn.execute(sa.select(sa.func.max(audit_log.c.at)).where(
                audit_log.c.action == "create_recovery_key", audit_log.c.detail == f"public {public}")).scalar()
        rows = conn.execute(sa.select(users.c.username, teams.c.name, users.c.status)
                            .join(teams, teams.c.team_id == users.c.team_id)
                            .where(users.c.status.in_(("reset", "awaiting_recovery")))
                            .order_by(users.c.status.desc(), users.c.username)).all()
    return render(request, "recovery.html", key=None if public is None else fingerprint(bytes.fromhex(public)),
                  made=None if made is None else made[:16].replace("T", " "),
                  on_the_way=[OnTheWay(r.username, r.name, r.status) for r in rows])
