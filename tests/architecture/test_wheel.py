"""The distribution as users get it: build the wheel, install it into a clean virtualenv that has no Django,
and use the pure packages from it (issue 12, item 8).

`pip install comity` brings the whole product (requirements in pyproject.toml). The computable law and the
transparency log are also a library that needs no Django and no database; this test proves that with the
wheel itself, so a missing data file in the package or a stray import of a Django app fails here.

The pure packages' few dependencies are installed with their pins and hashes from requirements.txt, from
wheels downloaded once into a wheelhouse next to the test virtualenv (network on the first run only).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from ._repo import ROOT, repository_files

# What comity.law and comity.ledger need at run time, dependencies included (tests/architecture/
# test_contracts.py keeps their imports to these): PyYAML; pydantic with its core, annotated-types,
# typing-extensions and typing-inspection; pycountry; holidays with python-dateutil and six; cryptography with
# cffi and pycparser; joserfc (the exchange protocol's JWS and JWE); rapidfuzz and anyascii (screening names);
# defusedxml (the UN list).
# No Django, and nothing that needs it.
CORE_DISTRIBUTIONS = ("pyyaml", "pydantic", "pydantic-core", "annotated-types", "typing-extensions",
                      "typing-inspection", "pycountry", "holidays", "python-dateutil", "six", "cryptography",
                      "cffi", "pycparser", "joserfc", "rapidfuzz", "anyascii", "defusedxml")
WHEELHOUSE = Path(os.environ.get("COMITY_WHEELHOUSE") or Path(sys.prefix) / "wheelhouse")

CHECK = textwrap.dedent("""
    import importlib.util, json, sys
    assert importlib.util.find_spec("django") is None, "Django is installed in the clean environment"
    import comity, comity.law, comity.ledger, comity.exchange, comity.screening
    from comity.screening import Entity, Index
    from comity.exchange import AuthorityKeys, Identity, Payload, open_envelope, seal_envelope
    from comity import law
    from comity.ledger import (MemoryLedgerStore, generate_private_key, leaf_hash, prove_inclusion,
                               sign_tree_head, verify_tree_head, VerificationError)

    basis = law.legal_basis("FR", "DE", "extradition", "2024-01-01")
    clocks = {c.code: c.due.isoformat() for c in law.clocks("extradition", "EU-EAW", {"arrest": "2024-03-01"},
                                                            requested_state="DE")}
    store = MemoryLedgerStore()
    for i in range(7):
        store.append_leaf(b'{"event": %d}' % i)
    proof = prove_inclusion(store, 3)
    proof.verify()
    key = generate_private_key()
    head = sign_tree_head(key, proof.tree_size, proof.root_hash)
    verify_tree_head(head, key.public_key())
    forged = type(proof)(proof.leaf_index, proof.tree_size, leaf_hash(b"another event"), proof.root_hash,
                         proof.inclusion_path)
    try:
        forged.verify()
        forged_refused = False
    except VerificationError:
        forged_refused = True
    keys = AuthorityKeys.generate()
    me = Identity.for_keys(keys, authority="FR:bepi", state="FR", name="BEPI", role="central_authority",
                           endpoint="https://fr.example/exchange/v1/", tls_certificate_sha256="0" * 64)
    msg = Payload.new(type="withdrawal", sender="FR:bepi", recipient="FR:bepi", conversation="FR:bepi/1", body={})
    opened = open_envelope(seal_envelope(msg, sender=keys, recipient=me).for_attempt(keys), me=keys,
                           my_authority="FR:bepi", peers={"FR:bepi": me}.get)
    print(json.dumps({
        "exchange_round_trip": opened.payload == msg,
        "screening_hit": Index([Entity(id="p1", names=("AL ZAWAHIRI, Ayman",))]).search(["أيمن الظواهري"])[0].id,
        "installed_at": comity.law.__file__,
        "prefix": sys.prefix,
        "instruments": len(law.get_law().instruments),
        "basis": [r.instrument for r in basis],
        "eaw_decision_due": clocks["eaw_decision_due"],
        "tree_size": proof.tree_size,
        "forged_refused": forged_refused,
        "django_loaded": any(m == "django" or m.startswith("django.") for m in sys.modules),
    }))
""")


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)
    if done.returncode:
        pytest.fail(f"{' '.join(map(str, cmd))} exited with {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def _core_requirements(dest: Path) -> Path:
    """The pure packages' dependencies, with the pins and hashes of requirements.txt."""
    text = (ROOT / "requirements.txt").read_text()
    blocks = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        m = re.match(r"([A-Za-z0-9._-]+)==", block)
        if m:
            blocks[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = "\n".join(
                line for line in block.splitlines() if not line.lstrip().startswith("#")
            )
    missing = [d for d in CORE_DISTRIBUTIONS if d not in blocks]
    assert not missing, f"requirements.txt pins none of {missing}"
    assert all("--hash=sha256:" in blocks[d] for d in CORE_DISTRIBUTIONS), "requirements.txt lacks hashes"
    path = dest / "core-requirements.txt"
    path.write_text("\n".join(blocks[d] for d in CORE_DISTRIBUTIONS) + "\n")
    return path


def _pip(*args: str) -> list[str]:
    return [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args]


def test_the_wheel_installs_and_the_pure_packages_work_without_django(tmp_path):
    started = time.monotonic()
    # 1. Build the wheel from a copy of the sources (the working tree is shared; builds write into it).
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    dist = tmp_path / "dist"
    _run(_pip("wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist), str(tree)))
    (wheel,) = dist.glob("comity-*.whl")

    # Every data file the sources hold (templates, law data, static files) is in the wheel.
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    data_files = [p.relative_to(ROOT / "src").as_posix() for p in repository_files()
                  if p.is_relative_to(ROOT / "src" / "comity") and p.suffix not in (".py", ".pyc")]
    assert data_files, "no data files found under src/comity"
    assert not [f for f in data_files if f not in in_wheel], "files missing from the wheel (package-data)"
    (metadata,) = [n for n in in_wheel if n.endswith(".dist-info/METADATA")]
    assert re.search(r"^Requires-Dist: Django<5\.3,>=5\.2$", zipfile.ZipFile(wheel).read(metadata).decode(),
                     re.MULTILINE), "the wheel does not require Django"

    # 2. The pure packages' dependencies: downloaded once (pins and hashes of requirements.txt), then offline.
    core = _core_requirements(tmp_path)
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    pinned = ("--require-hashes", "--only-binary=:all:", "-r", str(core))
    offline = ("--no-index", "--find-links", str(WHEELHOUSE))
    probe = _pip("download", "-q", *offline, *pinned, "-d", str(tmp_path / "probe"))
    if subprocess.run(probe, capture_output=True, check=False).returncode:
        _run(_pip("download", "-q", *pinned, "-d", str(WHEELHOUSE)))

    # 3. A clean virtualenv (no pip of its own, nothing from this one), then the wheel without Django.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run(_pip("--python", str(python), "install", "-q", *offline, *pinned))
    _run(_pip("--python", str(python), "install", "-q", "--no-index", "--no-deps", str(wheel)))

    # 4. Use it, from outside the source tree, with no access to this project's packages.
    env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(tmp_path),
           "COMITY_LAW_CACHE_DIR": str(tmp_path / "law-cache")}
    out = json.loads(_run([str(python), "-I", "-c", CHECK], cwd=tmp_path, env=env).stdout)
    assert Path(out["installed_at"]).is_relative_to(venv), out["installed_at"]
    assert out["instruments"] > 50
    assert out["basis"][0] == "EU-EAW"
    assert out["eaw_decision_due"] == "2024-04-30"  # sixty days from arrest, Art 17(3) FD 2002/584
    assert out["tree_size"] == 7 and out["forged_refused"]
    assert out["exchange_round_trip"] is True
    assert out["screening_hit"] == "p1"
    assert out["django_loaded"] is False

    # The command-line tools of the pure packages run from the installed wheel too.
    law_cli = [str(python), "-I", "-m", "comity.law.cli", "basis", "FR", "DE", "--kind", "extradition",
               "--date", "2024-01-01", "--json"]
    cli = _run(law_cli, cwd=tmp_path, env=env)
    assert "EU-EAW" in cli.stdout
    assert time.monotonic() - started < 90, "the wheel test should stay well under a minute"
