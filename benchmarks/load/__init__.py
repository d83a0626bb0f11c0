"""`make bench-load` (issue 17, "a city's load, held"): many simulated laptops against `leerrecht-server
serve --workers N` over PostgreSQL on loopback, then a check that nothing pushed was lost, doubled or
withheld from a member. Run it with `python -m benchmarks.load` from the checkout (see __main__.py)."""
