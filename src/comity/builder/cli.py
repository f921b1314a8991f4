"""`comity draft`: the request builder from the command line.

    comity draft check REQ-2026-000001 --user a.conti [--json]
    comity draft generate REQ-2026-000001 --user a.conti --format pdf [--language fr] [--purpose rfi] [-o FILE]

The user must be a member of the request's case (as on the web). Generating stores the file in the case
(hash, version, audit event) and can also write a copy to FILE. Exit codes: 0 ok, 1 the draft has missing
elements (check), 2 bad input.
"""

from __future__ import annotations

import argparse
import json

from comity.errors import cli_fail


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="comity draft", description="request builder: checks and documents")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="completeness, quality and the requested State's requirements")
    c.add_argument("reference")
    c.add_argument("--user", required=True)
    c.add_argument("--json", action="store_true")
    c.add_argument("--purpose", default=None,
                   help="for an oversight user who is not a member of the case: why you read it (logged)")
    g = sub.add_parser("generate", help="generate the request (or request for further information)")
    g.add_argument("reference")
    g.add_argument("--user", required=True)
    g.add_argument("--format", choices=["pdf", "docx"], required=True)
    g.add_argument("--language", choices=["en", "fr", "es"])
    g.add_argument("--purpose", choices=["request", "rfi"], default="request")
    g.add_argument("-o", "--output")
    g.add_argument("--json", action="store_true")
    return p


def _fail(errors, as_json: bool = False) -> int:
    """Errors print the same way in every command (comity.errors.cli_fail)."""
    return cli_fail(errors, as_json)


def run(args) -> int:
    from comity.accounts.models import User
    from comity.builder import actions, checks
    from comity.builder.models import Draft
    from comity.cases import reads
    from comity.cases.actions import is_member
    from comity.cases.models import CooperationRequest
    from comity.errors import InvalidInput, NotFound

    user = User.objects.filter(username=args.user).first()
    req = CooperationRequest.objects.select_related("case").filter(reference=args.reference).first()
    if user is None:
        return _fail({"user": f"no account named {args.user!r}"}, args.json)
    if req is None:
        return _fail({"reference": "no such request in your cases"}, args.json)
    try:  # the one compartment rule: members, or oversight with a stated purpose (reads only)
        purpose = reads.case_purpose(user, req.case, stated=getattr(args, "purpose", None) if args.command == "check"
                                     else None, via="cli")
    except (NotFound, reads.PurposeRequired):
        return _fail({"reference": "no such request in your cases"}, args.json)
    if args.command != "check" and not is_member(req.case, user):
        return _fail({"reference": "no such request in your cases"}, args.json)
    draft = Draft.objects.filter(request=req).first()
    if draft is None:
        return _fail({"reference": "the request has no builder draft yet (open it in the builder)"}, args.json)
    if args.command == "check":
        reads.log_read(user, req.case, what="builder_check", purpose=purpose, obj=draft, via="cli")
        found = actions.findings(draft)
        out = {"request": req.reference, "measure": draft.measure, "draft_version": draft.version,
               "findings": found,
               "requirements": [r.as_dict() for r in checks.state_requirements(req.requested_state, draft.measure,
                                                                                req.legal_basis_instrument)],
               "translations_pending": actions.translations_pending(req)}
        if args.json:
            print(json.dumps(out, indent=2, ensure_ascii=False))
        else:
            for f in found:
                print(f"{f['kind']:8} {f['message']}  [{f['citation']}{'' if f['verified'] else ', unverified'}]")
            for r in out["requirements"]:
                print(f"{'requirement':8} {r['label']}: {r['value']}  [{'verified' if r['verified'] else 'unverified'}]")
            if out["translations_pending"]:
                print(f"blocked  {out['translations_pending']}")
        return 1 if any(f["kind"] == "missing" for f in found) else 0
    try:
        generated = actions.do_generate_document(draft, fmt=args.format, language=args.language, purpose=args.purpose,
                                                 acting_user=user, via="cli")
    except (InvalidInput, NotFound) as e:
        return _fail(getattr(e, "errors", {"reference": str(e)}), args.json)
    doc = generated.document
    if args.output:
        with doc.file.open("rb") as src, open(args.output, "wb") as dst:
            dst.write(src.read())
    result = {"document": doc.pk, "filename": doc.filename, "sha256": doc.sha256, "version": generated.version}
    print(json.dumps(result, indent=2) if args.json else f"{doc.filename}  v{generated.version}  sha256 {doc.sha256}")
    return 0


def main(argv: list[str] | None = None) -> int:
    import os

    args = build_parser().parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")
    import django

    django.setup()
    return run(args)
