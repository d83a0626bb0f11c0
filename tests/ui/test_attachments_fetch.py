"""A colleague's attachment in the window: listed as "nog niet op deze laptop" after a sync that did
not fetch it yet, then "Nu ophalen" fetches it through a real server process (progress shown under the
list), and opening one that is not here yet fetches it and shows its preview. Offscreen, pytest-qt."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from leerrecht_desktop.store.attachments import STATE_SYNCED, Attachments
from leerrecht_desktop.store.syncstore import SyncStore
from leerrecht_desktop.sync import blobs
from leerrecht_desktop.ui.attachments.panel import AttachmentsPanel
from leerrecht_desktop.ui.tasks import TaskRunner
from tests.kits.synckit import Laptop, enrolled, make_case, running_server

pytestmark = pytest.mark.slow

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Laptop, Laptop]]:
    with running_server(tmp_path / "server") as server:
        server.admin("create-team", "Noord")
        worker = enrolled(server, tmp_path / "w1", "werker1", "Fictieve Werker", "netsterk", "Noord")
        coord = enrolled(server, tmp_path / "coord", "coord", "Fictieve Coordinator", "coordinator", "Noord")
        yield worker, coord
        worker.close()
        coord.close()


def photo(folder: Path, name: str) -> Path:
    """A real PNG (so the preview can show it), padded past one chunk with random bytes after its end."""
    from PySide6.QtGui import QColor, QImage

    image = QImage(60, 40, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a7"))
    path = folder / name
    assert image.save(str(path), "PNG")
    with path.open("ab") as f:
        f.write(os.urandom(400_000))  # decoders ignore what follows IEND
    assert path.read_bytes().startswith(PNG_MAGIC)
    return path


def test_a_colleagues_attachment_is_fetched_from_the_window(qtbot, pair: tuple[Laptop, Laptop], tmp_path: Path,  # type: ignore[no-untyped-def]
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    worker, coord = pair
    case_id = make_case(worker.case_files, notes=1)
    first = Attachments(worker.case_files).add(case_id, photo(tmp_path, "toestemming.png"), "Fictieve toestemming")
    second = Attachments(worker.case_files).add(case_id, photo(tmp_path, "rapport.png"), "Fictief rapport")
    assert worker.sync().attachments_sent == 2
    monkeypatch.setattr(blobs, "BACKGROUND_BYTES", 0)  # this round lists them but fetches none
    assert coord.sync().attachments_listed == 2

    runner = TaskRunner()
    panel = AttachmentsPanel(runner=runner)
    qtbot.addWidget(panel)
    panel.show_case(coord.case_files, case_id)
    qtbot.waitUntil(lambda: panel.list.topLevelItemCount() == 2)
    texts = [panel.list.topLevelItem(i).text(1) for i in range(2)]  # type: ignore[union-attr]
    assert all(t.endswith("nog niet op deze laptop") for t in texts)

    # "Nu ophalen": the bytes come from the server, the progress is shown, the row says synced.
    row = next(i for i in range(2) if panel.infos[i].attachment_id == first.attachment_id)
    panel.list.setCurrentItem(panel.list.topLevelItem(row))
    progress: list[tuple[int, int]] = []
    panel.fetcher.progressed.connect(lambda _a, done, total: progress.append((done, total)))
    with qtbot.waitSignal(panel.fetcher.fetched, timeout=30_000):
        panel.fetch_button.click()
    assert progress and progress[-1][0] == progress[-1][1]
    assert Attachments(coord.case_files).info(first.attachment_id).state == STATE_SYNCED
    qtbot.waitUntil(lambda: any(panel.list.topLevelItem(i).text(1).endswith("gesynchroniseerd")  # type: ignore[union-attr]
                                for i in range(2)))
    assert panel.preview is None  # fetched on request only, nothing opened

    # Opening the other one fetches it first, then shows it.
    row = next(i for i in range(2) if panel.infos[i].attachment_id == second.attachment_id)
    panel.list.setCurrentItem(panel.list.topLevelItem(row))
    panel.open_selected()
    assert panel.fetch_label.isVisibleTo(panel)
    qtbot.waitUntil(lambda: panel.preview is not None, timeout=30_000)
    assert Attachments(coord.case_files).info(second.attachment_id).state == STATE_SYNCED
    panel.preview.reject()  # type: ignore[union-attr]


def test_a_fetch_that_fails_says_why_and_keeps_the_row(qtbot, pair: tuple[Laptop, Laptop], tmp_path: Path,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    worker, coord = pair
    case_id = make_case(worker.case_files, notes=1)
    info = Attachments(worker.case_files).add(case_id, photo(tmp_path, "brief.png"), "Fictieve brief")
    worker.sync()
    monkeypatch.setattr(blobs, "BACKGROUND_BYTES", 0)
    coord.sync()
    SyncStore(coord.case_files).set_server_url("http://127.0.0.1:9")  # nobody listens there
    runner = TaskRunner()
    panel = AttachmentsPanel(runner=runner)
    qtbot.addWidget(panel)
    panel.show_case(coord.case_files, case_id)
    qtbot.waitUntil(lambda: panel.list.topLevelItemCount() == 1)
    with qtbot.waitSignal(panel.fetcher.refused, timeout=30_000) as refused:
        panel.fetch_button.click()
    assert refused.args and refused.args[0]
    assert panel.message.text() == refused.args[0]
    assert Attachments(coord.case_files).info(info.attachment_id).state == "remote"
