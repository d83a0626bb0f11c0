"""The `leerrecht-server` command: admin subcommands over the same --db, and one clear line on errors."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import uuid
from pathlib import Path

import sqlalchemy as sa

from leerrecht_server import cli
from leerrecht_server.core.config import DB_ENV
from leerrecht_server.tables import devices, org_settings, users

from .conftest import SERVER_BIN, World


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SERVER_BIN), *args], capture_output=True, text=True, timeout=60)


def test_admin_commands_end_to_end(db_url: str, engine: sa.Engine, tmp_path: Path) -> None:
    r = run("admin", "--db", db_url, "create-team", "Team Noord")
    assert r.returncode == 0, r.stderr
    r = run("admin", "--db", db_url, "create-user", "anna", "--role", "netsterk", "--team", "Team Noord")
    assert r.returncode == 0, r.stderr
    code = r.stdout.strip().splitlines()[-1]
    assert len(code.replace("-", "")) == 20
    with engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.enrolment_code_hash)).scalar_one()
    assert stored and code not in stored

    r = run("admin", "--db", db_url, "reset-user", "anna")
    assert r.returncode == 0 and r.stdout.strip().splitlines()[-1] != code

    r = run("admin", "--db", db_url, "create-recovery-key")
    assert r.returncode == 0
    private_hex = r.stdout.strip().splitlines()[-1]
    assert len(private_hex) == 64
    with engine.connect() as conn:
        public_hex = conn.execute(sa.select(org_settings.c.value)
                                  .where(org_settings.c.key == "recovery_public")).scalar_one()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    derived = X25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex)).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert derived.hex() == public_hex  # only the public half is stored
    assert private_hex not in _all_text(engine)
    again = run("admin", "--db", db_url, "create-recovery-key")
    assert again.returncode == 1 and "already exists" in again.stderr

    out = tmp_path / "audit.csv"
    r = run("admin", "--db", db_url, "export-audit", "--out", str(out))
    assert r.returncode == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [row["action"] for row in rows] == ["create_team", "create_user", "reset_user", "create_recovery_key"]


def test_device_commands(world: World, db_url: str, engine: sa.Engine) -> None:
    anna = world.user("anna")
    r = run("admin", "--db", db_url, "list-devices", "anna")
    assert r.returncode == 0 and anna.device_id in r.stdout and "active" in r.stdout
    r = run("admin", "--db", db_url, "revoke-device", anna.device_id)
    assert r.returncode == 0
    with engine.connect() as conn:
        assert conn.execute(sa.select(devices.c.revoked_at)).scalar_one() is not None
    assert "revoked" in run("admin", "--db", db_url, "list-devices").stdout


def test_bad_arguments_give_one_line_and_nonzero_exit(db_url: str, engine: sa.Engine) -> None:
    cases = [
        ("admin", "--db", db_url, "create-user", "x", "--role", "wizard", "--team", "T"),
        ("admin", "--db", db_url, "create-user", "x", "--role", "netsterk", "--team", "No Such Team"),
        ("admin", "--db", db_url, "revoke-device", "nope"),
        ("admin", "--db", db_url, "reset-user", "nobody"),
        ("admin", "--db", db_url, "list-devices", "nobody"),
        ("admin", "--db", db_url, "create-user"),
        ("admin", "--db", db_url, "frobnicate"),
        ("admin", "--db", "mysql://x/y", "create-team", "T"),
        ("admin", "--db", "postgresql+psycopg://nobody:x@127.0.0.1:1/none", "create-team", "T"),
        ("serve", "--db", db_url, "--host", "0.0.0.0"),
        ("serve", "--db", db_url, "--cert", "/nonexistent.pem"),
        ("serve", "--db", db_url, "--port", "eighty"),
        ("nonsense",),
    ]
    for args in cases:
        r = run(*args)
        assert r.returncode != 0, args
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("leerrecht-server:"), (args, r.stderr)
        assert "Traceback" not in r.stderr


def test_db_may_come_after_the_admin_action(db_url: str, engine: sa.Engine, tmp_path: Path) -> None:
    """docs/server.md: every admin action takes `--db`, also after its name (issue 12, finding 9)."""
    # No default database to fall back on: a --db that was not read would show as a new file here.
    env = {k: v for k, v in os.environ.items() if k != DB_ENV}
    env.update(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "data"))

    def admin(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(SERVER_BIN), "admin", *args], capture_output=True, text=True, timeout=60, env=env)

    assert admin("create-team", "Team Noord", "--db", db_url).returncode == 0
    r = admin("create-user", "anna", "--db", db_url, "--role", "netsterk", "--team", "Team Noord")
    assert r.returncode == 0, r.stderr
    r = admin("reset-user", "anna", "--db", db_url)
    assert r.returncode == 0, r.stderr
    r = admin("--db", "sqlite:////nonexistent/never.sqlite3", "list-users", "--db", db_url)  # the later one wins
    assert r.returncode == 0 and "anna" in r.stdout, r.stderr
    assert admin("--db", db_url, "list-users").returncode == 0  # before the action, as always
    with engine.connect() as conn:
        assert conn.execute(sa.select(users.c.username)).scalars().all() == ["anna"]
    assert not (tmp_path / "home").exists() and not (tmp_path / "data").exists()
    r = admin("list-users", "--db")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--db" in r.stderr


def test_loopback_detection() -> None:
    assert cli._is_loopback("127.0.0.1") and cli._is_loopback("::1") and cli._is_loopback("localhost")
    assert not cli._is_loopback("0.0.0.0") and not cli._is_loopback("192.168.1.5")


def _all_text(engine: sa.Engine) -> str:
    from leerrecht_server.tables import metadata

    parts: list[str] = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            parts += [repr(tuple(row)) for row in conn.execute(sa.select(table))]
    return "\n".join(parts)


def test_export_audit_of_one_user_one_case_or_a_period(world: World, db_url: str, tmp_path: Path) -> None:
    """For an auditor (issue 13): one worker's entries, one case's, a period; refusals in one line."""
    anna, bert = world.user("anna"), world.user("bert")
    case = world.register(anna, bert)
    world.push(anna, world.sealed(anna, case, {"n": "fictief"}))
    other = world.register(bert)

    def export(*extra: str) -> list[dict[str, str]]:
        out = tmp_path / f"audit-{uuid.uuid4().hex[:6]}.csv"
        r = run("admin", "--db", db_url, "export-audit", "--out", str(out), *extra)
        assert r.returncode == 0, r.stderr
        return list(csv.DictReader(out.open(encoding="utf-8")))

    everything = export()
    annas = export("--user", "anna")
    # By her, about her account (its id), or about her before she had one (her name first: create_user).
    assert annas and all(row["actor"] == "anna" or row["user_id"] == anna.user_id
                         or row["detail"].startswith("user anna ") for row in annas)
    assert {row["action"] for row in annas} >= {"enrol", "case_register", "push"}
    assert len(annas) < len(everything)
    of_case = export("--case", case.case_id)
    assert of_case and all(case.case_id in row["case_ids"].split() for row in of_case)
    assert all(other.case_id not in row["case_ids"].split() for row in of_case)
    today = dt.datetime.now(dt.UTC).date()
    assert len(export("--from", str(today), "--to", str(today))) == len(everything)
    assert export("--to", str(today - dt.timedelta(days=1))) == []
    for bad in (("--user", "niemand"), ("--case", "abc"), ("--from", "2026-13-01"),
                ("--from", str(today), "--to", str(today - dt.timedelta(days=1)))):
        r = run("admin", "--db", db_url, "export-audit", "--out", str(tmp_path / "x.csv"), *bad)
        assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1, (bad, r.stderr)
        assert "Traceback" not in r.stderr
