"""Fault injection with two real instances on loopback (issue 15, "Tests with real parts" and "Safety"): the
receiver killed mid-transfer or down when sending, duplicates, replays, bit flips, forged and mis-addressed
messages, a key rotation mid-conversation, and malformed input of every kind.

Every scenario checks the same three things. Nothing is lost: each message sent ends delivered on the sender,
with the receiver's signed DELIVERY evidence, and exists once on the receiver. Nothing is applied twice: the
receiver's request moves once per step, and no note, document or request is duplicated. Everything forged or
tampered with is refused: the receiver answers with its HTTP status for the reason and signed NON_DELIVERY
evidence naming the reason, keeps a Rejection row with that reason for exactly the bytes it received, and
stores nothing else.

Envelopes are crafted with the sender's real keys (read from its data folder) or with a forger's, sealed to the
receiver's identity as it serves it, and posted to its HTTPS endpoint. One pair of instances serves the module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
import uuid
from pathlib import Path

import pytest
from joserfc import jws

from comity.exchange import (
    AttachmentRef,
    AuthorityKeys,
    Identity,
    Payload,
    open_envelope,
    read_evidence,
    seal_chunk,
    seal_envelope,
)
from comity.exchange.canonical import canonical
from comity.exchange.identity import CLOCK_SKEW
from comity.exchange.message import FORMAT, MAX_ENVELOPE, WINDOW, Sealed, _jws_registry, encrypt, sign
from tests.exchange.faults_support import (
    as_json,
    chunk_refused,
    download,
    flip,
    identity_of,
    incoming_request,
    keys_of,
    kill_server,
    one,
    outgoing,
    post_message,
    put_chunk,
    received,
    refused,
    rejections,
    request_status,
    restart_server,
    send_request,
    sql,
    staged,
    state,
    steps,
    transition,
    wait_outbox,
    wait_outgoing,
    wait_status,
    wait_until,
    write,
)
from tests.exchange.pair import pair, wait_for
from tests.support.crash import cli

MESSAGE_JWS = "comity-message+jws"


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    fr, es = pair(tmp, key_age=dt.timedelta(hours=1))  # keys older than the replay window, as on a live instance
    fr.start()
    es.start()
    yield fr, es
    fr.drop()
    es.drop()


@pytest.fixture(scope="module")
def delivered(two):
    """A request FR sent and ES received: the conversation the duplicate and rotation scenarios continue."""
    fr, es = two
    fr_req, conversation = send_request(fr, "Bank records of account ES12 3456")
    mid = wait_outbox(fr, fr_req, "new_request")
    wait_status(fr, mid, "delivered")
    return {"fr_req": fr_req, "conversation": conversation, "mid": mid,
            "es_req": wait_for(lambda: incoming_request(es, conversation), what="the request at ES")}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def crafted(sender: str = "FR:bepi", recipient: str = "ES:sgcji", **update) -> Payload:
    """A new request as FR's instance would send it, in a conversation of its own."""
    ref = f"FAULT-{uuid.uuid4().hex[:8]}"
    payload = Payload.new(type="new_request", sender=sender, recipient=recipient, conversation=f"{sender}/{ref}",
                          body={"kind": "mla", "reference": ref, "subject": "Crafted in the fault tests",
                                "requesting_state": sender[:2], "requested_state": recipient[:2],
                                "summary": "Transfers to Málaga."})
    return payload.model_copy(update=update) if update else payload


def header(payload: Payload, aud: str | None = None) -> dict:
    return {"typ": MESSAGE_JWS, "iss": payload.sender, "aud": aud or payload.recipient, "mid": payload.id}


def delivered_once(fr, es, mid: str) -> dict:
    """The sender holds the receiver's DELIVERY evidence for `mid`, verified; the receiver holds it once."""
    m = outgoing(fr, mid)
    assert m["status"] == "delivered" and m["evidence"] == ["SUBMISSION_ACCEPTANCE", "DELIVERY"], m["evidence"]
    ev = read_evidence(m["tokens"]["DELIVERY"], issuer=identity_of(es))
    assert (ev.type, ev.message, ev.digest, ev.issuer) == ("DELIVERY", mid, m["digest"], es.authority)
    assert received(es, mid) == 1
    return m


# --- 1. the receiver killed mid-transfer ---------------------------------------------------------------------

def test_the_receiver_killed_mid_transfer_gets_the_large_attachment_once_and_intact(two):
    fr, es = two
    data = os.urandom(40 * 1024 * 1024)  # 40 chunks of 1 MiB
    digest = hashlib.sha256(data).hexdigest()
    fr_req, conversation = send_request(fr, "Server images seized in Lyon", documents=(("images.bin", data),))
    mid = wait_outbox(fr, fr_req, "new_request")
    # SIGKILL the receiver's server (master and workers) while chunks are in flight
    assert wait_until(lambda: staged(es, mid) >= 3, timeout=60), "no chunk arrived"
    kill_server(es)
    kept = staged(es, mid)
    assert 3 <= kept < 40 and received(es, mid) == 0, kept
    try:
        # the sender's worker finds the receiver gone and retries, with a transport reason
        wait_outgoing(fr, mid, lambda m: m["status"] == "retrying" and m["last_error"].startswith("transport:"), 30,
                      "FR retrying")
    finally:
        restart_server(es)
    m = wait_status(fr, mid, "delivered", timeout=150)
    assert m["attempts"] >= 2
    delivered_once(fr, es, mid)
    # one request, one document, byte for byte the one sent; nothing left in the staging area
    es_req = incoming_request(es, conversation)
    assert one(es, "SELECT COUNT(*) FROM cases_cooperationrequest WHERE subject = ?", "Server images seized in Lyon") == 1
    case_id = one(es, "SELECT case_id FROM cases_cooperationrequest WHERE id = ?", es_req)
    docs = sql(es, "SELECT id, sha256, size FROM cases_document WHERE case_id = ?", case_id)
    assert [(d[1], d[2]) for d in docs] == [(digest, len(data))]
    assert hashlib.sha256(download(es, case_id, docs[0][0])).hexdigest() == digest
    assert staged(es, mid) == 0
    assert request_status(es, es_req) == "received"
    taken = steps(es, es_req)
    assert len(taken) == len(set(taken)), taken


def test_a_chunk_a_crash_left_without_its_digest_is_taken_again(two):
    """The receiver killed between keeping a chunk and writing its digest: the sender's retry of that chunk is
    kept again (not answered 'already kept'), and the message is delivered instead of failing for ever."""
    fr, es = two
    fr_keys, es_ident = keys_of(fr), identity_of(es)
    data = b"Releve de compte 2026-03\n" * 100
    payload = crafted()
    payload = payload.model_copy(update={"attachments": [AttachmentRef(
        index=0, name="releve.txt", media_type="text/plain", size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        chunk_size=1024 * 1024, chunks=[hashlib.sha256(data).hexdigest()])]})
    token = seal_chunk(data, message_id=payload.id, attachment=0, index=0, sender=fr_keys,
                       sender_authority=fr.authority, recipient=es_ident)
    folder = Path(es.env["COMITY_DATA_DIR"]) / "exchange" / "staging" / payload.id / "0"
    folder.mkdir(parents=True, mode=0o700)
    (folder / "0.jose").write_bytes(token.encode())  # what the crash left: the chunk, not its digest
    status, _, _ = put_chunk(es, payload.id, 0, 0, token)
    assert status in (200, 201)
    status, headers, body = post_message(es, seal_envelope(payload, sender=fr_keys, recipient=es_ident)
                                         .for_attempt(fr_keys))
    assert (status, headers.get("comity-evidence-type")) == (200, "DELIVERY"), body[:300]
    assert received(es, payload.id) == 1


# --- 2. the receiver down when sending ---------------------------------------------------------------------

def test_the_receiver_down_when_sending_gets_the_message_by_retries_with_back_off(two):
    fr, es = two
    kill_server(es)
    try:
        fr_req, conversation = send_request(fr, "Telephone subscriber data")
        mid = wait_outbox(fr, fr_req, "new_request")
        m = wait_outgoing(fr, mid, lambda m: m["status"] == "retrying" and m["attempts"] >= 2, 30, "FR retrying")
        assert m["last_error"].startswith("transport:") and "Refused" in m["last_error"], m["last_error"]
        # the outbox as its operator reads it
        (row,) = [r for r in fr.outbox() if r["message"] == mid]
        assert row["status"] == "retrying" and row["last_error"].startswith("transport:"), row
        assert row["evidence"] == ["SUBMISSION_ACCEPTANCE"]
        # back-off: a few more attempts in three seconds, not a busy loop
        before = outgoing(fr, mid)["attempts"]
        time.sleep(3)
        assert outgoing(fr, mid)["attempts"] - before <= 5
    finally:
        restart_server(es)
    wait_status(fr, mid, "delivered", timeout=60)
    delivered_once(fr, es, mid)
    es_req = incoming_request(es, conversation)
    assert one(es, "SELECT COUNT(*) FROM cases_cooperationrequest WHERE subject = ?", "Telephone subscriber data") == 1
    assert request_status(es, es_req) == "received"
    taken = steps(es, es_req)
    assert len(taken) == len(set(taken)), taken


# --- 3. duplicates ------------------------------------------------------------------------------------------

def test_a_duplicate_gets_the_original_evidence_and_a_reused_id_is_refused(two, delivered):
    fr, es = two
    mid = delivered["mid"]
    m = delivered_once(fr, es, mid)
    original = m["tokens"]["DELIVERY"].encode()
    fr_keys, es_ident = keys_of(fr), identity_of(es)
    before, es_steps = state(es), steps(es, delivered["es_req"])
    # the same JWE re-signed with a fresh iat (a retry after a lost answer), twice
    sealed = Sealed(jwe=m["jwe"], digest=m["digest"],
                    header={"typ": MESSAGE_JWS, "iss": fr.authority, "aud": es.authority, "mid": mid})
    for _ in range(2):
        status, headers, body = post_message(es, sealed.for_attempt(fr_keys))
        assert (status, headers.get("comity-evidence-type")) == (200, "DELIVERY")
        assert body == original  # byte-identical: the receipt of the first delivery
        time.sleep(1.1)  # another iat
    # the same content sealed anew (another encryption): the same message, the same receipt
    payload = Payload.model_validate(m["payload"])
    status, _, body = post_message(es, seal_envelope(payload, sender=fr_keys, recipient=es_ident).for_attempt(fr_keys))
    assert (status, body) == (200, original)
    assert state(es) == before and received(es, mid) == 1
    # the same id with other content
    changed = payload.model_copy(update={"body": {**payload.body, "subject": "Something else entirely"}})
    ev = refused(es, seal_envelope(changed, sender=fr_keys, recipient=es_ident).for_attempt(fr_keys), "id_reused",
                 issuer=es_ident)
    assert ev.message == mid
    assert state(es) == before
    assert steps(es, delivered["es_req"]) == es_steps  # the request did not move
    assert outgoing(fr, mid)["evidence"] == ["SUBMISSION_ACCEPTANCE", "DELIVERY"]  # the sender: unchanged


# --- 4. replay ------------------------------------------------------------------------------------------------

def test_an_attempt_older_than_the_window_is_refused_as_a_replay(two):
    fr, es = two
    fr_keys, es_ident = keys_of(fr), identity_of(es)
    payload = crafted()
    sealed = seal_envelope(payload, sender=fr_keys, recipient=es_ident)
    captured = sealed.for_attempt(fr_keys, now() - WINDOW - dt.timedelta(minutes=1))
    before = state(es)
    ev = refused(es, captured, "replay_window", issuer=es_ident)
    assert ev.message == payload.id and ev.sender == fr.authority
    assert state(es) == before and received(es, payload.id) == 0
    # the same content signed now (its sender's next attempt) is accepted, once ...
    status, headers, _ = post_message(es, sealed.for_attempt(fr_keys))
    assert (status, headers.get("comity-evidence-type")) == (200, "DELIVERY")
    assert received(es, payload.id) == 1
    # ... and the captured attempt replayed afterwards is still refused: not even the receipt is given out
    refused(es, captured, "replay_window", issuer=es_ident)
    assert received(es, payload.id) == 1


# --- 5. bit flips -------------------------------------------------------------------------------------------

def test_flipped_bits_are_refused_before_or_at_decryption(two):
    fr, es = two
    fr_keys, es_ident = keys_of(fr), identity_of(es)
    payload = crafted()
    sealed = seal_envelope(payload, sender=fr_keys, recipient=es_ident)
    before = state(es)
    h, p, s = sealed.for_attempt(fr_keys).split(".")
    refused(es, f"{h}.{flip(p)}.{s}", "bad_signature", issuer=es_ident)  # in the signed content (the JWE)
    refused(es, f"{h}.{p}.{flip(s)}", "bad_signature", issuer=es_ident)  # in the signature
    # the JWE's ciphertext, then its authentication tag, changed and re-signed with FR's real key: the signature
    # verifies, the decryption does not
    for part, at in ((3, None), (4, 3)):
        pieces = sealed.jwe.split(".")
        pieces[part] = flip(pieces[part], at)
        refused(es, sign(".".join(pieces), fr_keys, sealed.header), "decrypt_failed", issuer=es_ident)
    # a chunk with a flipped bit, and one whose ciphertext was changed and re-signed: refused, not kept
    chunk = seal_chunk(b"statement of account", message_id=payload.id, attachment=0, index=0, sender=fr_keys,
                       sender_authority=fr.authority, recipient=es_ident)
    h, p, s = chunk.split(".")
    chunk_refused(es, payload.id, 0, 0, f"{h}.{flip(p)}.{s}", "bad_signature")
    inner = jws.extract_compact(chunk.encode(), None, _jws_registry)
    pieces = inner.payload.decode().split(".")
    pieces[3] = flip(pieces[3])
    resigned = sign(".".join(pieces), fr_keys, {k: v for k, v in inner.protected.items()
                                               if k in ("typ", "iss", "aud", "mid", "att", "idx")})
    chunk_refused(es, payload.id, 0, 0, resigned, "decrypt_failed")
    assert staged(es, payload.id) == 0
    assert state(es) == before and received(es, payload.id) == 0


# --- 6. wrong keys, unknown authority, wrong recipient -------------------------------------------------------

def test_a_wrong_key_an_unknown_authority_or_another_recipient_is_refused(two):
    fr, es = two
    fr_keys, es_ident = keys_of(fr), identity_of(es)
    before = state(es)
    payload = crafted()
    # a fresh Ed25519 key claiming to be FR: its key id is not FR's
    impostor = AuthorityKeys.generate(now() - dt.timedelta(hours=1))
    forged = seal_envelope(payload, sender=impostor, recipient=es_ident)
    ev = refused(es, forged.for_attempt(impostor), "unknown_sender", issuer=es_ident)
    assert ev.sender == fr.authority
    # the same forger naming FR's real signing key: the signature does not verify with it
    token = jws.serialize_compact({"alg": "Ed25519", "kid": fr_keys.signing().kid, **forged.header,
                                   "iat": int(time.time())}, forged.jwe, impostor.signing().key,
                                  registry=_jws_registry)
    refused(es, token, "bad_signature", issuer=es_ident)
    # an authority that is not on the trust list at all
    pt_keys = AuthorityKeys.generate()
    pt_payload = crafted(sender="PT:pgr")
    pt_token = seal_envelope(pt_payload, sender=pt_keys, recipient=es_ident).for_attempt(pt_keys)
    refused(es, pt_token, "unknown_sender", issuer=es_ident)
    assert rejections(es, reason="unknown_sender", claimed_sender="PT:pgr", mid=pt_payload.id)
    # signed by FR's real key but addressed (aud) to another authority
    sealed = seal_envelope(payload, sender=fr_keys, recipient=es_ident)
    refused(es, sign(sealed.jwe, fr_keys, header(payload, aud="PT:pgr")), "wrong_recipient", issuer=es_ident)
    # the signed header says ES, the encrypted payload names another recipient
    other = payload.model_copy(update={"recipient": "PT:pgr"})
    content = encrypt(canonical(other.document()), es_ident, {"cty": FORMAT, "mid": other.id})
    refused(es, sign(content, fr_keys, header(payload)), "wrong_recipient", issuer=es_ident)
    # signed by FR, the payload claims to come from another authority
    claimed = payload.model_copy(update={"sender": "PT:pgr"})
    content = encrypt(canonical(claimed.document()), es_ident, {"cty": FORMAT, "mid": claimed.id})
    refused(es, sign(content, fr_keys, header(payload)), "sender_mismatch", issuer=es_ident)
    assert state(es) == before and received(es, payload.id) == 0


# --- 7. a key rotation mid-conversation ----------------------------------------------------------------------

def test_a_key_rotation_mid_conversation(two, delivered):
    fr, es = two
    fr_req, es_req = delivered["fr_req"], delivered["es_req"]
    es_before = steps(es, es_req)
    # two steps with ES's first keys: the acknowledgement and a question
    transition(es, es_req, "start_assessment")
    wait_for(lambda: request_status(fr, fr_req) == "acknowledged", what="FR acknowledged")
    transition(es, es_req, "ask_for_information", "Which accounts beyond ES12 3456?")
    wait_for(lambda: request_status(fr, fr_req) == "further_information_requested", what="FR asked")
    old_kid = keys_of(es).signing().kid
    old_receipt = outgoing(fr, delivered["mid"])["tokens"]["DELIVERY"]  # signed by ES's first key
    old_question = wait_outbox(es, es_req, "information_request")
    # ES rotates its keys between two steps
    cli(es.env, "exchange", "rotate-keys", "--user", "admin")
    new_keys = keys_of(es)
    new_kid = new_keys.current("sig").kid
    assert new_kid != old_kid
    (rotation,) = [r[0] for r in sql(es, "SELECT mid FROM courier_message WHERE direction = 'out' AND type = ?",
                                     "key_rotation")]
    wait_status(es, rotation, "delivered", timeout=60)
    delivered_once(es, fr, rotation)
    # FR's trust list holds both signing keys: the old one closed, the new one current
    stored = Identity.model_validate(as_json(one(fr, "SELECT identity FROM courier_peer WHERE authority = ?",
                                                 es.authority)))
    sig = {k.kid: k for k in stored.keys if k.use == "sig"}
    assert {old_kid, new_kid} <= set(sig)
    assert sig[old_kid].valid_until is not None and stored.current("sig").kid == new_kid
    assert one(es, "SELECT our_key FROM courier_peer WHERE authority = ?", fr.authority) == new_kid
    # the conversation goes on: FR answers (sealed to ES's new key), ES accepts (signed with its new key)
    assert fr.api("POST", f"/api/requests/{fr_req}/transitions", {
        "transition": "supply_information", "comment": "Also ES98 7654."})[0] == 201
    answer = wait_outbox(fr, fr_req, "information")
    wait_status(fr, answer, "delivered", timeout=60)
    receipt = delivered_once(fr, es, answer)["tokens"]["DELIVERY"]
    assert jws.extract_compact(receipt.encode()).protected["kid"] == new_kid
    assert read_evidence(receipt, issuer=stored).type == "DELIVERY"
    wait_for(lambda: request_status(es, es_req) == "under_assessment", what="ES received the information")
    transition(es, es_req, "accept")
    accepted = wait_outbox(es, es_req, "status_update")
    wait_status(es, accepted, "delivered", timeout=60)
    delivered_once(es, fr, accepted)
    for side, request_id, label in ((fr, fr_req, "Acknowledged by"), (fr, fr_req, "Further information requested"),
                                    (fr, fr_req, "Status reported"), (es, es_req, "Further information received")):
        assert one(side, "SELECT COUNT(*) FROM cases_note WHERE request_id = ? AND text LIKE ?", request_id,
                   f"%{label}%") == 1, label
    # every step once on both sides
    assert steps(es, es_req) == es_before + ["start_assessment", "ask_for_information", "receive_information",
                                             "accept"]
    fr_steps = steps(fr, fr_req)
    assert fr_steps[-3:] == ["record_acknowledgement", "record_information_request", "supply_information"]
    assert len(fr_steps) == len(set(fr_steps))
    # what ES signed with its first key still verifies against FR's stored identity: the receipt ...
    ev = read_evidence(old_receipt, issuer=stored)
    assert (ev.type, ev.message) == ("DELIVERY", delivered["mid"])
    assert jws.extract_compact(old_receipt.encode()).protected["kid"] == old_kid
    # ... and a message signed with that key (still held during the overlap) opens with FR's keys
    fr_ident = identity_of(fr)
    probe = Payload.new(type="status_update", sender=es.authority, recipient=fr.authority,
                        conversation=delivered["conversation"], body={"status": "under_assessment"})
    old_signer = new_keys.for_peer(old_kid)
    token = seal_envelope(probe, sender=old_signer, recipient=fr_ident).for_attempt(old_signer)
    opened = open_envelope(token, me=keys_of(fr), my_authority=fr.authority, peers=lambda a: stored)
    assert opened.sender_kid == old_kid and opened.payload.id == probe.id
    assert received(fr, old_question) == 1


# --- 8. malformed input of every kind -------------------------------------------------------------------------

def test_malformed_input_of_every_kind_gets_its_reason_and_stores_nothing(two):
    fr, es = two
    fr_keys, es_ident = keys_of(fr), identity_of(es)
    before = state(es)
    payload = crafted()

    def signed_content(plain: bytes) -> str:
        content = encrypt(plain, es_ident, {"cty": FORMAT, "mid": payload.id})
        return sign(content, fr_keys, header(payload))

    refused(es, b"hello, this is not JOSE", "malformed", issuer=es_ident)
    refused(es, b"eyJhbGciOiJub25lIn0.e30.", "malformed", issuer=es_ident)  # an unsigned JWS
    refused(es, sign("not a JWE at all", fr_keys, header(payload)), "malformed", issuer=es_ident)
    refused(es, signed_content(b"{not json"), "malformed", issuer=es_ident)
    refused(es, signed_content(b"[1, 2, 3]"), "malformed", issuer=es_ident)
    refused(es, signed_content(canonical({**payload.document(), "type": "subpoena"})), "unknown_type",
            issuer=es_ident)
    refused(es, signed_content(canonical({**payload.document(), "format": "comity-message/2"})),
            "unsupported_version", issuer=es_ident)
    refused(es, signed_content(canonical({**payload.document(), "body": {"kind": "mla"}})), "schema", issuer=es_ident)
    # too large to read: refused before the body is read
    before_oversized = len(rejections(es, reason="oversized"))
    refused(es, b"x" * (MAX_ENVELOPE + 1), "oversized", issuer=es_ident)
    assert len(rejections(es, reason="oversized")) == before_oversized + 1
    # clocks too far apart: an attempt from the future
    future = seal_envelope(payload, sender=fr_keys, recipient=es_ident).for_attempt(
        fr_keys, now() + CLOCK_SKEW + dt.timedelta(minutes=1))
    refused(es, future, "replay_window", issuer=es_ident)
    # an attachment of two chunks, one of which never came
    a, b = b"first chunk " * 10, b"other chunk " * 10
    two_chunks = crafted(attachments=[AttachmentRef(
        index=0, name="list.txt", media_type="text/plain", size=len(a + b), sha256=hashlib.sha256(a + b).hexdigest(),
        chunk_size=len(a), chunks=[hashlib.sha256(a).hexdigest(), hashlib.sha256(b).hexdigest()])])
    token = seal_chunk(a, message_id=two_chunks.id, attachment=0, index=0, sender=fr_keys,
                       sender_authority=fr.authority, recipient=es_ident)
    assert put_chunk(es, two_chunks.id, 0, 0, token)[0] == 201
    ev = refused(es, seal_envelope(two_chunks, sender=fr_keys, recipient=es_ident).for_attempt(fr_keys),
                 "missing_attachment", issuer=es_ident)
    assert "chunk 1" in ev.detail
    # a chunk at its right place whose content is not what the manifest lists
    good, bad = b"the real statement", b"a forged statement"
    mismatch = crafted(attachments=[AttachmentRef(
        index=0, name="s.txt", size=len(good), sha256=hashlib.sha256(good).hexdigest(), chunk_size=1024,
        chunks=[hashlib.sha256(good).hexdigest()])])
    token = seal_chunk(bad, message_id=mismatch.id, attachment=0, index=0, sender=fr_keys,
                       sender_authority=fr.authority, recipient=es_ident)
    assert put_chunk(es, mismatch.id, 0, 0, token)[0] == 201
    refused(es, seal_envelope(mismatch, sender=fr_keys, recipient=es_ident).for_attempt(fr_keys), "hash_mismatch",
            issuer=es_ident)
    # every chunk matches its listed SHA-256 but the file as a whole does not match the manifest's
    whole = crafted(attachments=[AttachmentRef(
        index=0, name="s.txt", size=len(good), sha256=hashlib.sha256(b"another file").hexdigest(), chunk_size=1024,
        chunks=[hashlib.sha256(good).hexdigest()])])
    token = seal_chunk(good, message_id=whole.id, attachment=0, index=0, sender=fr_keys,
                       sender_authority=fr.authority, recipient=es_ident)
    assert put_chunk(es, whole.id, 0, 0, token)[0] == 201
    refused(es, seal_envelope(whole, sender=fr_keys, recipient=es_ident).for_attempt(fr_keys), "hash_mismatch",
            issuer=es_ident)
    # a chunk posted to another place than its signed header names: a JSON reason, not kept there
    chunk_refused(es, whole.id, 0, 7, token, "malformed")
    for mid in (payload.id, two_chunks.id, mismatch.id, whole.id):
        assert received(es, mid) == 0
    assert state(es) == before


# --- the peer's certificate is not the pinned one -------------------------------------------------------------

def test_a_receiver_presenting_another_certificate_than_the_pinned_one_is_sent_nothing(two):
    """A man in the middle (here: FR's pin for ES changed behind its back) gets no byte of the message: the sender
    refuses the connection after the TLS handshake, before sending, retries, and delivers once the pin is right."""
    fr, es = two
    pin = one(fr, "SELECT tls_pin FROM courier_peer WHERE authority = ?", es.authority)
    write(fr, "UPDATE courier_peer SET tls_pin = ? WHERE authority = ?", "0" * 64, es.authority)
    try:
        fr_req, _ = send_request(fr, "Records sent while the pin is wrong")
        mid = wait_outbox(fr, fr_req, "new_request")
        m = wait_outgoing(fr, mid, lambda m: "not the pinned one" in (m["last_error"] or ""), timeout=60,
                          what="a refusal of the certificate")
        assert m["status"] != "delivered" and m["evidence"] == ["SUBMISSION_ACCEPTANCE"]
        assert received(es, mid) == 0 and staged(es, mid) == 0
    finally:
        write(fr, "UPDATE courier_peer SET tls_pin = ? WHERE authority = ?", pin, es.authority)
    wait_status(fr, mid, "delivered", timeout=120)
    delivered_once(fr, es, mid)
