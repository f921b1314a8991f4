"""The exchange protocol on its own (comity.exchange, pure Python): seal and open, every way a message is
refused, chunks, evidence, identities and key rotation."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from comity.exchange import (
    AttachmentRef,
    AuthorityKeys,
    Identity,
    Payload,
    Rejected,
    fingerprint,
    format_fingerprint,
    issue_evidence,
    open_chunk,
    open_envelope,
    read_evidence,
    seal_chunk,
    seal_envelope,
)
from comity.exchange.canonical import canonical, sha256_hex
from comity.exchange.errors import BadIdentity
from comity.exchange.message import WINDOW

PIN = "ab" * 32
NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


def authority(aid, state, keys=None):
    keys = keys or AuthorityKeys.generate(NOW - dt.timedelta(days=1))
    ident = Identity.for_keys(keys, authority=aid, state=state, name=f"Central authority of {state}",
                              role="central_authority", endpoint=f"https://{state.lower()}.example/exchange/v1/",
                              tls_certificate_sha256=PIN, issued=NOW - dt.timedelta(days=1))
    return keys, ident


@pytest.fixture
def pair():
    fr_keys, fr = authority("FR:bepi", "FR")
    es_keys, es = authority("ES:mjus-scj", "ES")
    return fr_keys, fr, es_keys, es


def new_request(sender="FR:bepi", recipient="ES:mjus-scj", **body):
    return Payload.new(type="new_request", sender=sender, recipient=recipient, conversation="FR:bepi/MLA-2026-0001",
                       created=NOW, body={"kind": "mla", "reference": "MLA-2026-0001", "subject": "Bank records",
                                          "requesting_state": "FR", "requested_state": "ES", **body})


def open_as_es(token, es_keys, fr, now=NOW):
    return open_envelope(token, me=es_keys, my_authority="ES:mjus-scj",
                         peers=lambda a: fr if a == fr.authority else None, now=now)


def test_a_sealed_request_opens_at_its_recipient_with_its_content_and_sender(pair):
    fr_keys, fr, es_keys, es = pair
    payload = new_request(summary="Transfers of EUR 2.3 million through accounts in Málaga")
    sealed = seal_envelope(payload, sender=fr_keys, recipient=es)
    opened = open_as_es(sealed.for_attempt(fr_keys, NOW), es_keys, fr)
    assert opened.payload == payload
    assert opened.sender.authority == "FR:bepi"
    assert opened.digest == sealed.digest
    # the content is not readable on the wire: neither the subject nor the summary appear
    token = sealed.for_attempt(fr_keys, NOW)
    wire = "".join(base64.urlsafe_b64decode(p + "==").decode("latin-1") for p in token.split("."))
    assert "Málaga" not in wire and "Bank records" not in wire


def test_a_retry_is_a_new_signature_over_the_same_content(pair):
    fr_keys, fr, es_keys, es = pair
    sealed = seal_envelope(new_request(), sender=fr_keys, recipient=es)
    first = sealed.for_attempt(fr_keys, NOW)
    later = sealed.for_attempt(fr_keys, NOW + dt.timedelta(hours=3))
    assert first != later
    a = open_as_es(first, es_keys, fr)
    b = open_as_es(later, es_keys, fr, now=NOW + dt.timedelta(hours=3))
    assert a.digest == b.digest == sealed.digest


def test_every_bit_flipped_in_the_ciphertext_is_refused(pair):
    fr_keys, fr, es_keys, es = pair
    token = seal_envelope(new_request(), sender=fr_keys, recipient=es).for_attempt(fr_keys, NOW)
    header, content, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(content + "=" * (-len(content) % 4)))
    for position in range(0, len(raw), max(1, len(raw) // 40)):
        flipped = bytearray(raw)
        flipped[position] ^= 0x01
        forged = ".".join([header, base64.urlsafe_b64encode(bytes(flipped)).rstrip(b"=").decode(), signature])
        with pytest.raises(Rejected) as e:
            open_as_es(forged, es_keys, fr)
        assert e.value.reason in ("bad_signature", "malformed")


def test_a_message_re_signed_after_tampering_with_the_jwe_does_not_decrypt(pair):
    """An attacker holding the sender's key (or the sender itself) cannot alter the encrypted content."""
    fr_keys, fr, es_keys, es = pair
    sealed = seal_envelope(new_request(), sender=fr_keys, recipient=es)
    parts = sealed.jwe.split(".")
    ct = bytearray(base64.urlsafe_b64decode(parts[3] + "=" * (-len(parts[3]) % 4)))
    ct[5] ^= 0x80
    parts[3] = base64.urlsafe_b64encode(bytes(ct)).rstrip(b"=").decode()
    from comity.exchange.message import sign

    forged = sign(".".join(parts), fr_keys, sealed.header, NOW)
    with pytest.raises(Rejected) as e:
        open_as_es(forged, es_keys, fr)
    assert e.value.reason == "decrypt_failed"


def test_a_message_signed_with_another_key_is_refused_as_a_bad_signature(pair):
    fr_keys, fr, es_keys, es = pair
    impostor = AuthorityKeys.generate(NOW - dt.timedelta(days=1))
    sealed = seal_envelope(new_request(), sender=fr_keys, recipient=es)
    from comity.exchange.message import sign

    # the impostor claims FR's key id: the signature does not verify
    token = sign(sealed.jwe, impostor, sealed.header, NOW)
    _header, rest = token.split(".", 1)
    good_header = sealed.for_attempt(fr_keys, NOW).split(".", 1)[0]
    with pytest.raises(Rejected) as e:
        open_as_es(good_header + "." + rest, es_keys, fr)
    assert e.value.reason == "bad_signature"
    # with its own key id, the key is simply not FR's
    with pytest.raises(Rejected) as e:
        open_as_es(token, es_keys, fr)
    assert e.value.reason == "unknown_sender"


def test_unknown_sender_wrong_recipient_and_replays_are_refused(pair):
    fr_keys, fr, es_keys, es = pair
    token = seal_envelope(new_request(), sender=fr_keys, recipient=es).for_attempt(fr_keys, NOW)
    with pytest.raises(Rejected) as e:
        open_envelope(token, me=es_keys, my_authority="ES:mjus-scj", peers=lambda a: None, now=NOW)
    assert e.value.reason == "unknown_sender"
    with pytest.raises(Rejected) as e:
        open_envelope(token, me=es_keys, my_authority="PT:pgr", peers=lambda a: fr, now=NOW)
    assert e.value.reason == "wrong_recipient"
    # the window: accepted exactly at its edge, refused one second after; 5 minutes of clock skew ahead
    assert open_as_es(token, es_keys, fr, now=NOW + WINDOW)
    with pytest.raises(Rejected) as e:
        open_as_es(token, es_keys, fr, now=NOW + WINDOW + dt.timedelta(seconds=1))
    assert e.value.reason == "replay_window"
    assert open_as_es(token, es_keys, fr, now=NOW - dt.timedelta(minutes=5))
    with pytest.raises(Rejected) as e:
        open_as_es(token, es_keys, fr, now=NOW - dt.timedelta(minutes=5, seconds=1))
    assert e.value.reason == "replay_window"


def test_a_payload_that_names_another_sender_than_its_signer_is_refused(pair):
    fr_keys, fr, es_keys, es = pair
    _it_keys, it = authority("IT:mg-dag", "IT")
    payload = new_request(sender="IT:mg-dag")
    sealed = seal_envelope(payload, sender=fr_keys, recipient=es)
    sealed.header["iss"] = "FR:bepi"
    token = sealed.for_attempt(fr_keys, NOW)
    with pytest.raises(Rejected) as e:
        open_envelope(token, me=es_keys, my_authority="ES:mjus-scj",
                      peers={"FR:bepi": fr, "IT:mg-dag": it}.get, now=NOW)
    assert e.value.reason == "sender_mismatch"


@pytest.mark.parametrize("doc, reason", [
    (b"not json", "malformed"),
    (b"[1, 2]", "malformed"),
    (b'{"format": "comity-message/9", "type": "new_request"}', "unsupported_version"),
    (b'{"format": "comity-message/1", "type": "gossip"}', "unknown_type"),
    (b'{"format": "comity-message/1", "type": "withdrawal", "id": "x"}', "schema"),
])
def test_bad_content_is_refused_with_a_reason_the_sender_can_act_on(pair, doc, reason):
    fr_keys, fr, es_keys, es = pair
    from comity.exchange.message import encrypt, sign

    content = encrypt(doc, es, {"cty": "comity-message/1", "mid": "m-1"})
    token = sign(content, fr_keys, {"typ": "comity-message+jws", "iss": "FR:bepi", "aud": "ES:mjus-scj",
                                    "mid": "m-1"}, NOW)
    with pytest.raises(Rejected) as e:
        open_as_es(token, es_keys, fr)
    assert e.value.reason == reason


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c", "é.é.é", "x" * 3_000_000])
def test_malformed_or_oversized_envelopes_are_refused(pair, token):
    _fr_keys, fr, es_keys, _es = pair
    with pytest.raises(Rejected) as e:
        open_as_es(token, es_keys, fr)
    assert e.value.reason in ("malformed", "oversized")
    if len(token) > 2_000_000:
        assert e.value.reason == "oversized"


def test_chunks_are_bound_to_their_message_attachment_and_place(pair):
    fr_keys, fr, es_keys, es = pair
    data = b"statement line\n" * 1000
    token = seal_chunk(data, message_id="m-1", attachment=0, index=3, sender=fr_keys, sender_authority="FR:bepi",
                       recipient=es, now=NOW)
    opened = open_chunk(token, me=es_keys, my_authority="ES:mjus-scj", peers={"FR:bepi": fr}.get, now=NOW)
    assert opened.content == data and opened.digest == sha256_hex(data)
    assert (opened.header["mid"], opened.header["att"], opened.header["idx"]) == ("m-1", 0, 3)


def test_attachment_manifest_counts_its_chunks():
    with pytest.raises(ValueError, match="make 3 chunks"):
        AttachmentRef(index=0, name="a.pdf", size=2049, sha256="0" * 64, chunk_size=1024, chunks=["0" * 64] * 2)
    assert AttachmentRef(index=0, name="a.pdf", size=2048, sha256="0" * 64, chunk_size=1024, chunks=["0" * 64] * 2)
    assert AttachmentRef(index=0, name="empty", size=0, sha256="0" * 64, chunk_size=1024, chunks=["0" * 64])


def test_evidence_verifies_with_the_issuers_key_and_refuses_tampering(pair):
    _fr_keys, fr, es_keys, es = pair
    ev, token = issue_evidence("DELIVERY", message="m-1", digest="a" * 64, issuer="ES:mjus-scj",
                               sender="FR:bepi", recipient="ES:mjus-scj", keys=es_keys, at=NOW)
    assert read_evidence(token, issuer=es) == ev
    assert ev.positive
    header, body, sig = token.split(".")
    doc = base64.urlsafe_b64decode(body + "==").replace(b"DELIVERY", b"RETRIEVAL")
    forged = ".".join([header, base64.urlsafe_b64encode(doc).rstrip(b"=").decode(), sig])
    with pytest.raises(Rejected) as e:
        read_evidence(forged, issuer=es)
    assert e.value.reason == "bad_signature"
    with pytest.raises(Rejected) as e:
        read_evidence(token, issuer=fr)
    assert e.value.reason == "unknown_sender"


def test_identity_file_round_trip_fingerprint_and_refusals(pair):
    fr_keys, fr, _es_keys, es = pair
    file = fr.sign(fr_keys.signing().key)
    assert Identity.read_file(file) == fr
    fp = fingerprint(fr)
    assert len(fp) == 64 and format_fingerprint(fp).count(" ") == 15
    assert fingerprint(es) != fp
    # signed by a key the file does not list
    other_keys, _ = authority("FR:bepi", "FR")
    with pytest.raises(BadIdentity):
        fr.sign(other_keys.signing().key)
    header, body, sig = file.split(".")
    doc = base64.urlsafe_b64decode(body + "==").replace(b"FR:bepi", b"FR:evil")
    with pytest.raises(BadIdentity, match="signature does not verify"):
        Identity.read_file(".".join([header, base64.urlsafe_b64encode(doc).rstrip(b"=").decode(), sig]))
    with pytest.raises(BadIdentity, match="not a signed identity file"):
        Identity.read_file("hello")


def test_key_rotation_keeps_old_messages_verifiable_and_opens_messages_sealed_to_the_old_key(pair):
    fr_keys, fr, es_keys, es = pair
    old_sealed = seal_envelope(new_request(), sender=fr_keys, recipient=es)  # sealed to ES's old enc key
    old_token = old_sealed.for_attempt(fr_keys, NOW)
    later = NOW + dt.timedelta(minutes=1)
    es_keys2 = es_keys.rotate(overlap=dt.timedelta(days=7), now=later)
    es2 = Identity.for_keys(es_keys2, authority=es.authority, state="ES", name=es.name, role=es.role,
                            endpoint=es.endpoint, tls_certificate_sha256=PIN, issued=later)
    # ES's new identity is signed with its old key: FR accepts it without a new telephone call
    update = es2.sign(es_keys.signing().key)
    assert Identity.read_file(update, signed_by=es).authority == "ES:mjus-scj"
    # ...but not when signed by a key FR never trusted
    with pytest.raises(BadIdentity):
        Identity.read_file(es2.sign(es_keys2.signing().key), signed_by=es)
    # a message sealed to the old encryption key still opens during the overlap
    assert open_as_es(old_token, es_keys2, fr, now=later).payload.type == "new_request"
    # FR rotates too: an old FR signature still verifies against the merged record, a new one too
    fr_keys2 = fr_keys.rotate(overlap=dt.timedelta(days=7), now=later)
    fr2 = Identity.for_keys(fr_keys2, authority=fr.authority, state="FR", name=fr.name, role=fr.role,
                            endpoint=fr.endpoint, tls_certificate_sha256=PIN, issued=later).merged_with(fr)
    assert open_as_es(old_token, es_keys2, fr2, now=later)
    new_token = seal_envelope(new_request(), sender=fr_keys2, recipient=es2).for_attempt(fr_keys2, later)
    assert open_as_es(new_token, es_keys2, fr2, now=later)
    # after the overlap, FR's old signing key is no longer valid...
    with pytest.raises(Rejected) as e:
        open_as_es(old_sealed.for_attempt(fr_keys, later + dt.timedelta(days=8)), es_keys2, fr2,
                   now=later + dt.timedelta(days=8))
    assert e.value.reason == "unknown_sender"
    # ...and ES no longer holds the old encryption key
    from comity.exchange.message import sign

    after = later + dt.timedelta(days=8)
    es_keys3 = es_keys2.rotate(overlap=dt.timedelta(days=7), now=after)
    with pytest.raises(Rejected) as e:
        open_envelope(sign(old_sealed.jwe, fr_keys2, old_sealed.header, after), me=es_keys3, my_authority="ES:mjus-scj",
                      peers={"FR:bepi": fr2}.get, now=after)
    assert e.value.reason == "decrypt_failed"


def test_keys_survive_their_file(pair):
    fr_keys, _fr, *_ = pair
    again = AuthorityKeys.from_json(fr_keys.to_json())
    assert [p.kid for p in again.pairs] == [p.kid for p in fr_keys.pairs]


def test_canonical_json_is_sorted_compact_utf8_and_refuses_floats():
    assert canonical({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    with pytest.raises(TypeError, match=r"\$.x"):
        canonical({"x": 1.5})


def test_a_chunk_of_the_largest_size_opens_and_one_byte_more_is_refused(pair):
    from comity.exchange.message import MAX_CHUNK

    fr_keys, fr, es_keys, es = pair
    data = bytes(range(256)) * (MAX_CHUNK // 256)
    token = seal_chunk(data, message_id="m-1", attachment=0, index=0, sender=fr_keys, sender_authority="FR:bepi",
                       recipient=es, now=NOW)
    assert open_chunk(token, me=es_keys, my_authority="ES:mjus-scj", peers={"FR:bepi": fr}.get,
                      now=NOW).content == data
    with pytest.raises(ValueError):
        seal_chunk(data + b"x", message_id="m-1", attachment=0, index=0, sender=fr_keys, sender_authority="FR:bepi",
                   recipient=es, now=NOW)
