"""The `comity` command: serve, migrate, init, demo, create-user, token, deadlines, audit, assess, law, ledger, draft, evidence.

`comity law …`, `comity assess …` and `comity ledger …` run without a database (pure Python); everything else sets
Django up against DATABASE_URL (default: the embedded SQLite file under COMITY_DATA_DIR).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from comity.errors import cli_fail


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")
    import django

    django.setup()


def _fail(errors, as_json: bool = False) -> int:
    """Errors print the same way in every command (comity.errors.cli_fail)."""
    return cli_fail(errors, as_json)


def cmd_migrate(args) -> int:
    _django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=args.verbosity)
    call_command("createcachetable", verbosity=0)
    return 0


def cmd_serve(args) -> int:
    """gunicorn for the web UI and API; this process signs a tree head of the audit log every
    COMITY_LEDGER_SIGN_SECONDS (default 300) while it serves."""
    _django()
    import signal
    import subprocess
    import time

    from comity.audit.actions import do_sign_tree_head

    cmd = [sys.executable, "-m", "gunicorn", "comity.wsgi:application", "--bind", f"{args.host}:{args.port}",
           "--workers", str(args.workers), "--threads", "4", "--access-logfile", "-", "--timeout", "120"]
    every = int(os.environ.get("COMITY_LEDGER_SIGN_SECONDS", "300"))
    print(f"Comity is serving on http://{args.host}:{args.port}/  (Ctrl-C stops it)", flush=True)
    server = subprocess.Popen(cmd)
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    try:
        while server.poll() is None:
            try:
                do_sign_tree_head(via="cli")
            except Exception as e:  # keep serving; the next round tries again
                print(f"comity: could not sign the audit log's tree head: {e}", file=sys.stderr, flush=True)
            deadline = time.monotonic() + every
            while server.poll() is None and time.monotonic() < deadline:
                time.sleep(1)
    except KeyboardInterrupt:
        server.terminate()
    return server.wait()


def _bootstrap_admin(as_json: bool) -> dict | None:
    """Create the first administrator, with TOTP and recovery codes, unless one exists."""
    import secrets

    from comity.accounts.actions import do_create_user, do_enrol_totp
    from comity.accounts.models import Role, User

    if User.objects.filter(role=Role.ADMIN).exists():
        return None
    username = os.environ.get("COMITY_ADMIN_USERNAME", "admin")
    password = os.environ.get("COMITY_ADMIN_PASSWORD") or "-".join(secrets.token_hex(3) for _ in range(4))
    user = do_create_user(username=username, password=password, role=Role.ADMIN, first_name="First",
                          last_name="Administrator", organisation="Comity operator")
    secret, codes = do_enrol_totp(user, secret=os.environ.get("COMITY_ADMIN_TOTP_SECRET"))
    return {"username": username, "password": password, "totp_secret": secret,
            "otpauth_uri": f"otpauth://totp/Comity:{username}?secret={secret}&issuer=Comity",
            "recovery_codes": codes}


def cmd_init(args) -> int:
    """Migrate, create the first administrator and (with --demo) load the demonstration workspace."""
    cmd_migrate(argparse.Namespace(verbosity=0))
    from comity.cases.lifecycle import lifecycles
    from comity.demo import demo_loaded, load_demo

    lifecycles()  # reference data: refuse to start on inconsistent lifecycle data
    from comity.evidence import keys as evidence_keys

    if not evidence_keys.uses_env() and not evidence_keys.keyring_path().exists():
        from comity.evidence.actions import do_init_master_key

        do_init_master_key(via="cli")  # the evidence master key, created once in the data folder (logged)
    creds = _bootstrap_admin(args.json)
    demo = None
    if args.demo and not demo_loaded():
        demo = load_demo()
    if args.json:
        print(json.dumps({"admin": creds, "demo": demo}, indent=2, default=str))
        return 0
    if creds:
        print("\n" + "=" * 72)
        print("First administrator created. These credentials are shown ONCE; keep them safe.")
        print(f"  Username:        {creds['username']}")
        print(f"  Password:        {creds['password']}")
        print(f"  TOTP secret:     {creds['totp_secret']}")
        print(f"  Authenticator:   add {creds['otpauth_uri']}")
        print("                   to any TOTP app (Aegis, FreeOTP, Google Authenticator, 1Password ...),")
        print("                   or type the secret in by hand; it shows a 6-digit code every 30 seconds.")
        print("  Recovery codes (each works once, instead of a TOTP code):")
        for i in range(0, len(creds["recovery_codes"]), 5):
            print("                   " + "  ".join(creds["recovery_codes"][i:i + 5]))
        print("How to sign in: open http://127.0.0.1:8000/, enter username and password, then the")
        print("6-digit code from your app (or one recovery code).")
        print("=" * 72 + "\n")
    else:
        print("An administrator exists already; its credentials were printed when it was created.")
        print("Make another with: comity create-user NAME --role admin")
    if demo:
        print(f"Demonstration workspace loaded: {demo['cases']} cases, {demo['requests']} requests, "
              f"{demo['countries']} countries. Demo accounts ({', '.join(demo['users'])}) share the password "
              f"'{demo['password']}' and set up their second factor at first sign-in.")
    return 0


def cmd_demo(args) -> int:
    _django()
    from comity.demo import demo_loaded, load_demo

    if demo_loaded() and not args.force:
        print("The demonstration workspace is already loaded.")
        return 0
    summary = load_demo()
    print(json.dumps(summary, indent=2, default=str) if args.json else
          f"Loaded {summary['cases']} demonstration cases with {summary['requests']} requests.")
    return 0


def cmd_create_user(args) -> int:
    _django()
    from comity.accounts.actions import do_create_user, do_enrol_totp
    from comity.errors import InvalidInput

    password = args.password or os.environ.get("COMITY_NEW_USER_PASSWORD")
    if not password:
        import getpass

        if not sys.stdin.isatty():
            return _fail({"password": "give --password or COMITY_NEW_USER_PASSWORD (no terminal to ask on)"}, args.json)
        password = getpass.getpass("Password: ")
    try:
        user = do_create_user(username=args.username, password=password, role=args.role, email=args.email or "",
                              organisation=args.organisation or "")
    except InvalidInput as e:
        return _fail(e.errors, args.json)
    out = {"username": user.username, "role": user.role}
    if args.totp:
        secret, codes = do_enrol_totp(user)
        out.update(totp_secret=secret, recovery_codes=codes)
    print(json.dumps(out, indent=2) if args.json else
          "\n".join(f"{k}: {v if not isinstance(v, list) else ' '.join(v)}" for k, v in out.items()))
    return 0


def cmd_token(args) -> int:
    _django()
    from comity.accounts.actions import do_create_token
    from comity.accounts.models import User
    from comity.errors import InvalidInput

    user = User.objects.filter(username=args.username).first()
    if user is None:
        return _fail({"username": f"no account named {args.username!r}"}, args.json)
    try:
        token, raw = do_create_token(user, name=args.name, scope=args.scope, days=args.days, acting_user=user,
                                     via="cli")
    except InvalidInput as e:
        return _fail(e.errors, args.json)
    print(json.dumps({"token": raw, "scope": token.scope, "expires_at": str(token.expires_at)}) if args.json else raw)
    return 0


def cmd_deadlines(args) -> int:
    _django()
    from django.utils import timezone

    from comity.accounts.models import User
    from comity.cases import reads
    from comity.cases.actions import deadline_rows

    user = User.objects.filter(username=args.user).first()
    if user is None:
        return _fail({"user": f"no account named {args.user!r}"}, True)
    today = timezone.localdate()
    found = deadline_rows(user, limit=args.limit)
    reads.log_list(user, what="deadline_list", cases=[r["case"] for r in found], via="cli")
    rows = [{"type": r["type"], "due": r["due"].isoformat(), "overdue": r["due"] < today,
             "days_left": (r["due"] - today).days, "label": r["label"], "citation": r["citation"],
             "case": r["case"].reference, "request": r["request"].reference if r["request"] else None}
            for r in found]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for r in rows:
            flag = "OVERDUE" if r["overdue"] else f"{r['days_left']:>4}d"
            print(f"{r['due']}  {flag:>7}  {r['case']:<18} {r['request'] or '':<18} {r['label']}")
    return 0


def legacy_report() -> dict:
    """Events whose values do not pass today's declaration of their type (comity.audit.schema), or whose
    stated purpose is in clear: what older entries of an existing log hold (docs/operations.md)."""
    from comity.audit.models import AuditEvent
    from comity.audit.schema import AuditSchemaError, check_event

    by_type: dict[str, dict] = {}
    total = legacy = 0
    for ev in AuditEvent.objects.only("event_type", "old_values", "new_values", "purpose").iterator(chunk_size=5000):
        total += 1
        fields: set[str] = set()
        new = dict(ev.new_values or {})
        new.pop("texts", None)
        for side in (ev.old_values or {}, new):
            for key, value in side.items():
                try:
                    check_event(ev.event_type, {key: value}, None)
                except AuditSchemaError:
                    fields.add(key)
        in_clear = bool(ev.purpose) and not ev.purpose.startswith("sha256:")
        if fields or in_clear:
            legacy += 1
            info = by_type.setdefault(ev.event_type, {"count": 0, "fields": set(), "purpose_in_clear": 0})
            info["count"] += 1
            info["fields"] |= fields
            info["purpose_in_clear"] += in_clear
    return {"events": total, "legacy_events": legacy,
            "by_type": {t: dict(i, fields=sorted(i["fields"])) for t, i in by_type.items()}}


def cmd_audit(args) -> int:
    """Tamper-evident audit log: sign tree heads, verify, prove inclusion, export for oversight bodies."""
    _django()
    from comity.audit import ledger
    from comity.audit.actions import do_sign_tree_head
    from comity.audit.models import TreeHead
    from comity.ledger import LedgerError, load_checkpoints, prove_consistency, prove_inclusion

    try:
        if args.audit_command == "sign":
            head = do_sign_tree_head(via="cli")
            print(json.dumps(head.as_dict()))
            return 0
        if args.audit_command == "public-key":
            print(ledger.public_key_pem(), end="")
            return 0
        if args.audit_command == "verify":
            checkpoints = []
            if args.checkpoints:
                with open(args.checkpoints, encoding="utf-8") as f:
                    checkpoints = load_checkpoints(f.read(), source=args.checkpoints)
            result = ledger.verify_database(checkpoints, strict=args.strict, deep=not args.fast)
            out = result.to_dict()
            if args.json:
                print(json.dumps(out, indent=2))
            else:
                print(("VERIFIED" if result.ok else "NOT VERIFIED") +
                      f": {result.verified_size} of {result.log_size} events covered by signed tree heads")
                if result.first_divergence is not None:
                    print(f"first divergence at event seq {result.first_divergence}"
                          + ("" if result.exact else f" (somewhere before {result.divergence_bound})"))
                for m in result.messages:
                    print(f"  {m}")
            return 0 if result.ok else 1
        if args.audit_command == "prove":
            if args.old_size is not None:
                proof = prove_consistency(ledger.proof_store(prove_consistency, args.old_size, args.size),
                                          args.old_size, args.size)
            else:
                proof = prove_inclusion(ledger.proof_store(prove_inclusion, args.seq, args.size), args.seq, args.size)
            print(json.dumps(proof.to_dict(), indent=2))
            return 0
        if args.audit_command == "legacy":
            report = legacy_report()
            if args.json:
                print(json.dumps(report, indent=2))
            else:
                print(f"{report['events']} events checked; {report['legacy_events']} were written before the log "
                      "stopped holding free text (they keep it: it is part of their hash)")
                for event_type, info in sorted(report["by_type"].items()):
                    fields = ", ".join(info["fields"]) or "-"
                    print(f"  {event_type}: {info['count']} events; undeclared fields: {fields}"
                          + ("; purpose in clear" if info["purpose_in_clear"] else ""))
            return 0
        if args.audit_command == "export":
            n = 0
            with open(args.events, "wb") as f:
                for _, entry, _ in ledger.log_entries():
                    f.write(entry + b"\n")
                    n += 1
            with open(args.heads, "w", encoding="utf-8") as f:
                for h in TreeHead.objects.order_by("size", "id"):
                    f.write(json.dumps(h.as_dict()) + "\n")
            with open(args.public_key, "w", encoding="utf-8") as f:
                f.write(ledger.public_key_pem())
            print(f"exported {n} events to {args.events}, tree heads to {args.heads}, key to {args.public_key}; "
                  f"check offline with: comity ledger verify --events {args.events} --checkpoints {args.heads} "
                  f"--public-key {args.public_key}")
            return 0
    except LedgerError as e:
        return _fail({x["field"]: x["reason"] for x in e.as_dicts()}, getattr(args, "json", False))
    except OSError as e:
        return _fail({"file": str(e)}, getattr(args, "json", False))
    return 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="comity", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve the web UI and API")
    s.add_argument("--host", default=os.environ.get("COMITY_HOST", "127.0.0.1"))
    s.add_argument("--port", type=int, default=int(os.environ.get("COMITY_PORT", "8000")))
    s.add_argument("--workers", type=int, default=2)
    s.set_defaults(func=cmd_serve)
    s = sub.add_parser("migrate", help="create or update the database schema")
    s.add_argument("--verbosity", type=int, default=1)
    s.set_defaults(func=cmd_migrate)
    s = sub.add_parser("init", help="migrate, create the first administrator, optionally load the demo")
    s.add_argument("--demo", action="store_true")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_init)
    s = sub.add_parser("demo", help="load the demonstration workspace (fictional people only)")
    s.add_argument("--force", action="store_true", help="load again even if loaded")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_demo)
    s = sub.add_parser("create-user", help="create an account")
    s.add_argument("username")
    s.add_argument("--role", required=True, choices=["admin", "supervisor", "caseworker", "prosecutor", "defence",
                                                     "oversight"])
    s.add_argument("--password")
    s.add_argument("--email")
    s.add_argument("--organisation")
    s.add_argument("--totp", action="store_true", help="enrol TOTP now and print the secret and recovery codes")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_create_user)
    s = sub.add_parser("token", help="issue a personal access token for the API")
    s.add_argument("username")
    s.add_argument("--name", required=True)
    s.add_argument("--scope", default="read", choices=["read", "write"])
    s.add_argument("--days", type=int, default=90)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_token)
    s = sub.add_parser("deadlines", help="deadlines and tasks due across a user's cases")
    s.add_argument("--user", required=True)
    s.add_argument("--limit", type=int, default=200)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_deadlines)
    s = sub.add_parser("audit", help="tamper-evident audit log: sign, verify, prove, export")
    a = s.add_subparsers(dest="audit_command", required=True)
    a.add_parser("sign", help="sign the current tree head now")
    a.add_parser("public-key", help="print the log's Ed25519 public key (PEM)")
    v = a.add_parser("verify", help="recompute the log from the stored events and check every signed head")
    v.add_argument("--checkpoints", help="JSON lines of signed tree heads an oversight body kept")
    v.add_argument("--strict", action="store_true", help="fail if events are newer than the latest signed head")
    v.add_argument("--fast", action="store_true",
                   help="check the log entries against the signed heads only, not each event's columns")
    v.add_argument("--json", action="store_true")
    p_ = a.add_parser("prove", help="inclusion proof for an event (or consistency proof between two sizes)")
    p_.add_argument("--seq", type=int, default=0)
    p_.add_argument("--size", type=int, default=None)
    p_.add_argument("--old-size", type=int, default=None, help="give a consistency proof from this size instead")
    lg = a.add_parser("legacy", help="list events written before the log stopped holding free text, by type")
    lg.add_argument("--json", action="store_true")
    e = a.add_parser("export", help="export events, tree heads and the public key for offline verification")
    e.add_argument("--events", required=True)
    e.add_argument("--heads", required=True)
    e.add_argument("--public-key", required=True)
    s.set_defaults(func=cmd_audit)
    sub.add_parser("law", help="computable law: comity law --help", add_help=False)
    sub.add_parser("assess", help="explained assessment of facts: comity assess FILE.json | - | --vocabulary",
                   add_help=False)
    sub.add_parser("draft", help="request builder: comity draft check|generate REQUEST --user NAME", add_help=False)
    sub.add_parser("evidence", help="evidence register and chain of custody: comity evidence --help",
                   add_help=False)
    sub.add_parser("ledger", help="offline Merkle log tools for oversight bodies: comity ledger --help",
                   add_help=False)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "law":
        from comity.law.cli import main as law_main

        return law_main(argv[1:])
    if argv and argv[0] == "assess":
        from comity.law.assess.cli import main as assess_main

        return assess_main(argv[1:])
    if argv and argv[0] == "draft":
        from comity.builder.cli import main as draft_main

        return draft_main(argv[1:])
    if argv and argv[0] == "evidence":
        from comity.evidence.cli import main as evidence_main

        return evidence_main(argv[1:])
    if argv and argv[0] == "ledger":
        from comity.ledger.cli import main as ledger_main

        return ledger_main(argv[1:])
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
