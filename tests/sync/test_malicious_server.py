"""Issue 12, finding 6, with a real server process whose database is changed behind its back (what a
malicious server could serve): a "removed" event no colleague signed, or signed badly, acts on nothing.
The case stays on the laptop, readable, and the sync report says so; a genuine removal still erases."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from leerrecht_core.protocol import removal_message
from leerrecht_desktop.models.entries import FollowUpNote
from tests.kits.synckit import DAY, Laptop, ServerProcess, enrolled, make_case, snapshot

pytestmark = pytest.mark.slow


@pytest.fixture
def shared(server: ServerProcess, tmp_path: Path) -> Iterator[tuple[Laptop, Laptop, str]]:
    """w1's case shared with w2; both synced."""
    server.admin("create-team", "Noord")
    w1 = enrolled(server, tmp_path / "w1", "werker1", "Fictieve Werker Een", "netsterk", "Noord")
    w2 = enrolled(server, tmp_path / "w2", "werker2", "Fictieve Werker Twee", "brugfiguur", "Noord")
    enrolled(server, tmp_path / "coord", "coord", "Fictieve Coordinator", "coordinator", "Noord").close()
    case_id = make_case(w1.case_files, notes=1)
    w1.sync()
    w1.engine().share_case(case_id, w2.user_id)
    w1.sync()
    assert w2.sync().errors == []
    yield w1, w2, case_id
    w1.close()
    w2.close()


def _forge_removal(server: ServerProcess, w1: Laptop, w2: Laptop, case_id: str, signature: bytes | None) -> None:
    """The server serves w2 a "removed" event of the case, at the number of a revision w1 pushes now."""
    w1.case_files.save(case_id, FollowUpNote(occurred_on=DAY, text="Fictief later"), today=DAY)
    assert w1.sync().errors == []
    ((seq,),) = server.query("SELECT max(seq) FROM revisions")
    server.execute("UPDATE memberships SET removed_seq = ?, removed_by = ?, removed_key_version = 2, "
                   "removed_signature = ? WHERE case_id = ? AND user_id = ?",
                   (seq, w1.user_id if signature else None, signature, case_id, w2.user_id))


@pytest.mark.parametrize("signature", [None, "random", "other-message"])
def test_a_removal_nobody_signed_erases_nothing(server: ServerProcess, shared: tuple[Laptop, Laptop, str],
                                                 signature: str | None) -> None:
    w1, w2, case_id = shared
    before = snapshot(w2.case_files, case_id)
    forged = {None: None, "random": os.urandom(64),
              # w1's genuine signature, but of another user's removal: not this one.
              "other-message": w1.case_files.secrets.signing.sign(removal_message(case_id, w1.user_id, 2))}[signature]
    _forge_removal(server, w1, w2, case_id, forged)

    report = w2.sync()
    assert any("niets gewist" in e for e in report.errors)
    assert [s.case_id for s in w2.case_files.summaries()] == [case_id]
    assert snapshot(w2.case_files, case_id) == before


def test_a_removal_signed_by_the_colleague_who_made_it_still_erases(
        server: ServerProcess, shared: tuple[Laptop, Laptop, str]) -> None:
    w1, w2, case_id = shared
    w1.engine().unshare_case(case_id, w2.user_id)
    assert w1.sync().errors == []
    ((by, version),) = server.query("SELECT removed_by, removed_key_version FROM memberships WHERE case_id = ? "
                                    "AND user_id = ?", (case_id, w2.user_id))
    assert (by, version) == (w1.user_id, 2)
    report = w2.sync()
    assert report.errors == []
    assert w2.case_files.summaries() == []
