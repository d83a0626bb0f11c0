"""The retention page: the organisation's retention period (a closed case is erased everywhere this many
days after its closing date, issue 13), shown and changed with the CLI's own function (`set-retention`),
audited as console:NAME. Only the period: holds are the coordinators' (in the app), and the sweep runs
by itself every hour (`run-retention` stays on the CLI)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from leerrecht_core.protocol_lifecycle import RETENTION_MAX_CLOSED_DAYS, RETENTION_MIN_CLOSED_DAYS
from leerrecht_server import admin
from leerrecht_server.admin_accounts import actor
from leerrecht_server.api.deps import EngineDep
from leerrecht_server.console.i18n import N_
from leerrecht_server.console.web import PREFIX, FullSession, check_csrf, client_ip, render

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(check_csrf)])
Field = Annotated[str, Form()]


def _retention_page(request: Request, engine: EngineDep, *, value: str | None = None, error: str | None = None,
                    notice: str | None = None, http_status: int = 200, confirm: int | None = None) -> Response:
    days, chosen = admin.show_retention(engine)
    return render(request, "retention.html", status=http_status, days=days, chosen=chosen,
                  years=round(days / 365.25), value=str(days) if value is None else value,
                  minimum=RETENTION_MIN_CLOSED_DAYS, maximum=RETENTION_MAX_CLOSED_DAYS, error=error, notice=notice,
                  confirm=confirm)


@router.get("/retention")
def retention_page(request: Request, _session: FullSession, engine: EngineDep) -> Response:
    return _retention_page(request, engine)


@router.post("/retention")
def set_retention(request: Request, session: FullSession, engine: EngineDep, closed_days: Field = "",
                  confirm: Field = "") -> Response:
    text = closed_days.strip()
    plausible = text.isascii() and text.isdigit() and len(text) <= 6
    if confirm != "yes" and plausible and int(text) >= RETENTION_MIN_CLOSED_DAYS:
        # A shorter period that erases cases kept until now, at the next hourly sweep: asked once more.
        current, _ = admin.show_retention(engine)
        more = admin.retention_would_erase(engine, int(text)) - admin.retention_would_erase(engine, current)
        if int(text) < current and more > 0:
            return _retention_page(request, engine, value=text, confirm=more, http_status=409)
    try:
        admin.set_retention(engine, closed_days, actor=actor(session.admin_name), ip=client_ip(request))
    except admin.AdminError:
        return _retention_page(
            request, engine, value=closed_days[:20], http_status=400,
            error=N_("Een bewaartermijn is een geheel aantal dagen van {minimum} tot {maximum} (bijvoorbeeld 3650 "
                     "voor tien jaar). Er is niets gewijzigd."))
    return _retention_page(request, engine, notice=N_("Bewaartermijn gewijzigd."))
