"""`make bench`'s machine-readable end (issue 17): the ratios the tables print, by name, in the last line."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def _measure() -> ModuleType:
    """benchmarks/measure.py, loaded under its own name: the bench folder is scripts, not a package, and
    putting it on sys.path would bring its `data`, `sync` and `report` modules into every later test."""
    spec = importlib.util.spec_from_file_location(
        "leerrecht_bench_measure", Path(__file__).resolve().parents[1] / "benchmarks" / "measure.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_printed_ratio_is_named_in_the_json() -> None:
    table = {
        "unlock": {"median_ms": 300.0, "p95_ms": 400.0, "budget_ms": 1500, "raws": [
            {"label": "argon2id", "median_ms": 200.0, "ratio": 1.5}]},
        "no_budget": {"median_ms": 5.0, "p95_ms": 6.0, "budget_ms": None, "raws": []},
    }
    peers = [{"docs": 12261, "ours": {"first_full_push": 6000.0, "first_full_pull": 3000.0, "noop_sync": 9.0},
              "pouchdb": {"push_ms": 12000.0, "pull_ms": 6000.0, "noop_median_ms": 4.0}}]
    assert _measure().ratios(table, peers) == {
        "unlock/budget": 400.0 / 1500,
        "unlock/argon2id": 1.5,
        "first_full_push@12261/pouchdb": 0.5,
        "first_full_pull@12261/pouchdb": 0.5,
    }
