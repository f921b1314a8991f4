"""The demonstration workspace: every request kind, at least 15 country pairs, histories and deadlines; every
capability in use; and something waiting for each demonstration account when it signs in."""

import itertools

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from comity.accounts.actions import do_enrol_totp
from comity.accounts.models import User
from comity.audit.models import AuditEvent
from comity.cases.models import CooperationRequest, Deadline, RequestKind, Transition
from comity.demo import load_demo


@pytest.fixture(scope="module")
def _loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The workspace loaded once for this module, in a transaction rolled back at its end. Its own data
    folder: the evidence master key, the encrypted evidence, the time-stamping authority and the seal key."""
    data = tmp_path_factory.mktemp("demo-data")
    with override_settings(DATA_DIR=data, COMITY_EVIDENCE_DIR=data / "evidence", COMITY_TSA_URL=""), \
            django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield load_demo()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def demo(_loaded, db):
    return _loaded  # each test runs in a savepoint inside the loaded workspace


def _signed_in(client, username):
    """The account as it is after its first sign-in (second factor set up)."""
    user = User.objects.get(username=username)
    user.totp_secret, user.recovery_codes = do_enrol_totp(user)
    client.force_login(user)
    return client


def test_demo_covers_every_kind_and_many_country_pairs(demo):
    summary = demo
    kinds = set(CooperationRequest.objects.values_list("kind", flat=True))
    assert kinds == set(RequestKind.values)
    pairs = set(CooperationRequest.objects.values_list("requesting_state", "requested_state"))
    assert len(pairs) >= 15 and summary["country_pairs"] == len(pairs)
    assert Transition.objects.count() >= 20
    assert Deadline.objects.filter(status="open").exists()
    # Written through the actions, so every request has its audit event.
    assert AuditEvent.objects.filter(event_type="request.created").count() == CooperationRequest.objects.count()
    assert set(CooperationRequest.objects.values_list("direction", flat=True)) == {"incoming", "outgoing"}


def test_evidence_items_carry_signed_custody_chains(demo):
    from comity.evidence.models import EvidenceItem

    items = list(EvidenceItem.objects.prefetch_related("custody_events"))
    assert {i.kind for i in items} == {"physical", "digital"}
    phone = next(i for i in items if i.kind == "physical")
    events = sorted(phone.custody_events.all(), key=lambda e: e.seq)
    assert [e.kind for e in events] == ["received", "sealed", "transferred", "examined"]
    assert events[2].to_user.username == "p.okafor" and events[3].actor.username == "p.okafor"
    for prev, ev in itertools.pairwise(events):  # chained by hash, signed, time-stamped
        assert ev.prev_hash == prev.record_hash and ev.signature and ev.timestamp_token
    digital = next(i for i in items if i.kind == "digital")
    assert len(digital.sha256) == 64 and digital.size > 0 and digital.custody_events.count() >= 2
    assert AuditEvent.objects.filter(event_type="evidence.registered").count() == len(items)


def test_builder_has_one_complete_and_one_incomplete_draft(demo):
    from comity.builder.actions import findings
    from comity.builder.models import Draft

    drafts = {d.request.reference: d for d in Draft.objects.select_related("request")}
    complete, incomplete = drafts[demo["drafts"]["complete"]], drafts[demo["drafts"]["incomplete"]]
    assert not [f for f in findings(complete) if f["kind"] == "missing"]
    missing = {f["code"] for f in findings(incomplete) if f["kind"] == "missing"}
    assert {"warrant", "penalty", "signatory"} <= missing
    assert incomplete.translations.filter(language="pl", status="needed").exists()  # the Polish translation is still to do
    assert AuditEvent.objects.filter(event_type="builder.draft_started").count() == 2


def test_assessments_redress_protected_witness_and_retention_are_in_use(demo):
    from comity.assessments.models import AssessmentSnapshot
    from comity.oversight.actions import cases_due_for_review
    from comity.oversight.models import ProtectedPerson, RedressMatter, UnsealingRequest

    snaps = {s.created_by.username: s for s in AssessmentSnapshot.objects.select_related("created_by")}
    assert snaps["d.novak"].kind == "red_notice" and snaps["d.novak"].outcome == "non_compliant"
    assert snaps["p.okafor"].kind == "extradition"
    today = timezone.localdate()
    matters = list(RedressMatter.objects.all())
    assert {m.status for m in matters} == {"open", "decided"}
    assert any(m.status == "open" and m.effective_due < today for m in matters)  # an overdue redress clock
    witness = ProtectedPerson.objects.get()
    assert "Ocampo" not in witness.sealed_identity  # sealed at rest
    assert UnsealingRequest.objects.get().status == "pending"
    oversight_user = User.objects.get(username="o.lindqvist")
    assert cases_due_for_review(oversight_user)  # a retention review is due
    assert Deadline.objects.filter(status="open", due__lt=today).exists()  # overdue legal clocks


@pytest.mark.parametrize("username, expected", [
    # (what the row says, whether it is shown as overdue)
    ("s.martin", [("Decide on the request to unseal witness W-7", False),
                  ("Answer or extend redress matter", True)]),
    ("c.diallo", [("Complete the EAW draft", True)]),
    ("d.novak", [("Send the CCF the client", False), ("CCF decision on a request", False)]),
])
def test_each_account_finds_something_to_do_on_its_dashboard(demo, client, username, expected):
    html = _signed_in(client, username).get("/").content.decode()
    assert "What is due" in html and "Nothing is due" not in html
    for words, overdue in expected:
        assert words in html, words
        row = html.split(words)[0].rsplit("<tr", 1)[1]  # the row's opening tag and its due-date cell
        assert ("overdue" in row) == overdue, (words, row)


@pytest.mark.parametrize("username", ["p.okafor", "s.martin"])
def test_deciders_find_the_complete_request_awaiting_their_decision(demo, client, username):
    html = _signed_in(client, username).get("/").content.decode()
    card = html.split('id="awaiting"')[1].split("</form>")[0]
    assert demo["approval_awaiting"] in card and "asked by c.diallo" in card
    assert "ready" in card and "Not ready" not in card  # the builder's draft is complete


def test_caseworker_finds_the_returned_eaw_with_what_must_change(demo, client):
    html = _signed_in(client, "c.diallo").get("/").content.decode()
    returned = html.split('id="returned"')[1].split("</table>")[0]
    assert demo["drafts"]["incomplete"] in returned and "s.martin" in returned
    assert "the warrant, the penalty and the signatory are missing" in returned


def test_histories_sent_before_the_builder_record_the_override_and_its_reason(demo):
    from comity.demo import HISTORY_OVERRIDE

    sent = Transition.objects.filter(name="send")
    assert sent.exists() and all(HISTORY_OVERRIDE in t.comment for t in sent)
    overridden = [e for e in AuditEvent.objects.filter(event_type="request.transition")
                  if (e.new_values or {}).get("checks_overridden")]
    assert overridden and all("draft_complete" in e.new_values["checks_overridden"] for e in overridden)


def test_oversight_finds_overdue_redress_and_a_retention_review(demo, client):
    c = _signed_in(client, "o.lindqvist")
    redress = c.get("/oversight/redress/").content.decode()
    overdue = demo["redress_matters"][0]
    row = redress.split(overdue)[1].split("</tr>")[0]
    assert "overdue" in row and "Open" in row
    geneva = next(r for r in CooperationRequest.objects.select_related("case") if r.requested_state == "CH"
                  and r.kind == "asset_recovery").case
    assert geneva.reference in c.get("/oversight/retention/").content.decode()


def test_supervisor_sees_the_unsealing_request_waiting_for_a_second_pair_of_eyes(demo, client):
    from comity.oversight.models import ProtectedPerson

    witness = ProtectedPerson.objects.get()
    html = _signed_in(client, "s.martin").get(f"/oversight/cases/{witness.case_id}/protected/").content.decode()
    assert "W-7" in html and "Awaiting approval" in html and "Ocampo" not in html


def test_the_oversight_body_sees_its_redress_deadlines_and_retention_reviews_on_its_dashboard(demo, client):
    page = _signed_in(client, "o.lindqvist").get("/").content.decode()
    section = page.split('id="oversight-due"')[1].split("</section>")[0]
    assert "overdue" in section and "due for a retention review" in section
    assert "RED-" in section or "redress" in section.lower()


def test_the_demonstration_log_holds_none_of_the_workspace_personal_text(demo):
    """Driving the whole demonstration writes hundreds of events; none holds a name, a title, a place or
    any other text that the workspace keeps in its ordinary (erasable) tables."""
    from comity.cases.models import Case, CooperationRequest, Entity, Note, Task
    from comity.evidence.models import CustodyEvent, Disclosure, EvidenceItem
    from comity.oversight.models import ProtectedPerson, RedressMatter

    texts = set()
    for e in Entity.objects.all():
        texts.add(e.caption)
        texts.update(str(v) for v in (e.properties or {}).values() if isinstance(v, str))
    texts.update(Case.objects.values_list("title", flat=True))
    texts.update(CooperationRequest.objects.values_list("subject", flat=True))
    texts.update(Note.objects.values_list("text", flat=True))
    texts.update(Task.objects.values_list("title", flat=True))
    for item in EvidenceItem.objects.all():
        texts.update([item.title, item.description, item.location, item.providing_authority, item.purpose_limitation])
    for ev in CustodyEvent.objects.all():
        texts.update([ev.place, ev.reason, ev.from_party, ev.to_party])
    texts.update(Disclosure.objects.values_list("recipient", flat=True))
    texts.update(ProtectedPerson.objects.values_list("pseudonym", flat=True))
    for m in RedressMatter.objects.all():
        texts.update([m.requester_name, m.person_described, m.details])
    # Words a code could also contain are no evidence: keep texts of two words or more and 8+ characters.
    planted = sorted(t for t in texts if t and len(t) >= 8 and " " in t.strip())
    assert len(planted) > 50  # the workspace really holds personal text
    written = list(AuditEvent.objects.values_list("event_type", "leaf"))
    assert len({t for t, _ in written}) >= 20  # many kinds of events were written
    log = "\n".join(leaf for _, leaf in written)
    assert [t for t in planted if t in log] == []
