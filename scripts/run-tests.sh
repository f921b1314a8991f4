#!/usr/bin/env bash
# The whole suite: every test on SQLite, then the database-backed tests again on PostgreSQL.
#   scripts/run-tests.sh [sqlite|postgres|all]
set -uo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
py=.venv/bin/python
export COMITY_DATA_DIR=$(mktemp -d -t comity-test.XXXXXX)  # in $TMPDIR, else /tmp
trap 'rm -rf "$COMITY_DATA_DIR"' EXIT
status=0
# Any non-zero pytest exit fails the run, "no tests collected" (5) included: a suite that runs nothing proves nothing.
run_pytest() { "$py" -m pytest "$@" || status=1; }
if [ "$which" = all ]; then
  echo "=== ruff: undefined names, unused imports and variables, syntax errors ==="
  .venv/bin/ruff check src tests benchmarks scripts --select F,E9 --output-format concise || status=1
fi
if [ "$which" = all ] || [ "$which" = sqlite ]; then
  echo "=== test suite on SQLite ==="
  run_pytest -q -p no:cacheprovider tests
fi
if [ "$which" = all ] || [ "$which" = postgres ]; then
  echo "=== database tests on PostgreSQL ==="
  # The pure packages (law, ledger) and the repository checks never touch a database; the rest runs again.
  # The exchange demonstration always makes its own SQLite instances: it runs in the SQLite pass only.
  bash scripts/with-postgres.sh "$py" -m pytest -q -p no:cacheprovider tests --ignore=tests/law --ignore=tests/ledger --ignore=tests/architecture --ignore=tests/exchange/test_demo.py || status=1
fi
exit $status
