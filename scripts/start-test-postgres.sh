#!/usr/bin/env bash
# Start the machine's PostgreSQL 15 cluster and create the role and database the server tests use
# (tests/server: LEERRECHT_TEST_PG_URL, default postgresql+psycopg://leerrecht:leerrecht@127.0.0.1:5432/leerrecht_test).
# Idempotent. Never fails CI: on a machine without PostgreSQL (or not run as root) it says so and
# exits 0, and the PostgreSQL half of tests/server is skipped with a clear reason.
set -uo pipefail

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "start-test-postgres: PostgreSQL is not installed; the PostgreSQL server tests will be skipped." >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "start-test-postgres: run as root to start PostgreSQL; the PostgreSQL server tests may be skipped." >&2
  exit 0
fi

pg_ctlcluster 15 main start 2>/dev/null || true

as_postgres() { su postgres -c "$1"; }

for _ in $(seq 1 30); do
  as_postgres "psql -tAc 'SELECT 1'" >/dev/null 2>&1 && break
  sleep 0.5
done

as_postgres "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='leerrecht'\" | grep -q 1 \
  || psql -q -c \"CREATE ROLE leerrecht LOGIN PASSWORD 'leerrecht' CREATEDB\"" \
  || echo "start-test-postgres: could not create role leerrecht" >&2
as_postgres "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='leerrecht_test'\" | grep -q 1 \
  || psql -q -c \"CREATE DATABASE leerrecht_test OWNER leerrecht\"" \
  || echo "start-test-postgres: could not create database leerrecht_test" >&2
exit 0
