"""The benchmark data sets: generated once with the demo writer, cached outside the repo.

    python benchmarks/data.py [worker coordinator stress sync-1000 sync-10000 ...]

Sizes (DESIGN.md section 6 and issue 6):

- worker: 60 cases, about 1,800 entries (59 cases of 30 entries and one of 300)
- coordinator: 2,000 cases, about 60,000 entries (1,999 x 30 and one case of 300): the budget size,
  and the 60,000-entry size of the full-sync series
- stress: 10,000 cases, about 300,000 entries (9,999 x 30 and one of 300)
- sync-1000, sync-10000: 33 and 333 cases of 30 entries (the smaller full-sync sizes)

Every data folder is a coordinator's laptop made with `Workspace.create_profile` (production Argon2id
cost, once per folder) and `demo.populate` (every entry sealed and signed as a save would, 50 cases per
transaction). The folder `~/.cache/leerrecht-bench/<name>` holds `complete.json` once it is whole; a
half-made folder is made again. Generation time is recorded there and printed by `make bench`.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_cache_path

PASSPHRASE = "benchmark zin met vier woorden"
TEAM = "Bench"
PER_CASE = 30
BIG_CASE_ENTRIES = 300


@dataclass(frozen=True)
class Size:
    name: str
    cases: int  # cases in total, the big one included
    big_case: bool  # one case of BIG_CASE_ENTRIES entries (opening a case), the others PER_CASE
    seed: int

    @property
    def entries(self) -> int:
        if self.big_case:
            return (self.cases - 1) * PER_CASE + BIG_CASE_ENTRIES
        return self.cases * PER_CASE


SIZES: dict[str, Size] = {
    "worker": Size("worker", 60, True, 1),
    "coordinator": Size("coordinator", 2000, True, 1),
    "stress": Size("stress", 10_000, True, 1),
    "sync-1000": Size("sync-1000", 1000 // PER_CASE, False, 3),
    "sync-10000": Size("sync-10000", 10_000 // PER_CASE, False, 3),
}
LOCAL_SIZES = ("worker", "coordinator", "stress")
# Entries of the full-sync series -> the data set that holds about that many.
SYNC_SIZES = {1000: "sync-1000", 10_000: "sync-10000", 60_000: "coordinator", 300_000: "stress"}


def cache_root() -> Path:
    return user_cache_path("leerrecht-bench")


def info(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "complete.json").read_text())
    return data


def dataset(name: str, *, quiet: bool = False) -> Path:
    """The data folder of size `name`, generated first if the cache does not hold it whole."""
    from leerrecht_core.crypto.kdf import KdfParams
    from leerrecht_desktop.demo import populate
    from leerrecht_desktop.store.workspace import Workspace

    size = SIZES[name]
    target = cache_root() / name
    marker = target / "complete.json"
    if marker.exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    if not quiet:
        print(f"Generating {name}: {size.cases} cases, {size.entries} entries in {target} (once) ...", flush=True)
    start = time.perf_counter()
    ws = Workspace(target, create=True)
    try:
        cf = ws.create_profile(name="Benchmark Coördinator", role="coordinator", team=TEAM,
                               passphrase=PASSPHRASE, kdf=KdfParams.default())
        last = [start]

        def progress(done: int) -> None:
            if not quiet and time.perf_counter() - last[0] > 30:
                last[0] = time.perf_counter()
                print(f"  {done} cases ({time.perf_counter() - start:.0f} s)", flush=True)

        plain = size.cases - 1 if size.big_case else size.cases
        ids = populate(cf, plain, entries_per_case=PER_CASE, seed=size.seed, progress=progress)
        big = populate(cf, 1, entries_per_case=BIG_CASE_ENTRIES, seed=size.seed + 1)[0] if size.big_case else None
        cf.checkpoint()
    finally:
        ws.close()
    seconds = time.perf_counter() - start
    marker.write_text(json.dumps({"name": name, "cases": len(ids) + (1 if big else 0), "entries": size.entries,
                                  "big_case": big, "generated_s": round(seconds, 1)}))
    if not quiet:
        print(f"  generated in {seconds:.0f} s", flush=True)
    return target


def main() -> int:
    names = sys.argv[1:] or list(SIZES)
    for name in names:
        if name not in SIZES:
            print(f"unknown size {name!r}; one of {', '.join(SIZES)}", file=sys.stderr)
            return 2
        folder = dataset(name)
        print(f"{name}: {folder} {info(folder)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
