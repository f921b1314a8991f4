"""Every change the oversight app makes goes through a function here, and so do the reads of personal
data it serves (the console's searches, redress matters, sealed identities), which are logged.

Each action validates first (InvalidInput with a reason per field, nothing stored half-way), runs in
one transaction that writes its audit event through comity.audit.record, and deletes files only after
the transaction commits.
"""

from __future__ import annotations

import calendar
import dataclasses
import functools
import datetime as dt
import hashlib
import json
from pathlib import Path

import yaml
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from comity import audit, law
from comity.accounts.models import Role, User
from comity.audit.models import AuditEvent
from comity.cases.actions import is_member, require_member
from comity.cases.models import Case, CaseMembership, Document, Entity, Note, Task, Transition
from comity.cases.validation import date_error, parse_date, text_error
from comity.errors import InvalidInput, NotAllowed, NotFound
from comity.oversight import seal
from comity.oversight.models import (CaseDisposal, ProtectedPerson, RedressKind, RedressMatter, Regime,
                                     RequesterCapacity, RetentionUndertaking, UnsealingRequest)

DATA = Path(__file__).parent / "data"
CONSOLE_ROLES = {Role.OVERSIGHT, Role.ADMIN}
PAGE_SIZE = 50
REPORT_MAX_EVENTS = 1000  # WeasyPrint renders about 100 rows a second; bulk exports: `comity audit export`
MIN_PURPOSE = 10


def _check(errors: dict) -> None:
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise InvalidInput(errors)


def _purpose_error(value) -> str | None:
    err = text_error(value, required=True, max_length=500)
    if err:
        return err
    if len(value.strip()) < MIN_PURPOSE:
        return f"say why (at least {MIN_PURPOSE} characters)"
    return None


def _choice_error(value, choices) -> str | None:
    if value in (None, ""):
        return "is required"
    if value not in choices.values:
        return f"{value!r} is not one of: {', '.join(choices.values)}"
    return None


def _next_reference(prefix: str, model) -> str:
    stem = f"{prefix}-{timezone.now().year}-"
    last = (model.objects.filter(reference__startswith=stem).order_by("-reference")
            .values_list("reference", flat=True).first())
    return f"{stem}{(int(last.rsplit('-', 1)[1]) + 1) if last else 1:06d}"


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months; the 31st becomes the last day of a shorter month."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _date_field(value, name: str, errors: dict, *, allow_future=True) -> dt.date | None:
    try:
        d = parse_date(value)
    except ValueError as e:
        errors[name] = str(e)
        return None
    errors[name] = date_error(d, allow_future=allow_future)
    return d


# --- the console: search the audit log ---------------------------------------------------------------

def require_console(user) -> None:
    if not user.is_authenticated or user.role not in CONSOLE_ROLES:
        raise NotAllowed("The oversight console is open to oversight users and administrators.")


FILTER_FIELDS = ("person", "case", "user", "purpose", "event_type", "category", "date_from", "date_to")


@dataclasses.dataclass(frozen=True)
class EventFilters:
    person: str = ""
    case: str = ""
    user: str = ""
    purpose: str = ""
    event_type: str = ""
    category: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_params(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in dataclasses.asdict(self).items() if v}

    def for_log(self) -> dict:
        """The filters as the audit event keeps them: the person's name only as a SHA-256 of its
        normalised form, so the log shows which search was made without holding the name itself
        (which a later disposal could not remove from the append-only log)."""
        out = self.as_params()
        if self.person:
            out["person"] = "sha256:" + hashlib.sha256(" ".join(self.person.lower().split()).encode()).hexdigest()
        return out


def parse_filters(data) -> EventFilters:
    """Filters from a form or query string; InvalidInput names each bad field."""
    get = (lambda k: (data.get(k) or "").strip()) if data is not None else (lambda k: "")
    errors = {f: text_error(get(f), required=False, max_length=200) for f in ("person", "case", "user", "purpose",
                                                                               "event_type")}
    category = get("category")
    if category and category not in AuditEvent.Category.values:
        errors["category"] = f"{category!r} is not one of: {', '.join(AuditEvent.Category.values)}"
    date_from = _date_field(get("date_from"), "date_from", errors)
    date_to = _date_field(get("date_to"), "date_to", errors)
    if date_from and date_to and date_to < date_from:
        errors["date_to"] = f"{date_to.isoformat()} is before the start date {date_from.isoformat()}"
    if get("person") and len(get("person")) < 2:
        errors["person"] = "give at least 2 characters of the name"
    _check(errors)
    return EventFilters(person=get("person"), case=get("case"), user=get("user"), purpose=get("purpose"),
                        event_type=get("event_type"), category=category, date_from=date_from, date_to=date_to)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def search_events(f: EventFilters):
    """The audit events matching the filters, newest first. One SQL query whatever the filters: the
    person and case filters are subqueries on the cases holding that person or reference."""
    qs = AuditEvent.objects.all()
    if f.person:
        # Cases holding an entity by that name; every event on them (case, requests, documents,
        # entity exports) carries the case id.
        qs = qs.filter(case_id__in=Entity.objects.filter(caption__icontains=f.person).values("case_id"))
    if f.case:
        qs = qs.filter(case_id__in=Case.objects.filter(reference__iexact=f.case).values("pk"))
    if f.user:
        qs = qs.filter(actor_label__iexact=f.user)
    if f.purpose:
        qs = qs.filter(purpose__icontains=f.purpose)
    if f.event_type:
        qs = qs.filter(Q(event_type=f.event_type) | Q(event_type__startswith=f.event_type.rstrip(".") + "."))
    if f.category:
        qs = qs.filter(category=f.category)
    if f.date_from:
        qs = qs.filter(time__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(time__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    return qs.order_by("-seq", "-id")


def do_record_console_access(*, acting_user: User, what: str, purpose: str, filters: EventFilters,
                             results: int, page: int | None = None, via: str = "web") -> AuditEvent:
    """Log an oversight user's read in the console: who, when, what they searched for and why."""
    require_console(acting_user)
    _check({"reason": _purpose_error(purpose)})
    new = {"filters": filters.for_log(), "results": results}
    if page is not None:
        new["page"] = page
    with transaction.atomic():
        return audit.record(f"access.oversight_{what}", actor=acting_user, purpose=purpose.strip(),
                            category="access", via=via, new=new)


def case_references(case_ids) -> dict[int, str]:
    return dict(Case.objects.filter(pk__in={c for c in case_ids if c}).values_list("pk", "reference"))


# --- the signed report ---------------------------------------------------------------------------------

REPORT_CONTEXT = b"comity-oversight-report/v1\n"


@dataclasses.dataclass
class Report:
    generated_at: dt.datetime
    generated_by: str
    purpose: str
    filters: EventFilters
    events: list
    references: dict
    head: dict
    public_key_id: str
    verified: bool
    problems: list
    digest: str
    signature: str
    audit_seq: int


def _report_digest(filters: EventFilters, events, head: dict, generated_at: dt.datetime, by: str) -> bytes:
    body = {"generated_at": generated_at.isoformat(), "generated_by": by, "filters": filters.as_params(),
            "tree_head": head, "events": [[e.seq, e.leaf_hash] for e in events]}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).digest()


class _BlockCachedStore:
    """Reads the log's leaf hashes in aligned blocks of 256 (one query per block, kept) and keeps
    the subtree roots it looks up, so proofs for many events of one report share their reads."""

    BLOCK = 256

    def __init__(self, inner):
        from comity.ledger import LeafHashStore

        inner_size = inner.tree_size()
        blocks: dict[int, list] = {}
        subtrees: dict = {}
        B = self.BLOCK

        class Store(LeafHashStore):
            def tree_size(self) -> int:
                return inner_size

            def leaf_hashes(self, start: int, stop: int):
                out = []
                b = start // B
                while b * B < stop:
                    if b not in blocks:
                        blocks[b] = list(inner.leaf_hashes(b * B, min((b + 1) * B, inner_size)))
                    out.extend(blocks[b][max(start, b * B) - b * B:min(stop, (b + 1) * B) - b * B])
                    b += 1
                return out

            def cached_subtree(self, level: int, index: int):
                key = (level, index)
                if key not in subtrees:
                    subtrees[key] = inner.cached_subtree(level, index)
                return subtrees[key]

            def cache_subtree(self, level: int, index: int, value: bytes) -> None:
                subtrees[(level, index)] = value

        self.store = Store()


def check_against_head(events, head) -> list[str]:
    """Check the tree head's signature, each event's stored bytes against its leaf hash, and each
    event's inclusion in the head's tree. Returns the problems found (empty when all is well)."""
    from comity.audit import ledger as db_ledger
    from comity.ledger import (LedgerError, canonical_event_bytes, leaf_hash, prove_inclusion, verify_inclusion,
                               verify_tree_head)

    problems = []
    signed = head.to_signed()
    try:
        verify_tree_head(signed, [db_ledger.private_key().public_key()])
    except LedgerError as e:
        problems.append(f"tree head: {e}")
    store = _BlockCachedStore(db_ledger.DatabaseLeafStore()).store
    for ev in events:
        if ev.seq is None or ev.seq >= head.size:
            problems.append(f"event {ev.pk} is not covered by the tree head of size {head.size}")
            continue
        recomputed = leaf_hash(canonical_event_bytes(db_ledger.event_dict(ev)))
        if recomputed.hex() != ev.leaf_hash:
            problems.append(f"event seq {ev.seq}: its stored content does not match its leaf hash (edited)")
            continue
        try:
            proof = prove_inclusion(store, ev.seq, head.size)
            verify_inclusion(recomputed, ev.seq, head.size, proof.inclusion_path, signed.root_hash)
        except LedgerError as e:
            problems.append(f"event seq {ev.seq}: not included in the signed tree ({e})")
    return problems


def do_export_report(*, filters: EventFilters, purpose: str, acting_user: User, via: str = "web") -> Report:
    """Log the export, sign a tree head that covers it, check every listed event against that head,
    and sign the report's digest with the instance's key."""
    from comity.audit import ledger as db_ledger
    from comity.ledger import key_id

    require_console(acting_user)
    _check({"reason": _purpose_error(purpose)})
    events = list(search_events(filters)[:REPORT_MAX_EVENTS + 1])
    if len(events) > REPORT_MAX_EVENTS:
        raise InvalidInput({"filters": f"more than {REPORT_MAX_EVENTS} events match; narrow the search for a report"})
    with transaction.atomic():
        ev = audit.record("access.oversight_report", actor=acting_user, purpose=purpose.strip(), category="access",
                          via=via, new={"filters": filters.for_log(), "results": len(events)})
        head = db_ledger.sign_current_head()
    problems = check_against_head(events, head)
    generated_at = timezone.now()
    head_dict = head.as_dict()
    digest = _report_digest(filters, events, head_dict, generated_at, acting_user.username)
    key = db_ledger.private_key()
    references = case_references(e.case_id for e in events)
    for e in events:
        e.case_reference = references.get(e.case_id, "")
    return Report(generated_at=generated_at, generated_by=acting_user.username, purpose=purpose.strip(),
                  filters=filters, events=events, references=references,
                  head=head_dict, public_key_id=key_id(key.public_key()), verified=not problems, problems=problems,
                  digest=digest.hex(), signature=key.sign(REPORT_CONTEXT + digest).hex(), audit_seq=ev.seq)


# --- redress --------------------------------------------------------------------------------------------

REDRESS_FILERS = {Role.OVERSIGHT, Role.ADMIN, Role.SUPERVISOR, Role.CASEWORKER, Role.PROSECUTOR, Role.DEFENCE}
REDRESS_DECIDERS = {Role.SUPERVISOR, Role.ADMIN}
REDRESS_READERS = {Role.OVERSIGHT, Role.ADMIN, Role.SUPERVISOR}


@functools.cache
def redress_regimes() -> dict:
    with open(DATA / "redress.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)["regimes"]


@dataclasses.dataclass(frozen=True)
class RedressClock:
    due: dt.date
    citation: str
    verified: bool
    extension_months: int
    extended_due: dt.date | None = None


def redress_clock(regime: str, kind: str, received: dt.date) -> RedressClock:
    """The date a decision is due under the regime, with the rule it comes from."""
    spec = redress_regimes()[regime]
    if "law_clocks" in spec:
        code = spec["law_clocks"][kind]
        found = [c for c in law.clocks("notices", regime, {"request_received": received}) if c.code == code]
        if not found:
            raise RuntimeError(f"the computable law has no clock {code!r} for {regime}")
        c = found[0]
        return RedressClock(c.due, c.citation, bool(c.verified), int(spec.get("extension_months", 0)))
    months, extension = int(spec["months"]), int(spec.get("extension_months", 0))
    return RedressClock(add_months(received, months), spec["citation"], bool(spec.get("verified")), extension,
                        add_months(received, months + extension) if extension else None)


def _resolve_cases(references, acting_user, errors) -> list[Case]:
    refs = [r.strip() for r in (references or []) if r and r.strip()]
    if not refs:
        return []
    found = {c.reference.upper(): c for c in Case.objects.filter(reference__in=[r.upper() for r in refs])}
    cases, unknown = [], []
    for r in refs:
        c = found.get(r.upper())
        # A case the user may not see is reported exactly like one that does not exist.
        if c is None or not (acting_user.role in (Role.OVERSIGHT, Role.ADMIN) or is_member(c, acting_user)):
            unknown.append(r)
        else:
            cases.append(c)
    if unknown:
        errors["cases"] = f"no case with the reference {', '.join(unknown)}"
    return cases


def do_file_redress(*, requester_name: str, requester_capacity: str, person_described: str, kind: str,
                    regime: str, received, details: str = "", case_references=(), acting_user: User,
                    via: str = "web") -> RedressMatter:
    """File an access, correction or deletion request; it becomes a matter with its legal clock."""
    if acting_user.role not in REDRESS_FILERS:
        raise NotAllowed("Your role may not file redress requests.")
    errors = {"requester_name": text_error(requester_name, required=True, max_length=200),
              "requester_capacity": _choice_error(requester_capacity, RequesterCapacity),
              "person_described": text_error(person_described, required=True, max_length=2000),
              "kind": _choice_error(kind, RedressKind), "regime": _choice_error(regime, Regime),
              "details": text_error(details, required=False, max_length=20000)}
    received_day = _date_field(received, "received", errors, allow_future=False)
    if received_day is None and not errors.get("received"):
        errors["received"] = "is required (the day the request reached us)"
    cases = _resolve_cases(case_references, acting_user, errors)
    _check(errors)
    clock = redress_clock(regime, kind, received_day)
    with transaction.atomic():
        matter = RedressMatter.objects.create(
            reference=_next_reference("RDR", RedressMatter), requester_name=requester_name.strip(),
            requester_capacity=requester_capacity, person_described=person_described.strip(), kind=kind,
            regime=regime, received=received_day, details=(details or "").strip(), due=clock.due,
            due_citation=clock.citation[:400], due_verified=clock.verified, created_by=acting_user)
        matter.cases.set(cases)
        # The log keeps what the matter is and its clock, not who it is about.
        audit.record("redress.filed", actor=acting_user, case=cases[0] if len(cases) == 1 else None, obj=matter,
                     via=via, new={"reference": matter.reference, "kind": kind, "regime": regime,
                                   "received": received_day, "due": clock.due,
                                   "cases": [c.reference for c in cases]})
    return matter


def redress_matter_for(pk, user) -> RedressMatter:
    """A matter the user may read (their own filings, or oversight, supervisors, administrators)."""
    m = RedressMatter.objects.filter(pk=pk).prefetch_related("cases").first()
    if m is None or not (user.role in REDRESS_READERS or m.created_by_id == user.pk):
        raise NotFound("No such redress matter.")
    return m


def do_record_redress_access(matter: RedressMatter, *, acting_user: User, via: str = "web") -> None:
    cases = list(matter.cases.all())
    with transaction.atomic():
        audit.record("access.redress_matter", actor=acting_user, case=cases[0] if len(cases) == 1 else None,
                     obj=matter, purpose=f"handling redress matter {matter.reference}", category="access", via=via)


def do_extend_redress(matter: RedressMatter, *, reason: str, acting_user: User, via: str = "web") -> RedressMatter:
    if acting_user.role not in REDRESS_DECIDERS:
        raise NotAllowed("Only a supervisor or an administrator may extend the period.")
    clock = redress_clock(matter.regime, matter.kind, matter.received)
    errors = {"reason": _purpose_error(reason)}
    if not clock.extension_months:
        errors["extension"] = f"the {matter.get_regime_display()} regime allows no extension"
    elif matter.extended_due:
        errors["extension"] = "the period has already been extended"
    if matter.status != RedressMatter.Status.OPEN:
        errors["extension"] = "the matter is decided"
    _check(errors)
    with transaction.atomic():
        matter = RedressMatter.objects.select_for_update().get(pk=matter.pk)
        matter.extended_due = clock.extended_due
        matter.extension_reason = reason.strip()
        matter.save(update_fields=["extended_due", "extension_reason"])
        audit.record("redress.extended", actor=acting_user, obj=matter, via=via,
                     old={"due": matter.due}, new={"due": matter.extended_due, "reason": matter.extension_reason})
    return matter


def do_decide_redress(matter: RedressMatter, *, decision: str, reasons: str, decided_on=None, acting_user: User,
                      via: str = "web") -> RedressMatter:
    """Record the decision and its reasons; the matter shows whether it met its legal clock."""
    if acting_user.role not in REDRESS_DECIDERS:
        raise NotAllowed("Only a supervisor or an administrator may record a decision.")
    errors = {"decision": _choice_error(decision, RedressMatter.Decision),
              "reasons": text_error(reasons, required=True, max_length=20000)}
    if not errors["reasons"] and len(reasons.strip()) < 20:
        errors["reasons"] = "give the reasons for the decision (at least 20 characters)"
    day = _date_field(decided_on, "decided_on", errors, allow_future=False) or timezone.localdate()
    if not errors.get("decided_on") and day < matter.received:
        errors["decided_on"] = f"{day.isoformat()} is before the request was received ({matter.received.isoformat()})"
    if matter.status != RedressMatter.Status.OPEN:
        errors["decision"] = "the matter is already decided"
    _check(errors)
    with transaction.atomic():
        matter = RedressMatter.objects.select_for_update().get(pk=matter.pk)
        if matter.status != RedressMatter.Status.OPEN:
            raise InvalidInput({"decision": "the matter is already decided"})
        matter.status, matter.decision = RedressMatter.Status.DECIDED, decision
        matter.decision_reasons, matter.decided_on, matter.decided_by = reasons.strip(), day, acting_user
        matter.save(update_fields=["status", "decision", "decision_reasons", "decided_on", "decided_by"])
        audit.record("redress.decided", actor=acting_user, obj=matter, via=via, old={"status": "open"},
                     new={"status": matter.status, "decision": decision, "decided_on": day,
                          "in_time": matter.decided_in_time})
    return matter


# --- retention and disposal -------------------------------------------------------------------------------

@functools.cache
def retention_rules() -> dict:
    with open(DATA / "retention.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


@dataclasses.dataclass(frozen=True)
class Retention:
    proceedings_ended: dt.date | None
    due: dt.date | None
    basis: list  # [(date or None, explanation)]

    def expired(self, today: dt.date) -> bool:
        return self.due is not None and self.due <= today


def compute_retention(*, kinds, undertakings, proceedings_ended: dt.date | None) -> Retention:
    """The day a case's data is due for review: the default period of its longest-kept kind of
    request, counted from the end of the proceedings, or an earlier date an undertaking sets."""
    data = retention_rules()
    rules = data["rules"]
    candidates = []
    kinds = sorted(set(kinds)) or ["none"]
    longest = max(kinds, key=lambda k: rules.get(k, rules["none"])["years"])
    rule = rules.get(longest, rules["none"])
    text = (f"{rule['years']} years after the end of the proceedings for {longest.replace('_', ' ')} "
            f"({'policy' if rule.get('basis') == 'policy' else data['reference']}; {rule.get('note', '')})")
    candidates.append((add_months(proceedings_ended, 12 * rule["years"]) if proceedings_ended else None, text))
    for u in undertakings:
        if u.kind == RetentionUndertaking.Kind.BY_DATE and u.dispose_by:
            candidates.append((u.dispose_by, f"undertaking: dispose by {u.dispose_by.isoformat()} ({u.text})"))
        elif u.kind == RetentionUndertaking.Kind.AFTER_PROCEEDINGS and u.months_after_proceedings is not None:
            d = add_months(proceedings_ended, u.months_after_proceedings) if proceedings_ended else None
            candidates.append((d, f"undertaking: dispose {u.months_after_proceedings} months after the "
                                  f"proceedings ({u.text})"))
        elif u.kind == RetentionUndertaking.Kind.USE_LIMITATION:
            candidates.append((None, f"undertaking: use limited ({u.text})"))
    dates = [d for d, _ in candidates if d]
    return Retention(proceedings_ended, min(dates) if dates else None, candidates)


def _closed_on(case_ids) -> dict[int, dt.date]:
    """When each case was last closed, from the audit log (one query)."""
    rows = (AuditEvent.objects.filter(event_type="case.closed", case_id__in=list(case_ids))
            .values("case_id").annotate(last=Max("time")))
    return {r["case_id"]: timezone.localdate(r["last"]) for r in rows}


def retention_for_cases(cases) -> dict[int, Retention]:
    """Retention of several cases with a fixed number of queries (cases prefetched with
    `requests` and `retention_undertakings`)."""
    cases = list(cases)
    closed = _closed_on(c.pk for c in cases)
    return {c.pk: compute_retention(kinds=[r.kind for r in c.requests.all()],
                                    undertakings=list(c.retention_undertakings.all()),
                                    proceedings_ended=closed.get(c.pk) if c.state == Case.State.CLOSED else None)
            for c in cases}


def retention_for(case: Case) -> Retention:
    case = Case.objects.prefetch_related("requests", "retention_undertakings").get(pk=case.pk)
    return retention_for_cases([case])[case.pk]


def cases_due_for_review(user, today: dt.date | None = None) -> list[tuple[Case, Retention]]:
    """Cases whose retention has run out and that are not yet disposed of: a supervisor sees the
    cases they are a member of; oversight users and administrators see all (references only)."""
    today = today or timezone.localdate()
    qs = Case.objects.filter(disposal__isnull=True)
    if user.role not in (Role.OVERSIGHT, Role.ADMIN):
        qs = qs.filter(pk__in=Case.objects.visible_to(user).values("pk"))
    # A case is a candidate once it is closed or has a dispose-by undertaking.
    qs = qs.filter(Q(state=Case.State.CLOSED) | Q(retention_undertakings__kind=RetentionUndertaking.Kind.BY_DATE))
    qs = qs.distinct().prefetch_related("requests", "retention_undertakings").order_by("pk")
    cases = list(qs)
    ret = retention_for_cases(cases)
    return sorted(((c, ret[c.pk]) for c in cases if ret[c.pk].expired(today)), key=lambda x: x[1].due)


def do_record_undertaking(case: Case, *, kind: str, text: str, months_after_proceedings=None, dispose_by=None,
                          request=None, acting_user: User, via: str = "web") -> RetentionUndertaking:
    """Record an undertaking given about the case's data (e.g. in a request or its acceptance)."""
    require_member(case, acting_user)
    if acting_user.role in (Role.OVERSIGHT, Role.DEFENCE):
        raise NotAllowed("Your role may not record undertakings.")
    errors = {"kind": _choice_error(kind, RetentionUndertaking.Kind),
              "text": text_error(text, required=True, max_length=2000),
              "request": "belongs to another case" if request is not None and request.case_id != case.pk else None}
    months = None
    if kind == RetentionUndertaking.Kind.AFTER_PROCEEDINGS:
        try:
            months = int(months_after_proceedings)
            if not 0 <= months <= 1200:
                errors["months_after_proceedings"] = "must be between 0 and 1200"
        except (TypeError, ValueError):
            errors["months_after_proceedings"] = "give the number of months after the proceedings"
    elif months_after_proceedings not in (None, ""):
        errors["months_after_proceedings"] = "applies only to disposal after the proceedings"
    day = _date_field(dispose_by, "dispose_by", errors)
    if kind == RetentionUndertaking.Kind.BY_DATE and day is None and not errors.get("dispose_by"):
        errors["dispose_by"] = "give the date by which the data must be disposed of"
    elif kind != RetentionUndertaking.Kind.BY_DATE and day is not None:
        errors["dispose_by"] = "applies only to disposal by a date"
    _check(errors)
    with transaction.atomic():
        u = RetentionUndertaking.objects.create(case=case, request=request, kind=kind, text=text.strip(),
                                                months_after_proceedings=months, dispose_by=day,
                                                created_by=acting_user)
        audit.record("retention.undertaking_recorded", actor=acting_user, case=case, obj=u, via=via,
                     new={"kind": kind, "months_after_proceedings": months, "dispose_by": day,
                          "request": getattr(request, "reference", None)})
    return u


def providing_states(requests) -> list[str]:
    """The States that provided data: the requesting State of an incoming request, the requested
    State of an outgoing one (it sent back what was executed)."""
    states = {r.requesting_state if r.direction == "incoming" else r.requested_state for r in requests}
    return sorted(s for s in states if s)


DISPOSED = "[disposed]"


def _evidence_in_custody(case: Case) -> int:
    """Evidence items of the case whose chain of custody has not ended (returned or disposed of).
    Exhibits leave through their own signed custody record, not through a case disposal."""
    from django.apps import apps

    try:
        item_model = apps.get_model("evidence", "EvidenceItem")
    except LookupError:
        return 0
    return (item_model.objects.filter(case=case)
            .exclude(custody_events__kind__in=["disposed", "returned"]).distinct().count())


def _request_drafts(case: Case):
    """Drafts of the case's requests in the request builder (their content, versions and generated
    documents hold personal data), or None when that app is not installed."""
    from django.apps import apps

    if not apps.is_installed("comity.builder"):
        return None
    return apps.get_model("builder", "Draft").objects.filter(request__case=case)


def do_dispose_case(case: Case, *, reason: str, acting_user: User, confirm_early: bool = False,
                    via: str = "web") -> CaseDisposal:
    """Delete a closed case's personal data and documents, keep a tombstone, log the disposal.

    Deleted: entities, documents (rows, and files after commit), notes, protected persons, the
    request builder's drafts (with their versions and generated documents), and the free text of the
    case, its requests, transitions and tasks. Kept: references, dates, counts,
    the requests' kinds and States, deadlines, memberships and the audit log (which records the
    disposal with counts and the reason, never the deleted content).
    """
    require_member(case, acting_user)
    if not acting_user.is_supervisor:
        raise NotAllowed("Only a supervisor may dispose of a case.")
    errors = {"reason": _purpose_error(reason)}
    if case.state != Case.State.CLOSED:
        errors["case"] = "is open; close the case before disposing of its data"
    if CaseDisposal.objects.filter(case=case).exists():
        errors["case"] = "has already been disposed of"
    elif in_custody := _evidence_in_custody(case):
        errors["case"] = (f"holds {in_custody} evidence item(s) still in custody; return or dispose of them "
                          "through the chain of custody first")
    retention = retention_for(case)
    today = timezone.localdate()
    if not errors.get("case") and not retention.expired(today) and not confirm_early:
        errors["confirm_early"] = (
            f"retention runs until {retention.due.isoformat()}; confirm to dispose early" if retention.due
            else "the retention period has not started; confirm to dispose early")
    _check(errors)
    files: list[tuple] = []
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if CaseDisposal.objects.filter(case=case).exists():
            raise InvalidInput({"case": "has already been disposed of"})
        requests = list(case.requests.all())
        docs = list(Document.objects.filter(case=case))
        files = [(d.file.storage, d.file.name) for d in docs if d.file.name]
        counts = {"entities": Entity.objects.filter(case=case).count(), "documents": len(docs),
                  "document_bytes": sum(d.size for d in docs), "notes": Note.objects.filter(case=case).count(),
                  "protected_persons": ProtectedPerson.objects.filter(case=case).count(),
                  "requests": len(requests), "tasks": Task.objects.filter(case=case).count()}
        drafts = _request_drafts(case)
        if drafts is not None:
            counts["request_drafts"] = drafts.count()
            drafts.delete()  # before the documents: a generated document protects its Document row
        Entity.objects.filter(case=case).delete()
        Document.objects.filter(case=case).delete()
        Note.objects.filter(case=case).delete()
        ProtectedPerson.objects.filter(case=case).delete()
        Transition.objects.filter(request__case=case).update(comment="")
        Task.objects.filter(case=case).update(title=DISPOSED)
        case.requests.update(subject=DISPOSED, urgency_reason="")
        opened_at = case.created_at
        case.title, case.summary = f"Disposed case {case.reference}", ""
        case.save(update_fields=["title", "summary", "updated_at"])
        disposal = CaseDisposal.objects.create(
            case=case, case_reference=case.reference, case_opened_at=opened_at,
            proceedings_ended=retention.proceedings_ended, retention_due=retention.due, disposed_at=timezone.now(),
            disposed_by=acting_user, reason=reason.strip(), counts=counts,
            requests=[{"reference": r.reference, "kind": r.kind, "direction": r.direction,
                       "requesting_state": r.requesting_state, "requested_state": r.requested_state}
                      for r in requests],
            providing_states=providing_states(requests))
        ev = audit.record("case.disposed", actor=acting_user, case=case, obj=disposal, via=via,
                          new={"reference": case.reference, "reason": disposal.reason, "counts": counts,
                               "retention_due": retention.due, "early": not retention.expired(today),
                               "providing_states": disposal.providing_states})
        disposal.audit_seq = ev.seq
        disposal.save(update_fields=["audit_seq"])

        def delete_files():
            for storage, name in files:
                storage.delete(name)

        transaction.on_commit(delete_files)
    return disposal


def disposal_for(pk, user) -> CaseDisposal:
    d = CaseDisposal.objects.filter(pk=pk).select_related("disposed_by").first()
    if d is None:
        raise NotFound("No such disposal.")
    if user.role in (Role.OVERSIGHT, Role.ADMIN):
        return d
    if d.case_id is None or not CaseMembership.objects.filter(case_id=d.case_id, user=user,
                                                              revoked_at__isnull=True).exists():
        raise NotFound("No such disposal.")
    return d


CERTIFICATE_CONTEXT = b"comity-disposal-certificate/v1\n"


def certificate_body(d: CaseDisposal) -> dict:
    return {"case_reference": d.case_reference, "case_opened_at": d.case_opened_at.isoformat(),
            "proceedings_ended": d.proceedings_ended.isoformat() if d.proceedings_ended else None,
            "retention_due": d.retention_due.isoformat() if d.retention_due else None,
            "disposed_at": d.disposed_at.isoformat(), "disposed_by": d.disposed_by.username, "reason": d.reason,
            "counts": d.counts, "requests": d.requests, "providing_states": d.providing_states,
            "audit_seq": d.audit_seq}


def sign_certificate(d: CaseDisposal) -> dict:
    """The certificate's signature (Ed25519, the audit log's key) and the signed tree head that
    includes the disposal event, with the inclusion checked."""
    from comity.audit import ledger as db_ledger
    from comity.ledger import key_id

    with transaction.atomic():
        head = db_ledger.sign_current_head()
    events = list(AuditEvent.objects.filter(seq=d.audit_seq)) if d.audit_seq is not None else []
    problems = check_against_head(events, head) if events else ["the disposal event is missing from the log"]
    body = json.dumps(certificate_body(d), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(body).digest()
    key = db_ledger.private_key()
    return {"digest": digest.hex(), "signature": key.sign(CERTIFICATE_CONTEXT + digest).hex(),
            "key_id": key_id(key.public_key()), "head": head.as_dict(), "verified": not problems,
            "problems": problems}


# --- protected persons --------------------------------------------------------------------------------

PROTECTION_ROLES = {Role.CASEWORKER, Role.PROSECUTOR, Role.SUPERVISOR, Role.ADMIN}


def unseal_view_seconds() -> int:
    return int(getattr(settings, "COMITY_UNSEAL_VIEW_SECONDS", 3600))


def do_register_protected_person(case: Case, *, pseudonym: str, role: str, true_identity: str, acting_user: User,
                                 via: str = "web") -> ProtectedPerson:
    """Record a witness or informant under a pseudonym; the true identity is sealed at rest and the
    audit event names only the pseudonym."""
    require_member(case, acting_user)
    if acting_user.role not in PROTECTION_ROLES:
        raise NotAllowed("Your role may not register protected persons.")
    errors = {"pseudonym": text_error(pseudonym, required=True, max_length=100),
              "role": _choice_error(role, ProtectedPerson.Role),
              "true_identity": text_error(true_identity, required=True, max_length=5000)}
    if not errors["pseudonym"] and not errors["true_identity"] and \
            pseudonym.strip().lower() in true_identity.lower():
        errors["pseudonym"] = "must not reveal the true identity"
    _check(errors)
    with transaction.atomic():
        pp = ProtectedPerson(case=case, pseudonym=pseudonym.strip(), role=role, created_by=acting_user)
        pp.sealed_identity = seal.seal(true_identity.strip(), pp.seal_id)
        try:
            with transaction.atomic():
                pp.save()
        except IntegrityError:
            raise InvalidInput({"pseudonym": f"{pseudonym.strip()!r} is already used in this case"}) from None
        audit.record("protected_person.registered", actor=acting_user, case=case, obj=pp, via=via,
                     new={"pseudonym": pp.pseudonym, "role": role})
    return pp


def protected_person_for(pk, user) -> ProtectedPerson:
    pp = ProtectedPerson.objects.filter(pk=pk).select_related("case").first()
    if pp is None or not is_member(pp.case, user):
        raise NotFound("No such protected person.")
    return pp


def do_request_unsealing(pp: ProtectedPerson, *, purpose: str, acting_user: User,
                         via: str = "web") -> UnsealingRequest:
    require_member(pp.case, acting_user)
    if acting_user.role not in PROTECTION_ROLES:
        raise NotAllowed("Your role may not ask to unseal an identity.")
    errors = {"purpose": _purpose_error(purpose)}
    if UnsealingRequest.objects.filter(protected_person=pp, requested_by=acting_user,
                                       status__in=[UnsealingRequest.Status.PENDING,
                                                   UnsealingRequest.Status.APPROVED]).exists():
        errors["purpose"] = errors["purpose"] or "you already have an open request for this person"
    _check(errors)
    with transaction.atomic():
        r = UnsealingRequest.objects.create(protected_person=pp, requested_by=acting_user,
                                            requested_at=timezone.now(), purpose=purpose.strip())
        audit.record("protected_person.unsealing_requested", actor=acting_user, case=pp.case_id, obj=r,
                     purpose=r.purpose, via=via, new={"pseudonym": pp.pseudonym})
    return r


def unsealing_request_for(pk, user) -> UnsealingRequest:
    r = UnsealingRequest.objects.filter(pk=pk).select_related("protected_person__case", "requested_by").first()
    if r is None or not is_member(r.protected_person.case, user):
        raise NotFound("No such request.")
    return r


def do_decide_unsealing(req: UnsealingRequest, *, approve: bool, reason: str = "", acting_user: User,
                        via: str = "web") -> UnsealingRequest:
    """Four eyes: a supervisor of the case other than the requester approves or refuses."""
    case = req.protected_person.case
    require_member(case, acting_user)
    if not acting_user.is_supervisor:
        raise NotAllowed("Only a supervisor may approve or refuse unsealing.")
    if acting_user.pk == req.requested_by_id:
        raise NotAllowed("Four eyes: a second person must decide on your own request to unseal.")
    errors = {"reason": text_error(reason, required=not approve, max_length=500)}
    if req.status != UnsealingRequest.Status.PENDING:
        errors["decision"] = f"the request is already {req.get_status_display().lower()}"
    _check(errors)
    with transaction.atomic():
        req = UnsealingRequest.objects.select_for_update().get(pk=req.pk)
        if req.status != UnsealingRequest.Status.PENDING:
            raise InvalidInput({"decision": f"the request is already {req.get_status_display().lower()}"})
        now = timezone.now()
        req.status = UnsealingRequest.Status.APPROVED if approve else UnsealingRequest.Status.REFUSED
        req.decided_by, req.decided_at, req.decision_reason = acting_user, now, (reason or "").strip()
        req.view_until = now + dt.timedelta(seconds=unseal_view_seconds()) if approve else None
        req.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "view_until"])
        audit.record(f"protected_person.unsealing_{'approved' if approve else 'refused'}", actor=acting_user,
                     case=case, obj=req, purpose=req.purpose, via=via,
                     new={"requested_by": req.requested_by.username, "reason": req.decision_reason,
                          "view_until": req.view_until})
    return req


def do_view_sealed_identity(req: UnsealingRequest, *, acting_user: User, via: str = "web") -> str:
    """The requester reads the true identity once, within the approved window; the read is logged
    with the stated purpose and the request is spent."""
    pp = req.protected_person
    require_member(pp.case, acting_user)
    if acting_user.pk != req.requested_by_id:
        raise NotAllowed("Only the person who asked may view the identity.")
    with transaction.atomic():
        req = UnsealingRequest.objects.select_for_update().get(pk=req.pk)
        if req.status != UnsealingRequest.Status.APPROVED:
            raise InvalidInput({"request": f"is {req.get_status_display().lower()}, not approved for viewing"})
        now = timezone.now()
        if req.view_until is None or now > req.view_until:
            raise InvalidInput({"request": "the approval has expired; ask again"})
        identity = seal.unseal(pp.sealed_identity, pp.seal_id)
        req.status, req.viewed_at = UnsealingRequest.Status.VIEWED, now
        req.save(update_fields=["status", "viewed_at"])
        audit.record("access.sealed_identity", actor=acting_user, case=pp.case_id, obj=pp, purpose=req.purpose,
                     category="access", via=via, new={"pseudonym": pp.pseudonym, "unsealing_request": req.pk,
                                                      "approved_by": req.decided_by.username})
    return identity
