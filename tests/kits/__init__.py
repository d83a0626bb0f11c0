"""Helpers shared by the test packages: `storekit` (profiles, entries, raw database access) and
`synckit` (real server processes and laptops on loopback). Imported as `tests.kits.<name>`; the
repository root is on the path through `pythonpath` in pyproject.toml."""
