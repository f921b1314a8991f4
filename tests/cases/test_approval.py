"""Approval: a caseworker asks, the deciders of the unit decide from their queue; approving and sending are held
to the request builder (complete draft, translations done, legal basis chosen) unless a decider overrides with a
reason; every disabled step says who may take it and why."""

import json

import pytest

from comity.audit.models import AuditEvent
from comity.cases import actions
from comity.cases.models import ApprovalRequest, Transition
from comity.errors import InvalidInput, NotAllowed


@pytest.fixture
def team(unit, other_unit, in_unit):
    return {"cw": in_unit("caseworker", unit, "c.diallo"), "sup": in_unit("supervisor", unit, "s.martin"),
            "pros": in_unit("prosecutor", unit, "p.okafor"), "other_sup": in_unit("supervisor", other_unit, "x.other")}


@pytest.fixture
def case_of_cw(team):
    return actions.do_create_case(title="Operation Nightjar", acting_user=team["cw"])


@pytest.fixture
def eaw(case_of_cw, team):
    """An outgoing extradition request from France to Germany, opened by the caseworker."""
    return actions.do_create_request(case_of_cw, kind="extradition", direction="outgoing",
                                     subject="Surrender of the suspect", requesting_state="FR", requested_state="DE",
                                     acting_user=team["cw"])


def _steps(req, user):
    return {s["name"]: s for s in actions.available_transitions(req, user)}


def test_caseworker_asks_and_the_unit_supervisor_approves_from_the_queue(login, team, eaw, ready_draft):
    ready_draft(eaw, acting_user=team["cw"])
    cw = login(team["cw"])
    page = cw.get(f"/requests/{eaw.pk}/").content.decode()
    step = page.split('data-step="approve"')[1].split("</div>")[0]
    assert "only a prosecutor or a supervisor may take this step; you are a caseworker: ask for approval" in step
    resp = cw.post(f"/requests/{eaw.pk}/ask-approval/", {"message": "Urgent: the person travels on Friday"})
    assert resp.status_code == 302
    a = ApprovalRequest.objects.get(request=eaw)
    assert a.status == "pending" and a.unit == team["cw"].unit and a.asked_by == team["cw"]
    ev = AuditEvent.objects.get(event_type="request.approval_asked")
    assert "travels" not in json.dumps(ev.new_values) and ev.new_values["message_given"] is True
    assert "awaiting a decision" in cw.get(f"/requests/{eaw.pk}/").content.decode()
    # Asking twice is refused.
    again = cw.post(f"/requests/{eaw.pk}/ask-approval/", {"message": ""})
    assert again.status_code == 400 and "already asked" in again.content.decode()

    # The supervisor of the unit is not a member, but the request is in their queue; the other unit's is not.
    assert eaw.reference not in login(team["other_sup"]).get("/").content.decode()
    sup = login(team["sup"])
    queue = sup.get("/").content.decode().split('id="awaiting"')[1]
    assert eaw.reference in queue and "ready" in queue and "join it to read the request" in queue
    resp = sup.post(f"/approvals/{a.pk}/decide/", {"decision": "approve", "comment": "Checked the warrant."})
    assert resp.status_code == 302
    eaw.refresh_from_db()
    a.refresh_from_db()
    assert eaw.status == "approved" and a.status == "approved" and a.decided_by == team["sup"]
    # Deciding made the supervisor a member, and said so.
    assert actions.is_member(eaw.case, team["sup"])
    joined = AuditEvent.objects.get(event_type="case.joined")
    assert joined.new_values["basis"] == "approval" and joined.new_values["approval"] == a.pk
    t = Transition.objects.get(request=eaw, name="approve")
    assert t.actor == team["sup"] and t.comment == "Checked the warrant."
    assert eaw.reference not in sup.get("/").content.decode().split('id="awaiting"')[1].split("</div>\n</div>")[0]


def test_a_decider_cannot_decide_on_their_own_approval(team, eaw, ready_draft):
    ready_draft(eaw, acting_user=team["cw"])
    actions.do_grant_membership(eaw.case, team["pros"], acting_user=team["cw"])
    a = actions.do_ask_for_approval(eaw, acting_user=team["pros"])
    assert actions.approval_queue(team["pros"]) == []
    with pytest.raises(InvalidInput) as e:
        actions.do_decide_approval(a, decision="approve", acting_user=team["pros"])
    assert "four eyes" in e.value.errors["approval"]
    assert [x.pk for x in actions.approval_queue(team["sup"])] == [a.pk]


def test_caseworker_cannot_decide(team, eaw):
    a = actions.do_ask_for_approval(eaw, acting_user=team["cw"])
    actions.do_join_case(eaw.case, reason="Supervision of the unit's work", acting_user=team["sup"])
    with pytest.raises(NotAllowed):
        actions.do_decide_approval(a, decision="approve", acting_user=team["cw"])


def test_returned_with_what_must_change_and_shown_to_the_asker(login, team, eaw):
    a = actions.do_ask_for_approval(eaw, acting_user=team["cw"])
    sup = login(team["sup"])
    empty = sup.post(f"/approvals/{a.pk}/decide/", {"decision": "return", "comment": ""})
    assert empty.status_code == 400 and "say what must change" in empty.content.decode()
    a.refresh_from_db()
    assert a.status == "pending"
    sup.post(f"/approvals/{a.pk}/decide/", {"decision": "return", "comment": "Add the arrest warrant's date."})
    a.refresh_from_db()
    assert a.status == "returned" and a.decision_comment == "Add the arrest warrant's date."
    eaw.refresh_from_db()
    assert eaw.status == "draft"
    returned = login(team["cw"]).get("/").content.decode().split('id="returned"')[1]
    assert eaw.reference in returned and "Add the arrest warrant&#x27;s date." in returned
    # Asking again takes it off the "returned" list.
    actions.do_ask_for_approval(eaw, acting_user=team["cw"])
    assert 'id="returned"' not in login(team["cw"]).get("/").content.decode()


def test_nobody_to_ask_is_said(caseworker, make_user):
    case = actions.do_create_case(title="Alone", acting_user=caseworker)
    req = actions.do_create_request(case, kind="mla", direction="outgoing", subject="Records", requesting_state="FR",
                                    requested_state="DE", acting_user=caseworker)
    with pytest.raises(InvalidInput) as e:
        actions.do_ask_for_approval(req, acting_user=caseworker)
    assert "nobody can decide" in e.value.errors["request"]


def test_incoming_requests_are_not_approved(team, case_of_cw):
    req = actions.do_create_request(case_of_cw, kind="mla", direction="incoming", subject="Records",
                                    requesting_state="DE", requested_state="FR", acting_user=team["cw"])
    with pytest.raises(InvalidInput) as e:
        actions.do_ask_for_approval(req, acting_user=team["cw"])
    assert "outgoing" in e.value.errors["request"]


# --- the lifecycle enforces the builder -------------------------------------------------------------------

def test_a_request_that_never_went_through_the_builder_cannot_be_approved_or_sent(supervisor, case, ready_draft):
    mla = actions.do_create_request(case, kind="mla", direction="outgoing", subject="Bank records",
                                    requesting_state="IT", requested_state="CH", acting_user=supervisor)
    with pytest.raises(InvalidInput) as e:
        actions.do_transition_request(mla, "approve", acting_user=supervisor)
    assert "there is no draft" in e.value.errors["transition"]
    transfer = actions.do_create_request(case, kind="transfer", direction="outgoing", subject="Transfer",
                                         requesting_state="IT", requested_state="CH", acting_user=supervisor)
    with pytest.raises(InvalidInput) as e:
        actions.do_transition_request(transfer, "send", acting_user=supervisor)
    assert "there is no draft" in e.value.errors["transition"]
    mla.refresh_from_db()
    transfer.refresh_from_db()
    assert (mla.status, transfer.status) == ("draft", "draft")
    assert not Transition.objects.exists()


def test_an_incomplete_draft_blocks_with_what_is_missing(supervisor, extradition):
    from comity.builder import actions as builder

    builder.do_start_draft(extradition, measure="extradition", acting_user=supervisor)
    with pytest.raises(InvalidInput) as e:
        actions.do_transition_request(extradition, "submit_formal_request", acting_user=supervisor)
    assert "the draft is incomplete, missing:" in e.value.errors["transition"]


def test_no_legal_basis_blocks_approval(supervisor, case, ready_draft):
    req = actions.do_create_request(case, kind="extradition", direction="outgoing", subject="s",
                                    requesting_state="US", requested_state="CN", acting_user=supervisor)
    assert req.legal_basis_instrument == "" and req.legal_basis == ""
    ready_draft(req)
    with pytest.raises(InvalidInput) as e:
        actions.do_transition_request(req, "approve", acting_user=supervisor)
    assert "no legal basis is chosen" in e.value.errors["transition"]


def test_provisional_arrest_may_be_asked_before_the_file_is_complete(supervisor, extradition):
    step = actions.do_transition_request(extradition, "request_provisional_arrest", acting_user=supervisor)
    assert step.to_status == "provisional_arrest_requested"


def test_a_decider_overrides_with_a_reason_recorded_as_codes_and_in_the_comment(supervisor, caseworker, case):
    req = actions.do_create_request(case, kind="mla", direction="outgoing", subject="Bank records",
                                    requesting_state="IT", requested_state="CH", acting_user=supervisor)
    with pytest.raises(NotAllowed):  # a caseworker may not approve, so not override either
        actions.do_transition_request(req, "approve", acting_user=caseworker, override_reason="x" * 20)
    with pytest.raises(InvalidInput) as e:
        actions.do_transition_request(req, "approve", acting_user=supervisor, override_reason="urgent")
    assert "at least 10 characters" in e.value.errors["override_reason"]
    reason = "Request drafted on paper by the liaison magistrate; Swiss counterpart has it already"
    step = actions.do_transition_request(req, "approve", acting_user=supervisor, comment="Approved.",
                                         override_reason=reason)
    assert step.to_status == "approved"
    assert step.comment.startswith("Approved.\nChecks overridden (the draft is complete") and reason in step.comment
    ev = AuditEvent.objects.filter(event_type="request.transition").last()
    assert ev.new_values["checks_overridden"] == ["draft_complete"]
    assert reason not in json.dumps([ev.new_values, ev.old_values])


def test_caseworker_sending_an_approved_request_is_blocked_and_told_who_may_override(caseworker, supervisor, case):
    req = actions.do_create_request(case, kind="mla", direction="outgoing", subject="Bank records",
                                    requesting_state="IT", requested_state="CH", acting_user=supervisor)
    actions.do_transition_request(req, "approve", acting_user=supervisor, override_reason="Drafted outside Comity")
    req.refresh_from_db()
    send = _steps(req, caseworker)["send"]
    assert not send["allowed"] and not send["overridable"]
    assert "there is no draft" in send["reason"] and "A prosecutor or a supervisor may override" in send["reason"]
    with pytest.raises(InvalidInput) as e:
        actions.do_transition_request(req, "send", acting_user=caseworker, override_reason="I am sure it is fine")
    assert "only a prosecutor or a supervisor may override" in e.value.errors["override_reason"]
    sup_send = _steps(req, supervisor)["send"]
    assert sup_send["overridable"] and [c["code"] for c in sup_send["checks"]] == ["draft_complete"]


def test_request_page_shows_each_disabled_step_with_who_and_why_and_the_override_field(login, supervisor, caseworker,
                                                                                        case, oversight):
    req = actions.do_create_request(case, kind="mla", direction="outgoing", subject="Bank records",
                                    requesting_state="IT", requested_state="CH", acting_user=supervisor)
    cw_page = login(caseworker).get(f"/requests/{req.pk}/").content.decode()
    approve = cw_page.split('class="small muted step-disabled" data-step="approve"')[1].split("</div>")[0]
    assert "only a prosecutor or a supervisor may take this step; you are a caseworker" in approve
    withdraw = cw_page.split('data-step="withdraw"')[1].split("</div>")[0]
    assert "only a prosecutor or a supervisor may take this step" in withdraw
    sup_page = login(supervisor).get(f"/requests/{req.pk}/").content.decode()
    form = sup_page.split('data-step="approve"')[1].split("</form>")[0]
    assert "Not ready: there is no draft" in form and 'name="override_reason"' in form
    # Without a reason the step is refused, with the reason shown in that step's form; nothing changes.
    resp = login(supervisor).post(f"/requests/{req.pk}/transition/", {"transition": "approve", "comment": "ok"})
    assert resp.status_code == 400
    form = resp.content.decode().split('data-step="approve"')[1].split("</form>")[0]
    assert "cannot be taken yet: there is no draft" in form and ">ok</textarea>" in form
    req.refresh_from_db()
    assert req.status == "draft"
    resp = login(supervisor).post(f"/requests/{req.pk}/transition/", {
        "transition": "approve", "override_reason": "Drafted on paper and already checked by the prosecutor"})
    assert resp.status_code == 302
    req.refresh_from_db()
    assert req.status == "approved"


def test_withdrawing_asks_for_confirmation_and_a_reason(login, supervisor, extradition):
    c = login(supervisor)
    page = c.get(f"/requests/{extradition.pk}/").content.decode()
    form = page.split('data-step="withdraw"')[1].split("</form>")[0]
    assert 'name="confirm"' in form and "Reason (required: this cannot be undone)" in form
    resp = c.post(f"/requests/{extradition.pk}/transition/", {"transition": "withdraw", "comment": "No longer needed"})
    assert resp.status_code == 400 and "tick the box to confirm" in resp.content.decode()
    resp = c.post(f"/requests/{extradition.pk}/transition/", {"transition": "withdraw", "confirm": "on"})
    assert resp.status_code == 400 and "give the reason" in resp.content.decode()
    extradition.refresh_from_db()
    assert extradition.status == "draft"
    resp = c.post(f"/requests/{extradition.pk}/transition/", {"transition": "withdraw", "confirm": "on",
                                                              "comment": "The person died on 2 May."})
    assert resp.status_code == 302
    extradition.refresh_from_db()
    assert extradition.status == "withdrawn"


def test_withdrawing_cancels_a_pending_approval(team, eaw):
    a = actions.do_ask_for_approval(eaw, acting_user=team["cw"])
    actions.do_join_case(eaw.case, reason="Supervision of the unit's work", acting_user=team["sup"])
    actions.do_transition_request(eaw, "withdraw", acting_user=team["sup"], comment="The person was arrested in FR")
    a.refresh_from_db()
    assert a.status == "cancelled"
    assert actions.approval_queue(team["sup"]) == []
