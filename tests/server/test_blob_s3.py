"""The S3-compatible blob store (LEERRECHT_SERVER_BLOB_STORE=s3, leerrecht_server/blobs/s3.py) against a
real S3 API over HTTP on loopback: moto's S3 server in its own process, a real `leerrecht-server serve`
and two laptops. An attachment goes from one laptop to the other byte for byte with every chunk an
object in the bucket and nothing of the file in the clear there; an object changed or lost in the
bucket is refused on the laptop; erasing the case empties its folder in the bucket; and a bucket that
can't be used stops `serve` with one line."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from leerrecht_core.crypto.errors import TamperedAttachment
from leerrecht_desktop.store.attachments import STATE_SYNCED, Attachments
from leerrecht_desktop.sync.blobs import fetch_attachment
from tests.kits.storekit import files_containing, text_forms
from tests.kits.synckit import ROOT, Laptop, ServerProcess, make_case, running_server, worker_and_coordinator

boto3 = pytest.importorskip("boto3", reason="the S3 store needs boto3 (pip install -e '.[dev]')")
pytest.importorskip("moto", reason="the S3 tests need moto's S3 server (pip install -e '.[dev]')")

pytestmark = pytest.mark.slow

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# moto accepts any credentials; these are what the server process and the test's own client use.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "fictief-sleutel-id", "AWS_SECRET_ACCESS_KEY": "fictief-geheim",
               "AWS_DEFAULT_REGION": "eu-west-1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **CREDENTIALS})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("moto's S3 server did not start (see moto.log)")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
                        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    name = f"leerrecht-test-{uuid.uuid4().hex[:12]}"
    client(s3_endpoint).create_bucket(Bucket=name, CreateBucketConfiguration={
        "LocationConstraint": CREDENTIALS["AWS_DEFAULT_REGION"]})
    return name


@pytest.fixture
def server(tmp_path: Path, s3_endpoint: str, bucket: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    for name, value in {**CREDENTIALS, "LEERRECHT_SERVER_BLOB_STORE": "s3", "LEERRECHT_SERVER_S3_BUCKET": bucket,
                        "LEERRECHT_SERVER_S3_ENDPOINT": s3_endpoint, "LEERRECHT_SERVER_S3_PREFIX": "mechelen/"}.items():
        monkeypatch.setenv(name, value)
    with running_server(tmp_path / "server") as proc:
        yield proc


@pytest.fixture
def pair(server: ServerProcess, tmp_path: Path) -> Iterator[tuple[Laptop, Laptop]]:
    yield from worker_and_coordinator(server, tmp_path)


def objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    s3 = client(endpoint)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def fictitious_png(folder: Path, mark: bytes, size: int) -> Path:
    path = folder / f"scan-{uuid.uuid4().hex[:6]}.png"
    half = (size - len(PNG_MAGIC) - len(mark)) // 2
    path.write_bytes(PNG_MAGIC + os.urandom(half) + mark + os.urandom(size - len(PNG_MAGIC) - len(mark) - half))
    return path


def opened(laptop: Laptop, attachment_id: str) -> bytes:
    sink = io.BytesIO()
    Attachments(laptop.case_files).open_to(attachment_id, sink)
    return sink.getvalue()


def test_an_attachment_goes_through_the_bucket_byte_identical_and_sealed(
        pair: tuple[Laptop, Laptop], server: ServerProcess, s3_endpoint: str, bucket: str, tmp_path: Path) -> None:
    w1, coord = pair
    mark = f"FictiefS3Merk{uuid.uuid4().hex[:10]}".encode()
    case_id = make_case(w1.case_files, notes=1)
    png = fictitious_png(tmp_path, mark, 900_000)  # four chunks
    info = Attachments(w1.case_files).add(case_id, png, "Fictieve scan van het rapport")
    assert w1.sync().attachments_sent == 1

    stored = objects(s3_endpoint, bucket)
    assert sorted(stored) == [f"mechelen/{info.attachment_id}/{i}" for i in range(4)]
    assert server.query("SELECT count(*) FROM blob_data") == [(0,)]  # the bytes are in the bucket only

    report = coord.sync()
    assert report.attachments_fetched == 1 and report.errors == []
    (listed,) = Attachments(coord.case_files).list(case_id)
    assert listed.state == STATE_SYNCED and opened(coord, info.attachment_id) == png.read_bytes()

    needles = [mark, png.read_bytes()[len(PNG_MAGIC):len(PNG_MAGIC) + 32], *text_forms("Fictieve scan van het rapport"),
               *text_forms(png.name)]
    assert not [key for key, data in stored.items() if any(n in data or n in key.encode() for n in needles)]
    assert files_containing(server.folder, needles) == []


@pytest.mark.parametrize(("how", "reason"), [("flip", "chunk digest"), ("drop", "missing chunk"),
                                             ("truncate", "chunk digest")])
def test_an_object_changed_or_lost_in_the_bucket_is_refused_on_the_laptop(
        pair: tuple[Laptop, Laptop], s3_endpoint: str, bucket: str, tmp_path: Path, how: str, reason: str) -> None:
    w1, coord = pair
    case_id = make_case(w1.case_files, notes=1)
    info = Attachments(w1.case_files).add(case_id, fictitious_png(tmp_path, b"FictiefMerk", 600_000), "Fictief")
    w1.sync()
    s3, key = client(s3_endpoint), f"mechelen/{info.attachment_id}/1"
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    if how == "drop":
        s3.delete_object(Bucket=bucket, Key=key)
    else:
        changed = data[:100] + bytes([data[100] ^ 1]) + data[101:] if how == "flip" else data[:-500]
        s3.put_object(Bucket=bucket, Key=key, Body=changed)

    report = coord.sync()
    assert report.attachments_fetched == 0 and report.refused == 1
    assert any(e.startswith("Een bijlage is gewijzigd buiten de app of beschadigd") for e in report.errors)
    with pytest.raises(TamperedAttachment) as refused:
        fetch_attachment(coord.case_files, info.attachment_id)
    assert refused.value.reason == reason


def test_erasing_the_case_empties_its_folder_in_the_bucket(
        pair: tuple[Laptop, Laptop], server: ServerProcess, s3_endpoint: str, bucket: str, tmp_path: Path) -> None:
    from leerrecht_desktop.sync.erasure import erase_everywhere

    w1, coord = pair
    kept_case, erased_case = make_case(w1.case_files, notes=1), make_case(w1.case_files, notes=1)
    kept = Attachments(w1.case_files).add(kept_case, fictitious_png(tmp_path, b"FictiefA", 300_000), "Blijft")
    Attachments(w1.case_files).add(erased_case, fictitious_png(tmp_path, b"FictiefB", 300_000), "Gaat weg")
    w1.sync()
    coord.sync()
    engine = coord.engine()
    try:
        erase_everywhere(engine, erased_case, "Fictieve reden")
    finally:
        engine.transport.close()
    assert sorted(objects(s3_endpoint, bucket)) == [f"mechelen/{kept.attachment_id}/{i}" for i in range(2)]
    assert server.query("SELECT count(*) FROM attachments") == [(1,)]


def test_a_bucket_that_cannot_be_used_stops_serve_with_one_line(tmp_path: Path, s3_endpoint: str) -> None:
    env = {**os.environ, **CREDENTIALS, "PYTHONPATH": str(ROOT), "LEERRECHT_SERVER_BLOB_STORE": "s3",
           "LEERRECHT_SERVER_S3_BUCKET": "er-is-geen-emmer", "LEERRECHT_SERVER_S3_ENDPOINT": s3_endpoint,
           "LEERRECHT_SERVER_DB": f"sqlite:///{tmp_path / 'server.db'}"}
    result = subprocess.run([sys.executable, "-m", "leerrecht_server", "serve", "--port", str(free_port())],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "er-is-geen-emmer" in line]
    assert lines and "LEERRECHT_SERVER_S3_BUCKET" in lines[0] and "Traceback" not in result.stderr
    assert "there is no such bucket at this endpoint" in lines[0]
    assert CREDENTIALS["AWS_SECRET_ACCESS_KEY"] not in result.stderr + result.stdout
