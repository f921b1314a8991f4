"""The oversight CLI: exit codes, first divergence printed, clear errors, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from comity.ledger import canonical_event_bytes, leaf_hash
from comity.ledger.cli import main


def event(seq: int) -> dict:
    return {"seq": seq, "event_type": "evidence.viewed", "actor": "user:%d" % (seq % 4),
            "time": "2026-11-21T22:%02d:00.000000Z" % (seq % 60), "case_id": "EXT-2026-17",
            "object_type": "evidence_item", "object_id": seq * 10, "purpose": "custody check"}


@pytest.fixture()
def log(tmp_path: Path):
    """An exported log of 50 events with checkpoints at 16, 33 and 50, and the log's keys."""
    assert main(["keygen", "--private-key-out", str(tmp_path / "log.key"),
                 "--public-key-out", str(tmp_path / "log.pub")]) == 0
    lines = [canonical_event_bytes(event(i)) for i in range(50)]
    events = tmp_path / "events.jsonl"
    for size in (16, 33, 50):
        events.write_bytes(b"".join(x + b"\n" for x in lines[:size]))
        assert main(["sign", "--events", str(events), "--private-key", str(tmp_path / "log.key"),
                     "--append-to", str(tmp_path / "checkpoints.jsonl")]) == 0
    (tmp_path / "hashes.txt").write_text("".join(leaf_hash(x).hex() + "\n" for x in lines))
    return tmp_path, lines


def verify_args(path: Path, *extra: str) -> list[str]:
    return ["verify", "--events", str(path / "events.jsonl"), "--checkpoints", str(path / "checkpoints.jsonl"),
            "--public-key", str(path / "log.pub"), *extra]


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_intact_log_verifies(log, capsys):
    path, _ = log
    code, out, _ = run(verify_args(path), capsys)
    assert code == 0 and "verified: the first 50 events" in out
    code, out, _ = run(verify_args(path, "--json"), capsys)
    report = json.loads(out)
    assert code == 0 and report["ok"] is True and report["verified_size"] == 50


def test_edited_event_exits_1_with_first_position(log, capsys):
    path, lines = log
    edited = list(lines)
    edited[21] = canonical_event_bytes(event(21) | {"purpose": "none of your business"})
    (path / "events.jsonl").write_bytes(b"".join(x + b"\n" for x in edited))
    code, out, _ = run(verify_args(path, "--json"), capsys)
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert (report["first_divergence"], report["divergence_bound"]) == (16, 33)  # between checkpoints
    code, out, _ = run(verify_args(path, "--leaf-hashes", str(path / "hashes.txt")), capsys)
    assert code == 1 and "DIVERGED at event 21" in out


def test_deleted_event_and_reformatted_export(log, capsys):
    path, lines = log
    (path / "events.jsonl").write_bytes(b"".join(x + b"\n" for i, x in enumerate(lines) if i != 40))
    code, out, _ = run(verify_args(path, "--leaf-hashes", str(path / "hashes.txt")), capsys)
    assert code == 1 and "DIVERGED at event 40" in out
    # An export that pretty-printed the JSON does not match byte for byte, but --reencode recovers it.
    (path / "events.jsonl").write_text("".join(json.dumps(event(i), indent=None) + "\n" for i in range(50)))
    assert run(verify_args(path), capsys)[0] == 1
    assert run(verify_args(path, "--reencode"), capsys)[0] == 0


def test_tail_after_last_checkpoint_passes_unless_strict(log, capsys):
    path, lines = log
    more = lines + [canonical_event_bytes(event(50))]
    (path / "events.jsonl").write_bytes(b"".join(x + b"\n" for x in more))
    code, out, _ = run(verify_args(path), capsys)
    assert code == 0 and "NOT verified" in out
    assert run(verify_args(path, "--strict"), capsys)[0] == 1


def test_bad_inputs_exit_2_naming_the_problem(log, capsys):
    path, _ = log
    text = (path / "checkpoints.jsonl").read_text()
    (path / "truncated.jsonl").write_text(text[:-30])
    code, _, err = run(["verify", "--events", str(path / "events.jsonl"), "--checkpoints",
                        str(path / "truncated.jsonl"), "--public-key", str(path / "log.pub")], capsys)
    assert code == 2 and "truncated.jsonl[line 3]" in err
    (path / "not-a-key.pem").write_text("hello")
    code, _, err = run(["verify", "--events", str(path / "events.jsonl"), "--checkpoints",
                        str(path / "checkpoints.jsonl"), "--public-key", str(path / "not-a-key.pem")], capsys)
    assert code == 2 and "public_key" in err
    code, _, err = run(verify_args(path, "--leaf-hashes", str(path / "missing.txt")), capsys)
    assert code == 2 and "cannot read" in err
    (path / "bad-hashes.txt").write_text("abc\n")
    code, out, _ = run(verify_args(path, "--json", "--leaf-hashes", str(path / "bad-hashes.txt")), capsys)
    assert code == 2 and json.loads(out)["errors"][0]["field"] == "leaf_hashes[line 1]"
    assert run(["verify", "--events", "x"], capsys)[0] == 2  # argparse: missing options
    assert run(["prove-inclusion", "--events", str(path / "events.jsonl"), "--index", "-3"], capsys)[0] == 2
    code, _, err = run(["prove-inclusion", "--events", str(path / "events.jsonl"), "--index", "50"], capsys)
    assert code == 2 and "leaf_index" in err
    code, _, err = run(["prove-consistency", "--events", str(path / "events.jsonl"), "--old-size", "9",
                        "--new-size", "3"], capsys)
    assert code == 2 and "old_size" in err


def test_wrong_key_exits_1(log, capsys, tmp_path):
    path, _ = log
    assert main(["keygen", "--private-key-out", str(tmp_path / "other.key"),
                 "--public-key-out", str(tmp_path / "other.pub")]) == 0
    capsys.readouterr()
    code, out, _ = run(["verify", "--events", str(path / "events.jsonl"), "--checkpoints",
                        str(path / "checkpoints.jsonl"), "--public-key", str(tmp_path / "other.pub")], capsys)
    assert code == 1 and "not a trusted key" in out


def test_proofs_round_trip_through_files(log, capsys):
    path, lines = log
    events = str(path / "events.jsonl")
    code, out, _ = run(["prove-inclusion", "--events", events, "--index", "7", "--tree-size", "33"], capsys)
    assert code == 0
    (path / "inclusion.json").write_text(out)
    (path / "leaf.json").write_bytes(lines[7] + b"\n")
    signed = ["--checkpoints", str(path / "checkpoints.jsonl"), "--public-key", str(path / "log.pub")]
    code, out, _ = run(["verify-inclusion", "--proof", str(path / "inclusion.json"),
                        "--leaf-file", str(path / "leaf.json"), *signed], capsys)
    assert code == 0 and "matches a signed tree head of size 33" in out
    (path / "leaf.json").write_bytes(lines[8])
    assert run(["verify-inclusion", "--proof", str(path / "inclusion.json"),
                "--leaf-file", str(path / "leaf.json")], capsys)[0] == 1

    proof = json.loads((path / "inclusion.json").read_text())
    proof["inclusion_path"][0] = "ff" + proof["inclusion_path"][0][2:]
    (path / "inclusion.json").write_text(json.dumps(proof))
    assert run(["verify-inclusion", "--proof", str(path / "inclusion.json")], capsys)[0] == 1
    proof["inclusion_path"][0] = "ff"
    (path / "inclusion.json").write_text(json.dumps(proof))
    code, _, err = run(["verify-inclusion", "--proof", str(path / "inclusion.json")], capsys)
    assert code == 2 and "inclusion_path[0]" in err

    code, out, _ = run(["prove-consistency", "--events", events, "--old-size", "16", "--new-size", "50"], capsys)
    (path / "consistency.json").write_text(out)
    code, out, _ = run(["verify-consistency", "--proof", str(path / "consistency.json"), *signed], capsys)
    assert code == 0
    # a proof between sizes nobody signed is rejected when checkpoints are required
    code, out, _ = run(["prove-consistency", "--events", events, "--old-size", "15", "--new-size", "50"], capsys)
    (path / "consistency.json").write_text(out)
    assert run(["verify-consistency", "--proof", str(path / "consistency.json"), *signed], capsys)[0] == 1
    (path / "consistency.json").write_text('{"old_size": 3')
    assert run(["verify-consistency", "--proof", str(path / "consistency.json")], capsys)[0] == 2


def test_keygen_protects_existing_keys_and_private_key_mode(log, capsys):
    path, _ = log
    assert (path / "log.key").stat().st_mode & 0o777 == 0o600
    code, _, err = run(["keygen", "--private-key-out", str(path / "log.key"),
                        "--public-key-out", str(path / "log.pub")], capsys)
    assert code == 2 and "exists" in err


def test_encrypted_key_needs_its_passphrase(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LEDGER_PASS", "correct horse")
    assert main(["keygen", "--private-key-out", str(tmp_path / "k"), "--public-key-out", str(tmp_path / "p"),
                 "--passphrase-env", "LEDGER_PASS"]) == 0
    (tmp_path / "e.jsonl").write_bytes(canonical_event_bytes(event(0)) + b"\n")
    base = ["sign", "--events", str(tmp_path / "e.jsonl"), "--private-key", str(tmp_path / "k")]
    capsys.readouterr()
    assert run(base, capsys)[0] == 2
    assert run(base + ["--passphrase-env", "LEDGER_PASS"], capsys)[0] == 0
    assert run(base + ["--passphrase-env", "NOT_SET_ANYWHERE"], capsys)[0] == 2
