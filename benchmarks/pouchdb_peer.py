"""The peer of our first full sync: PouchDB replicating the same number of documents over HTTP on loopback.

    python benchmarks/pouchdb_peer.py [--docs 12000,74000] [--bytes 740]

Installs (once) the npm packages of benchmarks/peer/package.json (pouchdb, pouchdb-adapter-memory,
express-pouchdb, express 4; the versions pinned by package-lock.json) into benchmarks/peer/node_modules,
which git ignores: nothing of it is a runtime dependency of Leerrecht. Then runs
benchmarks/peer/replicate.js per size: a server process with express-pouchdb over the in-memory adapter,
a client process that pushes N documents of about B bytes to it and pulls them into a fresh database
(batch_size 500), and repeats a replication with nothing new. See replicate.js.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

PEER = Path(__file__).resolve().parent / "peer"


def ensure_installed() -> None:
    """npm ci (or npm install without a lock file) in benchmarks/peer, once."""
    if (PEER / "node_modules" / "express-pouchdb").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise RuntimeError("node and npm are needed for the PouchDB comparison (node 18 or newer)")
    command = "ci" if (PEER / "package-lock.json").exists() else "install"
    print(f"Installing the PouchDB peer (npm {command} in {PEER}) ...", flush=True)
    subprocess.run([npm, command, "--no-audit", "--no-fund", "--loglevel=error"], cwd=PEER, check=True,
                   timeout=600)


def replicate(docs: int, doc_bytes: int, noop_runs: int = 10) -> dict[str, Any]:
    ensure_installed()
    result = subprocess.run(["node", "replicate.js", "--docs", str(docs), "--bytes", str(doc_bytes),
                             "--noop-runs", str(noop_runs)], cwd=PEER, capture_output=True, text=True,
                            timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(f"replicate.js failed: {result.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    data["noop_median_ms"] = statistics.median(data["noop_ms"])
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--docs", default="12000,74000", help="comma-separated document counts")
    parser.add_argument("--bytes", type=int, default=740, help="bytes per document body")
    args = parser.parse_args()
    for docs in (int(d) for d in args.docs.split(",") if d.strip()):
        r = replicate(docs, args.bytes)
        print(f"{docs} docs of ~{args.bytes} B ({r['adapter']} adapter): push {r['push_ms'] / 1000:.1f} s, "
              f"pull {r['pull_ms'] / 1000:.1f} s, no-op {r['noop_median_ms']:.1f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
