"""Real `leerrecht-server serve` processes on loopback: an end-to-end push and pull that decrypts on
the other side, the database holding no plaintext afterwards, two processes over one database
pushing concurrently without a pull ever skipping a sequence number, a process killed mid-push, TLS,
and /metrics counting exactly over `--workers 2`."""

from __future__ import annotations

import base64
import contextlib
import json
import stat
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from leerrecht_core.crypto.keys import WrappedKey, public_signing_key, unwrap_case_key
from leerrecht_core.crypto.records import RecordHeader, SealedRecord, open_sealed
from leerrecht_server.core.config import PAUSE_FILE_ENV, WORKERS_ENV
from leerrecht_server.tables import metadata

from .conftest import Actor, World

# Fictitious: no real person, address or school.
SECRETS = ["Lotte Vermeulenaar", "Kazernestraat 999", "moeder ongerust over schoolverzuim",
           "Basisschool De Fictieve Linde", "Ouderavond gemist"]


def _open(rev: dict[str, Any], reader: Actor, state: dict[str, Any], author_signing: bytes) -> dict[str, Any]:
    g = next(g for g in state["grants"] if g["key_version"] == rev["key_version"])
    key = unwrap_case_key(WrappedKey(base64.b64decode(g["ephemeral_public"]), base64.b64decode(g["ciphertext"])),
                          rev["case_id"], rev["key_version"], reader.user_id, reader.secrets.exchange)
    header = RecordHeader(record_id=rev["record_id"], revision_id=rev["revision_id"], case_id=rev["case_id"],
                          kind=rev["kind"], revision=rev["revision"], base_revision=rev["base_revision"],
                          author_id=rev["author_id"], key_version=rev["key_version"], deleted=rev["deleted"])
    sealed = SealedRecord(header, base64.b64decode(rev["nonce"]), base64.b64decode(rev["ciphertext"]),
                          base64.b64decode(rev["signature"]))
    return open_sealed(sealed, key, public_signing_key(author_signing))


def _database_bytes(engine: sa.Engine, db_url: str) -> bytes:
    if db_url.startswith("sqlite"):
        path = Path(db_url.removeprefix("sqlite:///"))
        return b"".join(f.read_bytes() for f in path.parent.glob(path.name + "*"))
    out = bytearray()
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for value in row:
                    out += value if isinstance(value, bytes | memoryview) else str(value).encode("utf-8")
                    out += b"\x00"
    return bytes(out)


def test_end_to_end_push_and_pull_over_a_real_server(db_url: str, engine: sa.Engine, start_server: Any) -> None:
    server = start_server()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        world = World(http, engine)
        world.recovery_key()
        anna = world.user("anna")
        bert = world.user("bert")
        coord = world.user("carla", role="coordinator")
        zoe = world.user("zoe", team="Team Zuid")
        case = world.register(anna, coord)
        entries = [{"naam": SECRETS[0], "adres": SECRETS[1]}, {"notitie": SECRETS[2], "school": SECRETS[3]},
                   {"notitie": SECRETS[4]}]
        revs = [world.sealed(anna, case, e) for e in entries]
        assert [r["status"] for r in world.push(anna, *revs)] == ["accepted"] * 3
        assert world.add(anna, case, bert).status_code == 200

        # Bert's next pull says "added"; the history brings everything; it decrypts.
        page = world.pull(bert)
        assert [e["action"] for e in page["memberships"]] == ["added"]
        history = http.get(f"/v1/cases/{case.case_id}/history", headers=bert.headers).json()
        state = http.get(f"/v1/cases/{case.case_id}", headers=bert.headers).json()
        opened = [_open(r, bert, state, anna.secrets.signing_public) for r in history["revisions"]]
        assert opened == entries
        coord_revs, _ = world.pull_all(coord)
        coord_state = http.get(f"/v1/cases/{case.case_id}", headers=coord.headers).json()
        assert [_open(r, coord, coord_state, anna.secrets.signing_public) for r in coord_revs] == entries

        # The other team's worker gets nothing, also asking for the case directly.
        assert world.pull(zoe)["revisions"] == []
        assert http.get(f"/v1/cases/{case.case_id}/history", headers=zoe.headers).status_code == 404

    server.stop()
    blob = _database_bytes(engine, db_url)
    assert len(blob) > 1000
    for text in SECRETS:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert text.encode(encoding) not in blob, (text, encoding)
        assert base64.b64encode(text.encode()) not in blob


def test_concurrent_pushes_on_two_processes_never_skip_a_revision(
        db_url: str, engine: sa.Engine, start_server: Any, tmp_path: Path) -> None:
    pause = tmp_path / "pause"
    reached = Path(str(pause) + ".reached")
    server_a = start_server({PAUSE_FILE_ENV: str(pause)})
    server_b = start_server()
    http_a = httpx.Client(base_url=server_a.url, timeout=60)
    http_b = httpx.Client(base_url=server_b.url, timeout=60)
    world = World(http_b, engine)
    anna, bert = world.user("anna"), world.user("bert")
    case = world.register(anna, bert)

    pulled: list[int] = []
    stop = threading.Event()

    def puller() -> None:
        # A client pulling throughout, alternating between the processes, cursor by cursor.
        cursor, i = 0, 0
        with httpx.Client(timeout=60) as h:
            while True:
                done = stop.is_set()
                url = (server_a if i % 2 else server_b).url
                i += 1
                page = h.get(f"{url}/v1/pull", params={"after": cursor, "limit": 7}, headers=anna.headers).json()
                pulled.extend(r["seq"] for r in page["revisions"])
                cursor = page["next_cursor"]
                if done and not page["more"]:
                    return
                if not page["more"]:
                    time.sleep(0.01)

    pull_thread = threading.Thread(target=puller)
    pull_thread.start()

    # Forced interleaving: A takes sequence number n and holds it uncommitted; B pushes meanwhile.
    answers: dict[str, Any] = {}

    def push(name: str, http: httpx.Client, actor: Actor, rev: dict[str, Any]) -> None:
        r = http.post("/v1/push", json={"revisions": [rev]}, headers=actor.headers)
        answers[name] = (r.json()["results"][0], time.monotonic())

    pause.touch()
    ta = threading.Thread(target=push, args=("a", http_a, anna, world.sealed(anna, case, {"n": "a"})))
    ta.start()
    deadline = time.monotonic() + 20
    while not reached.exists():
        assert time.monotonic() < deadline, "process A never reached the pause"
        time.sleep(0.02)
    tb = threading.Thread(target=push, args=("b", http_b, bert, world.sealed(bert, case, {"n": "b"})))
    tb.start()
    time.sleep(1.5)
    assert "b" not in answers, "B committed while A held an earlier sequence number"
    assert pulled == [], "a pull saw something while the earliest new number was uncommitted"
    released = time.monotonic()
    pause.unlink()
    ta.join(30)
    tb.join(30)
    a_result, _ = answers["a"]
    b_result, b_time = answers["b"]
    assert a_result["status"] == b_result["status"] == "accepted"
    assert b_result["seq"] == a_result["seq"] + 1
    assert b_time > released  # B's answer only came after A was released

    # Then a burst: four writers, two per process, racing.
    def burst(http: httpx.Client, actor: Actor) -> None:
        for i in range(8):
            revs = [world.sealed(actor, case, {"i": i, "j": j}) for j in range(1 + i % 3)]
            r = http.post("/v1/push", json={"revisions": revs}, headers=actor.headers)
            assert r.status_code == 200 and all(x["status"] == "accepted" for x in r.json()["results"])

    writers = [threading.Thread(target=burst, args=(h, a)) for h in (http_a, http_b) for a in (anna, bert)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(60)
    stop.set()
    pull_thread.join(60)
    http_a.close()
    http_b.close()

    expected_count = 2 + 4 * sum(1 + i % 3 for i in range(8))
    assert len(pulled) == expected_count, "a revision was skipped or pulled twice"
    assert pulled == sorted(pulled)
    # Gapless: registration took seq 1 and 2 (two members); revisions follow without a hole.
    assert pulled == list(range(3, 3 + expected_count))


def test_serve_with_tls(db_url: str, engine: sa.Engine, tmp_path: Path) -> None:
    import datetime
    import ipaddress
    import subprocess

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from .conftest import SERVER_BIN, free_port

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    port = free_port()
    proc = subprocess.Popen([str(SERVER_BIN), "serve", "--db", db_url, "--port", str(port), "--cert", str(cert_file),
                             "--key", str(key_file)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import ssl

        ctx = ssl.create_default_context(cafile=str(cert_file))
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"https://127.0.0.1:{port}/v1/health", verify=ctx, timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and proc.poll() is None, "TLS server did not start"
                time.sleep(0.1)
        assert r.json() == {"status": "ok"}
        try:
            plain = httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2)
            assert plain.status_code != 200
        except httpx.HTTPError:
            pass  # plain HTTP is not spoken on a TLS port
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_server_killed_mid_push_stores_nothing_and_loses_no_number(
        db_url: str, engine: sa.Engine, start_server: Any, tmp_path: Path) -> None:
    pause = tmp_path / "pause"
    reached = Path(str(pause) + ".reached")
    doomed = start_server({PAUSE_FILE_ENV: str(pause)})
    survivor = start_server()
    with httpx.Client(base_url=survivor.url, timeout=60) as http:
        world = World(http, engine)
        anna = world.user("anna")
        case = world.register(anna)  # seq 1
        rev = world.sealed(anna, case, {"n": 1})
        pause.touch()

        def push_to_doomed() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the answer is lost: the server dies mid-push
                httpx.post(f"{doomed.url}/v1/push", json={"revisions": [rev]}, headers=anna.headers, timeout=60)

        t = threading.Thread(target=push_to_doomed)
        t.start()
        deadline = time.monotonic() + 20
        while not reached.exists():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        doomed.proc.kill()  # holding seq 2, uncommitted
        doomed.proc.wait(10)
        t.join(30)

        other = world.sealed(anna, case, {"n": 2})
        assert world.push(anna, other)[0] == {"revision_id": other["revision_id"], "status": "accepted", "seq": 2,
                                              "reason": None, "head": None}
        # The client retries the lost push: stored once, right after.
        assert world.push(anna, rev)[0]["seq"] == 3
        assert world.push(anna, rev)[0]["status"] == "duplicate"
        revs, cursor = world.pull_all(anna)
        assert [r["seq"] for r in revs] == [2, 3] and cursor == 3


def test_metrics_are_exact_across_workers(start_server: Any, tmp_path: Path) -> None:
    """With `--workers 2`, requests spread over both processes, and every scrape, whichever process
    answers it, reports all of them: the counters live in per-process files in a private folder
    that `serve` makes before the workers start and removes when it stops."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    server = start_server({WORKERS_ENV: "2", "TMPDIR": str(scratch)})
    folders = list(scratch.glob("leerrecht-server-metrics-*"))
    assert len(folders) == 1 and stat.S_IMODE(folders[0].stat().st_mode) == 0o700
    key = 'leerrecht_http_requests_total{method="GET",route="/v1/status",status_class="2xx"}'

    def status_requests() -> float:
        for line in httpx.get(f"{server.url}/metrics", timeout=10).text.splitlines():
            if line.startswith(key + " "):
                return float(line.rpartition(" ")[2])
        return 0.0

    answered: set[int] = set()
    n = 0
    deadline = time.monotonic() + 60
    while len(answered) < 2 or n < 20:
        # A new connection each time, so the kernel may hand it to either process.
        r = httpx.get(f"{server.url}/v1/status", timeout=10)
        assert r.status_code == 200, r.text
        answered.add(r.json()["process"]["pid"])
        n += 1
        assert time.monotonic() < deadline, "the requests never reached both workers"
    for _ in range(20):
        # A request is counted just after its answer went out: allow the last one a moment.
        seen = status_requests()
        settle = time.monotonic() + 5
        while seen < n and time.monotonic() < settle:
            time.sleep(0.05)
            seen = status_requests()
        assert seen == n
    server.stop()
    lines = [json.loads(line) for line in server.log_path.read_text().splitlines() if line.startswith("{")]
    scrapers = {line["pid"] for line in lines if line.get("route") == "/metrics"}
    assert len(scrapers) == 2, "both workers answered /metrics"
    assert not folders[0].exists()
