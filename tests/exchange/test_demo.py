"""`comity exchange demo` works from a fresh checkout: two instances on loopback, paired, a request sent, its
DELIVERY evidence held by the sender and the acknowledgement back, in about a minute; nothing is left behind.
(It always runs on SQLite, so scripts/run-tests.sh runs it in the SQLite pass only.)"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.support.crash import ROOT


def test_the_exchange_demo_sends_a_request_and_gets_it_acknowledged(tmp_path):
    started = time.monotonic()
    import os

    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TMPDIR": str(tmp_path),
           "PYTHONPATH": str(ROOT / "src")}
    p = subprocess.run([sys.executable, "-m", "comity.cli", "exchange", "demo", "--json"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=240, check=False)
    assert p.returncode == 0, p.stderr[-3000:]
    result = json.loads(p.stdout)
    assert result["acknowledged"] is True
    assert result["evidence"] == ["SUBMISSION_ACCEPTANCE", "DELIVERY"]
    assert result["sent"].startswith("REQ-") and result["received"].startswith("REQ-")
    assert not Path(result["folder"]).exists()  # the throwaway instances are gone
    assert time.monotonic() - started < 180
