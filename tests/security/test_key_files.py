"""Key files created on first use (issue 13, crash): written whole, then linked into place.

Before, a key file was opened with O_EXCL and then written: a process killed between the two left an empty
file, and every later start refused the instance ("is not base64"). Now no reader ever sees a partial file."""

from __future__ import annotations

import multiprocessing
import os

from comity.keyfiles import create_once, load_or_create_key


def _race(path, results):
    results.put(load_or_create_key("COMITY_TEST_UNSET_KEY", path))


def test_processes_racing_to_create_a_key_all_get_the_same_one(tmp_path, monkeypatch):
    monkeypatch.delenv("COMITY_TEST_UNSET_KEY", raising=False)
    path = tmp_path / "keys" / "seal_key"
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=_race, args=(path, results)) for _ in range(6)]
    for p in procs:
        p.start()
    keys = {results.get(timeout=30) for _ in procs}
    for p in procs:
        p.join(timeout=30)
    assert len(keys) == 1 and len(next(iter(keys))) == 32
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in path.parent.iterdir()] == ["seal_key"]  # no temporary file left behind


def test_a_write_that_dies_before_the_link_leaves_no_key_file(tmp_path):
    """What a kill mid-write leaves: at most a temporary file under another name; the key's own name is
    either absent (the next start creates it) or whole."""
    path = tmp_path / "mfa_key"
    stray = tmp_path / ".mfa_key.12345.tmp"
    stray.write_bytes(b"")  # a temporary file of a process killed before its link
    assert not path.exists()
    assert create_once(path, b"whole key\n")
    assert path.read_bytes() == b"whole key\n"
    assert not create_once(path, b"another key\n")  # the first one wins, never overwritten
    assert path.read_bytes() == b"whole key\n"


def test_the_ledger_key_and_the_evidence_keyring_use_it(tmp_path, settings, monkeypatch):
    for name in ("COMITY_LEDGER_KEY", "COMITY_LEDGER_KEY_PEM", "COMITY_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings.DATA_DIR = tmp_path
    from comity.audit import ledger
    from comity.evidence import keys

    ledger.private_key()
    created = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert all(not n.startswith(".") for n in created) and created
    monkeypatch.setattr(keys, "keyring_path", lambda: tmp_path / "evidence_master.keys")
    keys.init_master_key()
    try:
        keys.init_master_key()
    except FileExistsError:
        pass
    else:  # pragma: no cover
        raise AssertionError("a second keyring must not replace the first")
    assert os.stat(tmp_path / "evidence_master.keys").st_size > 0
