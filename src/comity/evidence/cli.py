"""`comity evidence`: the evidence register from the command line.

    comity evidence init-key
    comity evidence rotate-key --user ADMIN [--drop-retired]
    comity evidence register CASE-REF PATH --user NAME --title T --date-obtained YYYY-MM-DD
                             [--providing-state FR] [--providing-authority A] [--legal-basis B]
                             [--speciality] [--needs-consent] [--purpose-limitation P] [--sha512] [--json]
    comity evidence verify EXHIBIT --user NAME [--json]          (exit 1 when a check fails)
    comity evidence verify --all --user NAME [--purpose P] [--json]
                             every item of the cases you may read, and the register against the audit
                             log (the whole instance for an administrator or oversight user: exhibit
                             numbers and counts only), exit 1 when anything fails
    comity evidence export-case EXHIBIT --user NAME [-o FILE]    (CASE/UCO JSON-LD)

Registering from a path streams the file and refuses it if it changes while being read. The user must
be a member of the case. Exit codes: 0 ok, 1 verification failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import json

from comity.errors import cli_fail


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="comity evidence", description="evidence register and chain of custody")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("init-key", help="create the evidence master key in the data folder (once)")
    r = sub.add_parser("rotate-key", help="re-wrap every data key under a new master key")
    r.add_argument("--user", required=True)
    r.add_argument("--drop-retired", action="store_true")
    g = sub.add_parser("register", help="register a digital file by path (hash + encrypt while streaming)")
    g.add_argument("case")
    g.add_argument("path")
    g.add_argument("--user", required=True)
    g.add_argument("--title", required=True)
    g.add_argument("--date-obtained", required=True)
    g.add_argument("--description", default="")
    g.add_argument("--providing-state", default="")
    g.add_argument("--providing-authority", default="")
    g.add_argument("--legal-basis", default="")
    g.add_argument("--purpose-limitation", default="")
    g.add_argument("--speciality", action="store_true")
    g.add_argument("--needs-consent", action="store_true")
    g.add_argument("--sha512", action="store_true")
    g.add_argument("--json", action="store_true")
    for name, help_ in (("verify", "verification report"), ("export-case", "CASE/UCO JSON-LD of the chain")):
        v = sub.add_parser(name, help=help_)
        v.add_argument("exhibit", nargs="?" if name == "verify" else None)
        if name == "verify":
            v.add_argument("--all", action="store_true",
                           help="every item you may read, and the whole register against the audit log")
        v.add_argument("--user", required=True)
        v.add_argument("--json", action="store_true")
        v.add_argument("-o", "--output")
        v.add_argument("--purpose", default=None,
                       help="for an oversight user who is not a member of the case: why you read it (logged)")
    return p


def _fail(errors, as_json: bool = False) -> int:
    """Errors print the same way in every command (comity.errors.cli_fail)."""
    return cli_fail(errors, as_json)


def run(args) -> int:
    from comity.accounts.models import User
    from comity.cases import reads
    from comity.cases.actions import is_member
    from comity.cases.models import Case
    from comity.errors import InvalidInput, NotAllowed, NotFound
    from comity.evidence import actions, keys, report
    from comity.evidence.models import EvidenceItem

    as_json = getattr(args, "json", False)
    if args.command == "init-key":
        if keys.uses_env():
            return _fail({"master_key": f"{keys.ENV_KEY} is set; the key comes from the environment"})
        try:
            print(f"created {actions.do_init_master_key(via='cli')} (mode 0600); back it up")
        except FileExistsError:
            return _fail({"master_key": f"{keys.keyring_path()} exists already; it was not changed"})
        return 0
    user = User.objects.filter(username=args.user).first()
    if user is None:
        return _fail({"user": f"no account named {args.user!r}"}, as_json)
    try:
        if args.command == "rotate-key":
            result = actions.do_rotate_master_key(acting_user=user, generate=not keys.uses_env(), via="cli")
            if args.drop_retired:
                result["retired_keys_dropped"] = actions.do_drop_retired_keys(acting_user=user, via="cli")
            print(json.dumps(result))
            return 0
        if args.command == "register":
            case = Case.objects.filter(reference=args.case).first()
            if case is None or not is_member(case, user):
                return _fail({"case": "no such case among yours"}, as_json)
            item = actions.do_register_evidence(
                case, kind="digital", title=args.title, date_obtained=args.date_obtained,
                description=args.description, providing_state=args.providing_state,
                providing_authority=args.providing_authority, legal_basis=args.legal_basis,
                purpose_limitation=args.purpose_limitation, speciality=args.speciality,
                onward_disclosure_needs_consent=args.needs_consent, source_path=args.path, sha512=args.sha512,
                acting_user=user, via="cli")
            out = {"exhibit_number": item.exhibit_number, "size": item.size, **item.hashes}
            print(json.dumps(out, indent=2) if as_json else
                  f"{item.exhibit_number}  {item.size} bytes  sha256 {item.sha256}")
            return 0
        if args.command == "verify" and args.all:
            return _verify_all(user, args)
        if not args.exhibit:
            return _fail({"exhibit": "give an exhibit number (or --all)"}, as_json)
        item = EvidenceItem.objects.select_related("case").filter(exhibit_number=args.exhibit).first()
        try:  # the one compartment rule: members, or oversight with a stated purpose
            purpose = reads.case_purpose(user, item.case, stated=args.purpose, via="cli") if item else None
        except (NotFound, reads.PurposeRequired):
            purpose = None
        if item is None or purpose is None:
            return _fail({"exhibit": "no such item among your cases (oversight: give --purpose)"}, as_json)
        if args.command == "verify":
            reads.log_read(user, item.case, what="evidence_report", purpose=purpose, obj=item, via="cli")
            r = report.verification_report(item)
            actions.do_record_integrity_check(item, scope="full", ok=r["ok"], failed=r["failed"],
                                              chunk=r["file"].get("chunk"), acting_user=user, via="cli")
            _write(json.dumps(r, indent=2) if as_json else "\n".join(_item_lines(r)), args.output)
            return 0 if r["ok"] else 1
        reads.log_read(user, item.case, what="evidence_case_export", purpose=purpose, obj=item, via="cli")
        _write(json.dumps(report.case_uco(item), indent=2), args.output)
        return 0
    except InvalidInput as exc:
        return _fail(exc.errors, as_json)
    except (NotAllowed, NotFound) as exc:
        return _fail({"user": str(exc)}, as_json)


def _item_lines(r: dict) -> list[str]:
    lines = [f"{r['item']['exhibit_number']}: {'OK' if r['ok'] else 'PROBLEMS FOUND'}"]
    if r["file"].get("applicable"):
        lines.append(f"  file: {r['file']['reason']}")
    for e in r["custody"]:
        state = "ok" if e["ok"] else "; ".join(e["problems"])
        lines.append(f"  #{e['seq']} {e['kind']}: {state}" + (f" ({e['erased_note']})" if e.get("erased_note") else ""))
    a = r["anchors"]
    registration = f", registration at entry #{a['registration_entry']}" if a["registration_entry"] is not None else ""
    lines.append(f"  audit log: {a['logged_events']} custody event(s) logged{registration}"
                 f"{': they match' if a['ok'] else ''}")
    lines += [f"    {p}" for p in a["problems"]]
    lines.append(f"  descriptive fields: {r['descriptive']['reason']}")
    lines += [f"  gap at #{g['seq']}: {g['reason']}" for g in r["custody_gaps"]]
    if r.get("custody_gaps_note"):
        lines.append(f"  custody gaps: {r['custody_gaps_note']}")
    for d in r["disclosures"]:
        lines.append(f"  disclosure of {d['created_at'][:16].replace('T', ' ')}: {d['reason']}")
    if r.get("register"):
        reg = r["register"]
        lines.append(f"  register of the case: {reg['items_logged']} registration(s) in the audit log, {reg['items']} "
                     f"item(s); {reg['disclosures_logged']} disclosure(s) logged, {reg['disclosures']} kept"
                     f"{': they match' if reg['ok'] else ''}")
        lines += [f"    {p}" for p in reg["problems"]]
    return lines


def _verify_all(user, args) -> int:
    """Every item of the cases this user may read, and the register against the audit log: the whole
    instance for an administrator or an oversight user (references and counts only), else their cases."""
    from comity.accounts.models import Role
    from comity.cases import reads
    from comity.cases.models import Case
    from comity.errors import NotFound
    from comity.evidence import actions, report
    from comity.evidence.models import EvidenceItem

    readable = []
    for case in Case.objects.filter(evidence_items__isnull=False).distinct().order_by("pk"):
        try:
            readable.append((case, reads.case_purpose(user, case, stated=args.purpose, via="cli")))
        except (NotFound, reads.PurposeRequired):
            continue
    whole = getattr(user, "role", None) in (Role.ADMIN, Role.OVERSIGHT)
    case_ids = [c.pk for c, _ in readable]
    summary, reports = report.register_report(register_case_ids=None if whole else case_ids, item_case_ids=case_ids)
    for case, purpose in readable:
        reads.log_read(user, case, what="evidence_report", purpose=purpose, obj=case, via="cli")
    by_number = {i.exhibit_number: i for i in EvidenceItem.objects.filter(case_id__in=case_ids)}
    for r in reports:
        actions.do_record_integrity_check(by_number[r["item"]["exhibit_number"]], scope="full", ok=r["ok"],
                                          failed=r["failed"], chunk=r["file"].get("chunk"), acting_user=user,
                                          via="cli")
    if args.json:
        text = json.dumps(summary, indent=2)
    else:
        reg = summary["register"]
        scope = "whole instance" if whole else "your cases"
        lines = [(f"Evidence register ({scope}): {reg['items_logged']} registration(s) in the audit log, "
                  f"{reg['items']} item(s) kept; {reg['disclosures_logged']} disclosure(s) logged, "
                  f"{reg['disclosures']} kept: {'OK' if reg['ok'] else 'PROBLEMS FOUND'}")]
        lines += [f"  {p}" for p in reg["problems"]]
        n_cases = len({i["case"] for i in summary["items"]})
        lines.append(f"Items of the cases you may read: {len(summary['items'])} items in {n_cases} "
                     f"case{'s' if n_cases != 1 else ''}")
        for i in summary["items"]:
            lines.append(f"  {i['exhibit_number']}: {'OK' if i['ok'] else 'PROBLEMS FOUND'}")
            lines += [f"    {p}" for p in i["problems"]]
        lines.append(f"Overall: {'OK' if summary['ok'] else 'PROBLEMS FOUND'}")
        text = "\n".join(lines)
    _write(text, args.output)
    return 0 if summary["ok"] else 1


def _write(text: str, output: str | None) -> None:
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)


def main(argv: list[str] | None = None) -> int:
    import os

    args = build_parser().parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")
    import django

    django.setup()
    return run(args)
