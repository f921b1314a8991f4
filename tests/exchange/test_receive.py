"""The receiving end in one process: a foreign authority's messages (sealed here with its own keys) posted to
/exchange/v1/ as its instance would. What arrives becomes an incoming request once; everything refused gets
signed negative evidence with its reason, a line for the operator, and stores nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from comity.exchange import AuthorityKeys, Identity, Payload, read_evidence, seal_chunk, seal_envelope
from comity.exchange.message import MAX_ENVELOPE, WINDOW, encrypt, sign

JOSE = "application/jose"


@pytest.fixture
def es(settings, tmp_path, db, make_user):
    """This instance: the Spanish central authority, with a trusted French peer whose keys the test holds."""
    from comity.courier import actions, local
    from comity.evidence.actions import do_init_master_key

    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.COMITY_EVIDENCE_DIR = tmp_path / "data" / "evidence"
    do_init_master_key(via="cli")
    local.initialise(authority="ES:sgcji", state="ES", name="Subdirección General de Cooperación Jurídica "
                     "Internacional", role="central_authority", endpoint="https://127.0.0.1:9/exchange/v1/")
    admin = make_user("admin", "admin1")
    head = make_user("supervisor", "jefa")
    fr_keys = AuthorityKeys.generate(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    fr = Identity.for_keys(fr_keys, authority="FR:bepi", state="FR", name="Bureau de l'entraide pénale",
                           role="central_authority", endpoint="https://127.0.0.1:9/exchange/v1/",
                           tls_certificate_sha256="0" * 64)
    peer = actions.do_import_peer(fr.sign(fr_keys.signing().key), acting_user=admin)
    actions.do_confirm_peer(peer, fingerprint_read=peer.fingerprint.upper(), how="read aloud by telephone, +33 1 44",
                            acting_user=admin)

    class World:
        pass

    w = World()
    w.fr_keys, w.fr, w.admin, w.head, w.peer, w.me = fr_keys, fr, admin, head, peer, local.identity()
    return w


def request_payload(w, **body):
    return Payload.new(type="new_request", sender="FR:bepi", recipient="ES:sgcji", conversation="FR:bepi/REQ-1",
                       body={"kind": "mla", "reference": "REQ-2026-000001", "subject": "Bank records",
                             "requesting_state": "FR", "requested_state": "ES", "legal_basis_instrument": "EU-EIO",
                             "summary": "Transfers to Málaga",
                             "persons": [{"schema": "Person", "role": "suspect",
                                          "properties": {"name": ["Jean Dupont-Exemple"]}}], **body})


def post(client, token, **extra):
    return client.post("/exchange/v1/messages", data=token, content_type=JOSE, **extra)


def envelope(w, payload, when=None):
    return seal_envelope(payload, sender=w.fr_keys, recipient=w.me).for_attempt(w.fr_keys, when)


def test_a_request_arrives_once_with_its_document_and_a_delivery_receipt(es, client):
    from comity.audit.models import AuditEvent
    from comity.cases.models import CooperationRequest
    from comity.courier.models import Message

    data = b"%PDF-1.7 letter of request\n" * 50000  # two chunks of 1 MiB
    chunks = [data[:1024 * 1024], data[1024 * 1024:]]
    from comity.exchange import AttachmentRef

    ref = AttachmentRef(index=0, name="letter.pdf", media_type="application/pdf", size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), chunk_size=1024 * 1024,
                        chunks=[hashlib.sha256(c).hexdigest() for c in chunks])
    payload = request_payload(es)
    payload = payload.model_copy(update={"attachments": [ref]})
    for i, c in enumerate(chunks):
        token = seal_chunk(c, message_id=payload.id, attachment=0, index=i, sender=es.fr_keys,
                           sender_authority="FR:bepi", recipient=es.me)
        r = client.put(f"/exchange/v1/messages/{payload.id}/attachments/0/chunks/{i}", data=token,
                       content_type=JOSE)
        assert r.status_code == 201, r.content
    first = post(client, envelope(es, payload))
    from comity.courier.models import Rejection
    assert first.status_code == 200, list(Rejection.objects.values_list("reason", "detail"))
    assert first["Comity-Evidence-Type"] == "DELIVERY"
    ev = read_evidence(first.content, issuer=es.me)
    assert (ev.type, ev.message, ev.issuer, ev.sender) == ("DELIVERY", payload.id, "ES:sgcji", "FR:bepi")
    req = CooperationRequest.objects.get(direction="incoming")
    assert (req.kind, req.requesting_state, req.status, req.legal_basis_instrument) == ("mla", "FR", "received",
                                                                                        "EU-EIO")
    from django.utils import timezone

    assert req.received_on == timezone.localdate()  # the DELIVERY day: clocks that run from receipt start then
    assert [d.sha256 for d in req.case.documents.all()] == [hashlib.sha256(data).hexdigest()]
    assert [e.caption for e in req.case.entities.all()] == ["Jean Dupont-Exemple"]
    assert req.case.memberships.filter(user=es.head).exists()  # routed to the central authority's supervisors
    # the same message again (a retry after a lost answer): the original receipt, nothing new
    again = post(client, envelope(es, payload))
    assert again.status_code == 200 and again.content == first.content
    assert CooperationRequest.objects.count() == 1 and Message.objects.filter(direction="in").count() == 1
    # the log holds codes and hashes, never the subject, the summary or the name
    log = "\n".join(str(v) for v in AuditEvent.objects.values_list("new_values", flat=True))
    assert "Málaga" not in log and "Dupont" not in log and payload.id in log


def refused(client, token, status, reason):
    from comity.courier import local

    r = post(client, token)
    assert r.status_code == status, r.content
    assert r["Comity-Evidence-Type"] == "NON_DELIVERY"
    ev = read_evidence(r.content, issuer=local.identity())
    assert (ev.type, ev.reason) == ("NON_DELIVERY", reason)
    return ev


def test_everything_forged_or_malformed_is_refused_with_its_reason_and_nothing_is_stored(es, client):
    from comity.cases.models import Case
    from comity.courier.models import Message, Rejection

    payload = request_payload(es)
    good = envelope(es, payload)
    header, content, signature = good.split(".")
    flipped = content[:40] + ("A" if content[40] != "A" else "B") + content[41:]
    refused(client, f"{header}.{flipped}.{signature}", 403, "bad_signature")
    impostor = AuthorityKeys.generate(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    refused(client, seal_envelope(payload, sender=impostor, recipient=es.me).for_attempt(impostor), 403,
            "unknown_sender")
    old = dt.datetime.now(dt.UTC) - WINDOW - dt.timedelta(seconds=30)
    refused(client, envelope(es, payload, when=old), 422, "replay_window")
    future = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)
    refused(client, envelope(es, payload, when=future), 422, "replay_window")
    other = Payload.new(type="withdrawal", sender="FR:bepi", recipient="PT:pgr", conversation="FR:bepi/REQ-1",
                        body={})
    sealed = seal_envelope(other.model_copy(update={"recipient": "ES:sgcji"}), sender=es.fr_keys, recipient=es.me)
    sealed.header["aud"] = "PT:pgr"
    refused(client, sealed.for_attempt(es.fr_keys), 403, "wrong_recipient")
    for doc, reason in ((b"{not json", "malformed"), (b'{"format": "comity-message/2", "type": "withdrawal"}',
                                                      "unsupported_version"),
                        (b'{"format": "comity-message/1", "type": "subpoena"}', "unknown_type")):
        jwe = encrypt(doc, es.me, {"cty": "comity-message/1", "mid": payload.id})
        refused(client, sign(jwe, es.fr_keys, {"typ": "comity-message+jws", "iss": "FR:bepi", "aud": "ES:sgcji",
                                               "mid": payload.id}), 422, reason)
    assert post(client, b"hello").status_code == 422
    big = post(client, b"x" * (MAX_ENVELOPE + 1))
    assert big.status_code == 413
    # an answer in a conversation this instance never had
    answer = Payload.new(type="information", sender="FR:bepi", recipient="ES:sgcji", conversation="FR:bepi/NOPE",
                         body={"answer": "the accounts"})
    refused(client, envelope(es, answer), 422, "unknown_conversation")
    # a message listing an attachment whose chunks never came
    from comity.exchange import AttachmentRef

    ref = AttachmentRef(index=0, name="x.pdf", size=3, sha256="0" * 64, chunk_size=1024, chunks=["0" * 64])
    refused(client, envelope(es, payload.model_copy(update={"attachments": [ref]})), 422, "missing_attachment")
    # nothing was stored; every refusal is on the operator's list with its reason
    assert Case.objects.count() == 0 and Message.objects.count() == 0
    reasons = set(Rejection.objects.values_list("reason", flat=True))
    assert {"bad_signature", "unknown_sender", "replay_window", "wrong_recipient", "malformed", "unsupported_version",
            "unknown_type", "oversized", "unknown_conversation", "missing_attachment"} <= reasons


def test_same_message_id_with_other_content_is_refused(es, client):
    payload = request_payload(es)
    assert post(client, envelope(es, payload)).status_code == 200
    changed = payload.model_copy(update={"body": {**payload.body, "subject": "Something else"}})
    refused(client, envelope(es, changed), 409, "id_reused")


def test_a_chunk_that_does_not_match_the_manifest_is_refused(es, client):
    from comity.exchange import AttachmentRef

    payload = request_payload(es)
    good, bad = b"the real statement", b"a forged statement"
    ref = AttachmentRef(index=0, name="s.txt", size=len(good), sha256=hashlib.sha256(good).hexdigest(),
                        chunk_size=1024, chunks=[hashlib.sha256(good).hexdigest()])
    payload = payload.model_copy(update={"attachments": [ref]})
    token = seal_chunk(bad, message_id=payload.id, attachment=0, index=0, sender=es.fr_keys,
                       sender_authority="FR:bepi", recipient=es.me)
    assert client.put(f"/exchange/v1/messages/{payload.id}/attachments/0/chunks/0", data=token,
                      content_type=JOSE).status_code == 201
    refused(client, envelope(es, payload), 422, "hash_mismatch")
    # a chunk posted to another place than its signed header names
    r = client.put(f"/exchange/v1/messages/{payload.id}/attachments/0/chunks/5", data=token, content_type=JOSE)
    assert r.status_code == 422 and r.json()["reason"] == "malformed"


def test_the_recognition_clock_runs_from_the_delivery_day(es, client):
    """Directive 2014/41/EU Art 12(3): 30 days from receipt to decide on recognition. A caseworker who starts the
    assessment later does not move the clock."""
    from comity.cases.actions import do_transition_request
    from comity.cases.models import CooperationRequest

    assert post(client, envelope(es, request_payload(es))).status_code == 200
    req = CooperationRequest.objects.get(direction="incoming")
    arrived = dt.date.today() - dt.timedelta(days=3)
    CooperationRequest.objects.filter(pk=req.pk).update(received_on=arrived)
    req.refresh_from_db()
    do_transition_request(req, "start_assessment", acting_user=es.head)
    due = {d.code: d.due for d in req.deadlines.all()}
    assert due["eio_recognition_due"] == arrived + dt.timedelta(days=30)


def test_opening_a_received_message_records_retrieval_and_sends_it_back(es, client):
    from comity.courier.actions import do_retrieve
    from comity.courier.models import Message

    assert post(client, envelope(es, request_payload(es))).status_code == 200
    msg = Message.objects.get(direction="in")
    do_retrieve(msg, acting_user=es.head)
    msg.refresh_from_db()
    assert msg.status == "retrieved" and list(msg.evidence.values_list("type", flat=True)) == ["DELIVERY",
                                                                                               "RETRIEVAL"]
    back = Message.objects.get(direction="out")
    assert back.type == "evidence" and back.status == "queued"
    assert read_evidence(back.payload["body"]["evidence"], issuer=es.me).type == "RETRIEVAL"
    do_retrieve(msg, acting_user=es.head)  # opening it again adds nothing
    assert Message.objects.filter(direction="out").count() == 1


def test_a_message_nobody_opens_gets_non_retrieval_evidence_back(es, client, settings):
    from comity.courier.actions import not_retrieved
    from comity.courier.models import Message

    settings.COMITY_EXCHANGE_RETRIEVAL_HOURS = 48
    assert post(client, envelope(es, request_payload(es))).status_code == 200
    assert not_retrieved() == 0  # still within the period
    import datetime as dt

    from django.utils import timezone

    Message.objects.filter(direction="in").update(delivered_at=timezone.now() - dt.timedelta(hours=48, minutes=1))
    assert not_retrieved() == 1
    msg = Message.objects.get(direction="in")
    assert list(msg.evidence.values_list("type", flat=True)) == ["DELIVERY", "NON_RETRIEVAL"]
    back = Message.objects.get(direction="out")
    assert read_evidence(back.payload["body"]["evidence"], issuer=es.me).type == "NON_RETRIEVAL"
    assert not_retrieved() == 0  # once


def test_retrieval_evidence_from_the_other_side_is_kept_with_our_message(es, client):
    """FR sent a request (here: our outgoing message); FR's RETRIEVAL evidence arrives and is kept with it."""
    from comity.courier.models import Message
    from comity.exchange import issue_evidence

    assert post(client, envelope(es, request_payload(es))).status_code == 200
    incoming = Message.objects.get(direction="in")
    from comity.courier.actions import do_retrieve

    do_retrieve(incoming, acting_user=es.head)  # queues our RETRIEVAL evidence to FR: an outgoing message
    ours = Message.objects.get(direction="out")
    _, token = issue_evidence("RETRIEVAL", message=ours.mid, digest=ours.digest, issuer="FR:bepi", sender="ES:sgcji",
                              recipient="FR:bepi", keys=es.fr_keys)
    back = Payload.new(type="evidence", sender="FR:bepi", recipient="ES:sgcji", conversation="FR:bepi/REQ-1",
                       body={"evidence": token})
    assert post(client, envelope(es, back)).status_code == 200
    assert list(ours.evidence.values_list("type", flat=True)) == ["SUBMISSION_ACCEPTANCE", "RETRIEVAL"]
    # evidence FR did not sign is refused
    forged_keys = AuthorityKeys.generate()
    _, forged = issue_evidence("RETRIEVAL", message=ours.mid, digest=ours.digest, issuer="FR:bepi",
                               sender="ES:sgcji", recipient="FR:bepi", keys=forged_keys)
    bad = Payload.new(type="evidence", sender="FR:bepi", recipient="ES:sgcji", conversation="FR:bepi/REQ-1",
                      body={"evidence": forged})
    assert post(client, envelope(es, bad)).status_code in (403, 422)


def test_an_incoming_request_goes_to_the_unit_its_kind_is_routed_to(es, client, make_user):
    from comity.accounts.actions import do_create_unit, do_set_unit
    from comity.cases.models import CooperationRequest
    from comity.courier.actions import do_set_route

    unit = do_create_unit(name="Mutual assistance unit", acting_user=es.admin)
    mla_head = make_user("supervisor", "mla-head")
    do_set_unit(mla_head, unit=unit, acting_user=es.admin)
    do_set_route("mla", unit, acting_user=es.admin)
    assert post(client, envelope(es, request_payload(es))).status_code == 200
    case = CooperationRequest.objects.get(direction="incoming").case
    assert case.unit == unit
    members = set(case.memberships.filter(revoked_at__isnull=True).values_list("user__username", flat=True))
    assert "mla-head" in members and "jefa" not in members  # the other unit's supervisor does not see it


def test_the_directory_is_seeded_from_the_country_profiles_once(es):
    from comity.courier.actions import do_seed_directory
    from comity.courier.models import DirectoryEntry
    from comity.law import get_law

    made = do_seed_directory(acting_user=es.admin)
    assert made == len(get_law().profiles) == DirectoryEntry.objects.count()
    fr = DirectoryEntry.objects.get(state="FR")
    assert "BEPI" in fr.name and fr.languages == ["fr"] and fr.source.startswith("https://")
    assert fr.seeded and fr.channel == "diplomatic"
    assert do_seed_directory(acting_user=es.admin) == 0


def test_the_directory_refuses_bad_entries_naming_the_field(es):
    from comity.courier.actions import do_save_directory_entry
    from comity.courier.models import DirectoryEntry
    from comity.errors import InvalidInput

    with pytest.raises(InvalidInput) as e:
        do_save_directory_entry(None, data={"state": "XX", "name": "", "kind": "oracle", "channel": "comity",
                                            "cooperation": [], "languages": ["french"]}, acting_user=es.admin)
    assert set(e.value.errors) >= {"state", "name", "kind", "cooperation", "languages", "peer"}
    assert DirectoryEntry.objects.count() == 0
    with pytest.raises(Exception, match="administrator"):
        do_save_directory_entry(None, data={}, acting_user=es.head)


def test_the_trust_list_needs_the_right_fingerprint_and_a_revoked_peer_is_refused(es, client):
    from comity.courier import actions, local
    from comity.courier.models import Peer
    from comity.errors import InvalidInput, NotAllowed

    pt_keys = AuthorityKeys.generate()
    pt = Identity.for_keys(pt_keys, authority="PT:pgr", state="PT", name="Procuradoria-Geral da República",
                           role="prosecutor", endpoint="https://127.0.0.1:9/exchange/v1/",
                           tls_certificate_sha256="1" * 64)
    with pytest.raises(NotAllowed):
        actions.do_import_peer(pt.sign(pt_keys.signing().key), acting_user=es.head)
    with pytest.raises(InvalidInput) as e:
        actions.do_import_peer("not an identity file", acting_user=es.admin)
    assert "identity_file" in e.value.errors
    with pytest.raises(InvalidInput, match="own identity"):
        actions.do_import_peer(local.identity_file(), acting_user=es.admin)
    peer = actions.do_import_peer(pt.sign(pt_keys.signing().key), acting_user=es.admin)
    assert peer.status == "pending"
    wrong = "0" * 63 + "1"
    with pytest.raises(InvalidInput) as e:
        actions.do_confirm_peer(peer, fingerprint_read=wrong, how="by telephone with the duty prosecutor",
                                acting_user=es.admin)
    assert "fingerprint_read" in e.value.errors
    assert Peer.objects.get(pk=peer.pk).status == "pending"
    # a pending peer cannot send
    msg = Payload.new(type="withdrawal", sender="PT:pgr", recipient="ES:sgcji", conversation="PT:pgr/1", body={})
    token = seal_envelope(msg, sender=pt_keys, recipient=es.me).for_attempt(pt_keys)
    refused(client, token, 403, "unknown_sender")
    # FR is trusted, then revoked: its messages are refused from then on
    actions.do_revoke_peer(es.peer, reason="the ministry moved to a new instance", acting_user=es.admin)
    refused(client, envelope(es, request_payload(es)), 403, "unknown_sender")


def test_a_withdrawal_from_the_requesting_authority_ends_the_incoming_request(es, client):
    from comity.cases.models import CooperationRequest

    first = request_payload(es)
    assert post(client, envelope(es, first)).status_code == 200
    withdrawal = Payload.new(type="withdrawal", sender="FR:bepi", recipient="ES:sgcji", conversation="FR:bepi/REQ-1",
                             body={"reason": "The suspect was arrested in France."})
    assert post(client, envelope(es, withdrawal)).status_code == 200
    req = CooperationRequest.objects.get(direction="incoming")
    assert req.status == "withdrawn"
    assert req.notes.filter(text__contains="The suspect was arrested in France.").exists()


def test_chunks_of_a_message_that_never_came_are_cleaned_up_and_retried_chunks_are_not_kept_again(es, client):
    import os
    import time

    from comity.courier import local, staging

    payload = request_payload(es)
    token = seal_chunk(b"abc", message_id=payload.id, attachment=0, index=0, sender=es.fr_keys,
                       sender_authority="FR:bepi", recipient=es.me)
    url = f"/exchange/v1/messages/{payload.id}/attachments/0/chunks/0"
    assert client.put(url, data=token, content_type=JOSE).status_code == 201
    assert client.put(url, data=token, content_type=JOSE).status_code == 200  # a retry: already kept
    folder = local.folder() / "staging" / payload.id
    assert folder.exists()
    assert staging.cleanup(dt.timedelta(days=7)) == 0
    old = time.time() - 8 * 86400
    for p in [folder, *folder.rglob("*")]:
        os.utime(p, (old, old))
    assert staging.cleanup(dt.timedelta(days=7)) == 1 and not folder.exists()


def test_after_our_rotation_we_sign_with_the_key_a_peer_knows_until_it_has_our_new_identity(es, client):
    """FR holds our old identity: until our key_rotation message reaches it, our receipts to FR are signed with
    the old key (still ours during the overlap), so FR can verify them."""
    from comity.courier import actions, local
    from comity.courier.models import Message, Peer

    old_identity = local.identity()
    old_kid = local.keys().signing().kid
    actions.do_rotate_keys(overlap_days=7, acting_user=es.admin)
    assert local.keys().signing().kid != old_kid
    rotation = Message.objects.get(direction="out", type="key_rotation")
    new_identity = Identity.read_file(rotation.payload["body"]["identity"], signed_by=old_identity)
    assert new_identity.current("sig").kid == local.keys().signing().kid
    # a request from FR (sealed to our OLD encryption key, as FR knows it) opens, and our receipt verifies
    # with what FR knows of us
    payload = request_payload(es)
    token = seal_envelope(payload, sender=es.fr_keys, recipient=old_identity).for_attempt(es.fr_keys)
    r = post(client, token)
    assert r.status_code == 200
    assert read_evidence(r.content, issuer=old_identity).type == "DELIVERY"
    assert Peer.objects.get(authority="FR:bepi").our_key == old_kid
