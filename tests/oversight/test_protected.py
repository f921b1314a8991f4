"""Protected persons: the true identity is sealed at rest; unsealing needs a purpose and a second
supervisor's approval; the requester may view it once, within a limited time; every step is logged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from comity.audit.models import AuditEvent
from comity.cases import actions as case_actions
from comity.errors import InvalidInput, NotAllowed, NotFound
from comity.oversight import actions, seal
from comity.oversight.models import ProtectedPerson, UnsealingRequest

IDENTITY = "Olga Sidorova, born 1985-04-12 in Odesa"
PURPOSE = "prepare the witness protection hearing of 12 May"


@pytest.fixture
def second_supervisor(make_user, case, supervisor):
    s2 = make_user("supervisor", "sup-b")
    case_actions.do_grant_membership(case, s2, acting_user=supervisor)
    return s2


@pytest.fixture
def witness(case, caseworker):
    return actions.do_register_protected_person(case, pseudonym="Witness K", role="witness",
                                                true_identity=IDENTITY, acting_user=caseworker)


def test_sealed_identity_is_not_in_the_database_in_clear(witness):
    with connection.cursor() as cur:
        cur.execute("SELECT sealed_identity FROM oversight_protectedperson WHERE id = %s", [witness.pk])
        stored = cur.fetchone()[0]
    assert "Sidorova" not in stored and stored.startswith(seal.PREFIX)
    assert seal.unseal(stored, witness.seal_id) == IDENTITY
    # Neither the identity nor the pseudonym is in the append-only log: it names the seal only.
    logged = "".join(AuditEvent.objects.values_list("leaf", flat=True))
    assert "Sidorova" not in logged and "Witness K" not in logged and witness.seal_id in logged


def test_ciphertext_moved_to_another_row_does_not_open(case, caseworker, witness):
    other = actions.do_register_protected_person(case, pseudonym="Source 7", role="informant",
                                                 true_identity="Someone else entirely", acting_user=caseworker)
    with pytest.raises(seal.SealError):
        seal.unseal(witness.sealed_identity, other.seal_id)


def test_four_eyes_request_approve_view_once(login, case, caseworker, supervisor, second_supervisor, witness):
    c = login(caseworker)
    page = c.get(f"/oversight/cases/{case.pk}/protected/").content.decode()
    assert "Witness K" in page and "Sidorova" not in page
    r = c.post(f"/oversight/protected/{witness.pk}/unseal/", {"purpose": PURPOSE})
    assert r.status_code == 302
    req = UnsealingRequest.objects.get()
    assert req.status == "pending"
    # Not yet approved: nothing to view.
    assert c.post(f"/oversight/unsealing/{req.pk}/view/", follow=True).content.decode().count("Sidorova") == 0
    # The requester is not a supervisor; a supervisor approves.
    assert c.post(f"/oversight/unsealing/{req.pk}/decide/", {"approve": "yes"}).status_code == 403
    assert login(supervisor).post(f"/oversight/unsealing/{req.pk}/decide/", {"approve": "yes"}).status_code == 302
    req.refresh_from_db()
    assert req.status == "approved" and req.decided_by == supervisor and req.view_until > timezone.now()
    # Another member cannot view in the requester's place.
    with pytest.raises(NotAllowed):
        actions.do_view_sealed_identity(req, acting_user=second_supervisor)
    r = login(caseworker).post(f"/oversight/unsealing/{req.pk}/view/")
    assert r.status_code == 200 and IDENTITY in r.content.decode() and r["Cache-Control"] == "no-store"
    again = login(caseworker).post(f"/oversight/unsealing/{req.pk}/view/", follow=True).content.decode()
    assert "Sidorova" not in again and "not approved for viewing" in again
    types = [(e.event_type, e.actor_label, e.purpose_text) for e in
             AuditEvent.objects.filter(case_id=case.pk, event_type__startswith="protected_person")]
    assert types == [("protected_person.registered", "cw", ""),
                     ("protected_person.unsealing_requested", "cw", PURPOSE),
                     ("protected_person.unsealing_approved", "sup", PURPOSE)]
    read = AuditEvent.objects.get(event_type="access.sealed_identity")
    assert read.actor_label == "cw" and read.purpose_text == PURPOSE and read.category == "access"
    assert read.new_values["approved_by"] == "sup" and "Sidorova" not in str(read.new_values)


def test_same_person_cannot_approve_their_own_unsealing(login, supervisor, second_supervisor, witness):
    req = actions.do_request_unsealing(witness, purpose=PURPOSE, acting_user=supervisor)
    with pytest.raises(NotAllowed, match="Four eyes"):
        actions.do_decide_unsealing(req, approve=True, acting_user=supervisor)
    assert login(supervisor).post(f"/oversight/unsealing/{req.pk}/decide/", {"approve": "yes"}).status_code == 403
    req.refresh_from_db()
    assert req.status == "pending"
    assert not AuditEvent.objects.filter(event_type__endswith="unsealing_approved").exists()
    actions.do_decide_unsealing(req, approve=False, reason="no hearing is scheduled", acting_user=second_supervisor)
    req.refresh_from_db()
    assert req.status == "refused"
    with pytest.raises(InvalidInput):
        actions.do_view_sealed_identity(req, acting_user=supervisor)


@pytest.mark.parametrize("purpose", ["", "   ", "curious"])
def test_unsealing_without_a_purpose_is_refused(login, caseworker, witness, purpose):
    with pytest.raises(InvalidInput) as e:
        actions.do_request_unsealing(witness, purpose=purpose, acting_user=caseworker)
    assert "purpose" in e.value.errors
    r = login(caseworker).post(f"/oversight/protected/{witness.pk}/unseal/", {"purpose": purpose})
    assert r.status_code == 422 and "purpose" in r.context["unseal_form"].errors
    assert not UnsealingRequest.objects.exists()


def test_refusal_needs_a_reason_and_approval_expires(caseworker, supervisor, witness):
    req = actions.do_request_unsealing(witness, purpose=PURPOSE, acting_user=caseworker)
    with pytest.raises(InvalidInput) as e:
        actions.do_decide_unsealing(req, approve=False, reason="", acting_user=supervisor)
    assert "reason" in e.value.errors
    actions.do_decide_unsealing(req, approve=True, acting_user=supervisor)
    UnsealingRequest.objects.filter(pk=req.pk).update(view_until=timezone.now() - dt.timedelta(seconds=1))
    req.refresh_from_db()
    with pytest.raises(InvalidInput, match="expired"):
        actions.do_view_sealed_identity(req, acting_user=caseworker)
    assert not AuditEvent.objects.filter(event_type="access.sealed_identity").exists()


def test_protected_persons_are_compartmented(login, case, outsider, oversight, witness):
    assert login(outsider).get(f"/oversight/cases/{case.pk}/protected/").status_code == 404
    assert login(oversight).get(f"/oversight/cases/{case.pk}/protected/").status_code == 404
    assert login(outsider).post(f"/oversight/protected/{witness.pk}/unseal/", {"purpose": PURPOSE}).status_code == 404
    with pytest.raises(NotFound):
        actions.do_request_unsealing(witness, purpose=PURPOSE, acting_user=outsider)


@pytest.mark.parametrize("data,field", [
    ({"pseudonym": "", "role": "witness", "true_identity": IDENTITY}, "pseudonym"),
    ({"pseudonym": "Witness K", "role": "witness", "true_identity": IDENTITY}, "pseudonym"),  # already used
    ({"pseudonym": "Sidorova", "role": "witness", "true_identity": IDENTITY}, "pseudonym"),  # reveals the identity
    ({"pseudonym": "Witness L", "role": "spy", "true_identity": IDENTITY}, "role"),
    ({"pseudonym": "Witness L", "role": "informant", "true_identity": ""}, "true_identity"),
])
def test_bad_protected_person_input(login, case, caseworker, witness, data, field):
    r = login(caseworker).post(f"/oversight/cases/{case.pk}/protected/", data)
    assert r.status_code == 422 and field in r.context["form"].errors, r.context["form"].errors
    assert ProtectedPerson.objects.count() == 1


def test_bad_unseal_decision_input(login, caseworker, supervisor, witness):
    req = actions.do_request_unsealing(witness, purpose=PURPOSE, acting_user=caseworker)
    r = login(supervisor).post(f"/oversight/unsealing/{req.pk}/decide/", {"approve": "maybe"})
    assert r.status_code == 422 and "approve" in r.context["decision_form"].errors
    r = login(supervisor).post(f"/oversight/unsealing/{req.pk}/decide/", {"approve": "no"})
    assert r.status_code == 422 and "reason" in r.context["decision_form"].errors
    req.refresh_from_db()
    assert req.status == "pending"


def test_seal_key_file_is_created_once_with_mode_0600(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("COMITY_SEAL_KEY", raising=False)
    settings.DATA_DIR = tmp_path
    token = seal.seal("Olga", "row-1")
    key_file = tmp_path / "seal_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    first = key_file.read_text()
    assert seal.unseal(seal.seal("again", "row-2"), "row-2") == "again" and key_file.read_text() == first
    assert seal.unseal(token, "row-1") == "Olga"


def test_seal_key_from_the_environment(settings, tmp_path, monkeypatch):
    import base64
    import os

    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("COMITY_SEAL_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
    token = seal.seal("Olga", "row-1")
    assert not (tmp_path / "seal_key").exists()
    monkeypatch.setenv("COMITY_SEAL_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())  # another key
    with pytest.raises(seal.SealError):
        seal.unseal(token, "row-1")
    monkeypatch.setenv("COMITY_SEAL_KEY", "too-short")
    with pytest.raises(RuntimeError, match="COMITY_SEAL_KEY"):
        seal.seal("Olga", "row-1")
