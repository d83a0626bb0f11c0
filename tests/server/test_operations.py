"""Operating the server: configuration by environment variables (command line wins, a bad value is
one line and exit 2), request logs that hold no personal data or secrets, and the status / metrics
endpoint with numbers from the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leerrecht_server.app import create_app
from leerrecht_server.core import config
from leerrecht_server.core.config import ConfigError, Settings
from leerrecht_server.logs import JsonFormatter, TextFormatter
from leerrecht_server.tables import SCHEMA_HEAD, devices

from .conftest import SERVER_BIN, Actor, World, free_port

STATUS_TOKEN = "st-" + "9f3a" * 8
REQUEST_FIELDS = {"ts", "level", "logger", "pid", "msg", "event", "request_id", "method", "route", "status",
                  "duration_ms", "device"}


# -- configuration ----------------------------------------------------------------------------------


def _cli(**given: object) -> dict[str, object]:
    keys = ("db", "host", "port", "cert", "key", "behind_proxy", "trusted_proxies", "workers", "log_level",
            "log_format")
    return {k: given.get(k) for k in keys}


def test_environment_configures_serve_and_the_command_line_wins() -> None:
    env = {config.DB_ENV: "sqlite:////tmp/x.sqlite3", config.HOST_ENV: "10.1.2.3", config.PORT_ENV: "9001",
           config.BEHIND_PROXY_ENV: "yes", config.TRUSTED_PROXIES_ENV: "10.1.0.0/16, 127.0.0.1",
           config.WORKERS_ENV: "3", config.LOG_LEVEL_ENV: "WARNING", config.LOG_FORMAT_ENV: "text",
           config.STATUS_TOKEN_ENV: STATUS_TOKEN}
    cfg = config.resolve_serve(_cli(), env)
    assert (cfg.db, cfg.host, cfg.port, cfg.behind_proxy, cfg.trusted_proxies, cfg.workers, cfg.log_level,
            cfg.log_format, cfg.status_token) == ("sqlite:////tmp/x.sqlite3", "10.1.2.3", 9001, True,
                                                  "10.1.0.0/16,127.0.0.1", 3, "warning", "text", STATUS_TOKEN)
    cfg = config.resolve_serve(_cli(host="127.0.0.1", port=9002, behind_proxy=False, workers=1, log_format="json"),
                               env)
    assert (cfg.host, cfg.port, cfg.behind_proxy, cfg.workers, cfg.log_format) == ("127.0.0.1", 9002, False, 1, "json")
    # A bad environment value that the command line overrides is not in force, so not an error.
    assert config.resolve_serve(_cli(port=9003), {config.PORT_ENV: "abc"}).port == 9003
    defaults = config.resolve_serve(_cli(), {})
    assert (defaults.db, defaults.host, defaults.port, defaults.behind_proxy, defaults.trusted_proxies,
            defaults.workers, defaults.log_level, defaults.log_format, defaults.status_token) == (
        None, "127.0.0.1", 8443, False, "127.0.0.1", 1, "info", "json", None)
    # The worker processes rebuild the same settings from what the parent hands them.
    s = config.resolve_serve({}, config.resolve_serve(_cli(), env).worker_env())
    assert (s.behind_proxy, s.trusted_proxies, s.status_token) == (True, "10.1.0.0/16,127.0.0.1", STATUS_TOKEN)


def test_settings_read_only_the_documented_variables_by_their_exact_names() -> None:
    # The tuning fields are no environment interface, and names are case-sensitive as before.
    s = config.resolve_serve({}, {config.ENV_PREFIX + "LOGIN_LIMIT_PER_USER": "999",
                                  config.PORT_ENV.lower(): "9100", config.HOST_ENV: "  "})
    assert (s.login_limit_per_user, s.port, s.host) == (5, 8443, "127.0.0.1")
    assert config.resolve_serve({}, {config.PAUSE_FILE_ENV: "/tmp/p"}).pause_file == "/tmp/p"
    # The status token never shows in a repr (a log line or a traceback could print one).
    assert STATUS_TOKEN not in repr(config.resolve_serve({}, {config.STATUS_TOKEN_ENV: STATUS_TOKEN}))


def test_server_refusals_share_the_error_root() -> None:
    from leerrecht_core.errors import LeerrechtError
    from leerrecht_server.admin import AdminError
    from leerrecht_server.api.errors import ApiError

    assert issubclass(ConfigError, LeerrechtError) and issubclass(ConfigError, ValueError)
    assert issubclass(AdminError, LeerrechtError) and issubclass(ApiError, LeerrechtError)
    with pytest.raises(ConfigError) as caught:
        config.Settings(port="eighty")
    assert str(caught.value) == "LEERRECHT_SERVER_PORT: 'eighty' is not a port number (1-65535)"


@pytest.mark.parametrize(("args", "env", "needle"), [
    ([], {config.PORT_ENV: "eighty"}, "LEERRECHT_SERVER_PORT"),
    ([], {config.PORT_ENV: "70000"}, "LEERRECHT_SERVER_PORT"),
    ([], {config.WORKERS_ENV: "0"}, "LEERRECHT_SERVER_WORKERS"),
    ([], {config.BEHIND_PROXY_ENV: "perhaps"}, "LEERRECHT_SERVER_BEHIND_PROXY"),
    ([], {config.TRUSTED_PROXIES_ENV: "*"}, "LEERRECHT_SERVER_TRUSTED_PROXIES"),
    ([], {config.LOG_FORMAT_ENV: "xml"}, "LEERRECHT_SERVER_LOG_FORMAT"),
    ([], {config.LOG_LEVEL_ENV: "loud"}, "LEERRECHT_SERVER_LOG_LEVEL"),
    ([], {config.STATUS_TOKEN_ENV: "short"}, "LEERRECHT_SERVER_STATUS_TOKEN"),
    ([], {config.CERT_ENV: "/nonexistent/cert.pem"}, "go together"),
    ([], {config.HOST_ENV: "0.0.0.0"}, "refusing plain HTTP"),
    (["--port", "0"], {}, "--port"),
    (["--workers", "many"], {}, "--workers"),
    (["--trusted-proxies", "proxy.internal"], {}, "--trusted-proxies"),
    (["--log-level", "loud"], {}, "--log-level"),
])
def test_bad_configuration_is_one_line_and_exit_2(args: list[str], env: dict[str, str], needle: str,
                                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # In process (cheap): main() as the console script runs it. One case below through the real script.
    from leerrecht_server import cli

    for name in [k for k in os.environ if k.startswith(config.ENV_PREFIX)]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        status = cli.main(["serve", "--db", f"sqlite:///{tmp_path / 's.sqlite3'}", *args])
    except SystemExit as exc:  # argparse's own refusals
        status = int(exc.code or 0)
    err = capsys.readouterr().err
    assert status == 2, (status, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leerrecht-server:") and needle in lines[0], err
    assert not (tmp_path / "s.sqlite3").exists()  # refused before touching anything


def test_bad_configuration_through_the_console_script(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(config.ENV_PREFIX)}
    for args, env in (([], {config.PORT_ENV: "eighty"}), (["--workers", "many"], {})):
        r = subprocess.run([str(SERVER_BIN), "serve", "--db", f"sqlite:///{tmp_path / 's.sqlite3'}", *args],
                           capture_output=True, text=True, timeout=60, env={**clean, **env})
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr


# -- logs -------------------------------------------------------------------------------------------


@pytest.fixture
def captured_logs() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """The server's log lines as JSON and as text, formatted exactly as `serve` formats them."""
    json_out, text_out = io.StringIO(), io.StringIO()
    handlers = [logging.StreamHandler(json_out), logging.StreamHandler(text_out)]
    handlers[0].setFormatter(JsonFormatter())
    handlers[1].setFormatter(TextFormatter())
    logger = logging.getLogger("leerrecht_server")
    old_level = logger.level
    logger.setLevel(logging.INFO)
    for h in handlers:
        logger.addHandler(h)
    yield json_out, text_out
    for h in handlers:
        logger.removeHandler(h)
    logger.setLevel(old_level)


def _variants(secret: str | bytes) -> list[str]:
    """A secret as it could turn up in a log: as is, base64, hex."""
    raw = secret.encode() if isinstance(secret, str) else secret
    out = [base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("="), raw.hex()]
    if isinstance(secret, str):
        out.append(secret)
    return [v for v in out if len(v) >= 6]


def test_logs_hold_no_personal_data_or_secrets(world: World, client: TestClient, engine: sa.Engine,
                                                captured_logs: tuple[io.StringIO, io.StringIO],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    json_out, text_out = captured_logs
    marker = "GEHEIM-Lotte-Vermeulenaar-Kazernestraat-999"  # fictitious
    username = "fictief.gebruiker.q7"
    from leerrecht_core.crypto.keys import UserSecrets

    # Enrol (the code and the keys travel in the body).
    code = world.code(username)
    user_id = str(uuid.uuid4())
    anna = Actor(username, user_id, UserSecrets.generate(user_id), os.urandom(32), "Team Noord", "netsterk")
    enrol_body = world.enrol_body(anna, code, display_name=f"Fictief {marker}")
    r = client.post("/v1/enrol", json=enrol_body)
    assert r.status_code == 200, r.text
    anna.token, anna.device_id = r.json()["device_token"], r.json()["device_id"]
    # A wrong authentication key, then the right one (a second device and token).
    wrong_key = os.urandom(32)
    login = {"username": username, "device_name": f"Laptop van {marker}"}
    assert client.post("/v1/login", json={**login, "auth_key": base64.b64encode(wrong_key).decode()}) \
        .status_code == 401
    r = client.post("/v1/login", json={**login, "auth_key": base64.b64encode(anna.auth_key).decode()})
    assert r.status_code == 200, r.text
    token2, device2 = r.json()["device_token"], r.json()["device_id"]
    # Push and pull a sealed record; a colleague's view of the case.
    case = world.register(anna)
    rev = world.sealed(anna, case, {"naam": marker})
    assert world.push(anna, rev)[0]["status"] == "accepted"
    world.pull(anna)
    assert client.get(f"/v1/cases/{case.case_id}", headers={"Authorization": f"Bearer {token2}"}).status_code == 200
    # 4xx: a malformed body that carries the marker, an unknown case, a wrong token, a bad query.
    assert client.post("/v1/push", content=f'{{"revisions": ["{marker}"'.encode(),
                       headers={**anna.headers, "Content-Type": "application/json"}).status_code == 400
    assert client.get(f"/v1/cases/{uuid.uuid4()}", headers=anna.headers).status_code == 404
    assert client.get("/v1/pull", headers={"Authorization": f"Bearer {marker}"}).status_code == 401
    assert client.get(f"/v1/pull?after={marker}", headers=anna.headers).status_code == 400
    # An unexpected error whose message holds everything secret: answered 500, logged by type.
    secret_message = f"boom {anna.token} {code} {username} {marker}"

    def explode(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError(secret_message)

    monkeypatch.setattr("leerrecht_server.crud.push.push_batch", explode)
    r = client.post("/v1/push", json={"revisions": [world.sealed(anna, case, {"n": marker})]}, headers=anna.headers)
    assert r.status_code == 500 and r.json()["code"] == "internal"
    assert r.headers["x-request-id"]
    # The proxy's request id is kept when it is well-formed, replaced when it carries anything else.
    r = client.get("/v1/health", headers={"X-Request-ID": "0123456789abcdef0123456789abcdef"})
    assert r.headers["x-request-id"] == "0123456789abcdef0123456789abcdef"
    r = client.get("/v1/health", headers={"X-Request-ID": f"naam {marker}"})
    assert marker not in r.headers["x-request-id"]

    lines = [json.loads(line) for line in json_out.getvalue().splitlines()]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) >= 14
    for line in requests:
        assert line.keys() >= REQUEST_FIELDS, line
        assert line["route"].startswith("/v1/") and isinstance(line["duration_ms"], float)
    routes = {(line["method"], line["route"], line["status"]) for line in requests}
    assert {("POST", "/v1/enrol", 200), ("POST", "/v1/login", 401), ("POST", "/v1/login", 200),
            ("POST", "/v1/push", 200), ("GET", "/v1/pull", 200), ("GET", "/v1/cases/{case_id}", 200),
            ("GET", "/v1/cases/{case_id}", 404), ("POST", "/v1/push", 400), ("GET", "/v1/pull", 401),
            ("POST", "/v1/push", 500)} <= routes
    failed = next(line for line in requests if line["status"] == 500)
    assert failed["level"] == "error" and failed["exc_type"] == "builtins.RuntimeError"
    assert any("explode" in where for where in failed["exc_where"])
    assert next(line for line in requests if line["status"] == 401 and line["route"] == "/v1/pull")["error"] \
        == "unauthorized"
    # The device is named by a prefix that `admin list-devices` resolves, never in full.
    assert {line["device"] for line in requests} >= {anna.device_id[:8], device2[:8]}

    forbidden = [marker, username, code, code.replace("-", ""), anna.token, token2, anna.device_id, device2,
                 user_id, case.case_id, "testclient", *_variants(anna.auth_key), *_variants(wrong_key),
                 *_variants(rev["ciphertext"].encode()), rev["ciphertext"], rev["signature"], rev["nonce"],
                 enrol_body["wrapped_secrets"], "boom"]
    for name, text in (("json", json_out.getvalue()), ("text", text_out.getvalue())):
        for secret in forbidden:
            assert secret not in text, (name, secret)
    # Sanity: the capture is the real thing.
    assert "/v1/push" in text_out.getvalue() and "exc_type=builtins.RuntimeError" in text_out.getvalue()


# -- status and metrics ------------------------------------------------------------------------------


def _prometheus(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


def test_status_and_metrics_read_the_database(db_url: str, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(db_url, settings=Settings(), engine=engine)
    with TestClient(app, client=("127.0.0.1", 40000)) as local, TestClient(app) as remote:
        world = World(local, engine)
        anna = world.user("anna")
        bert = world.user("bert")
        world.code("carla")  # awaiting enrolment
        case = world.register(anna, bert)
        assert [r["status"] for r in world.push(anna, *[world.sealed(anna, case, {"n": i}) for i in range(3)])] \
            == ["accepted"] * 3
        world.pull(bert)
        world.pull(bert)
        # Without a status token: loopback only.
        denied = remote.get("/v1/status")
        assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
        assert remote.get("/metrics").status_code == 403

        # Bert's device was last seen three days ago; a third device is revoked.
        with engine.begin() as conn:
            conn.execute(devices.update().where(devices.c.device_id == bert.device_id).values(
                last_seen=(datetime.now(UTC) - timedelta(days=3)).isoformat(timespec="milliseconds")))
        assert local.post("/v1/login", json={"username": "anna", "device_name": "Laptop 2", "auth_key":
                                             base64.b64encode(anna.auth_key).decode()}).status_code == 200
        third = local.get("/v1/status").json()["database"]["devices_registered"]
        assert third == 3
        with engine.begin() as conn:
            conn.execute(devices.update().where(devices.c.device_id != anna.device_id,
                                                devices.c.device_id != bert.device_id)
                         .values(revoked_at=datetime.now(UTC).isoformat()))

        r = local.get("/v1/status")
        assert r.status_code == 200, r.text
        status = r.json()
        db = status["database"]
        assert status["status"] == "ok"
        assert db["reachable"] is True and db["schema_version"] == SCHEMA_HEAD == db["schema_expected"]
        assert db["backend"] == ("sqlite" if db_url.startswith("sqlite") else "postgresql")
        assert (db["revisions_stored"], db["cases"], db["users_active"], db["users_pending"]) == (3, 1, 2, 1)
        assert (db["devices_registered"], db["devices_revoked"], db["devices_seen_24h"], db["devices_seen_7d"]) \
            == (2, 1, 1, 2)
        # membership events take numbers too: 2 memberships + 3 revisions
        assert db["sequence_high_water"] == 5
        proc = status["process"]
        assert proc["pid"] == os.getpid() and proc["uptime_seconds"] >= 0
        assert (proc["pushes"], proc["pulls"]) == (1, 2)
        assert proc["requests_by_class"]["4xx"] == 2 and proc["requests"] >= 10

        metrics = local.get("/metrics")
        assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
        values = _prometheus(metrics.text)
        assert values["leerrecht_up"] == 1 and values["leerrecht_revisions_stored"] == 3
        assert values['leerrecht_devices_seen{window="24h"}'] == 1
        assert values['leerrecht_devices_seen{window="7d"}'] == 2
        assert values["leerrecht_pushes_total"] == 1 and values["leerrecht_pulls_total"] == 2
        assert values['leerrecht_http_requests_total{method="POST",route="/v1/push",status_class="2xx"}'] == 1
        # (prometheus_client writes labels in alphabetical order)
        assert values[f'leerrecht_schema_info{{expected="{SCHEMA_HEAD}",version="{SCHEMA_HEAD}"}}'] == 1
        # Nothing that names a person or a case.
        for text in (r.text, metrics.text):
            for secret in ("anna", "bert", "carla", anna.device_id, case.case_id, anna.user_id):
                assert secret not in text

        # A second process over the same database: its own counters, the same database numbers.
        with TestClient(create_app(db_url, settings=Settings(), engine=engine), client=("127.0.0.1", 40001)) as other:
            theirs = other.get("/v1/status").json()
            assert theirs["database"] == db
            # (a request is counted once answered, so this first one is not in its own report)
            assert theirs["process"]["pushes"] == 0 and theirs["process"]["requests"] == 0

        # The database gone: 503, "degraded", and leerrecht_up 0.
        def unreachable(_engine: Any) -> None:
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

        monkeypatch.setattr("leerrecht_server.observe.current_revision", unreachable)
        r = local.get("/v1/status")
        assert r.status_code == 503
        assert r.json()["status"] == "degraded" and r.json()["database"]["reachable"] is False
        assert r.json()["database"]["error"] == "OperationalError"
        assert _prometheus(local.get("/metrics").text)["leerrecht_up"] == 0


def test_status_token(db_url: str, engine: sa.Engine) -> None:
    app = create_app(db_url, settings=Settings(status_token=STATUS_TOKEN), engine=engine)
    with TestClient(app, client=("198.51.100.20", 40000)) as remote, \
            TestClient(app, client=("127.0.0.1", 40000)) as local:
        assert remote.get("/v1/status").status_code == 403
        assert remote.get("/v1/status", headers={"Authorization": "Bearer " + STATUS_TOKEN[:-1] + "x"}) \
            .status_code == 403
        # With a token configured, loopback needs it too (a proxy on the same machine is loopback).
        assert local.get("/v1/status").status_code == 403
        auth = {"Authorization": f"Bearer {STATUS_TOKEN}"}
        assert remote.get("/v1/status", headers=auth).status_code == 200
        assert remote.get("/metrics", headers=auth).status_code == 200


# -- a real server configured by its environment only -------------------------------------------------


def test_serve_from_environment_with_several_workers(db_url: str, engine: sa.Engine, tmp_path: Path) -> None:
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(config.ENV_PREFIX)}
    env = {**clean, config.DB_ENV: db_url, config.PORT_ENV: str(port), config.WORKERS_ENV: "2",
           config.LOG_FORMAT_ENV: "json", config.STATUS_TOKEN_ENV: STATUS_TOKEN}
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen([str(SERVER_BIN), "serve"], stdout=log_file, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        with httpx.Client(base_url=url, timeout=30) as http:
            world = World(http, engine)
            anna = world.user("anna")
            case = world.register(anna)
            assert world.push(anna, world.sealed(anna, case, {"n": 1}))[0]["status"] == "accepted"
            auth = {"Authorization": f"Bearer {STATUS_TOKEN}"}
            reports = []
            for _ in range(20):
                # A new connection each time, so the kernel may hand it to either process.
                r = httpx.get(f"{url}/v1/status", headers=auth, timeout=10)
                assert r.status_code == 200, r.text
                reports.append(r.json())
        # Every process reports the same database numbers, whichever answered.
        assert {(rep["database"]["revisions_stored"], rep["database"]["users_active"]) for rep in reports} == {(1, 1)}
    finally:
        proc.terminate()
        proc.wait(30)
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    started = {line["pid"] for line in lines if line["msg"].startswith("Started server process")}
    assert len(started) == 2, lines
    assert any(line.get("route") == "/v1/push" and line.get("status") == 200 for line in lines)
    assert "anna" not in log_path.read_text()
