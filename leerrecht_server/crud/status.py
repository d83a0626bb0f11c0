"""The numbers every process reads alike, from the database (GET /v1/status, /metrics)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from leerrecht_server.db import committed_high_water, read_transaction
from leerrecht_server.tables import cases, devices, revisions, users


def _iso_ago(delta: timedelta) -> str:
    return (datetime.now(UTC) - delta).isoformat(timespec="milliseconds")


def database_numbers(engine: Engine) -> dict[str, Any]:
    """Numbers every process reads alike, from the database. Raises if the database is unreachable."""
    with read_transaction(engine) as conn:
        def count(q: Any) -> int:
            return int(conn.execute(q).scalar_one())

        not_revoked = devices.c.revoked_at.is_(None)
        # last_seen is an ISO-8601 UTC string of fixed shape: string order is time order.
        return {
            "backend": conn.dialect.name,
            "revisions_stored": count(sa.select(sa.func.count()).select_from(revisions)),
            "sequence_high_water": committed_high_water(conn),
            "cases": count(sa.select(sa.func.count()).select_from(cases)),
            "users_active": count(sa.select(sa.func.count()).select_from(users).where(users.c.status == "active")),
            "users_pending": count(sa.select(sa.func.count()).select_from(users).where(users.c.status == "pending")),
            "devices_registered": count(sa.select(sa.func.count()).select_from(devices).where(not_revoked)),
            "devices_revoked": count(sa.select(sa.func.count()).select_from(devices).where(~not_revoked)),
            "devices_seen_24h": count(sa.select(sa.func.count()).select_from(devices).where(
                not_revoked, devices.c.last_seen >= _iso_ago(timedelta(hours=24)))),
            "devices_seen_7d": count(sa.select(sa.func.count()).select_from(devices).where(
                not_revoked, devices.c.last_seen >= _iso_ago(timedelta(days=7)))),
        }
