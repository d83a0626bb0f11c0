"""Every request of a sync round tells the server the app's version and how many changes were still
unsent (X-Leerrecht-Client, X-Leerrecht-Unsent), for the beheerder's `admin list-devices`; a real
server process, the requests seen on the way out."""

from __future__ import annotations

from pathlib import Path

import httpx

from leerrecht_core.protocol import CLIENT_UNSENT_HEADER as UNSENT_HEADER
from leerrecht_core.protocol import CLIENT_VERSION_HEADER as CLIENT_HEADER
from leerrecht_desktop import __version__
from tests.kits.synckit import Laptop, ServerProcess, make_case


def _watched(laptop: Laptop, server: ServerProcess, seen: list[httpx.Request]) -> None:
    laptop.client = httpx.Client(base_url=server.url + "/v1", event_hooks={"request": [seen.append]})


def test_every_sync_request_carries_the_version_and_the_unsent_count(pair: tuple[Laptop, Laptop],
                                                                     server: ServerProcess, tmp_path: Path) -> None:
    worker, _coord = pair
    worker.sync()
    for _ in range(2):
        make_case(worker.case_files, notes=1)  # two cases, each a profile and a note: four unsent
    seen: list[httpx.Request] = []
    _watched(worker, server, seen)
    try:
        report = worker.sync()
        assert report.pushed >= 4 and report.waiting == 0
        again: list[httpx.Request] = []
        _watched(worker, server, again)
        worker.sync()
    finally:
        assert worker.client is not None
        worker.client.close()
        worker.client = None
    assert seen and all(r.headers[CLIENT_HEADER] == __version__ for r in seen)
    assert all(UNSENT_HEADER in r.headers for r in seen)
    pushes = [r for r in seen if r.url.path.endswith("/push")]
    assert pushes and pushes[0].headers[UNSENT_HEADER] == "4"
    # After the push the count the server hears is what is left: nothing.
    assert seen[-1].headers[UNSENT_HEADER] == "0"
    assert again and all(r.headers[UNSENT_HEADER] == "0" for r in again)
