"""The console: search the audit log, and log each search an oversight user makes with its stated purpose."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from comity import audit
from comity.accounts.models import Role, User
from comity.audit.models import AuditEvent, AuditText
from comity.cases.models import Case, Entity
from comity.cases.validation import text_error
from comity.errors import NotAllowed
from comity.oversight.actions._common import _check, _date_field, _purpose_error

CONSOLE_ROLES = {Role.OVERSIGHT, Role.ADMIN}
PAGE_SIZE = 50


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

    def for_log(self) -> tuple[dict, dict]:
        """The filters as the audit event keeps them: (codes, texts). References, account names, event
        types, categories and dates go into the log; a person's name, a purpose and anything typed that
        is not a well-formed code go to the erasable texts, of which the log keeps only a commitment."""
        from comity.audit.schema import KINDS

        kinds = {"case": "reference", "user": "account", "event_type": "code", "category": "code",
                 "date_from": "date", "date_to": "date"}
        codes, texts = {}, {}
        for key, value in self.as_params().items():
            kind = kinds.get(key)
            if kind is not None and KINDS[kind](value):
                codes[key] = value
            else:
                texts[f"filter_{key}"] = value
        return codes, texts


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
        # The stated purpose is kept beside the event (erasable); events written before that hold it in
        # the column itself.
        qs = qs.filter(Q(pk__in=AuditText.objects.filter(field="purpose", text__icontains=f.purpose).values("event_id"))
                       | (Q(purpose__icontains=f.purpose) & ~Q(purpose__startswith="sha256:")))
    if f.event_type:
        qs = qs.filter(Q(event_type=f.event_type) | Q(event_type__startswith=f.event_type.rstrip(".") + "."))
    if f.category:
        qs = qs.filter(category=f.category)
    if f.date_from:
        qs = qs.filter(time__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(time__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    return qs.order_by("-seq", "-id").prefetch_related("texts")


def do_record_console_access(*, acting_user: User, what: str, purpose: str, filters: EventFilters,
                             results: int, page: int | None = None, via: str = "web") -> AuditEvent:
    """Log an oversight user's read in the console: who, when, what they searched for and why."""
    require_console(acting_user)
    _check({"reason": _purpose_error(purpose)})
    codes, texts = filters.for_log()
    new = {"filters": codes, "results": results}
    if page is not None:
        new["page"] = page
    with transaction.atomic():
        return audit.record(f"access.oversight_{what}", actor=acting_user, purpose=purpose.strip(),
                            category="access", via=via, new=new, texts=texts)


def case_references(case_ids) -> dict[int, str]:
    return dict(Case.objects.filter(pk__in={c for c in case_ids if c}).values_list("pk", "reference"))
