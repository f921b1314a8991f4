"""The `comity` command: serve, migrate, init, demo, create-user, token, deadlines, audit, assess, law, ledger, draft, evidence.

`comity law …`, `comity assess …`, `comity ledger …` and `comity screen …` run without a database (pure Python); everything else sets
Django up against DATABASE_URL (default: the embedded SQLite file under COMITY_DATA_DIR).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from comity.errors import ComityError, cli_fail


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


# The access log names the path, never the query string nor the referring page: searches (a person's name in
# the oversight console) and stated purposes (`?purpose=` on the API) travel in query strings, and a server log
# can be neither erased nor compartmented. X-Forwarded-* headers are left to Django (comity.web.middleware
# believes them only from COMITY_TRUSTED_PROXIES), so gunicorn itself trusts no forwarder.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'


def gunicorn_command(host: str, port: int, *, workers: int, env=None) -> list[str]:
    """The gunicorn command line `comity serve` runs. With COMITY_TLS_CERT and COMITY_TLS_KEY (in `env`, by
    default this process's environment) it speaks HTTPS itself, with no proxy in front (docs/operations.md,
    "Running behind a proxy, TLS")."""
    env = os.environ if env is None else env
    cmd = [sys.executable, "-m", "gunicorn", "comity.wsgi:application", "--bind", f"{host}:{port}",
           "--workers", str(workers), "--threads", "4", "--timeout", "120",
           "--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT, "--forwarded-allow-ips", ""]
    cert, key = env.get("COMITY_TLS_CERT", ""), env.get("COMITY_TLS_KEY", "")
    if cert or key:
        cmd += ["--certfile", cert, "--keyfile", key]
    return cmd


def cmd_serve(args) -> int:
    """gunicorn for the web UI and API; this process signs a tree head of the audit log every
    COMITY_LEDGER_SIGN_SECONDS (default 300) while it serves."""
    _django()
    import signal
    import subprocess
    import time

    from comity.audit.actions import do_sign_tree_head
    from comity.web.serve_checks import check_before_serving

    try:
        check_before_serving()  # Django's deployment checks that apply, and DEBUG off: refuse on an ERROR
    except ComityError as e:
        return _fail(e)
    cmd = gunicorn_command(args.host, args.port, workers=args.workers)
    every = int(os.environ.get("COMITY_LEDGER_SIGN_SECONDS", "300"))
    scheme = "https" if os.environ.get("COMITY_TLS_CERT") else "http"
    print(f"Comity is serving on {scheme}://{args.host}:{args.port}/  (Ctrl-C stops it)", flush=True)
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
        demo = load_demo(announce=False)  # its credentials are printed below, after the administrator's
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
        from comity.demo import credentials_text

        print(f"Demonstration workspace loaded: {demo['cases']} cases, {demo['requests']} requests, "
              f"{demo['countries']} countries.")
        print(credentials_text(demo["accounts"]))
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
    from comity.accounts.actions import do_create_user, do_enrol_totp, do_issue_enrolment_code
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
    else:  # the first sign-in needs this one-time code, with the password, to set up the second factor
        code, raw = do_issue_enrolment_code(user, acting_user=None, via="cli")
        out.update(enrolment_code=raw, enrolment_code_expires=code.expires_at.isoformat(timespec="minutes"))
    print(json.dumps(out, indent=2) if args.json else
          "\n".join(f"{k}: {v if not isinstance(v, list) else ' '.join(v)}" for k, v in out.items()))
    return 0


def cmd_enrolment_code(args) -> int:
    """Issue a new one-time enrolment code (an account whose second factor was reset, or whose code expired)."""
    _django()
    from comity.accounts.actions import do_issue_enrolment_code
    from comity.accounts.models import User

    user = User.objects.filter(username=args.username).first()
    if user is None:
        return _fail({"username": f"no account named {args.username!r}"}, args.json)
    try:
        code, raw = do_issue_enrolment_code(user, acting_user=None, via="cli")
    except ComityError as e:
        return _fail(e, args.json)
    out = {"username": user.username, "enrolment_code": raw,
           "expires": code.expires_at.isoformat(timespec="minutes")}
    print(json.dumps(out, indent=2) if args.json else
          f"Enrolment code for {user.username}: {raw} (valid until {out['expires']}; shown once)")
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


def _witness_http(base: str, path: str, token: str, *, as_text: bool = False):
    """GET an /api/audit endpoint of a running instance (for `comity audit witness --url`)."""
    import urllib.error
    import urllib.request

    from comity.errors import NotAllowed, ServiceUnavailable

    url = base.rstrip("/") + path
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # the operator's own URL
            body = response.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        if e.code in (401, 403):
            raise NotAllowed({"COMITY_WITNESS_TOKEN": f"the instance refused the token (HTTP {e.code}): use a token "
                                                      "of an oversight account"}) from None
        raise ServiceUnavailable({"--url": f"{url} answered HTTP {e.code}"}) from None
    except (urllib.error.URLError, OSError) as e:
        raise ServiceUnavailable({"--url": f"cannot reach {url}: {getattr(e, 'reason', e)}"}) from None
    if as_text:
        return body
    try:
        return json.loads(body)
    except ValueError:
        raise ServiceUnavailable({"--url": f"{url} did not answer JSON"}) from None


def _audit_witness(args) -> int:
    """`comity audit witness`, run by an oversight body: fetch the instance's latest signed tree head and a
    consistency proof from the last head this witness cosigned (over HTTP from a running instance, or from the
    database on the host), and cosign it into the witness's own file with the witness's own key
    (comity.ledger.witness), or refuse it and keep the refusal in that file."""
    from pathlib import Path

    from comity.errors import ComityError, InvalidInput
    from comity.ledger import (ConsistencyProof, InvalidInputError, SignedTreeHead, Witness, WitnessRefused, key_id,
                               load_private_key, load_public_key, prove_consistency)
    from comity.ledger.signing import TREE_HEAD_FIELDS

    def read(path: str, flag: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as e:
            raise InvalidInput({flag: f"cannot read {path}: {e.strerror or e}"}) from None

    def key(loader, data, flag, *extra):
        try:
            return loader(data, *extra)
        except InvalidInputError as e:
            raise InvalidInput({flag: "; ".join(p.reason for p in e.problems)}) from None

    try:
        witness_key = key(load_private_key, read(args.key, "--key"), "--key",
                          os.environ.get("COMITY_WITNESS_KEY_PASSPHRASE", "").encode() or None)
        pinned = [key(load_public_key, read(p, "--instance-key"), "--instance-key") for p in args.instance_key or []]
        if args.url:
            token = os.environ.get("COMITY_WITNESS_TOKEN", "")
            if not token:
                raise InvalidInput({"COMITY_WITNESS_TOKEN": "is needed with --url: an API token of an oversight "
                                                            "account on the instance (kept out of the command line)"})

            def fetched():
                pem = _witness_http(args.url, "/api/audit/public-key", token, as_text=True)
                return key(load_public_key, pem.encode(), "--url")

            heads = _witness_http(args.url, "/api/audit/tree-heads?limit=1", token)
            latest = heads[0] if isinstance(heads, list) and heads else None
            head = SignedTreeHead.from_dict({k: v for k, v in latest.items() if k in TREE_HEAD_FIELDS}) if latest else None

            def proof(old: int, new: int):
                return ConsistencyProof.from_dict(
                    _witness_http(args.url, f"/api/audit/proofs/consistency?first={old}&second={new}", token))
        else:
            _django()
            from django.conf import settings

            from comity.audit import ledger
            from comity.audit.actions import do_sign_tree_head
            from comity.audit.models import TreeHead

            data = Path(settings.DATA_DIR).resolve()
            for flag, path in (("--file", args.file), ("--key", args.key)):
                resolved = Path(path).expanduser().resolve()
                if resolved == data or data in resolved.parents:
                    raise InvalidInput({flag: f"{path} is inside the instance's data folder {data}: the witness's file "
                                              "and key belong to the oversight body, out of the host's reach"})
            if args.sign:
                do_sign_tree_head(via="cli")
            fetched = ledger.public_key
            row = TreeHead.objects.order_by("-size", "-id").first()
            head = row.to_signed() if row else None

            def proof(old: int, new: int):
                return prove_consistency(ledger.proof_store(prove_consistency, old, new), old, new)
        if head is None:
            raise InvalidInput({"tree_head": "the instance has signed no tree head yet (comity audit sign)"})
        instance_keys = pinned or [fetched()]
        witness = Witness.open(args.file, signing_key=witness_key, instance_keys=instance_keys)
        previous = witness.latest
        if not pinned and previous is not None and previous.head.key_id != key_id(instance_keys[0]):
            raise InvalidInput({"--instance-key": f"the instance now presents key {key_id(instance_keys[0])[:16]}..., "
                                                  f"not {previous.head.key_id[:16]}... that signed the heads this "
                                                  "witness cosigned: check the new key with the instance's operator "
                                                  "and give it with --instance-key"})
        extends = previous is not None and previous.head.size < head.size
        cosignature = witness.add(head, proof(previous.head.size, head.size) if extends else None)
    except WitnessRefused as e:
        if not args.json:
            print(f"REFUSED ({e.reason}): the instance's tree head of size {e.refusal.head.size} was not cosigned; "
                  f"the refusal is kept in {args.file} as evidence")
        return _fail(e, args.json)
    except ComityError as e:
        return _fail(e, args.json)
    status = "unchanged" if previous is not None and cosignature == previous else "cosigned"
    if args.json:
        print(json.dumps({"ok": True, "status": status, "first": previous is None, "file": args.file,
                          "cosignature": cosignature.to_dict()}, indent=2))
        return 0
    h = cosignature.head
    if status == "unchanged":
        print(f"unchanged: the instance's latest tree head (size {h.size}) is the one cosigned at {cosignature.time}")
    else:
        print(f"cosigned: tree head of size {h.size} (root {h.root_hash.hex()[:16]}..., instance key "
              f"{h.key_id[:16]}...) as witness {cosignature.witness_key_id[:16]}...; appended to {args.file}")
        if previous is None:
            print("  first head of this witness: accepted on the instance's signature alone (trust on first use)")
    return 0


def cmd_audit(args) -> int:
    """Tamper-evident audit log: sign tree heads, verify, prove inclusion, witness, export for oversight bodies."""
    if args.audit_command == "witness":
        return _audit_witness(args)  # with --url it needs no database, and sets up Django only with --db
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
            result = ledger.verify_database(checkpoints, strict=args.strict, deep=not args.fast,
                                            witness_files=args.witness_file, witness_keys=args.witness_key)
            witness = result.witness
            out = result.to_dict()
            if args.json:
                if witness.status == "none":
                    print(witness.headline(), file=sys.stderr)  # loud, and stdout stays JSON
                print(json.dumps(out, indent=2))
            else:
                if witness.status != "verified":
                    print(witness.headline())  # the first line: no witnessed head, or rewritten history
                print(("VERIFIED" if result.ok else "NOT VERIFIED") +
                      f": {result.verified_size} of {result.log_size} events covered by signed tree heads")
                if witness.status == "verified":
                    print(f"  {witness.headline()}")
                if result.first_divergence is not None:
                    print(f"first divergence at event seq {result.first_divergence}"
                          + ("" if result.exact else f" (somewhere before {result.divergence_bound})"))
                for m in result.messages:
                    if m != witness.headline():
                        print(f"  {m}")
            if not result.ok:
                return 1
            return 3 if args.require_witness and witness.status == "none" else 0
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


def cmd_check(args) -> int:
    """Django's system checks, Comity's included: keys present, the data folder private to this account
    (files another account can read are named), documents encrypted. Exit 1 on an error, 0 otherwise."""
    _django()
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", fail_level="ERROR")
    except SystemCheckError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def cmd_encrypt_documents(args) -> int:
    """Encrypt, in place, case documents stored in clear by an earlier version (or restored from an old backup)."""
    _django()
    from comity.cases.storage import encrypt_legacy_documents
    from comity.errors import ComityError

    try:
        counts = encrypt_legacy_documents(via="cli")
    except ComityError as exc:
        return _fail(exc, args.json)
    if args.json:
        print(json.dumps(counts))
    else:
        print(f"{counts['encrypted']} document file(s) encrypted, {counts['already']} already encrypted, "
              f"{counts['mismatched']} left in clear because their bytes differ from the SHA-256 recorded at upload, "
              f"{counts['missing']} missing.")
    return 0


def cmd_documents(args) -> int:
    """`comity documents verify`: the documents table and files against the audit log (comity.cases.integrity).
    Exit 0 when every document verifies, 1 otherwise."""
    _django()
    from comity.cases.integrity import FAILURES, verify_documents
    from comity.cases.models import Case

    case_ids = None
    if args.case:
        case = Case.objects.filter(reference=args.case.strip()).first()
        if case is None:
            return _fail({"case": f"no case has the reference {args.case.strip()!r}"}, args.json)
        case_ids = [case.pk]
    summary, reports = verify_documents(case_ids)
    if args.json:
        print(json.dumps({"summary": summary, "documents": [r.to_dict() for r in reports]}))
        return 0 if summary["ok"] else 1
    refs = dict(Case.objects.filter(pk__in={r.case_id for r in reports}).values_list("pk", "reference"))
    if summary["ok"]:
        print(f"VERIFIED: {summary['documents']} documents against the audit log ({summary['logged']} uploads logged, "
              f"{summary['disposed_cases']} disposed case(s) whose documents are erased by design)")
    else:
        print(f"FAILED: {summary['failed']} of {max(summary['documents'], summary['logged'])} documents do not verify "
              "against the audit log")
    for r in reports:
        for failure in r.failures:
            print(f"  document {r.document} (case {refs.get(r.case_id, r.case_id)}): {FAILURES[failure]}")
        for note in r.notes:
            print(f"  document {r.document} (case {refs.get(r.case_id, r.case_id)}): note: {note}")
    return 0 if summary["ok"] else 1


def cmd_backup(args) -> int:
    """An encrypted, signed archive of the whole instance (comity.backup.service; docs/operations.md)."""
    _django()
    from comity.backup import service

    try:
        passphrase = service.read_passphrase(file=args.passphrase_file, confirm=True)
        out = service.take_backup(args.out, passphrase=passphrase)
    except ComityError as e:
        return _fail(e, args.json)
    print(json.dumps(out, indent=2) if args.json else service.backup_text(out))
    return 0


def cmd_restore(args) -> int:
    """Restore an archive into a fresh data folder and an empty database (comity.backup.service)."""
    _django()
    from comity.backup import service
    from comity.backup.archive import Limits

    try:
        passphrase = service.read_passphrase(file=args.passphrase_file)
        out = service.restore(args.file, passphrase=passphrase, force=args.force, expected_signer=args.signer,
                              limits=Limits(max_members=args.max_members, max_bytes=args.max_bytes,
                                            max_member_bytes=args.max_bytes))
    except ComityError as e:
        return _fail(e, args.json)
    print(json.dumps(out, indent=2) if args.json else service.restore_text(out))
    return 0


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
    s = sub.add_parser("enrolment-code", help="issue a one-time code an account needs to set up its second factor")
    s.add_argument("username")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_enrolment_code)
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
    s = sub.add_parser("check", help="system checks: keys, data folder permissions, documents encrypted")
    s.set_defaults(func=cmd_check)
    s = sub.add_parser("encrypt-documents", help="encrypt case documents stored in clear by an earlier version")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_encrypt_documents)
    s = sub.add_parser("audit", help="tamper-evident audit log: sign, verify, witness, prove, export")
    a = s.add_subparsers(dest="audit_command", required=True)
    a.add_parser("sign", help="sign the current tree head now")
    a.add_parser("public-key", help="print the log's Ed25519 public key (PEM)")
    v = a.add_parser("verify", help="recompute the log from the stored events and check every signed head")
    v.add_argument("--checkpoints", help="JSON lines of signed tree heads an oversight body kept")
    v.add_argument("--strict", action="store_true", help="fail if events are newer than the latest signed head")
    v.add_argument("--fast", action="store_true",
                   help="check the log entries against the signed heads only, not each event's columns")
    v.add_argument("--witness-file", action="append", metavar="FILE",
                   help="a witness's file of cosigned heads (repeatable; default: COMITY_WITNESS_FILE, comma-separated)")
    v.add_argument("--witness-key", action="append", metavar="PEM",
                   help="a witness's public key (repeatable; default: COMITY_WITNESS_KEYS, comma-separated)")
    v.add_argument("--require-witness", action="store_true",
                   help="exit with code 3 when no witnessed tree head is available")
    v.add_argument("--json", action="store_true")
    w = a.add_parser("witness", help="as an oversight body: cosign the instance's latest tree head into your "
                                     "witness file if it extends the last one you cosigned")
    w_from = w.add_mutually_exclusive_group(required=True)
    w_from.add_argument("--url", help="a running instance (token in COMITY_WITNESS_TOKEN)")
    w_from.add_argument("--db", action="store_true", help="the instance's database, when run on its host")
    w.add_argument("--file", required=True, help="the witness's own file of cosigned heads (JSON lines, appended to)")
    w.add_argument("--key", required=True, help="the witness's Ed25519 private key (PEM; comity ledger keygen); "
                                                "passphrase in COMITY_WITNESS_KEY_PASSPHRASE")
    w.add_argument("--instance-key", action="append", metavar="PEM",
                   help="the instance's public key(s) to trust (default: the key the instance presents, as long as "
                        "it is the one that signed the heads already cosigned)")
    w.add_argument("--sign", action="store_true", help="with --db: sign a fresh tree head first")
    w.add_argument("--json", action="store_true")
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
    s = sub.add_parser("documents", help="case documents: verify the table and the files against the audit log")
    d = s.add_subparsers(dest="documents_command", required=True)
    dv = d.add_parser("verify", help="every document logged, unchanged, its file intact (exit 1 if not)")
    dv.add_argument("--case", help="only this case (its reference)")
    dv.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_documents)
    s = sub.add_parser("backup", help="write an encrypted, signed archive of the database, documents, evidence and keys")
    s.add_argument("--out", required=True, help="the archive to write (must not exist)")
    s.add_argument("--passphrase-file", help="read the passphrase from this file (default: COMITY_BACKUP_PASSPHRASE, "
                                             "else asked on the terminal)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_backup)
    s = sub.add_parser("restore", help="restore an archive into a fresh data folder and an empty database")
    s.add_argument("file")
    s.add_argument("--passphrase-file", help="as for backup")
    s.add_argument("--force", action="store_true",
                   help="replace an instance that holds data (what is replaced is kept beside it)")
    s.add_argument("--signer", help="the key id (hex) the archive must be signed by: the instance's ledger key")
    s.add_argument("--max-members", type=int, default=1_000_000, help="refuse archives with more members")
    s.add_argument("--max-bytes", type=int, default=1 << 40, help="refuse archives whose members add up to more")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_restore)
    sub.add_parser("law", help="computable law: comity law --help", add_help=False)
    sub.add_parser("assess", help="explained assessment of facts: comity assess FILE.json | - | --vocabulary",
                   add_help=False)
    sub.add_parser("draft", help="request builder: comity draft check|generate REQUEST --user NAME", add_help=False)
    sub.add_parser("evidence", help="evidence register and chain of custody: comity evidence --help",
                   add_help=False)
    sub.add_parser("ledger", help="offline Merkle log tools for oversight bodies: comity ledger --help",
                   add_help=False)
    sub.add_parser("exchange", help="exchange with other authorities' instances: comity exchange --help",
                   add_help=False)
    sub.add_parser("remote", help="call a Comity instance's API, every operation (no database needed): comity "
                                  "remote --help", add_help=False)
    sub.add_parser("screen", help="screen names against watchlists across scripts (no database needed): comity "
                                  "screen --help", add_help=False)
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
    if argv and argv[0] == "exchange":
        from comity.courier.cli import main as exchange_main

        return exchange_main(argv[1:])
    if argv and argv[0] == "remote":
        from comity.client.cli import main as remote_main

        return remote_main(argv[1:])
    if argv and argv[0] == "screen":
        from comity.screening.cli import main as screen_main

        return screen_main(argv[1:])
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
