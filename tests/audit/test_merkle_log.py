"""The audit trail as a Merkle log: every event a leaf, signed heads, proofs, and tamper detection."""

import hashlib
import threading

import pytest
from django.db import connection, transaction

from comity.accounts.actions import do_create_token
from comity.audit import ledger
from comity.audit.models import AuditEvent, LedgerState, TreeHead
from comity.cases import actions
from comity.ledger import (CompactRange, ConsistencyProof, InclusionProof, canonical_event_bytes, merkle_root,
                           verify_consistency, verify_inclusion)


def _sign():
    with transaction.atomic():
        return ledger.sign_current_head()


def _work(user, n=3):
    case = actions.do_create_case(title="Ledger case", acting_user=user)
    for i in range(n):
        actions.do_add_note(case, text=f"note {i}", acting_user=user)
    return case


def _naive_leaf(ev):  # independent of comity.audit.ledger: RFC 9162 leaf hash of the canonical bytes
    return hashlib.sha256(b"\x00" + canonical_event_bytes(ledger.event_dict(ev))).hexdigest()


def test_every_event_is_the_next_leaf_and_the_state_root_matches(supervisor):
    _work(supervisor)
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(len(events)))
    assert all(e.leaf_hash == _naive_leaf(e) for e in events)
    state = LedgerState.objects.get(pk=1)
    assert state.size == len(events)
    root = CompactRange.from_dict(state.compact).root()
    assert root == merkle_root([bytes.fromhex(e.leaf_hash) for e in events])


def test_intact_log_verifies(supervisor):
    _work(supervisor)
    _sign()
    _work(supervisor)
    head = _sign()
    result = ledger.verify_database()
    assert result.ok and result.verified_size == head.size == AuditEvent.objects.count()


def test_edited_event_is_found_at_its_position(supervisor):
    _work(supervisor, n=5)
    _sign()
    target = AuditEvent.objects.filter(event_type="note.added").order_by("seq")[2]
    AuditEvent.objects.filter(pk=target.pk).update(purpose="edited afterwards")  # bypasses the actions
    result = ledger.verify_database()
    assert not result.ok and result.first_divergence == target.seq and result.exact


def test_edited_event_with_rewritten_leaf_hash_is_still_caught(supervisor):
    _work(supervisor, n=5)
    _sign()
    target = AuditEvent.objects.order_by("seq")[3]
    AuditEvent.objects.filter(pk=target.pk).update(actor_label="someone-else")
    target.refresh_from_db()
    AuditEvent.objects.filter(pk=target.pk).update(leaf_hash=_naive_leaf(target))
    result = ledger.verify_database()
    assert not result.ok and result.first_divergence is not None and result.first_divergence <= target.seq


def test_deleted_event_is_detected(supervisor):
    _work(supervisor, n=4)
    _sign()
    AuditEvent.objects.filter(seq=2).delete()
    result = ledger.verify_database()
    assert not result.ok and any("missing" in m for m in result.messages)


def test_edited_tree_head_is_detected(supervisor):
    _work(supervisor)
    head = _sign()
    TreeHead.objects.filter(pk=head.pk).update(root_hash="00" * 32)
    assert not ledger.verify_database().ok


def test_inclusion_and_consistency_proofs_over_the_api_verify_independently(client, supervisor, oversight):
    _work(supervisor)
    old = _sign()
    _work(supervisor, n=6)
    new = _sign()
    _, token = do_create_token(oversight, name="dpo", acting_user=oversight)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    r = client.get(f"/api/audit/events/4?size={new.size}&purpose=Complaint+DPA-2026-17+about+this+case", **auth)
    assert r.status_code == 200
    body = r.json()
    leaf = hashlib.sha256(b"\x00" + body["canonical"].encode()).digest()
    proof = InclusionProof.from_dict(body["inclusion_proof"])
    verify_inclusion(leaf, 4, new.size, list(proof.inclusion_path), bytes.fromhex(new.root_hash))  # raises if wrong
    c = client.get(f"/api/audit/proofs/consistency?first={old.size}&second={new.size}", **auth).json()
    cp = ConsistencyProof.from_dict(c)
    verify_consistency(old.size, new.size, bytes.fromhex(old.root_hash), bytes.fromhex(new.root_hash), list(cp.consistency_path))
    heads = client.get("/api/audit/tree-heads", **auth).json()
    assert heads[0]["size"] == new.size
    assert client.get("/api/audit/public-key").status_code == 200
    bad = client.get("/api/audit/proofs/inclusion?seq=999999", **auth)
    assert bad.status_code == 422 and bad.json()["errors"]


def test_audit_log_is_closed_to_caseworkers(client, caseworker):
    _, token = do_create_token(caseworker, name="cw", acting_user=caseworker)
    assert client.get("/api/audit/tree-heads", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_produce_a_log_that_verifies(make_user):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises whole transactions)")
    user = make_user("supervisor", "concurrent")
    case = actions.do_create_case(title="Busy case", acting_user=user)
    errors = []

    def writer(k):
        try:
            for i in range(10):
                actions.do_add_note(case, text=f"writer {k} note {i}", acting_user=user)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    _sign()
    result = ledger.verify_database()
    assert result.ok and result.log_size == AuditEvent.objects.count()
    assert AuditEvent.objects.filter(event_type="note.added").count() == 60


def test_edited_log_entry_is_found_even_in_fast_mode(supervisor):
    _work(supervisor, n=4)
    _sign()
    target = AuditEvent.objects.order_by("seq")[2]
    AuditEvent.objects.filter(pk=target.pk).update(leaf=target.leaf.replace('"via":"web"', '"via":"api"'))
    fast = ledger.verify_database(deep=False)
    assert not fast.ok and fast.first_divergence is not None and fast.first_divergence <= target.seq


def test_fast_mode_alone_misses_a_column_edit_that_deep_mode_finds(supervisor):
    _work(supervisor, n=4)
    _sign()
    target = AuditEvent.objects.order_by("seq")[3]
    AuditEvent.objects.filter(pk=target.pk).update(event_type="note.deleted")
    assert ledger.verify_database(deep=False).ok  # the log entries themselves are intact
    deep = ledger.verify_database()
    assert not deep.ok and deep.first_divergence == target.seq
    assert any("columns do not match" in m for m in deep.messages)


def test_prefetched_database_proofs_verify_for_many_positions(supervisor):
    import random

    from comity.ledger import prove_consistency, prove_inclusion

    case = actions.do_create_case(title="Many events", acting_user=supervisor)
    for i in range(150):
        actions.do_add_note(case, text=f"n{i}", acting_user=supervisor)
    first = _sign()
    for i in range(60):
        actions.do_add_note(case, text=f"m{i}", acting_user=supervisor)
    head = _sign()
    root = bytes.fromhex(head.root_hash)
    rng = random.Random(9)
    for seq in rng.sample(range(head.size), 40):
        proof = prove_inclusion(ledger.proof_store(prove_inclusion, seq, head.size), seq, head.size)
        leaf = bytes.fromhex(AuditEvent.objects.get(seq=seq).leaf_hash)
        verify_inclusion(leaf, seq, head.size, list(proof.inclusion_path), root)
    cp = prove_consistency(ledger.proof_store(prove_consistency, first.size, head.size), first.size, head.size)
    verify_consistency(first.size, head.size, bytes.fromhex(first.root_hash), root, list(cp.consistency_path))
