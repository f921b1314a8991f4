"""What the Django-backed benchmarks share: accounts they can reuse, a check that what was timed is what
was meant to be timed, and bulk appends to the audit log that keep it a valid Merkle log.

Benchmarks run on whatever instance COMITY_DATA_DIR / DATABASE_URL name (`make bench` uses the project's
`var/` folder, the same instance `make run` serves), so they must run again on an instance that already
has data: accounts are reused (or named for the run), generated data is reused when it is there, and
every event a benchmark adds to the log is a real log entry, so `comity audit verify` still passes.
Call `django.setup()` before importing this module.
"""

from __future__ import annotations

import re
import secrets
import string

from django.db import transaction

PASSWORD = "bench-password-2026-correct-horse"


class BenchmarkError(SystemExit):
    """A benchmark that timed the wrong thing stops with the reason (exit status 1)."""

    def __init__(self, message: str):
        super().__init__(f"BENCHMARK FAILED: {message}")


def run_tag(n: int = 6) -> str:
    """Letters naming this run's accounts and data (no digits: it goes into searched names)."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(n))


def account(username: str, role: str):
    """The benchmark's account: reused when an earlier run created it, created (with a second factor)
    otherwise. Its role must be the one asked for (a reused name with another role is refused)."""
    from comity.accounts.actions import do_create_user, do_enrol_totp
    from comity.accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        user = do_create_user(username=username, password=PASSWORD, role=role)
        do_enrol_totp(user)
    elif user.role != role:
        raise BenchmarkError(f"the account {username!r} exists with the role {user.role!r}, not {role!r}")
    return user


def expect(resp, *, status: int = 200, content_type: str | None = None, what: str = "") -> None:
    """Fail loudly unless the response is the one the benchmark meant to time (its status and the type
    of its content), naming what came instead and the errors the page or the API gave."""
    got_type = resp.get("Content-Type", "")
    if resp.status_code == status and (not content_type or got_type.startswith(content_type)):
        return
    body = b"" if getattr(resp, "streaming", False) else resp.content
    text = body.decode("utf-8", "replace")
    found = re.findall(r'class="errorlist[^"]*">(.*?)</(?:ul|div)>', text, re.DOTALL)
    errors = [re.sub(r"<[^>]+>", " ", m) for m in found]
    detail = "; ".join(" ".join(e.split()) for e in errors) or " ".join(re.sub(r"<[^>]+>", " ", text).split())[:300]
    raise BenchmarkError(f"{what or 'the timed request'} answered {resp.status_code} {got_type!r}, not {status}"
                         f"{' ' + repr(content_type) if content_type else ''}: {detail}")


def append_events(rows) -> int:
    """Append events to the audit log in bulk, as real log entries (position, leaf hash, canonical
    entry, cached subtrees), under the log's lock. `rows` yields dicts of AuditEvent fields (with
    `actor` as a user or None). Returns how many were appended. Benchmark data only: the events still
    go through the log's encoding, but not through the actions and their schema check."""
    from comity.audit import ledger
    from comity.audit.models import AuditEvent, LedgerState, LedgerSubtree
    from comity.ledger import CompactRange, canonical_event_bytes, leaf_hash

    n = 0
    with transaction.atomic():
        state = LedgerState.objects.select_for_update().get(pk=1)
        compact = CompactRange.from_dict(state.compact) if state.compact else CompactRange()
        batch, subtrees = [], []
        for fields in rows:
            actor = fields.pop("actor", None)
            fields.setdefault("actor_label", actor.username if actor is not None else "")
            seq = compact.size
            entry = canonical_event_bytes(ledger.leaf_event(seq=seq, **fields))
            h = leaf_hash(entry)
            subtrees += [LedgerSubtree(level=lv, index=ix, hash=x.hex()) for lv, ix, x in compact.append(h)
                         if lv >= ledger.CACHE_MIN_LEVEL]
            batch.append(AuditEvent(seq=seq, leaf_hash=h.hex(), leaf=entry.decode(), actor=actor, **fields))
            n += 1
            if len(batch) == 20_000:
                AuditEvent.objects.bulk_create(batch)
                batch = []
        AuditEvent.objects.bulk_create(batch)
        LedgerSubtree.objects.bulk_create(subtrees, batch_size=5000)
        LedgerState.objects.filter(pk=1).update(size=compact.size, compact=compact.to_dict())
    return n
