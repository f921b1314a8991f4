"""nomenklatura's logic-v2 on the screening contract, for benchmarks/bench_screening.py (runs in its own
virtualenv, never imported by Comity): the same --list/--queries FtM files in, the same JSON lines out, with
nomenklatura's own offline candidate index (the DuckDB blocker) and LogicV2 at its 0.7 threshold.

    python screening_logic_v2.py LIST.ftm.jsonl QUERIES.ftm.jsonl OUT.jsonl WORKDIR [LIMIT]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import orjson
from followthemoney import Dataset, StatementEntity
from nomenklatura.blocker import Index
from nomenklatura.matching import LogicV2, ScoringConfig
from nomenklatura.resolver import Linker
from nomenklatura.store import load_entity_file_store


def main() -> None:
    list_path, query_path, out_path, work = (Path(a) for a in sys.argv[1:5])
    limit = int(sys.argv[5]) if len(sys.argv) > 5 else 5
    t0 = time.perf_counter()
    resolver = Linker({})
    store = load_entity_file_store(list_path, resolver)
    view = store.default_view()
    index = Index(view, work / "nk-index")
    index.build()
    build = time.perf_counter() - t0
    qds = Dataset.make({"name": "queries", "title": "queries"})
    queries = []
    with open(query_path, "rb") as fh:
        while line := fh.readline():
            queries.append(StatementEntity.from_data(qds, orjson.loads(line)))
    config = ScoringConfig.defaults()
    found: dict[str, list] = {q.id: [] for q in queries}
    by_id = {q.id: q for q in queries}
    for ident, cands in index.match_entities(queries):
        q = by_id[ident.id]
        scored = []
        for cid, _ in cands:
            ent = view.get_entity(cid.id)
            if ent is None:
                continue
            res = LogicV2.compare(q, ent, config)
            scored.append({"id": ent.id, "score": round(res.score, 3), "match": res.score >= 0.7,
                           "explanation": [f"{k}: {v.detail if hasattr(v, 'detail') else v}"
                                           for k, v in list(res.explanations.items())[:3]]})
        scored.sort(key=lambda s: -s["score"])
        found[q.id] = scored[:limit]
    with open(out_path, "w") as out:
        for q in queries:
            out.write(json.dumps({"query": q.id, "matches": found[q.id]}) + "\n")
    print(f"build_seconds: {build:.3f}", file=sys.stderr)
    print(f"total_seconds: {time.perf_counter() - t0:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
