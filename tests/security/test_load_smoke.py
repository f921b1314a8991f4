"""The load benchmark, bounded (issue 13 item 5): a short locust run (5 users, 20 s) against gunicorn with two
workers on a throwaway instance of its own (SQLite in a temporary data folder: gunicorn's processes cannot share
the test run's in-memory database). Every user signs in through the real pages (password and TOTP) and every
task checks the real answer, so zero errors means each kind of work was done for real. The full-size run is
benchmarks/bench_load.py (docs/performance.md)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TASKS = ["dashboard", "case list: search", "case page", "request page", "transition", "upload", "assessment: form",
         "assessment: run", "builder: checks", "builder: generate DOCX", "sign-in: password", "sign-in: TOTP"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("load")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["COMITY_DATA_DIR"] = str(tmp / "data")
    out = tmp / "figures.json"
    # Each user goes through the tasks in turn (user n starting with the n-th), so that a short run does every
    # kind of work even on a busy machine.
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_load.py"), "--phases", "normal",
                           "--users", "5", "--duration", "20", "--workers", "2", "--wait", "0.2,0.6", "--in-turn",
                           "--normal-cases", "200", "--normal-events", "2000", "--cases-per-user", "2",
                           "--json", str(out)], env=env, capture_output=True, text=True, timeout=240, cwd=ROOT,
                          check=False)
    return done, (json.loads(out.read_text()) if out.exists() else None)


def test_every_kind_of_work_ran_with_zero_errors(run):
    done, figures = run
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    endpoints = figures["runs"][0]["endpoints"]
    assert figures["runs"][0]["failures"] == []
    for name in TASKS:
        assert endpoints.get(name, {}).get("count", 0) > 0, f"{name} never ran: {done.stdout[-2000:]}"
        assert endpoints[name]["failures"] == 0
    assert endpoints["Aggregated"]["failures"] == 0 and endpoints["Aggregated"]["rps"] > 0


def test_the_seeded_instance_still_verifies_and_the_figures_are_printed(run):
    done, figures = run
    assert figures["verify"]["status"] == 0, figures["verify"]["output"]
    assert "VERIFIED" in figures["verify"]["output"]
    assert figures["seeding"][0]["cases_after"] == 200 and figures["seeding"][0]["events_after"] >= 2000
    assert "| transition |" in done.stdout and "p99 ms" in done.stdout
