"""The witness (comity.ledger.witness), without Django: it cosigns only heads that extend the last one it
cosigned, refuses forks, rollbacks, bad proofs and heads the instance did not sign, and keeps the
evidence of every refusal in its append-only file."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest

from comity.ledger import (
    ConsistencyProof,
    Cosignature,
    InvalidInputError,
    MemoryLedgerStore,
    VerificationError,
    Witness,
    WitnessRefused,
    cosignature_message,
    generate_private_key,
    prove_consistency,
    read_witness_file,
    sign_tree_head,
    verify_cosignature,
)

INSTANCE = generate_private_key()
WITNESS = generate_private_key()


class Log:
    """An instance's log: leaves, signed heads and consistency proofs."""

    def __init__(self, n=0, key=INSTANCE, tag=b"e"):
        self.store = MemoryLedgerStore()
        self.key = key
        self.tag = tag
        self.grow(n)

    def grow(self, n):
        for _ in range(n):
            self.store.append_leaf(b'{"seq":%d,"x":"%s"}' % (self.store.tree_size(), self.tag))
        return self

    def head(self, size=None):
        size = self.store.tree_size() if size is None else size
        return sign_tree_head(self.key, size, prove_consistency(self.store, 0, size).new_root,
                              f"2026-11-21T23:00:{size % 60:02d}.000000Z")

    def proof(self, old, new=None):
        return prove_consistency(self.store, old, new)


def clock():
    t = [1_795_000_000]

    def now():
        t[0] += 60
        return t[0]
    return now


@pytest.fixture
def witness(tmp_path):
    return Witness.open(tmp_path / "witness.jsonl", signing_key=WITNESS, instance_keys=[INSTANCE.public_key()],
                        clock=clock())


def lines(path):
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_first_head_then_each_extension_is_cosigned_and_appended(witness, tmp_path):
    log = Log(5)
    first = witness.add(log.head())
    assert first.head.size == 5 and first.witness_key_id == witness.key_id
    log.grow(12)
    second = witness.add(log.head(), log.proof(5))
    assert second.head.size == 17 and witness.latest == second
    records = lines(tmp_path / "witness.jsonl")
    assert [r["kind"] for r in records] == ["cosigned", "cosigned"]
    assert [r["head"]["size"] for r in records] == [5, 17]
    # Anyone with the witness's public key checks the cosignatures read back from the file.
    for record in read_witness_file(tmp_path / "witness.jsonl"):
        verify_cosignature(record, WITNESS.public_key())
    # The same head again writes nothing new.
    assert witness.add(log.head(), log.proof(17)) == second
    assert len(lines(tmp_path / "witness.jsonl")) == 2


def test_the_cosigned_note_binds_size_root_time_and_instance_key():
    log = Log(3)
    head = log.head()
    note = cosignature_message(head, 1_795_000_000).decode()
    root = base64.b64encode(head.root_hash).decode()
    assert note == (f"cosignature/v1\ntime 1795000000\ncomity-ledger/{head.key_id}\n3\n{root}\n"
                    f"timestamp {head.timestamp}\n")
    cosig = Witness(signing_key=WITNESS, instance_keys=INSTANCE.public_key(), clock=lambda: 1_795_000_000).add(head)
    WITNESS.public_key().verify(cosig.signature, note.encode())
    # Any change to what was witnessed breaks the cosignature.
    for changed in ({"cosigned_at": cosig.cosigned_at + 1},
                    {"head": Log(3, tag=b"other").head()}):
        forged = Cosignature(**{**cosig.__dict__, **changed})
        with pytest.raises(VerificationError, match="does not verify"):
            verify_cosignature(forged, WITNESS.public_key())
    with pytest.raises(VerificationError, match="not a trusted witness key"):
        verify_cosignature(cosig, generate_private_key().public_key())


def test_a_rollback_is_refused_and_kept_as_evidence(witness, tmp_path):
    log = Log(20)
    witness.add(log.head())
    with pytest.raises(WitnessRefused) as refused:
        witness.add(log.head(12))  # the newest events and their heads were deleted
    assert refused.value.reason == "rollback" and "tree_head.size" in refused.value.errors
    assert refused.value.exit_code == 1 and refused.value.status == 409
    assert witness.latest.head.size == 20
    kept = lines(tmp_path / "witness.jsonl")[-1]
    assert kept["kind"] == "refused" and kept["reason"] == "rollback"
    assert kept["head"]["size"] == 12 and kept["previous"]["size"] == 20


def test_a_fork_of_the_same_size_is_refused(witness, tmp_path):
    log = Log(8)
    witness.add(log.head())
    forked = Log(8, tag=b"rewritten")  # same size, other events, signed with the same instance key
    with pytest.raises(WitnessRefused) as refused:
        witness.add(forked.head())
    assert refused.value.reason == "fork" and "tree_head.root_hash" in refused.value.errors
    kept = lines(tmp_path / "witness.jsonl")[-1]
    assert kept["reason"] == "fork" and kept["head"]["root_hash"] != kept["previous"]["root_hash"]
    # Both heads carry the instance's signature: the refusal line is proof the instance signed two logs.


def test_a_rewritten_log_cannot_prove_it_extends_the_cosigned_head(witness, tmp_path):
    honest = Log(10)
    witness.add(honest.head())
    rewritten = Log(10, tag=b"rewritten").grow(6)  # history rewritten, re-signed, grown past the witness
    with pytest.raises(WitnessRefused) as refused:
        witness.add(rewritten.head(), rewritten.proof(10))
    assert refused.value.reason == "bad_proof" and "consistency_proof" in refused.value.errors
    # Without any proof, or with a proof between other sizes, likewise.
    honest.grow(6)
    for proof in (None, honest.proof(4), []):
        with pytest.raises(WitnessRefused, match="consistency_proof"):
            witness.add(honest.head(), proof)
    # A proof whose hashes were tampered with.
    good = honest.proof(10)
    bad = ConsistencyProof(good.old_size, good.new_size, good.old_root, good.new_root,
                           (bytes(32),) + tuple(good.consistency_path[1:]))
    with pytest.raises(WitnessRefused):
        witness.add(honest.head(), bad)
    assert [r["reason"] for r in lines(tmp_path / "witness.jsonl")[1:]] == ["bad_proof"] * 5
    assert witness.add(honest.head(), good).head.size == 16  # the honest extension is still accepted


def test_a_head_the_instance_did_not_sign_is_refused(witness):
    stranger = Log(4, key=generate_private_key())
    with pytest.raises(WitnessRefused) as refused:
        witness.add(stranger.head())
    assert refused.value.reason == "bad_signature" and witness.latest is None
    log = Log(4)
    head = log.head()
    altered = type(head)(head.size + 1, head.root_hash, head.timestamp, head.key_id, head.signature)
    with pytest.raises(WitnessRefused, match="does not verify"):
        witness.add(altered)


def test_the_witness_resumes_from_its_file_and_refuses_an_edited_file(tmp_path):
    path = tmp_path / "witness.jsonl"
    log = Log(7)
    Witness.open(path, signing_key=WITNESS, instance_keys=INSTANCE.public_key()).add(log.head())
    again = Witness.open(path, signing_key=WITNESS, instance_keys=INSTANCE.public_key())
    assert again.latest.head.size == 7
    with pytest.raises(WitnessRefused):
        again.add(log.head(3))  # its state survived: still no rollback
    # Someone edits the cosigned line to make the witness forget: it notices when it opens the file.
    records = lines(path)
    records[0]["head"]["size"] = 2
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(VerificationError, match=r"line 1\.cosignature"):
        Witness.open(path, signing_key=WITNESS, instance_keys=INSTANCE.public_key())
    path.write_text('{"kind": "cosigned", "head": {"size": 3')
    with pytest.raises(InvalidInputError, match=r"line 1\]: is not valid JSON"):
        Witness.open(path, signing_key=WITNESS, instance_keys=INSTANCE.public_key())


def test_the_witness_module_needs_no_django():
    code = "import sys, comity.ledger.witness; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
