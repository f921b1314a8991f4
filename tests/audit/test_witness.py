"""Tamper evidence that does not trust the host (issue 13, finding 6).

Whoever holds the data folder holds the ledger's signing key, so they can rewrite an event, rebuild the
log's state and re-sign every tree head (which passes `audit verify --strict`), or delete the newest events
with their heads (which passes `audit verify`). A witness run by an oversight body, with its own key and
file, cosigns only heads that extend the last one it cosigned; `comity audit verify` checks the database
against the witnessed heads, and says loudly when it has none."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import transaction

from comity.accounts.actions import do_create_token
from comity.audit import ledger
from comity.audit.models import AuditEvent, LedgerState, LedgerSubtree, TreeHead
from comity.cases import actions
from comity.cli import main
from comity.ledger import (
    CompactRange,
    canonical_event_bytes,
    generate_private_key,
    key_id,
    leaf_hash,
    merkle_root,
    private_key_to_pem,
    public_key_to_pem,
    sign_tree_head,
)


@pytest.fixture(autouse=True)
def _no_witness_configured(monkeypatch):
    for name in ("COMITY_WITNESS_FILE", "COMITY_WITNESS_KEYS", "COMITY_WITNESS_TOKEN", "COMITY_LEDGER_KEY_PEM",
                 "COMITY_LEDGER_KEY", "COMITY_REQUIRE_EXTERNAL_LEDGER_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def oversight_body(tmp_path):
    """The oversight body's witness key pair and file, on its own machine (here: outside the data folder)."""
    folder = tmp_path / "oversight"
    folder.mkdir()
    key = generate_private_key()
    (folder / "witness.key").write_bytes(private_key_to_pem(key))
    (folder / "witness.pub").write_bytes(public_key_to_pem(key.public_key()))
    return folder


def _witness_args(body, *source):
    return ["audit", "witness", *source, "--file", str(body / "witness.jsonl"), "--key", str(body / "witness.key")]


def _verify_args(body, *extra):
    return ["audit", "verify", *extra, "--witness-file", str(body / "witness.jsonl"),
            "--witness-key", str(body / "witness.pub")]


def run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _work(user, n=4, title="Witnessed case"):
    case = actions.do_create_case(title=title, acting_user=user)
    for i in range(n):
        actions.do_add_note(case, text=f"note {i}", acting_user=user)
    return case


def _sign():
    with transaction.atomic():
        return ledger.sign_current_head()


def _host_attack(*, rewrite_seq: int | None = None, keep: int | None = None):
    """What anyone with the data folder can do: edit a stored event (its entry, columns and leaf hash alike) or
    delete the newest events, then rebuild the log's state and subtree cache and re-sign every remaining
    tree head with the key that sits beside the database."""
    if keep is not None:
        AuditEvent.objects.filter(seq__gte=keep).delete()
        TreeHead.objects.filter(size__gt=keep).delete()
    if rewrite_seq is not None:
        AuditEvent.objects.filter(seq=rewrite_seq).update(object_id="999999")
        ev = AuditEvent.objects.get(seq=rewrite_seq)
        entry = canonical_event_bytes(ledger.event_dict(ev))
        AuditEvent.objects.filter(pk=ev.pk).update(leaf=entry.decode(), leaf_hash=leaf_hash(entry).hex())
    hashes = [bytes.fromhex(h) for h in AuditEvent.objects.order_by("seq").values_list("leaf_hash", flat=True)]
    compact, cached = CompactRange(), []
    for h in hashes:
        cached += [LedgerSubtree(level=lvl, index=idx, hash=v.hex())
                   for lvl, idx, v in compact.append(h) if lvl >= ledger.CACHE_MIN_LEVEL]
    LedgerSubtree.objects.all().delete()
    LedgerSubtree.objects.bulk_create(cached)
    LedgerState.objects.filter(pk=1).update(size=compact.size, compact=compact.to_dict())
    key = ledger.private_key()
    sizes = sorted(set(TreeHead.objects.values_list("size", flat=True)))
    TreeHead.objects.all().delete()
    for size in sizes:
        d = sign_tree_head(key, size, merkle_root(hashes[:size])).to_dict()
        TreeHead.objects.create(**d)


def _lines(body):
    return [json.loads(x) for x in (body / "witness.jsonl").read_text().splitlines()]


def test_rewritten_history_passes_verify_without_a_witness_and_is_caught_with_one(supervisor, oversight_body,
                                                                                    capsys):
    _work(supervisor)
    _sign()
    code, out, _ = run(capsys, _witness_args(oversight_body, "--db"))
    assert code == 0 and out.startswith("cosigned: tree head of size") and "trust on first use" in out
    _work(supervisor, n=6)
    code, out, _ = run(capsys, _witness_args(oversight_body, "--db", "--sign"))  # extends: proof from the database
    assert code == 0 and out.startswith("cosigned")
    witnessed = _lines(oversight_body)[-1]["head"]["size"]
    assert witnessed == AuditEvent.objects.count()
    code, out, _ = run(capsys, _verify_args(oversight_body, "--strict"))
    assert code == 0 and out.startswith("VERIFIED") and "witnessed: the log extends the tree head of size" in out

    target = AuditEvent.objects.filter(event_type="note.added").order_by("seq")[1].seq
    _host_attack(rewrite_seq=target)

    # Before: the host's own heads, re-signed, vouch for the rewritten log; only the loud first line warns.
    assert ledger.verify_database(strict=True).ok
    code, out, _ = run(capsys, ["audit", "verify", "--strict"])
    assert code == 0 and out.splitlines()[0].startswith("NO WITNESSED TREE HEAD")
    # With the witness's file and public key: rewritten history, exit 1.
    code, out, _ = run(capsys, _verify_args(oversight_body, "--strict"))
    assert code == 1
    assert out.splitlines()[0].startswith(f"REWRITTEN HISTORY: the log in the database does not extend the tree "
                                          f"head of size {witnessed}")
    assert "NOT VERIFIED" in out.splitlines()[1]
    code, out, _ = run(capsys, _verify_args(oversight_body, "--json"))
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and report["witness"]["status"] == "rewritten"
    assert report["first_divergence"] is not None and report["first_divergence"] <= target

    # The witness will not cosign the rewritten log either, and keeps the refusal as evidence.
    _work(supervisor, n=2)
    code, out, err = run(capsys, _witness_args(oversight_body, "--db", "--sign"))
    assert code == 1 and out.startswith("REFUSED (bad_proof)") and "consistency_proof" in err
    assert _lines(oversight_body)[-1]["kind"] == "refused"


def test_deleting_the_newest_events_and_heads_is_caught_by_the_witness(supervisor, oversight_body, capsys):
    _work(supervisor)
    first = _sign()
    _work(supervisor, n=5)
    _sign()
    assert run(capsys, _witness_args(oversight_body, "--db"))[0] == 0
    _host_attack(keep=first.size)

    # Before: plain verify is satisfied with the heads that are left.
    assert ledger.verify_database().ok
    code, out, _ = run(capsys, ["audit", "verify"])
    assert code == 0 and out.splitlines()[0].startswith("NO WITNESSED TREE HEAD")
    # With the witness: rewritten history, and the events the witnessed head covers are missing.
    code, out, _ = run(capsys, _verify_args(oversight_body))
    assert code == 1 and out.startswith("REWRITTEN HISTORY")
    assert f"the log has {first.size} events but a signed tree head covers" in out
    # The witness refuses the shorter log's head: a rollback.
    code, out, _ = run(capsys, _witness_args(oversight_body, "--db"))
    assert code == 1 and out.startswith("REFUSED (rollback)")
    assert _lines(oversight_body)[-1]["reason"] == "rollback"


def test_a_forked_head_is_refused_by_the_witness(supervisor, oversight_body, capsys):
    _work(supervisor)
    head = _sign()
    assert run(capsys, _witness_args(oversight_body, "--db"))[0] == 0
    # The host signs another head of the same size over other events.
    TreeHead.objects.all().delete()
    TreeHead.objects.create(**sign_tree_head(ledger.private_key(), head.size, b"\x07" * 32).to_dict())
    code, out, err = run(capsys, _witness_args(oversight_body, "--db", "--json"))
    assert code == 1 and json.loads(err)["error"] == "witness_refused"
    assert _lines(oversight_body)[-1]["reason"] == "fork"
    # An unchanged log is not cosigned twice.
    TreeHead.objects.all().delete()
    TreeHead.objects.create(**head.as_dict())
    code, out, _ = run(capsys, _witness_args(oversight_body, "--db"))
    assert code == 0 and out.startswith("unchanged")
    assert [r["kind"] for r in _lines(oversight_body)] == ["cosigned", "refused"]


def test_no_witnessed_head_is_said_loudly_and_can_be_required(supervisor, oversight_body, capsys):
    _work(supervisor)
    _sign()
    code, out, _ = run(capsys, ["audit", "verify"])
    assert code == 0 and out.splitlines()[0].startswith("NO WITNESSED TREE HEAD") and "VERIFIED" in out.splitlines()[1]
    assert run(capsys, ["audit", "verify", "--require-witness"])[0] == 3
    code, out, err = run(capsys, ["audit", "verify", "--json", "--require-witness"])
    assert code == 3 and json.loads(out)["witness"]["status"] == "none" and err.startswith("NO WITNESSED TREE HEAD")
    # An empty witness file is no witnessed head either.
    (oversight_body / "witness.jsonl").write_text("")
    code, out, _ = run(capsys, _verify_args(oversight_body, "--require-witness"))
    assert code == 3 and out.startswith("NO WITNESSED TREE HEAD")
    # A witness file without the witness's key is a clear error, not a silent pass.
    code, _, err = run(capsys, ["audit", "verify", "--witness-file", str(oversight_body / "witness.jsonl")])
    assert code == 2 and "COMITY_WITNESS_KEYS" in err


def test_verify_reads_the_witnesses_from_the_environment(supervisor, oversight_body, tmp_path, monkeypatch, capsys):
    second = tmp_path / "peer"
    second.mkdir()
    peer = generate_private_key()
    (second / "witness.key").write_bytes(private_key_to_pem(peer))
    (second / "witness.pub").write_bytes(public_key_to_pem(peer.public_key()))
    _work(supervisor)
    _sign()
    assert run(capsys, _witness_args(oversight_body, "--db"))[0] == 0
    _work(supervisor, n=3)
    _sign()
    assert run(capsys, _witness_args(second, "--db"))[0] == 0
    monkeypatch.setenv("COMITY_WITNESS_FILE", f"{oversight_body / 'witness.jsonl'}, {second / 'witness.jsonl'}")
    monkeypatch.setenv("COMITY_WITNESS_KEYS", f"{oversight_body / 'witness.pub'},{second / 'witness.pub'}")
    code, out, _ = run(capsys, ["audit", "verify", "--require-witness"])
    assert code == 0 and out.startswith("VERIFIED") and "(2 witnessed heads checked)" in out
    # A cosigned line edited in a witness's file no longer verifies, and verification says so.
    records = _lines(second)
    records[0]["head"]["timestamp"] = "2020-01-01T00:00:00.000000Z"
    (second / "witness.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    code, out, _ = run(capsys, ["audit", "verify"])
    assert code == 1 and "cosignature: does not verify" in out


def test_the_witness_file_and_key_stay_out_of_the_data_folder(supervisor, oversight_body, capsys):
    _work(supervisor)
    _sign()
    inside = os.path.join(settings.DATA_DIR, "witness-test-should-not-exist.jsonl")
    code, _, err = run(capsys, ["audit", "witness", "--db", "--file", inside, "--key",
                                str(oversight_body / "witness.key")])
    assert code == 2 and "--file" in err and "data folder" in err and not os.path.exists(inside)


@pytest.mark.django_db(transaction=True)
def test_witness_over_http_against_a_running_instance(live_server, make_user, oversight_body, capsys):
    supervisor, dpo = make_user("supervisor", "sup-w"), make_user("oversight", "dpo-w")
    _, token = do_create_token(dpo, name="witness", acting_user=dpo)
    _work(supervisor)
    _sign()
    env = dict(os.environ, COMITY_WITNESS_TOKEN=token)

    def witness(*extra, token_env=env):
        argv = [sys.executable, "-m", "comity.cli", *_witness_args(oversight_body, "--url", live_server.url), *extra]
        return subprocess.run(argv, capture_output=True, text=True, env=token_env, timeout=60, check=False)

    first = witness()
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("cosigned") and _lines(oversight_body)[0]["head"]["size"] == TreeHead.objects.first().size
    _work(supervisor, n=5)
    newer = _sign()
    second = witness("--json")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["cosignature"]["head"]["size"] == newer.size
    code, out, _ = run(capsys, _verify_args(oversight_body, "--require-witness"))
    assert code == 0 and f"tree head of size {newer.size} cosigned by witness" in out
    # A pinned instance key that is not the instance's: the head is refused as not signed by it.
    (oversight_body / "other.pub").write_bytes(public_key_to_pem(generate_private_key().public_key()))
    pinned = witness("--instance-key", str(oversight_body / "other.pub"))
    assert pinned.returncode == 1 and "REFUSED (bad_signature)" in pinned.stdout
    # A caseworker's token is refused by the instance, and the witness says which setting to fix.
    cw = make_user("caseworker", "cw-w")
    _, cw_token = do_create_token(cw, name="nope", acting_user=cw)
    refused = witness(token_env=dict(env, COMITY_WITNESS_TOKEN=cw_token))
    assert refused.returncode == 3 and "COMITY_WITNESS_TOKEN" in refused.stderr
    missing = witness(token_env={k: v for k, v in env.items() if k != "COMITY_WITNESS_TOKEN"})
    assert missing.returncode == 2 and "COMITY_WITNESS_TOKEN: is needed with --url" in missing.stderr
    assert key_id(ledger.public_key()) == newer.key_id


# -- the ledger signing key outside the data folder ----------------------------------------------------------


def test_the_signing_key_can_come_from_the_environment(supervisor, monkeypatch, capsys):
    key = generate_private_key()
    monkeypatch.setenv("COMITY_LEDGER_KEY_PEM", private_key_to_pem(key).decode().replace("\n", "\\n"))
    _work(supervisor)
    head = _sign()
    assert head.key_id == key_id(key.public_key())
    code, out, _ = run(capsys, ["audit", "public-key"])
    assert code == 0 and out == public_key_to_pem(key.public_key()).decode()
    assert ledger.key_location() == "environment (COMITY_LEDGER_KEY_PEM)" and ledger.key_inside_data_folder() is None
    monkeypatch.setenv("COMITY_LEDGER_KEY_PEM", "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----")
    _work(supervisor, n=1)
    code, _, err = run(capsys, ["audit", "sign"])
    assert code == 2 and err.startswith("error: COMITY_LEDGER_KEY_PEM: cannot be loaded")


def test_contradicting_or_unsupported_key_settings_are_clear_errors(supervisor, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("COMITY_LEDGER_KEY", "pkcs11:token=comity;object=ledger")
    code, _, err = run(capsys, ["audit", "sign"])
    assert code == 2 and "COMITY_LEDGER_KEY: PKCS#11 tokens are not supported yet" in err
    monkeypatch.setenv("COMITY_LEDGER_KEY", str(tmp_path / "absent.pem"))
    code, _, err = run(capsys, ["audit", "sign"])
    assert code == 2 and "absent.pem, which does not exist" in err
    monkeypatch.setenv("COMITY_LEDGER_KEY_PEM", private_key_to_pem(generate_private_key()).decode())
    code, _, err = run(capsys, ["audit", "sign"])
    assert code == 2 and "set only one of them" in err


def test_a_key_inside_the_data_folder_is_refused_when_an_external_key_is_required(supervisor, monkeypatch,
                                                                                  tmp_path, capsys):
    from django.core.checks import run_checks

    def ours():
        return [m for m in run_checks(include_deployment_checks=True) if m.id in ("audit.E001", "audit.W001")]

    _work(supervisor)
    assert [m.id for m in ours()] == ["audit.W001"]  # the default: the key beside the database, a deploy warning
    monkeypatch.setenv("COMITY_REQUIRE_EXTERNAL_LEDGER_KEY", "1")
    found = ours()
    assert [m.id for m in found] == ["audit.E001"] and found[0].is_serious()
    assert "inside the data folder" in found[0].msg and "COMITY_LEDGER_KEY" in found[0].hint
    code, _, err = run(capsys, ["audit", "sign"])  # signing refuses too
    assert code == 2 and "COMITY_REQUIRE_EXTERNAL_LEDGER_KEY=1" in err
    outside = tmp_path / "ledger_key.pem"
    outside.write_bytes(private_key_to_pem(generate_private_key()))
    monkeypatch.setenv("COMITY_LEDGER_KEY", str(outside))
    assert ours() == []
    assert run(capsys, ["audit", "sign"])[0] == 0
