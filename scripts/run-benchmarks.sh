#!/usr/bin/env bash
# Runs every benchmark under benchmarks/ and prints its figures. The foundation benchmark runs on
# SQLite and again on a throwaway PostgreSQL; the load benchmark on a throwaway PostgreSQL.
set -uo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
for b in benchmarks/bench_*.py; do
  echo "=== $b ==="
  if [ "$b" = benchmarks/bench_foundation.py ]; then
    env -u DATABASE_URL "$py" "$b"
    bash scripts/with-postgres.sh "$py" "$b"
  elif [ "$b" = benchmarks/bench_load.py ]; then  # locust against gunicorn needs PostgreSQL
    bash scripts/with-postgres.sh "$py" "$b"
  else
    "$py" "$b"
  fi
done
