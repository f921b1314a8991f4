"""Benchmark for the assessment engine (prints figures; not a pass/fail test).

    .venv/bin/python benchmarks/bench_assess.py

Targets: one assessment < 2 ms median in process; 10,000 assessments over random valid facts < 10 s.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

_t_import = time.perf_counter()
from comity.law.assess import assess  # noqa: E402  (loads the comity.law data and the vocabularies)

IMPORT_SECONDS = time.perf_counter() - _t_import
from comity.law.assess.vocabulary import ASSURANCES, CHARACTERISTICS, LIST_CATEGORIES, MEASURES, RISKS  # noqa: E402

STATES = ["FR", "DE", "PL", "IE", "NL", "BE", "HU", "RO", "IT", "ES", "SE", "DK", "GB", "CH", "NO", "TR", "RS", "AL",
          "UA", "RU", "US", "CA", "BR", "AR", "MX", "ZA", "KE", "NG", "MA", "EG", "JO", "IR", "IN", "CN", "JP", "KR",
          "AU", "LI", "IL"]

SOERING = {
    "kind": "extradition", "requesting_state": "US", "requested_state": "GB", "date": "2024-06-01",
    "purpose": "prosecution", "person": {"nationalities": ["DE"], "age_at_offence": 18},
    "offences": [{"description": "capital murder", "max_penalty_months": 1200, "criminal_in_requested": True,
                  "death_penalty_possible": True}],
    "events": {"provisional_arrest": "2024-06-03"},
}


def random_facts(rng: random.Random) -> dict:
    kind = rng.choice(["extradition", "mla", "red_notice", "transfer"])
    a, b = rng.sample(STATES, 2)
    purpose = rng.choice(["prosecution", "enforcement"])
    day = dt.date(1995, 1, 1) + dt.timedelta(days=rng.randrange(11_000))
    facts: dict = {"kind": kind, "date": day.isoformat(), "purpose": purpose}
    if kind in ("extradition", "mla"):
        facts.update(requesting_state=a, requested_state=b)
    elif kind == "red_notice":
        facts["requesting_state"] = a
    else:
        facts.update(sentencing_state=a, administering_state=b)
    offences = []
    for _ in range(rng.randint(1, 3)):
        sentence = rng.randint(0, 240)
        off = {"description": "offence", "max_penalty_months": rng.randint(0, 600),
               "criminal_in_requested": rng.random() > 0.2, "sentence_months": sentence,
               "remaining_months": rng.randint(0, sentence)}
        if rng.random() < 0.5:
            off["list_category"] = rng.choice(sorted(LIST_CATEGORIES))
        for key in ("political", "military", "fiscal", "time_barred_requested", "death_penalty_possible",
                    "irreducible_life_possible", "final_judgment_in_requested", "pending_proceedings_in_requested"):
            if rng.random() < 0.1:
                off[key] = True
        if rng.random() < 0.1:
            off["characteristics"] = [rng.choice(sorted(CHARACTERISTICS))]
        if rng.random() < 0.2:
            off["committed_in"] = rng.choice(STATES)
        offences.append(off)
    facts["offences"] = offences
    facts["person"] = {"nationalities": rng.sample(STATES, rng.randint(0, 2)), "age_at_offence": rng.randint(10, 70),
                       "consent": rng.random() > 0.3}
    facts["assurances"] = rng.sample(sorted(ASSURANCES), rng.randint(0, 2))
    facts["risks"] = {r: True for r in RISKS if rng.random() < 0.1}
    if kind == "mla":
        facts["measures"] = rng.sample(sorted(MEASURES), rng.randint(1, 3))
    if rng.random() < 0.3:
        facts["events"] = {"arrest": day.isoformat(), "request_received": day.isoformat()}
    return facts


def main() -> None:
    import warnings

    warnings.filterwarnings("ignore", message="Requested Holidays")  # holidays before 2001
    print(f"import of comity.law.assess (loads the legal data): {IMPORT_SECONDS * 1000:.0f} ms")
    t0 = time.perf_counter()
    assess(SOERING)
    print(f"first assessment: {(time.perf_counter() - t0) * 1000:.1f} ms")

    times = []
    for _ in range(2000):
        t = time.perf_counter()
        assess(SOERING)
        times.append(time.perf_counter() - t)
    times.sort()
    print(f"one assessment (Soering facts, with clocks), 2,000 runs: median {statistics.median(times) * 1000:.3f} ms, "
          f"p95 {times[int(len(times) * 0.95)] * 1000:.3f} ms  (target < 2 ms median)")

    rng = random.Random(4)
    corpus = [random_facts(rng) for _ in range(10_000)]
    outcomes: dict[str, int] = {}
    t = time.perf_counter()
    for facts in corpus:
        out = assess(facts)["outcome"]
        outcomes[out] = outcomes.get(out, 0) + 1
    total = time.perf_counter() - t
    print(f"10,000 assessments over random valid facts: {total:.2f} s "
          f"({total / 10_000 * 1000:.3f} ms each; target < 10 s)")
    print("outcomes:", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))


if __name__ == "__main__":
    main()
