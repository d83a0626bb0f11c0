"""`make bench-load` (benchmarks/load): its smoke run against a real `leerrecht-server serve` over
PostgreSQL has no errors and passes its consistency check, and that check fails when the server loses
a revision or a member misses one. Skipped without PostgreSQL (scripts/start-test-postgres.sh)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from benchmarks.load import consistency
from benchmarks.load.laptop import Trace
from benchmarks.load.run import main, measure, parse
from benchmarks.load.server import pg_unavailable, pg_url
from benchmarks.load.world import World


@pytest.fixture
def postgres() -> None:
    reason = pg_unavailable(pg_url())
    if reason:
        pytest.skip(reason)


@pytest.mark.slow
def test_quick_load_holds_and_the_check_can_fail(postgres: None) -> None:
    seen: dict[str, Any] = {}

    def inspect(engine: sa.Engine, world: World, traces: dict[str, Trace]) -> None:
        assert consistency.check(engine, world, traces)["ok"]
        pushed = [x for t in traces.values() for x in t.pushed]
        assert pushed, "the smoke run pushed nothing: nothing to check"
        gone = pushed[0].revision_id
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM revisions WHERE revision_id = :r"), {"r": gone})
        seen["lost"] = consistency.check(engine, world, traces)
        # A member that synced after the push but did not get the revision (the server's rows intact
        # again would not matter: the check reads what each laptop received).
        owner = next(name for name, t in traces.items() if t.pushed)
        revision = traces[owner].pushed[-1].revision_id
        del traces[owner].received[revision]
        seen["missed"] = consistency.check(engine, world, traces)
        seen["gone"], seen["revision"], seen["owner"] = gone, revision, owner

    result = measure(parse(["--quick", "--duration", "10"]), inspect)
    assert result["errors"] == 0, result["runs"][0]["first_errors"]
    assert result["consistent"], result["runs"][0]["consistency"]
    run = result["runs"][0]
    assert run["kinds"]["sync"]["count"] > 0 and run["kinds"]["push"]["count"] > 0
    assert not seen["lost"]["ok"]
    assert any(seen["gone"] in p and "0 times" in p for p in seen["lost"]["first_problems"])
    assert not seen["missed"]["ok"]
    assert any(seen["owner"] in p and seen["revision"] in p and "never got it" in p
               for p in seen["missed"]["first_problems"])


@pytest.mark.slow
def test_the_run_ends_with_one_json_line(postgres: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick", "--duration", "3", "--laptops", "10"]) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["errors"] == 0 and last["consistent"] is True
    assert set(last["runs"][0]["kinds"]) == {"sync", "push", "first_pull"}


def test_without_postgresql_it_says_so_and_skips(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LEERRECHT_TEST_PG_URL", "postgresql+psycopg://nobody:x@127.0.0.1:1/none")
    assert main(["--quick"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "bench-load skipped: PostgreSQL is not reachable" in lines[0]
    assert "start-test-postgres.sh" in lines[0]
    assert "skipped" in json.loads(lines[-1])
