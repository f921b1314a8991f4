"""Signed tree heads: round trips, wrong keys, edited heads, malformed heads and checkpoint files."""

from __future__ import annotations

import json

import pytest

from comity.ledger import (
    InvalidInputError,
    SignedTreeHead,
    VerificationError,
    dump_checkpoints,
    generate_private_key,
    key_id,
    load_checkpoints,
    load_private_key,
    load_public_key,
    private_key_to_pem,
    public_key_to_pem,
    sign_tree_head,
    verify_tree_head,
)
import hashlib

ROOT = hashlib.sha256(b"root").digest()


@pytest.fixture(scope="module")
def key():
    return generate_private_key()


def test_sign_verify_and_json_round_trip(key):
    head = sign_tree_head(key, 12, ROOT, "2026-11-21T23:00:00.000000Z")
    assert head.key_id == key_id(key.public_key()) == hashlib.sha256(
        key.public_key().public_bytes_raw()
    ).hexdigest()
    verify_tree_head(head, key.public_key())
    again = SignedTreeHead.from_json(head.to_json())
    assert again == head
    verify_tree_head(again, key.public_key())
    assert json.loads(head.to_json())["root_hash"] == ROOT.hex()


def test_default_timestamp_is_utc_now(key):
    head = sign_tree_head(key, 0, ROOT)
    assert head.timestamp.endswith("Z") and head.timestamp[:2] == "20"


def test_wrong_key_fails_cleanly(key):
    head = sign_tree_head(key, 12, ROOT)
    other = generate_private_key()
    with pytest.raises(VerificationError) as info:
        verify_tree_head(head, other.public_key())
    assert info.value.problems[0].field == "tree_head.key_id"
    # a head that names the other key but carries this key's signature
    forged = SignedTreeHead(head.size, head.root_hash, head.timestamp, key_id(other.public_key()), head.signature)
    with pytest.raises(VerificationError) as info:
        verify_tree_head(forged, other.public_key())
    assert info.value.problems[0].field == "tree_head.signature"


def test_key_rotation_accepts_any_trusted_key(key):
    old, new = generate_private_key(), key
    verify_tree_head(sign_tree_head(old, 1, ROOT), [old.public_key(), new.public_key()])
    verify_tree_head(sign_tree_head(new, 2, ROOT), [old.public_key(), new.public_key()])


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d | {"size": d["size"] + 1},
        lambda d: d | {"size": 0},
        lambda d: d | {"root_hash": "00" + d["root_hash"][2:]},
        lambda d: d | {"timestamp": "2026-11-21T23:00:01.000000Z"},
        lambda d: d | {"timestamp": "2026-11-21T23:00:00Z"},  # same instant, other bytes: still edited
        lambda d: d | {"signature": d["signature"][:-2] + ("00" if d["signature"][-2:] != "00" else "01")},
    ],
)
def test_any_edited_head_fails(key, edit):
    head = sign_tree_head(key, 12, ROOT, "2026-11-21T23:00:00.000000Z")
    edited = SignedTreeHead.from_dict(edit(head.to_dict()))
    with pytest.raises(VerificationError):
        verify_tree_head(edited, key.public_key())


def test_pem_round_trip_with_and_without_passphrase(key):
    assert load_private_key(private_key_to_pem(key)).public_key() == key.public_key()
    pem = private_key_to_pem(key, b"s3cret")
    assert b"ENCRYPTED" in pem
    assert load_private_key(pem, b"s3cret").public_key() == key.public_key()
    assert load_public_key(public_key_to_pem(key.public_key())) == key.public_key()
    with pytest.raises(InvalidInputError) as info:
        load_private_key(pem, b"wrong")
    assert info.value.problems[0].field == "private_key"


def test_non_ed25519_and_garbage_keys_are_refused():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_pub = ec_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for call, field in [
        (lambda: load_public_key(ec_pub), "public_key"),
        (lambda: load_public_key(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), "public_key"),
        (lambda: load_public_key(b""), "public_key"),
        (lambda: load_private_key(b"not a key"), "private_key"),
    ]:
        with pytest.raises(InvalidInputError) as info:
            call()
        assert info.value.problems[0].field == field


GOOD = {
    "key_id": "ab" * 32,
    "root_hash": "cd" * 32,
    "signature": "ef" * 64,
    "size": 5,
    "timestamp": "2026-11-21T23:00:00Z",
}


@pytest.mark.parametrize(
    "change,field",
    [
        ({"size": -1}, "size"),
        ({"size": "5"}, "size"),
        ({"size": True}, "size"),
        ({"size": 1.0}, "size"),
        ({"root_hash": "cd" * 31}, "root_hash"),
        ({"root_hash": "zz" * 32}, "root_hash"),
        ({"root_hash": 5}, "root_hash"),
        ({"signature": "ef" * 63}, "signature"),
        ({"key_id": "AB" * 32}, "key_id"),
        ({"key_id": "ab"}, "key_id"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"timestamp": 1700000000}, "timestamp"),
        ({"extra": 1}, "extra"),
    ],
)
def test_malformed_heads_name_the_field(change, field):
    with pytest.raises(InvalidInputError) as info:
        SignedTreeHead.from_dict(GOOD | change)
    assert field in [e.field for e in info.value.problems]


def test_missing_fields_are_reported():
    with pytest.raises(InvalidInputError) as info:
        SignedTreeHead.from_dict({})
    assert {e.field for e in info.value.problems} == {"size", "root_hash", "signature", "key_id", "timestamp"}
    with pytest.raises(InvalidInputError):
        SignedTreeHead.from_json("[1, 2")


def test_sign_refuses_bad_values(key):
    for args, field in [((-1, ROOT), "size"), ((1, ROOT[:5]), "root_hash"), ((1, ROOT, "noon"), "timestamp")]:
        with pytest.raises(InvalidInputError) as info:
            sign_tree_head(key, *args)
        assert info.value.problems[0].field == field


def test_checkpoint_file_round_trip_and_truncation(key):
    heads = [sign_tree_head(key, n, ROOT) for n in (1, 5, 9)]
    text = dump_checkpoints(heads)
    assert load_checkpoints(text) == heads
    assert load_checkpoints(text.encode() + b"\n\n") == heads
    truncated = text[: len(text) - 40]
    with pytest.raises(InvalidInputError) as info:
        load_checkpoints(truncated, source="cp.jsonl")
    assert [e.field for e in info.value.problems] == ["cp.jsonl[line 3]"]
    assert "truncated" in info.value.problems[0].reason
    with pytest.raises(InvalidInputError) as info:
        load_checkpoints(text.replace('"size":5', '"size":-5'))
    assert info.value.problems[0].field == "checkpoints[line 2].size"
    with pytest.raises(InvalidInputError):
        load_checkpoints(b"\xff\xfe")
