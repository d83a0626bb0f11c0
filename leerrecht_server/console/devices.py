"""The laptops page: every device with its user, name, last contact, app version and unsent changes as
it last reported them, and its state (what `admin list-devices` shows, from the same function). A lost
or stolen laptop is **revoked**: it erases its case data at its next contact, after handing in what it
had not sent (and so is every device minted from it). A laptop that is merely replaced by a new one
needs no revocation: a new enrolment code for its user (the users page) replaces all their laptops,
which stop without erasing anything."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from leerrecht_server import admin
from leerrecht_server.admin_accounts import actor
from leerrecht_server.api.deps import EngineDep
from leerrecht_server.console.i18n import N_
from leerrecht_server.console.web import PREFIX, FullSession, check_csrf, client_ip, render

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(check_csrf)])
Field = Annotated[str, Form()]

STATE_LABELS = {"active": N_("actief"), "replaced": N_("vervangen"), "revoked": N_("ingetrokken")}


def _devices_page(request: Request, engine: EngineDep, *, user: str = "", state: str = "",
                  error: str | None = None, notice: str | None = None, http_status: int = 200) -> Response:
    try:
        rows = admin.list_devices(engine, user.strip() or None)
    except admin.AdminError:
        rows, error, http_status = [], N_("Die gebruiker bestaat niet."), 404
    if state in STATE_LABELS:
        rows = [d for d in rows if d.state == state]
    return render(request, "devices.html", status=http_status, devices=rows, state_labels=STATE_LABELS,
                  filters={"user": user, "state": state if state in STATE_LABELS else ""}, error=error,
                  notice=notice)


@router.get("/devices")
def devices_page(request: Request, _session: FullSession, engine: EngineDep, user: str = "",
                 state: str = "") -> Response:
    return _devices_page(request, engine, user=user, state=state)


def _device(engine: EngineDep, device_id: str) -> admin.DeviceInfo | None:
    return next((d for d in admin.list_devices(engine) if d.device_id == device_id), None)


@router.get("/devices/revoke")
def revoke_page(request: Request, _session: FullSession, engine: EngineDep, device: str = "") -> Response:
    found = _device(engine, device)
    if found is None or found.state == "revoked":
        return _devices_page(request, engine, error=N_("Die laptop bestaat niet of is al ingetrokken."),
                             http_status=404)
    return render(request, "revoke.html", device=found)


@router.post("/devices/revoke")
def revoke(request: Request, session: FullSession, engine: EngineDep, device: Field = "",
           confirm: Field = "") -> Response:
    found = _device(engine, device)
    if found is None or found.state == "revoked":
        return _devices_page(request, engine, error=N_("Die laptop bestaat niet of is al ingetrokken."),
                             http_status=404)
    if confirm != "yes":
        return render(request, "revoke.html", status=400, device=found)
    also = admin.revoke_device(engine, device, actor=actor(session.admin_name), ip=client_ip(request))
    notice = (N_("Laptop ingetrokken, en de laptops die ermee werden aangemeld ook. Ze wissen hun dossiers bij het "
                 "volgende contact.") if also else
              N_("Laptop ingetrokken. Hij wist zijn dossiers bij het volgende contact met de server."))
    return _devices_page(request, engine, user=found.username, notice=notice)
