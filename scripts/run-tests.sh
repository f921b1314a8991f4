#!/usr/bin/env bash
# The whole suite: every test on SQLite, and the database-backed tests again on PostgreSQL.
#   scripts/run-tests.sh [sqlite|postgres|all]
# With `all` the two passes run side by side (one per core; each pass is one Python process): the SQLite pass
# prints as it goes, the PostgreSQL pass's output follows when both have ended. Each has its own data folder.
set -uo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
py=.venv/bin/python
work=$(mktemp -d -t comity-test.XXXXXX)  # in $TMPDIR, else /tmp
trap 'rm -rf "$work"' EXIT
status=0
sqlite_pass() {
  echo "=== test suite on SQLite ==="
  # Any non-zero pytest exit fails the run, "no tests collected" (5) included: a suite that runs nothing proves
  # nothing.
  COMITY_DATA_DIR="$work/sqlite" "$py" -m pytest -q -p no:cacheprovider tests
}
postgres_pass() {
  echo "=== database tests on PostgreSQL ==="
  # The pure packages (law, ledger) and the repository checks never touch a database; the rest runs again.
  # The exchange demonstration always makes its own SQLite instances: it runs in the SQLite pass only.
  COMITY_DATA_DIR="$work/postgres" bash scripts/with-postgres.sh "$py" -m pytest -q -p no:cacheprovider tests \
    --ignore=tests/law --ignore=tests/ledger --ignore=tests/architecture --ignore=tests/exchange/test_demo.py
}
mkdir -p "$work/sqlite" "$work/postgres"
if [ "$which" = all ]; then
  echo "=== ruff: undefined names, unused imports and variables, syntax errors ==="
  .venv/bin/ruff check src tests benchmarks scripts --select F,E9 --output-format concise || status=1
  start=$SECONDS
  postgres_pass > "$work/postgres.log" 2>&1 &
  pg=$!
  sqlite_pass || status=1
  echo "(SQLite pass: $((SECONDS - start)) s; waiting for the PostgreSQL pass)"
  wait "$pg" || status=1
  cat "$work/postgres.log"
  echo "(both passes: $((SECONDS - start)) s)"
elif [ "$which" = sqlite ]; then
  sqlite_pass || status=1
elif [ "$which" = postgres ]; then
  postgres_pass || status=1
fi
exit $status
