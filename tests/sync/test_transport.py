"""The transport: plain HTTP only to this machine, TLS certificates checked (and optionally pinned),
server error codes turned into clear Dutch exceptions, a retry policy with backoff and jitter."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from leerrecht_core.protocol import DirectoryResponse
from leerrecht_desktop.sync.transport import (
    BadResponse,
    CertificateProblem,
    DeviceRevoked,
    InsecureServerAddress,
    RateLimited,
    SyncError,
    Transport,
    Unreachable,
    backoff_delays,
    check_server_url,
    with_retries,
)


@pytest.mark.parametrize("url", ["http://leerrecht.voorbeeld.be", "http://10.0.0.5:8443", "http://[2001:db8::1]/",
                                 "http://localhost.voorbeeld.be"])
def test_plain_http_to_another_machine_is_refused(url: str) -> None:
    with pytest.raises(InsecureServerAddress, match="https://"):
        Transport(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8443", "http://127.8.9.10", "http://localhost:1", "http://[::1]:80",
                                 "https://leerrecht.voorbeeld.be/"])
def test_loopback_http_and_any_https_are_accepted(url: str) -> None:
    assert check_server_url(url) == url.rstrip("/")


@pytest.mark.parametrize("url", ["ftp://voorbeeld.be", "leerrecht.voorbeeld.be", "https://"])
def test_a_malformed_address_is_refused_clearly(url: str) -> None:
    with pytest.raises(SyncError, match="geen geldig serveradres"):
        check_server_url(url)


def _mock(status: int, body: object) -> Transport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=json.dumps(body).encode())
    client = httpx.Client(base_url="http://127.0.0.1:1/v1", transport=httpx.MockTransport(handler))
    return Transport("http://127.0.0.1:1", token="t", client=client)


def test_error_codes_become_dutch_exceptions() -> None:
    with pytest.raises(DeviceRevoked, match="ingetrokken") as info:
        _mock(403, {"code": "device_revoked", "detail": "Device revoked."}).get("/directory", DirectoryResponse)
    assert info.value.code == "device_revoked"
    with pytest.raises(RateLimited, match="Te veel pogingen"):
        _mock(429, {"code": "rate_limited", "detail": "x"}).get("/directory", DirectoryResponse)
    with pytest.raises(Unreachable, match="probleem"):
        _mock(500, {"detail": "boom"}).get("/directory", DirectoryResponse)
    with pytest.raises(BadResponse):
        _mock(200, {"users": "nope"}).get("/directory", DirectoryResponse)


def test_an_unreachable_server_is_one_clear_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(Unreachable, match="niet bereikbaar"):
        Transport(f"http://127.0.0.1:{port}").get("/directory", DirectoryResponse)


# -- TLS -------------------------------------------------------------------------------------------


def _self_signed(folder: Path) -> tuple[Path, Path, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leerrecht-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path, hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"users": [], "recovery_public": null}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    cert, key, fingerprint = _self_signed(tmp_path)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}", cert, fingerprint
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_an_untrusted_certificate_is_refused_with_a_clear_error(tls_server: tuple[str, Path, str]) -> None:
    url, _, _ = tls_server
    with pytest.raises(CertificateProblem, match="certificaat"):
        Transport(url).get("/directory", DirectoryResponse)


def test_a_trusted_certificate_works_and_a_pin_is_enforced(tls_server: tuple[str, Path, str]) -> None:
    url, cert, fingerprint = tls_server
    assert Transport(url, ca_file=str(cert)).get("/directory", DirectoryResponse).users == []
    pinned = ":".join(fingerprint[i:i + 2] for i in range(0, 64, 2)).upper()  # the form browsers show
    assert Transport(url, ca_file=str(cert), pinned_sha256=pinned).get("/directory", DirectoryResponse).users == []
    with pytest.raises(CertificateProblem, match="vastgepinde"):
        Transport(url, ca_file=str(cert), pinned_sha256="0" * 64).get("/directory", DirectoryResponse)


def test_a_pin_needs_https() -> None:
    with pytest.raises(SyncError, match="https"):
        Transport("http://127.0.0.1:1", pinned_sha256="0" * 64)


# -- retry policy ----------------------------------------------------------------------------------


def test_backoff_grows_exponentially_up_to_the_cap_with_jitter() -> None:
    ceilings = backoff_delays(base=1.0, cap=60.0, rng=lambda: 1.0)
    assert [next(ceilings) for _ in range(9)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    jittered = backoff_delays(base=1.0, cap=60.0, rng=lambda: 0.25)
    assert [next(jittered) for _ in range(3)] == [0.25, 0.5, 1.0]
    real = backoff_delays(base=2.0, cap=10.0)
    assert all(0 <= next(real) <= 10 for _ in range(50))


def test_retries_only_what_the_network_failed() -> None:
    slept: list[float] = []
    calls = {"n": 0}

    def flaky() -> str:
        calls["n"] += 1
        if calls["n"] < 3:
            raise Unreachable("weg")
        return "ok"

    assert with_retries(flaky, attempts=5, sleep=slept.append, delays=iter([1.0, 2.0, 3.0])) == "ok"
    assert slept == [1.0, 2.0]

    def refused() -> str:
        raise DeviceRevoked("ingetrokken", "device_revoked", 403)

    with pytest.raises(DeviceRevoked):
        with_retries(refused, attempts=5, sleep=slept.append)
    assert slept == [1.0, 2.0]
    with pytest.raises(Unreachable):
        with_retries(lambda: (_ for _ in ()).throw(Unreachable("weg")), attempts=2, sleep=slept.append,
                     delays=iter([0.0]))
