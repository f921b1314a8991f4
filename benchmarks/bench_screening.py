"""Screening benchmark (issue 16): Comity against nomenklatura's logic-v2 on the same list and queries.

    .venv/bin/python benchmarks/bench_screening.py [--cases N] [--scale 1000000] [--no-logic-v2]

Cases are built from the shared reference data (../shared/data or COMITY_SHARED_DIR):
- the list: OFAC SDN individuals (watchlists/ofac_sdn_2021_*.csv) and people composed from Wikidata name groups
  (name-matching/rigour_person_names_dev.txt.gz: one group = one name in many scripts), listed in Latin letters;
- positives: OFAC names with the order swapped, middle names dropped, one letter changed; composed people
  queried in Arabic, Hebrew, Korean, Chinese and Cyrillic letters;
- hard negatives: the given name kept and the surname replaced (and the reverse), in Latin and in the other
  scripts; the exact listed name with a date of birth 7 to 20 years away (a namesake).
Each case is a pair (query, listed id, same person?); a tool says "match" when it returns that id with
match=true. A case whose sha256 falls in one fifth is held out: it was never looked at while tuning, and its
figures are printed apart.

logic-v2 runs from its own virtualenv under the work folder (var/bench-screening/nk-venv: nomenklatura with
PyICU built from source against Debian's libicu-dev; scripts/setup-system.sh --screening installs that), on the
same files, with its own DuckDB candidate index (benchmarks/screening_logic_v2.py). Both run end to end as
commands: loading and indexing count in their queries per second.

Then the scale run: a 1,000,000-name list synthesised from the names above, indexed in a child process
(time and peak memory), and the median latency of single queries against it.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from comity.screening.importers.ofac import parse_ofac  # noqa: E402
from comity.screening.text import detect_script  # noqa: E402

WORK = ROOT / "var" / "bench-screening"
NK_VENV = WORK / "nk-venv"
SCRIPTS = ("Arabic", "Hebrew", "Hangul", "Chinese", "Cyrillic")


def shared(*parts: str) -> Path:
    base = Path(os.environ.get("COMITY_SHARED_DIR") or ROOT.parent / "shared")
    p = base.joinpath("data", *parts)
    if not p.exists():
        sys.exit(f"BENCHMARK FAILED: shared data not found: {p}")
    return p


def held_out(key: str) -> bool:
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % 5 == 0


def name_groups() -> dict[str, dict[str, list[str]]]:
    """Wikidata name groups with a Latin form and at least one form in another script."""
    groups = {}
    with gzip.open(shared("name-matching", "rigour_person_names_dev.txt.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            names, _, qid = line.rstrip("\n").rpartition(" => ")
            by: dict[str, list[str]] = defaultdict(list)
            for n in names.split(", "):
                n = n.strip()
                if n and " " not in n:
                    by[detect_script(n)].append(n)
            latin = [n for n in by.get("Latin", []) if n.isascii() and n.isalpha() and len(n) >= 3]
            if latin and any(s in by for s in SCRIPTS):
                by["Latin"] = latin
                groups[qid] = by
    return groups


def build_cases(n_per_kind: int, seed: int = 16):
    rnd = random.Random(seed)
    listed: dict[str, dict] = {}
    cases = []  # (case id, query dict, listed id, expected, kind, cross)

    ofac, _ = parse_ofac([str(shared("watchlists", f"ofac_sdn_2021_{k}.csv")) for k in ("sdn", "alt")])
    people = [e for e in ofac if e.schema == "Person" and "," in e.names[0]]
    for e in ofac:
        if e.schema == "Person":
            listed[e.id] = e.to_ftm()
    surnames = [p.names[0].split(",")[0].strip() for p in people]
    givens = [p.names[0].split(",")[1].strip().split()[0] for p in people if p.names[0].split(",")[1].strip()]

    def add(kind, query_name, target, expected, cross=False, dob=None):
        cid = f"{kind}-{len(cases)}"
        props = {"name": [query_name]}
        if dob:
            props["birthDate"] = [dob]
        cases.append((cid, {"id": cid, "schema": "Person", "properties": props}, target, expected, kind, cross))

    sample = rnd.sample(people, min(len(people), n_per_kind * 4))
    for p in sample[:n_per_kind]:  # order swap: "Given Surname" against "SURNAME, Given"
        last, first = (x.strip() for x in p.names[0].split(",", 1))
        add("swap", f"{last} {first}" if rnd.random() < 0.5 else f"{first} {last}", p.id, True)
    k = 0
    for p in sample[n_per_kind:]:  # missing middle names
        last, first = (x.strip() for x in p.names[0].split(",", 1))
        parts = first.split()
        if len(parts) >= 2:
            add("middle", f"{parts[0]} {last}", p.id, True)
            k += 1
            if k >= n_per_kind:
                break
    k = 0
    for p in sample[2 * n_per_kind:]:  # one letter changed in the longest token
        last, first = (x.strip() for x in p.names[0].split(",", 1))
        tokens = f"{first} {last}".split()
        i = max(range(len(tokens)), key=lambda j: len(tokens[j]))
        t = tokens[i]
        if len(t) >= 6:
            j = rnd.randrange(1, len(t) - 1)
            tokens[i] = t[:j] + rnd.choice("aeiourstnl") + t[j + 1:]
            add("typo", " ".join(tokens), p.id, True)
            k += 1
            if k >= n_per_kind:
                break
    for p in rnd.sample(people, n_per_kind):  # hard negatives: shared given name / shared surname
        last, first = (x.strip() for x in p.names[0].split(",", 1))
        other = rnd.choice(surnames)
        if other.lower() != last.lower():
            add("neg-given", f"{first} {other}", p.id, False)
        other = rnd.choice(givens)
        if other.lower() != first.split()[0].lower():
            add("neg-surname", f"{other} {last}", p.id, False)
    dated = [p for p in people if any(len(d) == 10 for d in p.birth_dates)]
    for p in rnd.sample(dated, min(len(dated), n_per_kind)):  # namesakes born elsewhere in time
        d = next(d for d in p.birth_dates if len(d) == 10)
        y = int(d[:4]) + rnd.choice([-1, 1]) * rnd.randint(7, 20)
        last, first = (x.strip() for x in p.names[0].split(",", 1))
        add("neg-namesake", f"{first} {last}", p.id, False, dob=f"{y}{d[4:]}")

    groups = name_groups()
    for script in SCRIPTS:
        pool = [(q, g) for q, g in groups.items() if script in g]
        rnd.shuffle(pool)
        for i in range(n_per_kind):
            g1, g2, g3 = pool[3 * i][1], pool[3 * i + 1][1], pool[3 * i + 2][1]
            lid = f"syn-{script}-{i}"
            listed[lid] = {"id": lid, "schema": "Person",
                           "properties": {"name": [f"{g1['Latin'][0].title()} {g2['Latin'][0].title()}"]}}
            sep = "·" if script == "Chinese" else " "
            add(f"x-{script}", f"{g1[script][0]}{sep}{g2[script][0]}", lid, True, cross=True)
            add(f"xneg-{script}", f"{g1[script][0]}{sep}{g3[script][0]}", lid, False, cross=True)
    return list(listed.values()), cases


def run_tool(cmd: list[str], env=None) -> tuple[dict[str, list], float, str]:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if r.returncode:
        print(r.stderr[-3000:])
        raise RuntimeError(f"{cmd[0]} failed")
    return wall, r.stderr


def score(cases, results: dict[str, dict]):
    def f1(sel):
        tp = fp = fn = tn = 0
        for cid, _, target, expected, _, _ in sel:
            got = any(m["id"] == target and m["match"] for m in results.get(cid, {}).get("matches", []))
            tp += got and expected
            fn += (not got) and expected
            fp += got and not expected
            tn += (not got) and not expected
        f = 2 * tp / max(1, 2 * tp + fp + fn)
        return f, fp / max(1, fp + tn), tp, fp, fn, tn
    out = {"all": f1(cases), "cross-script": f1([c for c in cases if c[5]]),
           "latin": f1([c for c in cases if not c[5]]), "held-out": f1([c for c in cases if held_out(c[0])])}
    for kind in sorted({c[4] for c in cases}):
        out[kind] = f1([c for c in cases if c[4] == kind])
    return out


def read_results(path: Path) -> dict[str, dict]:
    return {x["query"]: x for x in map(json.loads, path.read_text().splitlines())}


def ensure_logic_v2() -> bool:
    py = NK_VENV / "bin" / "python"
    if py.exists() and subprocess.run([str(py), "-c", "import nomenklatura, icu"], capture_output=True).returncode == 0:
        return True
    print("installing nomenklatura (logic-v2) into", NK_VENV, "(PyICU builds from source; needs libicu-dev)")
    subprocess.run([sys.executable, "-m", "venv", str(NK_VENV)], check=True)
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", "nomenklatura"], capture_output=True, text=True)
    if r.returncode:
        print("logic-v2 could not be installed here:", r.stderr[-1500:])
        return False
    return True


SCALE_CHILD = r"""
import json, random, resource, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from comity.screening import Entity, Index
words = json.load(open(sys.argv[2]))
n = int(sys.argv[3])
rnd = random.Random(1)
given, sur = words["given"], words["surname"]
t0 = time.perf_counter()
ents = [Entity(id=f"s{i}", names=(f"{rnd.choice(given)} {rnd.choice(given) + ' ' if i % 3 == 0 else ''}{rnd.choice(sur)}",))
        for i in range(n)]
gen = time.perf_counter() - t0
t0 = time.perf_counter()
idx = Index(ents)
build = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
lat = []
for i in range(600):
    e = ents[rnd.randrange(n)]
    toks = e.names[0].split()
    q = " ".join(reversed(toks)) if i % 2 else toks[0] + " " + toks[-1][:-1] + "e"
    t0 = time.perf_counter()
    idx.search([q])
    lat.append(time.perf_counter() - t0)
print(json.dumps({"names": n, "generate_s": gen, "build_s": build, "peak_mb": rss,
                  "median_ms": statistics.median(lat) * 1000, "p95_ms": sorted(lat)[int(len(lat) * .95)] * 1000,
                  "keys": len(idx.postings)}))
"""


def scale(n: int, listed: list[dict]) -> dict:
    given, surname = set(), set()
    for e in listed:
        toks = e["properties"]["name"][0].replace(",", " ").split()
        if len(toks) >= 2 and all(t.isalpha() and t.isascii() for t in toks):
            if "," in e["properties"]["name"][0]:
                surname.add(toks[0].title())
                given.update(t.title() for t in toks[1:])
            else:
                given.add(toks[0].title())
                surname.add(toks[-1].title())
    with gzip.open(shared("name-matching", "rigour_person_names_dev.txt.gz"), "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            first = line.split(",")[0].split(" => ")[0].strip()
            if first.isascii() and first.isalpha() and len(first) >= 3:
                (surname if i % 2 else given).add(first.title())
    words = WORK / "scale-words.json"
    words.write_text(json.dumps({"given": sorted(given), "surname": sorted(surname)}))
    r = subprocess.run([sys.executable, "-c", SCALE_CHILD, str(ROOT / "src"), str(words), str(n)],
                       capture_output=True, text=True)
    if r.returncode:
        print(r.stderr[-2000:])
        raise RuntimeError("scale run failed")
    out = json.loads(r.stdout)
    out["distinct_words"] = len(given) + len(surname)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=150, help="cases of each kind")
    ap.add_argument("--scale", type=int, default=1_000_000)
    ap.add_argument("--no-logic-v2", action="store_true")
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    listed, cases = build_cases(args.cases)
    lpath, qpath = WORK / "list.ftm.jsonl", WORK / "queries.ftm.jsonl"
    lpath.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in listed))
    qpath.write_text("".join(json.dumps(c[1], ensure_ascii=False) + "\n" for c in cases))
    print(f"list: {len(listed)} people; cases: {len(cases)} ({sum(c[3] for c in cases)} positive, "
          f"{sum(not c[3] for c in cases)} hard negative, {sum(c[5] for c in cases)} cross-script, "
          f"{sum(held_out(c[0]) for c in cases)} held out)")

    tools = {}
    out = WORK / "comity.jsonl"
    with open(out, "w") as fh:
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "comity.cli", "screen", "match", "--list", str(lpath), "--queries",
                            str(qpath), "--limit", "5", "--json"], stdout=fh, stderr=subprocess.PIPE, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        wall = time.perf_counter() - t0
    if r.returncode:
        print(r.stderr)
        sys.exit("BENCHMARK FAILED: comity screen match failed")
    tools["comity " + r.stderr.split("algorithm: ")[1].split()[0]] = (read_results(out), wall)
    if not args.no_logic_v2 and ensure_logic_v2():
        out = WORK / "logic-v2.jsonl"
        t0 = time.perf_counter()
        r = subprocess.run([str(NK_VENV / "bin" / "python"), str(ROOT / "benchmarks" / "screening_logic_v2.py"),
                            str(lpath), str(qpath), str(out), str(WORK), "5"], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if r.returncode:
            print(r.stderr[-3000:])
            print("logic-v2 failed to run; its figures are missing")
        else:
            tools["nomenklatura logic-v2"] = (read_results(out), wall)

    rows = {}
    for name, (res, wall) in tools.items():
        rows[name] = score(cases, res)
        print(f"\n{name}: {len(cases)} queries in {wall:.1f} s end to end = {len(cases) / wall:.0f} queries/s")
        for k, (f, fpr, tp, fp, fn, tn) in rows[name].items():
            print(f"  {k:16s} F1 {f:.3f}  FPR {fpr:.3f}  (tp {tp} fp {fp} fn {fn} tn {tn})")
    if len(rows) == 2:
        (a, ra), (b, rb) = rows.items()
        qa = len(cases) / tools[a][1]
        qb = len(cases) / tools[b][1]
        print(f"\ntargets: F1 +{ra['all'][0] - rb['all'][0]:.3f} overall (>= +0.05), "
              f"+{ra['cross-script'][0] - rb['cross-script'][0]:.3f} cross-script (>= +0.15), "
              f"FPR {ra['all'][1]:.3f} vs {rb['all'][1]:.3f} (no higher), QPS x{qa / qb:.1f} (>= 10)")

    if args.scale:
        s = scale(args.scale, listed)
        print(f"\nscale: {s['names']:,} names ({s['distinct_words']:,} distinct words, {s['keys']:,} index keys) "
              f"indexed in {s['build_s']:.1f} s (target < 120), peak memory {s['peak_mb']:.0f} MB (target < 4096); "
              f"query median {s['median_ms']:.2f} ms, p95 {s['p95_ms']:.2f} ms (target median < 5)")
    print(f"benchmark process peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
