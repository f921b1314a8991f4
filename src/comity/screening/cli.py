"""`comity screen ...`: screening without a database (pure Python).

    comity screen match --list WATCHLIST.ftm.jsonl --queries QUERIES.ftm.jsonl --limit 5 --json
    comity screen index --list WATCHLIST.ftm.jsonl --out WATCHLIST.index
    comity screen match --index WATCHLIST.index --queries QUERIES.ftm.jsonl --json
    comity screen import ofac --store DIR sdn.csv alt.csv add.csv
    comity screen import un|interpol|fbi|ftm --store DIR FILE...

`match --json` prints one JSON object per query per line, in query order; `build_seconds: X` (loading and
indexing the list, or loading a saved index) goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from comity.errors import ComityError, InvalidInput, cli_fail

from .progress import Progress


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="comity screen", description="Screen names against watchlists.")
    sub = p.add_subparsers(dest="command", required=True)
    m = sub.add_parser("match", help="screen the people of a query file against a list")
    src = m.add_mutually_exclusive_group(required=True)
    src.add_argument("--list", help="watchlist, FollowTheMoney JSON lines (.gz too)")
    src.add_argument("--index", help="an index saved by `comity screen index`")
    m.add_argument("--queries", required=True, help="the people to screen, FollowTheMoney JSON lines")
    m.add_argument("--limit", type=int, default=5, help="most candidates per query (default 5)")
    m.add_argument("--threshold", type=float, default=None, help="verdict threshold (default: the algorithm's)")
    m.add_argument("--json", action="store_true", help="one JSON object per query per line")
    i = sub.add_parser("index", help="build and save the index of a list")
    i.add_argument("--list", required=True)
    i.add_argument("--out", required=True)
    i.add_argument("--json", action="store_true")
    imp = sub.add_parser("import", help="import a published list into a store folder (FtM JSON lines)")
    imp.add_argument("kind", choices=["ftm", "ofac", "un", "interpol", "fbi"])
    imp.add_argument("files", nargs="+")
    imp.add_argument("--store", required=True, help="folder of imported lists (one .ftm.jsonl per source)")
    imp.add_argument("--source", help="source code (default: the importer's own, e.g. us-ofac-sdn)")
    imp.add_argument("--retrieved", help="date the files were retrieved (YYYY-MM-DD; default today)")
    imp.add_argument("--json", action="store_true")
    return p


def _load_list(path: str):
    from .index import Index
    from .model import read_ftm_file

    t0 = time.perf_counter()
    loaded = read_ftm_file(path, label="list")
    bar = Progress("indexing", total=len(loaded.entities))
    idx = Index()
    idx.add(loaded.entities, progress=bar.update)
    bar.done()
    idx.build_seconds = time.perf_counter() - t0
    return idx, loaded.skipped


def cmd_match(args) -> int:
    from .index import Index
    from .model import read_ftm_file
    from .score import ALGORITHM, THRESHOLD

    if args.limit < 1:
        raise InvalidInput({"--limit": "must be 1 or more"})
    threshold = THRESHOLD if args.threshold is None else args.threshold
    if not 0 <= threshold <= 1:
        raise InvalidInput({"--threshold": "must be between 0 and 1"})
    queries = read_ftm_file(args.queries, label="queries", query=True)
    if args.index:
        idx, skipped = Index.from_file(args.index), {}
    else:
        idx, skipped = _load_list(args.list)
    print(f"build_seconds: {idx.build_seconds:.3f}", file=sys.stderr, flush=True)
    print(f"algorithm: {ALGORITHM} (threshold {threshold}); {len(idx)} listed entries"
          + (f"; left aside: {', '.join(f'{v} {k}' for k, v in sorted(skipped.items()))}" if skipped else ""),
          file=sys.stderr, flush=True)
    out = sys.stdout
    for q in queries.entities:
        found = idx.search(list(q.all_names), q.birth_dates, q.nationalities, limit=args.limit, threshold=threshold)
        if args.json:
            out.write(json.dumps({"query": q.id, "matches": [
                {"id": s.id, "score": s.score, "match": s.match, "explanation": s.explanation} for s in found
            ]}, ensure_ascii=False) + "\n")
        else:
            out.write(f"{q.id} ({q.names[0] if q.names else q.aliases[0]}): "
                      f"{sum(s.match for s in found)} match(es)\n")
            for s in found:
                ent = next(e for e in idx.entities if e.id == s.id)
                out.write(f"  {s.score:.3f} {'MATCH' if s.match else '     '} {s.id} {ent.names[0]}\n")
                for line in s.explanation:
                    out.write(f"        - {line}\n")
    out.flush()
    return 0


def cmd_index(args) -> int:
    idx, skipped = _load_list(args.list)
    t0 = time.perf_counter()
    idx.to_file(args.out)
    info = {"entries": len(idx), "build_seconds": round(idx.build_seconds, 3),
            "save_seconds": round(time.perf_counter() - t0, 3), "out": args.out, "left_aside": skipped}
    print(f"build_seconds: {idx.build_seconds:.3f}", file=sys.stderr)
    print(json.dumps(info) if args.json else f"indexed {len(idx)} entries into {args.out}")
    return 0


def cmd_import(args) -> int:
    from .importers import run_import

    report = run_import(args.kind, args.files, store=args.store, source=args.source, retrieved=args.retrieved)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(f"{report['source']}: {report['entries']} entries ({report['added']} new, {report['updated']} "
              f"updated, {report['withdrawn']} withdrawn since the last import) -> {report['file']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"match": cmd_match, "index": cmd_index, "import": cmd_import}[args.command](args)
    except ComityError as e:
        return cli_fail(e, getattr(args, "json", False))
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
