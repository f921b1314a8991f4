"""Command line for the computable law: ``comity law <command> ...`` (pure; the lead wires it in).

    comity law basis FR DE --kind extradition [--date 2024-01-01] [--json]
    comity law instrument CETS-024 [--json]
    comity law country FR [--json]
    comity law check [--json]
    comity law import FILE --instrument CETS-024 [--source URL] [--read YYYY-MM-DD] [--apply] [--json]

Exit codes: 0 success, 1 data set failed validation (check), 2 bad input (unknown state, instrument, date).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .dates import today as _today
from .errors import DataError, LawError


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so that --json callers get a JSON error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise LawError(message, [{"field": "arguments", "reason": message}])


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="comity law", description="Computable law: legal bases, instruments, country profiles.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    b = sub.add_parser("basis", help="legal basis between a requesting and a requested state")
    b.add_argument("requesting", help="requesting state (ISO 3166-1 alpha-2)")
    b.add_argument("requested", help="requested state (ISO 3166-1 alpha-2)")
    b.add_argument("--kind", required=True, help="extradition | mla | transfer | asset_recovery")
    b.add_argument("--date", default=None, help="date the request is made (YYYY-MM-DD; default today)")
    b.add_argument("--json", action="store_true")

    i = sub.add_parser("instrument", help="an instrument with its parties and reservations")
    i.add_argument("id")
    i.add_argument("--json", action="store_true")

    c = sub.add_parser("country", help="a country profile with each fact's source")
    c.add_argument("state")
    c.add_argument("--json", action="store_true")

    k = sub.add_parser("check", help="validate the data set and report coverage")
    k.add_argument("--json", action="store_true")

    m = sub.add_parser("import", help="refresh an instrument's party rows from a depositary's list (CSV or JSON)")
    m.add_argument("file", help="CSV or JSON party list (see docs/legal-sources.md)")
    m.add_argument("--instrument", required=True, help="the instrument the list is for, e.g. CETS-024")
    m.add_argument("--source", default=None, help="URL of the page the list was copied from")
    m.add_argument("--read", default=None, help="the day the page was read (YYYY-MM-DD; default today)")
    m.add_argument("--apply", action="store_true", help="write the changes (default: only show them)")
    m.add_argument("--json", action="store_true")
    return p


def _wants_json(argv: list[str]) -> bool:
    return "--json" in argv


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(argv)
    try:
        args = _parser().parse_args(argv)
        return _COMMANDS[args.command](args)
    except DataError as exc:
        if as_json:
            _print_json(exc.as_dict())
        else:
            print(str(exc), file=sys.stderr)
        return 1
    except LawError as exc:
        if as_json:
            _print_json(exc.as_dict())
        else:
            print(f"error: {exc.message}", file=sys.stderr)
            for err in exc.problems if len(exc.problems) > 1 or "line" in (exc.problems or [{}])[0] else []:
                where = f"line {err['line']}, " if err.get("line") else ""
                print(f"  {where}{err.get('field', '?')}: {err.get('reason', '')}", file=sys.stderr)
        return 2


def _basis(args: argparse.Namespace) -> int:
    from .api import law_data_version, legal_basis

    result = legal_basis(args.requesting, args.requested, args.kind, args.date)
    if args.json:
        out = result.as_dict()
        _print_json(out)
        return 0
    print(result.reason)
    for n, r in enumerate(result, start=1):
        flag = "" if r.verified else "  [unverified]"
        print(f"{n}. {r.instrument}: {r.citation}{flag}")
        print(f"   {r.why}")
        for cav in r.caveats:
            print(f"   - {cav}")
        for fact in r.rests_on():
            state = (f"verified, read {fact['read']}" + (", stale" if fact["stale"] else "")) if fact["verified"] \
                else "NOT VERIFIED"
            print(f"   rests on {fact['label']}: {fact['value']} [{state}]")
    version = law_data_version()
    print(f"(legal data {version['version']}, last refreshed {version['refreshed']})")
    return 0


def _instrument(args: argparse.Namespace) -> int:
    from .api import instrument

    inst = instrument(args.id)
    if args.json:
        _print_json(inst.as_dict())
        return 0
    print(f"{inst.id}: {inst.title}")
    from ..vocabulary import label

    print(f"  kind: {label('instrument_kind', inst.kind)}; scope: "
          f"{', '.join(label('cooperation_kind', s) for s in inst.scope)}; adopted {inst.adopted}; "
          f"in force {inst.entry_into_force}; source: {inst.source}")
    for a in inst.articles:
        print(f"  Art {a.number} {a.heading}: {a.paraphrase}{'' if a.verified else ' [unverified]'}")
    print(f"  {len(inst.parties)} parties:")
    for p in sorted(inst.parties.values(), key=lambda p: p.state):
        deposit = label("deposit_kind", p.deposit_kind or "ratification")
        dates = f"signed {p.signature or '-'}, {deposit} {p.ratification or '-'}, in force {p.entry_into_force or '-'}"
        if p.withdrawal:
            dates += f", ceased {p.withdrawal}"
        print(f"    {p.state}: {dates}{'' if p.verified else ' [unverified]'}")
        for r in p.reservations:
            print(f"        {r.kind} Art {r.article} ({label('reservation_effect', r.effect)}): {r.text}")
    return 0


def _country(args: argparse.Namespace) -> int:
    from .api import country_profile

    prof = country_profile(args.state)
    if args.json:
        _print_json(prof.as_dict())
        return 0
    from ..vocabulary import label

    print(f"{prof.state}: {prof.name}")
    for key, fact in prof.facts.items():
        extra = "".join(f", {k.replace('_', ' ')} {v}" for k, v in fact.extra.items() if v not in (None, [], ""))
        value = fact.value
        if hasattr(value, "describe"):
            shown = value.describe()
        elif isinstance(value, bool):
            shown = "yes" if value else "no"
        elif isinstance(value, str):
            shown = label(key, value)
        elif isinstance(value, list):
            shown = ", ".join(map(str, value))
        else:
            shown = "unknown" if value is None else str(value)
        state = f"verified, read {fact.read}" if fact.verified else "NOT VERIFIED"
        print(f"  {label('profile_fact', key)}: {shown}{extra} [{state}]")
        print(f"      source: {fact.source}")
    if prof.notes:
        print(f"  notes: {prof.notes}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from .api import coverage
    from .loader import compile_law

    law = compile_law()  # always a fresh, full validation (no cache)
    report = coverage(law)
    report["valid"] = True
    if args.json:
        _print_json(report)
        return 0
    print("legal data set: valid")
    version = report.get("data_version") or {}
    print(f"  data version {version.get('version')}, last refreshed {version.get('refreshed')}")
    ver = report.get("verification") or {}
    print("  facts by kind          total  verified  unverified  (verified: read within 1 year / 1-2 years / older)")
    for kind, row in ver.items():
        if kind == "profile_facts_by_name":
            continue
        ages = row.get("verified_by_age", {})
        if kind == "all":
            print(f"    {'all facts':<20} {row['total']:>6} {row['verified']:>9} {row['unverified']:>11}")
            continue
        print(f"    {kind:<20} {row['total']:>6} {row['verified']:>9} {row['unverified']:>11}  "
              f"({ages.get('read_within_1_year', 0)} / {ages.get('read_1_to_2_years_ago', 0)} / "
              f"{ages.get('read_over_2_years_ago', 0) + ages.get('no_read_date', 0)})")
    for name, counts in (ver.get("profile_facts_by_name") or {}).items():
        print(f"      profile {name:<24} verified {counts['verified']:>4}, unverified {counts['unverified']:>4}")
    for key, value in report.items():
        if key in ("valid", "verification", "data_version"):
            continue
        if isinstance(value, list):
            value = f"{len(value)}" + (f" ({', '.join(value[:20])}{' ...' if len(value) > 20 else ''})" if value else "")
        print(f"  {key}: {value}")
    return 0


def _import(args: argparse.Namespace) -> int:
    import shutil
    import tempfile
    from pathlib import Path

    from .api import resolve_instrument_id
    from .importer import ImportError_, apply_parties, diff_parties, read_party_file
    from .loader import compile_law, default_data_dir, is_url, known_states

    data_dir = default_data_dir()
    law = compile_law(data_dir)
    iid = resolve_instrument_id(args.instrument, law)
    if iid is None or iid not in law.instruments:
        raise LawError(f"instrument: unknown instrument {args.instrument!r}",
                       [{"field": "instrument", "reason": "unknown instrument", "value": args.instrument}])
    inst = law.instruments[iid]
    imported = read_party_file(args.file, iid, known_states())
    diff = diff_parties(inst, imported)
    read = _today()
    if args.read:
        from .importer import parse_any_date

        read = parse_any_date(args.read)
        if read is None or read > _today():
            raise LawError("read: not a date on or before today", [{"field": "read", "reason": "not a past date"}])
    source = args.source or imported.source
    out: dict[str, Any] = {"diff": diff, "applied": False, "source": source, "read": read.isoformat()}
    if args.apply:
        if not is_url(source):
            raise ImportError_("source: give the URL of the page the list was copied from (--source)",
                               [{"field": "source", "reason": "the URL of what was read is required to apply"}])
        target = data_dir / inst.file
        # Apply to a copy first: the whole data set must still validate, or nothing is written.
        with tempfile.TemporaryDirectory() as tmp:
            trial = Path(tmp) / "data"
            shutil.copytree(data_dir, trial)
            apply_parties(trial / inst.file, iid, imported, source=str(source), read=read, data_dir=trial)
            compile_law(trial)  # raises DataError naming file, line and field
        apply_parties(target, iid, imported, source=str(source), read=read, data_dir=data_dir)
        out["applied"] = True
    if args.json:
        _print_json(out)
        return 0
    print(f"{iid}: {len(diff['added'])} added, {len(diff['changed'])} changed, {diff['unchanged']} unchanged, "
          f"{len(diff['not_in_file'])} in the data but not in the file")
    for row in diff["added"]:
        print(f"  + {row['state']}: " + ", ".join(f"{k} {v}" for k, v in row.items() if k != "state"))
    for row in diff["changed"]:
        print(f"  ~ {row['state']}: " + ", ".join(f"{k} {c['old'] or '-'} -> {c['new'] or '-'}"
                                                for k, c in row["changes"].items()))
    if diff["not_in_file"]:
        print("  not in the file (kept as they are): " + ", ".join(diff["not_in_file"]))
    print("applied: the rows are marked verified with the source and read date" if out["applied"]
          else "nothing written (add --apply to write these changes)")
    return 0


_COMMANDS = {"basis": _basis, "instrument": _instrument, "country": _country, "check": _check,
             "import": _import}


if __name__ == "__main__":  # python -m comity.law.cli
    raise SystemExit(main())
