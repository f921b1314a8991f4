"""`comity exchange …`: this instance's identity, the trust list, the outbox and the delivery worker."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time

from comity.errors import ComityError, cli_fail


def _django():
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")
    import django

    django.setup()


def _user(name: str):
    from django.contrib.auth import get_user_model

    from comity.errors import NotFound

    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        raise NotFound({"user": f"no account {name!r}"})
    return user


def _out(args, data, text: str) -> None:
    print(json.dumps(data, indent=1, default=str) if getattr(args, "json", False) else text)


def cmd_init(args):
    from comity.courier import local
    from comity.exchange import fingerprint, format_fingerprint

    local.initialise(authority=args.authority, state=args.state, name=args.name, role=args.role,
                     endpoint=args.endpoint)
    ident = local.identity()
    fp = fingerprint(ident)
    _out(args, {"authority": ident.authority, "fingerprint": fp, "tls_certificate_sha256": ident.tls_certificate_sha256},
         f"Exchange identity made for {ident.authority}.\nFingerprint (read it to your peers): {format_fingerprint(fp)}")


def cmd_identity(args):
    from comity.courier import local

    text = local.identity_file()
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


def cmd_fingerprint(args):
    from comity.courier import local
    from comity.exchange import fingerprint, format_fingerprint

    fp = fingerprint(local.identity())
    _out(args, {"authority": local.authority(), "fingerprint": fp}, format_fingerprint(fp))


def cmd_peer(args):
    from comity.courier import actions
    from comity.courier.models import Peer
    from comity.exchange import format_fingerprint

    if args.peer_command == "import":
        with open(args.file) as f:
            peer = actions.do_import_peer(f.read(), acting_user=_user(args.user), via="cli")
        _out(args, {"authority": peer.authority, "status": peer.status, "fingerprint": peer.fingerprint},
             f"Imported {peer.name} ({peer.authority}), not yet trusted.\nCompare this fingerprint with the "
             f"authority by telephone or in person, then run `comity exchange peer confirm`:\n"
             f"  {format_fingerprint(peer.fingerprint)}")
    elif args.peer_command == "confirm":
        peer = Peer.objects.filter(authority=args.authority).first()
        if peer is None:
            raise ComityError({"authority": f"no imported peer {args.authority}"})
        actions.do_confirm_peer(peer, fingerprint_read=args.fingerprint, how=args.how, acting_user=_user(args.user),
                                via="cli")
        _out(args, {"authority": peer.authority, "status": peer.status}, f"{peer.authority} is now trusted.")
    else:
        rows = [{"authority": p.authority, "name": p.name, "status": p.status, "fingerprint": p.fingerprint,
                 "endpoint": p.endpoint} for p in Peer.objects.all()]
        _out(args, rows, "\n".join(f"{r['authority']:24} {r['status']:8} {r['name']}" for r in rows) or "no peers")


def cmd_rotate(args):
    from comity.courier import actions
    from comity.exchange import fingerprint, format_fingerprint

    ident = actions.do_rotate_keys(overlap_days=args.overlap_days, acting_user=_user(args.user))
    _out(args, {"fingerprint": fingerprint(ident)}, f"New keys. Fingerprint: {format_fingerprint(fingerprint(ident))}")


def cmd_outbox(args):
    from comity.courier.models import Message

    rows = [{"message": m.mid, "direction": m.direction, "type": m.type, "peer": m.peer.authority,
             "status": m.status, "attempts": m.attempts, "last_error": m.last_error,
             "evidence": [e.type for e in m.evidence.all()]}
            for m in Message.objects.select_related("peer").prefetch_related("evidence").order_by("-pk")[:args.limit]]
    _out(args, rows, "\n".join(f"{r['direction']:3} {r['type']:20} {r['status']:10} {r['peer']:20} "
                               f"{','.join(r['evidence'])} {r['last_error']}" for r in rows) or "no messages")


def cmd_seed(args):
    from comity.courier.actions import do_seed_directory

    n = do_seed_directory()
    _out(args, {"created": n}, f"{n} directory entries made from the country profiles.")


def cmd_directory(args):
    from comity.courier.actions import do_save_directory_entry
    from comity.courier.models import DirectoryEntry

    if args.directory_command == "add":
        entry = do_save_directory_entry(None, data={
            "state": args.state, "name": args.name, "kind": args.kind, "cooperation": args.cooperation,
            "languages": args.languages, "channel": args.channel, "peer": args.peer, "email": args.email,
            "source": "administrator (command line)"}, acting_user=_user(args.user), via="cli")
        _out(args, {"id": entry.pk}, f"Directory entry {entry.pk}: {entry}")
        return
    rows = [{"id": e.pk, "state": e.state, "name": e.name, "kind": e.kind, "channel": e.channel,
             "cooperation": e.cooperation, "languages": e.languages, "peer": e.peer.authority if e.peer else None}
            for e in DirectoryEntry.objects.select_related("peer").filter(
                **({"state": args.state.upper()} if args.state else {}))]
    _out(args, rows, "\n".join(f"{r['state']} {r['kind']:18} {r['channel']:10} {r['name']}" for r in rows)
         or "no entries")


def cmd_worker(args):
    """django-tasks' database worker for the exchange queue, with a sweeper that re-queues overdue messages."""
    from django.core.management import call_command

    from comity.courier.actions import sweep

    stop = threading.Event()

    def sweeper():
        while not stop.wait(args.sweep_seconds):
            try:
                sweep()
            except Exception as e:  # noqa: BLE001 - the database may be briefly unavailable; try again
                print(f"sweep failed: {e}", file=sys.stderr)

    sweep()
    if not args.batch:
        threading.Thread(target=sweeper, daemon=True).start()
    try:
        call_command("db_worker", queue_name="exchange", interval=args.interval, batch=args.batch,
                     startup_delay=False, reload=False)
    finally:
        stop.set()
        time.sleep(0)


def cmd_demo(args):
    from comity.courier.demo import run

    result = run(keep=args.keep, say=(lambda *_: None) if args.json else print)
    if args.json:
        print(json.dumps(result, indent=1))


def build_parser():
    p = argparse.ArgumentParser(prog="comity exchange", description=__doc__)
    p.add_argument("--json", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("init", help="make this instance's exchange identity, keys and TLS certificate")
    s.add_argument("--authority", required=True, help="e.g. FR:bepi (State code, colon, short name)")
    s.add_argument("--state", required=True)
    s.add_argument("--name", required=True)
    s.add_argument("--role", default="central_authority")
    s.add_argument("--endpoint", required=True, help="https://host:port/exchange/v1/")
    s.set_defaults(func=cmd_init)
    s = sub.add_parser("identity", help="print (or --out FILE) the signed identity file peers import")
    s.add_argument("--out")
    s.set_defaults(func=cmd_identity)
    s = sub.add_parser("fingerprint", help="this instance's fingerprint, to read to a peer")
    s.set_defaults(func=cmd_fingerprint)
    s = sub.add_parser("peer", help="the trust list: import, confirm, list")
    ps = s.add_subparsers(dest="peer_command", required=True)
    pi = ps.add_parser("import")
    pi.add_argument("file")
    pi.add_argument("--user", required=True, help="the administrator doing it")
    pc = ps.add_parser("confirm")
    pc.add_argument("authority")
    pc.add_argument("--fingerprint", required=True, help="the fingerprint as the peer read it to you")
    pc.add_argument("--how", required=True, help="how you compared it (who, which telephone number)")
    pc.add_argument("--user", required=True)
    ps.add_parser("list")
    s.set_defaults(func=cmd_peer)
    s = sub.add_parser("rotate-keys", help="new keys; trusted peers receive them signed with the old key")
    s.add_argument("--overlap-days", type=int, default=30)
    s.add_argument("--user", required=True)
    s.set_defaults(func=cmd_rotate)
    s = sub.add_parser("outbox", help="messages sent and received, with their evidence")
    s.add_argument("--limit", type=int, default=50)
    s.set_defaults(func=cmd_outbox)
    s = sub.add_parser("seed-directory", help="one central-authority entry per State from the country profiles")
    s.set_defaults(func=cmd_seed)
    s = sub.add_parser("directory", help="competent authorities: list, add")
    ds = s.add_subparsers(dest="directory_command", required=True)
    dl = ds.add_parser("list")
    dl.add_argument("--state")
    da = ds.add_parser("add")
    da.add_argument("--state", required=True)
    da.add_argument("--name", required=True)
    da.add_argument("--kind", default="central_authority")
    da.add_argument("--cooperation", nargs="+", default=["mla"])
    da.add_argument("--languages", nargs="*", default=[])
    da.add_argument("--channel", default="comity")
    da.add_argument("--peer", default="")
    da.add_argument("--email", default="")
    da.add_argument("--user", required=True)
    s.set_defaults(func=cmd_directory)
    s = sub.add_parser("worker", help="deliver the outbox (django-tasks database worker)")
    s.add_argument("--batch", action="store_true", help="deliver what is due, then exit")
    s.add_argument("--interval", type=float, default=0.5)
    s.add_argument("--sweep-seconds", type=float, default=5)
    s.set_defaults(func=cmd_worker)
    s = sub.add_parser("demo", help="two instances on loopback exchange a request (a minute; nothing kept)")
    s.add_argument("--keep", action="store_true", help="keep both instances running until Ctrl-C")
    s.set_defaults(func=cmd_demo)
    return p


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv  # accepted before or after the subcommand
    args = build_parser().parse_args([a for a in argv if a != "--json"])
    args.json = as_json
    if args.command != "demo":  # the demonstration makes its own instances
        _django()
    try:
        args.func(args)
    except ComityError as e:
        return cli_fail(e, getattr(args, "json", False))
    return 0
