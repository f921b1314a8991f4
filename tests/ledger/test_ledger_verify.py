"""Whole-log verification: every tamper is caught at the right place, an intact log always passes,
and nothing is ever reported verified that was not."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from comity.ledger import (
    InvalidInputError,
    SignedTreeHead,
    canonical_event_bytes,
    generate_private_key,
    leaf_hash,
    merkle_root,
    sign_tree_head,
    verify_log,
)

KEY = generate_private_key()
PUBLIC = KEY.public_key()


def heads_for(leaves: list[bytes], sizes) -> list[SignedTreeHead]:
    hashes = [leaf_hash(x) for x in leaves]
    return [sign_tree_head(KEY, s, merkle_root(hashes[:s]), "2026-11-21T23:00:%02d.000000Z" % (s % 60))
            for s in sizes]


def first_difference(original: list[bytes], tampered: list[bytes]) -> int | None:
    """The definition: first index < len(original) where the tampered log has another or no leaf."""
    for index, leaf in enumerate(original):
        if index >= len(tampered) or tampered[index] != leaf:
            return index
    return None


@st.composite
def tampered_logs(draw):
    n = draw(st.integers(1, 40))
    original = [b'{"seq":%d,"x":"%s"}' % (i, draw(st.binary(max_size=3)).hex().encode()) for i in range(n)]
    tampered = list(original)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["edit", "delete", "insert", "swap", "move", "truncate", "duplicate"]))
        size = len(tampered)
        if size == 0:
            op = "insert"
        if op == "edit":
            i = draw(st.integers(0, size - 1))
            tampered[i] = tampered[i] + b" "  # one byte more: a different leaf
        elif op == "delete":
            del tampered[draw(st.integers(0, size - 1))]
        elif op == "insert":
            tampered.insert(draw(st.integers(0, size)), b'{"seq":999,"forged":true}')
        elif op == "swap":
            i, j = draw(st.integers(0, size - 1)), draw(st.integers(0, size - 1))
            tampered[i], tampered[j] = tampered[j], tampered[i]
        elif op == "move":
            leaf = tampered.pop(draw(st.integers(0, size - 1)))
            tampered.insert(draw(st.integers(0, size - 1)), leaf)
        elif op == "truncate":
            del tampered[draw(st.integers(0, size - 1)):]
        elif op == "duplicate":
            i = draw(st.integers(0, size - 1))
            tampered.insert(i, tampered[i])
    divergence = first_difference(original, tampered)
    assume(divergence is not None)  # e.g. a swap of a leaf with itself, or growth after the end
    sizes = sorted(set(draw(st.lists(st.integers(1, n), max_size=5))) | {n})
    return original, tampered, divergence, sizes


@settings(max_examples=400, deadline=None)
@given(tampered_logs())
def test_every_tamper_is_detected_at_its_first_position(case):
    original, tampered, divergence, sizes = case
    heads = heads_for(original, sizes)

    # Heads only: never verified; the true first divergence is inside the reported window.
    result = verify_log(tampered, heads, PUBLIC)
    assert not result.ok
    assert result.first_divergence is not None
    assert result.first_divergence <= divergence < result.divergence_bound
    assert result.verified_size == result.first_divergence
    if result.exact:
        assert result.first_divergence == divergence
    assert "DIVERGED" in result.messages[0]

    # With the stored leaf-hash column intact: exact, to the event.
    exact = verify_log(tampered, heads, PUBLIC, stored_leaf_hashes=[leaf_hash(x) for x in original])
    assert (exact.ok, exact.exact, exact.first_divergence) == (False, True, divergence)
    assert exact.divergence_bound == divergence + 1

    # With a checkpoint after every event: exact too.
    dense = verify_log(tampered, heads_for(original, range(1, len(original) + 1)), PUBLIC)
    assert (dense.ok, dense.exact, dense.first_divergence) == (False, True, divergence)

    # The attacker rewrote the hash column to match: it is not trusted, the window still holds.
    rewritten = verify_log(tampered, heads, PUBLIC, stored_leaf_hashes=[leaf_hash(x) for x in tampered])
    assert not rewritten.ok
    assert rewritten.first_divergence <= divergence < rewritten.divergence_bound


@settings(max_examples=150, deadline=None)
@given(st.lists(st.binary(max_size=6), min_size=1, max_size=40, unique=True), st.data())
def test_intact_log_never_raises_an_alarm(leaves, data):
    n = len(leaves)
    sizes = sorted(set(data.draw(st.lists(st.integers(0, n), max_size=5))) | {n})
    heads = heads_for(leaves, sizes)
    order = data.draw(st.permutations(heads))  # the order heads are given in does not matter
    for stored in (None, [leaf_hash(x) for x in leaves]):
        result = verify_log(leaves, order, PUBLIC, stored_leaf_hashes=stored)
        assert result.ok, result.messages
        assert (result.first_divergence, result.verified_size, result.log_size) == (None, n, n)
        assert result.latest_tree_head.size == n
        assert result.messages[0].startswith("verified")


def event(seq: int, **extra) -> dict:
    return {"seq": seq, "event_type": "case.viewed", "actor": "user:%d" % (seq % 3),
            "time": "2026-11-21T23:%02d:00Z" % (seq % 60), "case_id": "MLA-1", "purpose": "review"} | extra


def test_events_as_dicts_are_encoded_and_checked():
    events = [event(i) for i in range(30)]
    leaves = [canonical_event_bytes(e) for e in events]
    heads = heads_for(leaves, [10, 30])
    assert verify_log(events, heads, PUBLIC).ok
    assert verify_log(leaves, heads, PUBLIC).ok  # same thing as raw canonical lines

    edited = [dict(e) for e in events]
    edited[17]["purpose"] = "curiosity"
    result = verify_log(edited, heads, PUBLIC, stored_leaf_hashes=[leaf_hash(x) for x in leaves])
    assert (result.ok, result.first_divergence, result.exact) == (False, 17, True)

    broken = list(events)
    broken[4] = {"seq": 4}  # no longer a valid event: it cannot be the original leaf
    result = verify_log(broken, heads, PUBLIC, stored_leaf_hashes=[leaf_hash(x) for x in leaves])
    assert (result.ok, result.first_divergence) == (False, 4)
    assert any("event 4 is not a valid audit event" in m for m in result.messages)


def test_unsigned_tail_is_reported_not_verified():
    leaves = [b"%d" % i for i in range(12)]
    result = verify_log(leaves, heads_for(leaves[:10], [10]), PUBLIC)
    assert result.ok and result.verified_size == 10 and result.log_size == 12
    assert any("10..11" in m and "NOT verified" in m for m in result.messages)


def test_edited_or_foreign_tree_head_is_reported_and_never_verified():
    leaves = [b"%d" % i for i in range(20)]
    good = heads_for(leaves, [8, 20])
    d = good[0].to_dict()
    edited = SignedTreeHead.from_dict(d | {"root_hash": merkle_root([leaf_hash(b"x")]).hex()})
    result = verify_log(leaves, [edited, good[1]], PUBLIC)
    assert not result.ok and result.first_divergence is None
    assert any("tree head 0 (size 8) rejected" in m for m in result.messages)

    stranger = generate_private_key()
    foreign = sign_tree_head(stranger, 20, good[1].root_hash)
    result = verify_log(leaves, [foreign], PUBLIC)
    assert not result.ok and result.verified_size == 0
    assert any("nothing in the log is verified" in m for m in result.messages)


def test_forked_heads_are_reported():
    leaves = [b"%d" % i for i in range(10)]
    fork = [b"%d" % i for i in range(5)] + [b"other"] * 5
    heads = heads_for(leaves, [10]) + heads_for(fork, [10])
    result = verify_log(leaves, heads, PUBLIC)
    assert not result.ok
    assert any("forked" in m for m in result.messages)


def test_altered_hash_column_alone_is_reported():
    leaves = [b"%d" % i for i in range(10)]
    stored = [leaf_hash(x) for x in leaves]
    stored[6] = leaf_hash(b"something else")
    result = verify_log(leaves, heads_for(leaves, [10]), PUBLIC, stored_leaf_hashes=stored)
    assert not result.ok and result.first_divergence is None
    assert any("hash column was altered" in m for m in result.messages)


@pytest.mark.parametrize(
    "call,field",
    [
        (lambda: verify_log([b"a"], [], PUBLIC), "tree_heads"),
        (lambda: verify_log([b"a"], [{"size": 1}], PUBLIC), "tree_heads[0]"),
        (lambda: verify_log([b"a"], heads_for([b"a"], [1]), []), "public_key"),
        (lambda: verify_log([b"a"], heads_for([b"a"], [1]), ["pem"]), "public_key[0]"),
        (lambda: verify_log([5], heads_for([b"a"], [1]), PUBLIC), "events[0]"),
        (lambda: verify_log([b"a"], heads_for([b"a"], [1]), PUBLIC, stored_leaf_hashes=[b"short"]),
         "stored_leaf_hashes[0]"),
    ],
)
def test_unusable_input_raises_a_named_error(call, field):
    with pytest.raises(InvalidInputError) as info:
        call()
    assert info.value.problems[0].field == field


def test_incomplete_hash_column_and_generator_input():
    leaves = [b"%d" % i for i in range(10)]
    heads = heads_for(leaves, [10])
    result = verify_log((x for x in leaves), heads, PUBLIC, stored_leaf_hashes=[leaf_hash(x) for x in leaves[:7]])
    assert not result.ok and any("incomplete" in m for m in result.messages)
    assert verify_log((x for x in leaves), heads, PUBLIC).ok
