"""Benchmarks for comity.law (prints figures; not a pass/fail test).

    .venv/bin/python benchmarks/bench_law.py

Targets: full legal-basis matrix for every ordered pair of INTERPOL members x each kind < 5 s in one
process; single query median < 1 ms; data load cold and warm < 1 s.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from comity.law import COOPERATION_KINDS, compile_law, legal_basis, load_law, use_law  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        os.environ["COMITY_LAW_CACHE_DIR"] = cache
        t0 = time.perf_counter()
        law = compile_law()
        cold = time.perf_counter() - t0
        load_law()  # writes the cache
        t0 = time.perf_counter()
        law = load_law()
        warm = time.perf_counter() - t0
    use_law(law)
    print(f"data load, cold (parse + validate {len(law.instruments)} instruments, "
          f"{sum(len(i.parties) for i in law.instruments.values())} parties, {len(law.profiles)} profiles): "
          f"{cold * 1000:.0f} ms")
    print(f"data load, warm (pickle cache keyed by data hashes): {warm * 1000:.1f} ms")

    day = dt.date(2024, 6, 1)
    samples = []
    pairs = [("FR", "DE", "extradition"), ("FR", "IE", "mla"), ("CN", "US", "extradition"), ("DE", "GB", "extradition"),
             ("TH", "VN", "mla"), ("US", "CA", "transfer"), ("FR", "DE", "asset_recovery"), ("IN", "PK", "mla")]
    for _ in range(300):
        for a, b, kind in pairs:
            t0 = time.perf_counter()
            legal_basis(a, b, kind, day)
            samples.append(time.perf_counter() - t0)
    samples.sort()
    print(f"single query: median {statistics.median(samples) * 1e6:.0f} us, "
          f"p99 {samples[int(len(samples) * 0.99)] * 1e6:.0f} us ({len(samples)} queries)")

    members = sorted(law.interpol_members["members"])
    t0 = time.perf_counter()
    n = found = 0
    for a in members:
        for b in members:
            if a == b:
                continue
            for kind in COOPERATION_KINDS:
                res = legal_basis(a, b, kind, day)
                n += 1
                found += bool(res)
    elapsed = time.perf_counter() - t0
    print(f"full matrix: {len(members)} INTERPOL members, {n} ordered pair x kind queries in {elapsed:.2f} s "
          f"({elapsed / n * 1e6:.0f} us each); {found} with a legal basis, {n - found} without")


if __name__ == "__main__":
    main()
