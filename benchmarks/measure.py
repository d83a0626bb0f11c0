"""Timing helpers shared by the benchmark scripts: repeated runs in milliseconds, their median and 95th
percentile, the raw cost beside them as a ratio, one table format and the JSON form of a figure.

A measured figure is a dict: `samples` (ms), optional `budget_ms` (None: no budget in DESIGN.md
section 6, measured for information), `raws` (a list of (label, samples): the same work without this
project), `note` and `count` (e.g. revisions moved)."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(fn: Callable[[], Any], runs: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def once_ms(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def figure(samples: list[float], budget_ms: float | None = None, raws: list[tuple[str, list[float]]] | None = None,
           **extra: Any) -> dict[str, Any]:
    return {"samples": samples, "budget_ms": budget_ms, "raws": raws or [], **extra}


def summarise(fig: dict[str, Any]) -> dict[str, Any]:
    """The JSON form of a measured figure: median, p95, budget, verdict and raws with their ratio."""
    samples = fig["samples"]
    med, high = statistics.median(samples), p95(samples)
    budget = fig.get("budget_ms")
    out: dict[str, Any] = {"runs": len(samples), "median_ms": med, "p95_ms": high, "budget_ms": budget,
                           "within_budget": None if budget is None else high <= budget, "raws": []}
    for label, raw in fig.get("raws") or []:
        raw_med = statistics.median(raw)
        out["raws"].append({"label": label, "median_ms": raw_med, "ratio": med / raw_med if raw_med > 0 else None})
    for key in ("count", "note", "size", "peak_upload_mib", "peak_download_mib"):
        if fig.get(key) is not None:
            out[key] = fig[key]
    return out


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 10_000:
        return f"{value / 1000:.1f}s"
    if value >= 100:
        return f"{value:.0f}ms"
    if value < 0.1:
        return f"{value * 1000:.1f}µs"
    return f"{value:.2f}ms"


def print_table(rows: dict[str, dict[str, Any]], title: str | None = None) -> None:
    """One line per figure (summarised), then one indented line per further raw cost."""
    if title:
        print(f"\n{title}")
    print(f"{'figure':32} {'n':>3} {'median':>9} {'p95':>9} {'budget':>8}  {'verdict':7} "
          f"{'raw median':>10} {'ratio':>7}  raw = the same work without Leerrecht")
    for name, row in rows.items():
        verdict = {None: "info", True: "ok", False: "OVER"}[row.get("within_budget")]
        raws = row.get("raws") or []
        first = raws[0] if raws else None
        raw_txt = (f"{_ms(first['median_ms']):>10} {_ratio(first['ratio']):>7}  {first['label']}" if first else "")
        print(f"{name:32} {row['runs']:3d} {_ms(row['median_ms']):>9} {_ms(row['p95_ms']):>9} "
              f"{_ms(row.get('budget_ms')):>8}  {verdict:7} {raw_txt}")
        for raw in raws[1:]:
            print(f"{'':32} {'':3} {'':9} {'':9} {'':8}  {'':7} {_ms(raw['median_ms']):>10} "
                  f"{_ratio(raw['ratio']):>7}  {raw['label']}")
        if row.get("note"):
            print(f"{'':32}     {row['note']}")


def _ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.1f}x"


def growth_exponent(sizes: list[float], times: list[float]) -> float | None:
    """The k of time ~ size^k between the smallest and the largest size (0: flat, 1: linear)."""
    if len(sizes) < 2 or sizes[0] <= 0 or sizes[-1] <= sizes[0] or times[0] <= 0 or times[-1] <= 0:
        return None
    return math.log(times[-1] / times[0]) / math.log(sizes[-1] / sizes[0])


def ratios(table: dict[str, Any], peers: list[dict[str, Any]]) -> dict[str, float | None]:
    """Every ratio the tables print, by name: a figure's p95 against its budget, a figure against each
    raw cost beside it, and ours against PouchDB's at each size."""
    out: dict[str, float | None] = {}
    for name, row in table.items():
        if row.get("budget_ms"):
            out[f"{name}/budget"] = row["p95_ms"] / row["budget_ms"]
        for raw in row.get("raws", []):
            out[f"{name}/{raw['label']}"] = raw["ratio"]
    for p in peers:
        ours, theirs = p["ours"], p["pouchdb"]
        for kind, key in (("first_full_push", "push_ms"), ("first_full_pull", "pull_ms")):
            if theirs.get(key):
                out[f"{kind}@{p['docs']}/pouchdb"] = ours[kind] / theirs[key]
    return out
