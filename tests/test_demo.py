"""The demonstration workspace: every request kind, at least 15 country pairs, histories and deadlines."""

from comity.audit.models import AuditEvent
from comity.cases.models import CooperationRequest, Deadline, RequestKind, Transition
from comity.demo import load_demo


def test_demo_covers_every_kind_and_many_country_pairs(db):
    summary = load_demo()
    kinds = set(CooperationRequest.objects.values_list("kind", flat=True))
    assert kinds == set(RequestKind.values)
    pairs = set(CooperationRequest.objects.values_list("requesting_state", "requested_state"))
    assert len(pairs) >= 15 and summary["country_pairs"] == len(pairs)
    assert Transition.objects.count() >= 20
    assert Deadline.objects.filter(status="open").exists()
    # Written through the actions, so every request has its audit event.
    assert AuditEvent.objects.filter(event_type="request.created").count() == CooperationRequest.objects.count()
    assert set(CooperationRequest.objects.values_list("direction", flat=True)) == {"incoming", "outgoing"}
