"""Crash benchmark (issue 13 item 6): at least 50 SIGKILLs on SQLite and 50 on PostgreSQL, at random points of a
stream of concurrent writes, with every invariant of tests/security/test_crash_many.py checked after each kill
(the campaign and its checks: tests/support/crash.py; what is killed and checked: docs/security/crash.md).

    .venv/bin/python benchmarks/bench_crash.py [--kills 50] [--database sqlite|postgresql|both]

Each database gets a throwaway instance in a temporary folder (its own data folder, database and witness): a
crash benchmark must kill its server, so it never runs against the instance in COMITY_DATA_DIR, and it runs
again on a machine that already has data. PostgreSQL runs through scripts/with-postgres.sh unless DATABASE_URL
already names a PostgreSQL server. Prints, per database: kills, CLI writers killed, acknowledged writes,
writes cut off, acknowledged writes lost, log size, latest witnessed size, time. Stops with BENCHMARK FAILED
on any loss or broken invariant, or when the run did not do what it should (fewer kills than asked, nothing
acknowledged, nothing cut off, no head witnessed mid-run).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.crash import Campaign, Instance


class BenchmarkError(SystemExit):
    def __init__(self, message: str):
        super().__init__(f"BENCHMARK FAILED: {message}")


def campaign(kind: str, kills: int) -> dict:
    postgres = os.environ.get("DATABASE_URL", "") if kind == "postgresql" else None
    with tempfile.TemporaryDirectory(prefix="comity-crash-") as folder:
        instance = Instance(Path(folder), postgres_url=postgres)
        started = time.monotonic()
        try:
            instance.setup()
            run = Campaign(instance, seed=int.from_bytes(os.urandom(4), "big"), http_threads=4, kill_after=(0.5, 4.0),
                           witness_every=5)
            run.start()
            try:
                while run.kills < kills:
                    report = run.round()
                    if report["problems"]:
                        raise BenchmarkError(f"{kind}, after kill {run.kills}: " + "; ".join(report["problems"]))
                    if run.kills % 10 == 0:
                        print(f"  {kind}: {run.kills} kills, {run.acks.total()} acknowledged, log size "
                              f"{report['log_size']}", flush=True)
            finally:
                run.stop()
        finally:
            instance.drop()
        summary = run.summary()
        summary["seconds"] = round(time.monotonic() - started)
        summary["stored"] = run.reports[-1]["stored"]
    if run.server_errors:
        raise BenchmarkError(f"{kind}: {len(run.server_errors)} server error(s) or failed commands: "
                             f"{run.server_errors[:3]}")
    if summary["kills"] < kills or summary["acknowledged"] == 0 or summary["cut_off"] == 0 or run.acks.witnessed == 0:
        raise BenchmarkError(f"{kind}: the run did not do what it should (kills, acknowledged writes, writes cut off, "
                             f"a head witnessed mid-run): {summary}")
    if summary["acknowledged_lost"] or summary["problems"]:
        raise BenchmarkError(f"{kind}: {summary}")
    return summary


def show(s: dict) -> None:
    print(f"crash {s['database']}: {s['kills']} kills ({s['cli_writers_killed']} CLI writers killed mid-run), "
          f"{s['acknowledged']} acknowledged writes, {s['cut_off']} writes cut off, "
          f"{s['acknowledged_lost']} acknowledged writes lost, 0 broken invariants; log size {s['log_size']}, "
          f"latest witnessed head {s['witnessed_size']}; {s['seconds']} s", flush=True)
    print(f"  stored: {json.dumps(s['stored'])}", flush=True)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--kills", type=int, default=50)
    p.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = p.parse_args()
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    if args.database in ("sqlite", "both"):
        show(campaign("sqlite", args.kills))
    if args.database in ("postgresql", "both"):
        if on_postgres:
            show(campaign("postgresql", args.kills))
        else:
            code = subprocess.call(["bash", str(ROOT / "scripts/with-postgres.sh"), sys.executable, __file__,
                                    "--kills", str(args.kills), "--database", "postgresql"], cwd=ROOT)
            if code:
                raise BenchmarkError(f"the PostgreSQL run exited {code}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
