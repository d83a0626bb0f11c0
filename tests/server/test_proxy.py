"""Behind a reverse proxy (issue 3's missing test, and issue 5's nginx example).

- A real `leerrecht-server serve` on a non-loopback address of this machine refuses plain HTTP
  unless `--behind-proxy` says a TLS proxy is in front; with it, it starts.
- X-Forwarded-For/-Proto are honoured only from the trusted proxy addresses: the login rate limit
  and the audit log see the forwarded client from a trusted proxy, and the peer itself otherwise
  (the ASGI application, and a real process).
- deploy/nginx/leerrecht.conf passes `nginx -t`, and real requests through nginx (TLS) reach the
  server with the client's address."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import Request
from fastapi.testclient import TestClient

from leerrecht_server.app import create_app
from leerrecht_server.core import config
from leerrecht_server.core.config import Settings
from leerrecht_server.tables import audit_log

from .conftest import SERVER_BIN, World, free_port

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx" / "leerrecht.conf"
NGINX_PARAMS = ROOT / "deploy" / "nginx" / "leerrecht_proxy_params"
PROXY = "10.9.8.7"
UNTRUSTED = "198.51.100.9"


def non_loopback_address() -> str | None:
    """The first IPv4 address `hostname -I` lists (this machine's, not loopback), or None."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for item in out.split():
        try:
            addr = ipaddress.ip_address(item)
        except ValueError:
            continue
        if addr.version == 4 and not addr.is_loopback and not addr.is_link_local:
            return item
    return None


def _whoami_app(db_url: str, engine: sa.Engine, **settings: Any) -> Any:
    app = create_app(db_url, settings=Settings(**settings), engine=engine)

    # Test-only route: what the application believes about the client after the proxy middleware.
    @app.get("/test/whoami")
    def whoami(request: Request) -> dict[str, str]:
        return {"client": request.client.host if request.client else "", "scheme": request.url.scheme}

    return app


def _failed_login(http: Any, username: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    r = http.post("/v1/login", json={"username": username, "device_name": "x",
                                     "auth_key": base64.b64encode(os.urandom(32)).decode()}, headers=headers)
    return int(r.status_code)


def _audit_ips(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.select(audit_log.c.ip).where(audit_log.c.action == "login_failed")
                                           .order_by(audit_log.c.id))]


# -- the ASGI application ------------------------------------------------------------------------------


def test_forwarded_headers_are_trusted_only_from_the_proxy(db_url: str, engine: sa.Engine) -> None:
    fwd = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    app = _whoami_app(db_url, engine, behind_proxy=True, trusted_proxies=f"{PROXY},192.0.2.0/28")
    with TestClient(app, client=(PROXY, 5000)) as proxy, TestClient(app, client=("192.0.2.9", 5000)) as in_net, \
            TestClient(app, client=(UNTRUSTED, 5000)) as stranger:
        assert proxy.get("/test/whoami", headers=fwd).json() == {"client": "203.0.113.7", "scheme": "https"}
        assert in_net.get("/test/whoami", headers=fwd).json() == {"client": "203.0.113.7", "scheme": "https"}
        assert stranger.get("/test/whoami", headers=fwd).json() == {"client": UNTRUSTED, "scheme": "http"}
        # A chain: the proxy appended the address it saw; the client's own prefix is not believed.
        chained = proxy.get("/test/whoami", headers={"X-Forwarded-For": "127.0.0.1, 203.0.113.8"}).json()
        assert chained["client"] == "203.0.113.8"
    # Without --behind-proxy nobody's headers count, not even the would-be proxy's.
    plain = _whoami_app(db_url, engine)
    with TestClient(plain, client=(PROXY, 5000)) as direct:
        assert direct.get("/test/whoami", headers=fwd).json() == {"client": PROXY, "scheme": "http"}


def test_rate_limit_counts_the_forwarded_address_only_from_a_trusted_proxy(db_url: str, engine: sa.Engine) -> None:
    app = create_app(db_url, settings=Settings(behind_proxy=True, trusted_proxies=PROXY, login_limit_per_ip=3,
                                               login_limit_per_user=100), engine=engine)
    with TestClient(app, client=(PROXY, 5000)) as proxy, TestClient(app, client=(UNTRUSTED, 5000)) as stranger:
        # Through the proxy: three failures from one client address, then that address is limited...
        assert [_failed_login(proxy, f"u{i}", "203.0.113.7") for i in range(3)] == [401] * 3
        assert _failed_login(proxy, "u9", "203.0.113.7") == 429
        # ...and another client behind the same proxy is not.
        assert _failed_login(proxy, "u10", "203.0.113.8") == 401
        # An untrusted peer can't escape the limit by naming a new address each time.
        assert [_failed_login(stranger, f"s{i}", f"203.0.113.{20 + i}") for i in range(3)] == [401] * 3
        assert _failed_login(stranger, "s9", "203.0.113.99") == 429
    assert _audit_ips(engine) == ["203.0.113.7"] * 3 + ["203.0.113.8"] + [UNTRUSTED] * 3


# -- real processes on a non-loopback address ----------------------------------------------------------


@pytest.fixture
def public_address() -> str:
    addr = non_loopback_address()
    if addr is None:
        pytest.skip("this machine has no non-loopback IPv4 address (`hostname -I` lists none)")
    return addr


class _Serve:
    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as fh:
            self.proc = subprocess.Popen([str(SERVER_BIN), "serve", *args], stdout=fh, stderr=subprocess.STDOUT,
                                         env=env)

    def wait_up(self, url: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text(errors="replace")
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("server did not start: " + self.log.read_text(errors="replace"))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    started: list[_Serve] = []
    clean = {k: v for k, v in os.environ.items() if not k.startswith(config.ENV_PREFIX)}

    def start(args: list[str], env: dict[str, str] | None = None) -> _Serve:
        s = _Serve(args, {**clean, **(env or {})}, tmp_path / f"serve{len(started)}.log")
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def test_plain_http_on_a_non_loopback_address_needs_behind_proxy(db_url: str, engine: sa.Engine,
                                                                 public_address: str, serve: Any) -> None:
    port = free_port()
    # Refused: by option and by environment, before anything listens.
    for args, env in ((["--host", public_address], {}), ([], {config.HOST_ENV: public_address})):
        s = serve(["--db", db_url, "--port", str(port), *args], env)
        assert s.proc.wait(60) == 2
        out = s.log.read_text().strip().splitlines()
        assert len(out) == 1 and "refusing plain HTTP" in out[0] and public_address in out[0], out
    # Behind a proxy it starts, on that address, trusting only 127.0.0.1 (the default).
    url = f"http://{public_address}:{port}"
    s = serve(["--db", db_url, "--host", public_address, "--port", str(port), "--behind-proxy"])
    s.wait_up(url)
    with httpx.Client(base_url=url, timeout=30) as http:
        assert http.get("/v1/health").status_code == 200
        # This test connects from the machine's own address, which is not a trusted proxy: the
        # forwarded address is ignored and the peer's is counted.
        assert _failed_login(http, "nobody", "203.0.113.7") == 401
    assert _audit_ips(engine) == [public_address]
    s.stop()

    # Now trust this address as the proxy (from the environment): the forwarded address counts.
    port = free_port()
    url = f"http://{public_address}:{port}"
    s = serve(["--db", db_url, "--port", str(port)],
              {config.HOST_ENV: public_address, config.BEHIND_PROXY_ENV: "true",
               config.TRUSTED_PROXIES_ENV: f"127.0.0.1,{public_address}"})
    s.wait_up(url)
    with httpx.Client(base_url=url, timeout=30) as http:
        assert _failed_login(http, "nobody", "203.0.113.7") == 401
    assert _audit_ips(engine) == [public_address, "203.0.113.7"]


# -- nginx ---------------------------------------------------------------------------------------------


def _self_signed(folder: Path, host: str) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sync.leerrecht.example")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("sync.leerrecht.example"),
                                                        x509.IPAddress(ipaddress.ip_address(host))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _nginx_setup(folder: Path, site: str) -> Path:
    """A throwaway nginx.conf around the site file, with every path inside `folder`."""
    cert, key = _self_signed(folder, "127.0.0.1")
    params = folder / "leerrecht_proxy_params"
    shutil.copy(NGINX_PARAMS, params)
    site = (site.replace("/etc/letsencrypt/live/sync.leerrecht.example/fullchain.pem", str(cert))
            .replace("/etc/letsencrypt/live/sync.leerrecht.example/privkey.pem", str(key))
            .replace("/etc/nginx/leerrecht_proxy_params", str(params)))
    (folder / "leerrecht.conf").write_text(site)
    main = folder / "nginx.conf"
    main.write_text(f"""daemon off;
master_process off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    access_log off;
    include {folder}/leerrecht.conf;
}}
""")
    return main


@pytest.fixture
def nginx() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light): deploy/nginx/leerrecht.conf not checked")
    return found


def test_nginx_example_config_is_valid(nginx: str, tmp_path: Path) -> None:
    main = _nginx_setup(tmp_path, NGINX_CONF.read_text())
    r = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(main)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "syntax is ok" in r.stderr and "test is successful" in r.stderr


def test_requests_through_nginx_reach_the_server_with_the_client_address(
        nginx: str, db_url: str, engine: sa.Engine, public_address: str, serve: Any, tmp_path: Path) -> None:
    # Two server processes on loopback, as the example's upstream block has them, behind nginx
    # listening with TLS on this machine's public address.
    ports = [free_port(), free_port()]
    servers = [serve(["--db", db_url, "--port", str(p), "--behind-proxy"]) for p in ports]
    for s, p in zip(servers, ports, strict=True):
        s.wait_up(f"http://127.0.0.1:{p}")
    https_port, http_port = free_port(), free_port()
    site = (NGINX_CONF.read_text()
            .replace("server 127.0.0.1:8443 ", f"server 127.0.0.1:{ports[0]} ")
            .replace("server 127.0.0.1:8444 ", f"server 127.0.0.1:{ports[1]} ")
            .replace("listen 443 ssl http2;", f"listen {public_address}:{https_port} ssl http2;")
            .replace("listen 80;", f"listen {public_address}:{http_port};")
            .replace("listen [::]:443 ssl http2;", "").replace("listen [::]:80;", ""))
    folder = tmp_path / "nginx"
    folder.mkdir()
    main = _nginx_setup(folder, site)
    proc = subprocess.Popen([nginx, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(main)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"https://{public_address}:{https_port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/v1/health", verify=False, timeout=1)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, (folder / "error.log").read_text()
                time.sleep(0.1)
        with httpx.Client(base_url=base, verify=False, timeout=30) as http:
            world = World(http, engine)
            anna = world.user("anna")
            case = world.register(anna)
            revs = [world.sealed(anna, case, {"n": i}) for i in range(4)]
            assert [r["status"] for r in world.push(anna, *revs)] == ["accepted"] * 4
            assert len(world.pull_all(anna)[0]) == 4
            # nginx set X-Forwarded-For to the address it saw (this machine's public one), and the
            # server, trusting 127.0.0.1 (nginx), counted that rather than nginx's loopback.
            assert _failed_login(http, "nobody", "203.0.113.7") == 401
            assert _audit_ips(engine) == [public_address]
            # Its request id reaches the server's log; the status is not for the outside.
            assert len(http.get("/v1/health").headers["x-request-id"]) == 32
            assert http.get("/v1/status").status_code == 403
        r = httpx.get(f"http://{public_address}:{http_port}/v1/health", follow_redirects=False, timeout=10)
        assert r.status_code == 301 and r.headers["location"].startswith("https://")
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    logs = "".join(s.log.read_text() for s in servers)
    assert '"route":"/v1/push"' in logs and "anna" not in logs
