"""RFC 3161: tokens from the local authority verify; a changed token, a changed record or an
untrusted authority does not."""

import datetime as dt
import hashlib

import pytest
import rfc3161_client
from asn1crypto import tsp

from comity.evidence import tsa


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    return tsa.LocalTSA.load_or_create(tmp_path_factory.mktemp("tsa"))


DIGEST = hashlib.sha256(b"custody record").digest()


def test_token_verifies(authority):
    check = tsa.verify_token(authority.timestamp(DIGEST), DIGEST, [authority.cert_der])
    assert check.ok, check.reason
    assert abs(check.gen_time - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=1)
    assert "Comity local time-stamping authority" in check.tsa


def test_an_independent_parser_reads_the_token(authority):
    req = tsp.TimeStampReq({"version": "v1", "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                                                                 "hashed_message": DIGEST}, "nonce": 77,
                            "cert_req": True}).dump()
    resp = rfc3161_client.decode_timestamp_response(authority.respond(req))
    assert resp.status == 0  # granted
    assert resp.tst_info.message_imprint.message == DIGEST
    assert resp.tst_info.nonce == 77
    token = tsa.token_from_response(authority.respond(req), expected_nonce=77)
    assert tsa.verify_token(token, DIGEST, [authority.cert_der]).ok


def test_a_different_record_fails(authority):
    check = tsa.verify_token(authority.timestamp(DIGEST), hashlib.sha256(b"other").digest(), [authority.cert_der])
    assert not check.ok and "message imprint" in check.reason


def test_a_modified_token_fails(authority):
    token = bytearray(authority.timestamp(DIGEST))
    # Change the genTime inside the TSTInfo (a year digit) without re-signing.
    when = str(tsa.token_gen_time(bytes(token)).year).encode()
    pos = bytes(token).find(when)
    token[pos + 3] = ord("0") + (token[pos + 3] - ord("0") + 1) % 10
    check = tsa.verify_token(bytes(token), DIGEST, [authority.cert_der])
    assert not check.ok and "message digest" in check.reason
    sig = bytearray(authority.timestamp(DIGEST))
    sig[-5] ^= 0x01  # inside the ECDSA signature
    assert not tsa.verify_token(bytes(sig), DIGEST, [authority.cert_der]).ok
    assert not tsa.verify_token(b"\x30\x03\x02\x01\x00", DIGEST, [authority.cert_der]).ok


def test_an_untrusted_authority_fails(authority):
    stranger = tsa.LocalTSA.generate()
    check = tsa.verify_token(stranger.timestamp(DIGEST), DIGEST, [authority.cert_der])
    assert not check.ok and "not trusted" in check.reason


def test_load_or_create_keeps_one_authority(tmp_path):
    a = tsa.LocalTSA.load_or_create(tmp_path)
    b = tsa.LocalTSA.load_or_create(tmp_path)
    assert a.cert_der == b.cert_der
    assert (tmp_path / "tsa_key.pem").stat().st_mode & 0o077 == 0


def test_unreachable_external_authority_is_a_clear_error():
    with pytest.raises(tsa.TimestampError, match="did not answer"):
        tsa.request_timestamp("http://127.0.0.1:9/tsa", DIGEST, timeout=2)


def test_rfc3161_client_verifies_our_tokens_independently(authority):
    """A second implementation (rfc3161-client, Rust) accepts the local authority's answers."""
    req = tsp.TimeStampReq({"version": "v1", "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                                                                 "hashed_message": DIGEST}, "nonce": 5,
                            "cert_req": True}).dump()
    resp = rfc3161_client.decode_timestamp_response(authority.respond(req))
    verifier = rfc3161_client.VerifierBuilder(roots=[authority.certificate], tsa_certificate=authority.certificate,
                                              nonce=5).build()
    assert verifier.verify(resp, DIGEST)
    with pytest.raises(rfc3161_client.VerificationError):
        verifier.verify(resp, hashlib.sha256(b"other").digest())
