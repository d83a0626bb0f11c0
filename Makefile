# Two commands matter: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench bench-local bench-sync bench-report bench-peer bench-load bundle clean-venv

$(STAMP): pyproject.toml
	@bash scripts/install-system-deps.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/leerrecht $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

# ruff, mypy and the import contracts of pyproject.toml ([tool.importlinter]; see docs/architecture.md).
lint: $(STAMP)
	$(VENV)/bin/ruff check leerrecht_core leerrecht_desktop leerrecht_server tests benchmarks scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

# The performance suite (docs/performance.md): every budget of DESIGN.md section 6 at the coordinator
# size beside its raw cost, growth over the three sizes, the PouchDB peer. BENCH_ARGS e.g. --json out.json,
# --full (also sync at 300,000 entries), --no-stress, --no-peer, --runs 9, --compare a.json b.json
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/run.py $(BENCH_ARGS)

# The local figures alone at one size; BENCH_ARGS e.g. --size worker|coordinator|stress, --json out.json
bench-local: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/local_slice.py $(BENCH_ARGS)

# A real server on loopback; BENCH_ARGS e.g. --quick, --entries 1000,60000, --json out.json
bench-sync: $(STAMP)
	$(PY) benchmarks/sync.py $(BENCH_ARGS)

# The case summary PDF (about 20 pages); BENCH_ARGS e.g. --entries 300, --pseudonymise, --profile, --json out.json
bench-report: $(STAMP)
	$(PY) benchmarks/report.py $(BENCH_ARGS)

# PouchDB replication over HTTP on loopback (npm packages installed into benchmarks/peer/node_modules)
bench-peer: $(STAMP)
	$(PY) benchmarks/pouchdb_peer.py $(BENCH_ARGS)

# A city's load: simulated enrolled laptops against `leerrecht-server serve --workers N` over PostgreSQL
# (scripts/start-test-postgres.sh; skipped without it), then a consistency check. About 15 minutes;
# BENCH_ARGS e.g. --quick, --laptops 300 --duration 180 --workers 1,2,4 --think 6, --json out.json
bench-load: $(STAMP)
	$(PY) -m benchmarks.load $(BENCH_ARGS)

# The one-folder desktop bundle (build.spec) in dist/leerrecht/, then its own --self-check.
# Only the app and PyInstaller are installed for it (a build machine needs no test tools).
BUNDLE_STAMP := $(VENV)/.bundle-stamp
$(BUNDLE_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[bundle]'
	@touch $(BUNDLE_STAMP)

bundle: $(BUNDLE_STAMP)
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller build.spec
	QT_QPA_PLATFORM=offscreen dist/leerrecht/leerrecht --self-check
	@du -sh dist/leerrecht

clean-venv:
	rm -rf $(VENV)
