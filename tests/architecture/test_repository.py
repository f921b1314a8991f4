"""The repository runs from any checkout (issue 12, item 8).

No absolute path of one machine (a home, work or temporary folder) in the files the repository holds: the
project finds its own files relative to its root, the shared reference data at ../shared (or
COMITY_SHARED_DIR), and temporary folders through mktemp / tempfile. Tests may skip only for declared reasons,
and a test that needs the shared data fails under CI instead of skipping (tests/architecture/_repo.py:
shared_dir).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from . import _repo
from ._repo import ROOT, parse, rel, repository_files, shared_dir

# An absolute path: a root folder of some machine right after a quote, a space, `=`, `(`, ... never inside a
# URL (https://host/home/... has a host before it), a relative path (src/tmp/) or after a variable
# ($(VENV)/bin/).
ABSOLUTE = re.compile(
    r"(?<![\w.:/~$@%+)}\-])/(?:work|root|home|tmp|Users|var|opt|srv|mnt|media|usr|etc|dev|proc|sys|"
    r"run|private|lib|lib64|bin|sbin|nix|snap|Volumes)/[^\s'\"`)\]>,;:]*"
)
# Legitimate absolute paths, by file ("*": any file) and path prefix, each with its reason.
ALLOWED_PATHS = {
    ("*", "/usr/bin/env"): "#! line of scripts: finds the interpreter on PATH",
    ("*", "/dev/null"): "the null device",
    ("Makefile", "/bin/bash"): "SHELL of make: bash is at /bin/bash on every Debian system",
    ("tests/conftest.py", "/usr/bin/chromium"): "Debian's chromium, used when `chromium` is not on PATH",
    ("benchmarks/bench_exchange.py", "/proc"): "Linux's process table: the peak memory of the instances' processes",
    ("tests/security/test_hostile_screening.py", "/etc/passwd"): "the file an external-entity attack names; the "
                                                                 "test proves it is never read",
    (
        "scripts/setup-system.sh",
        "/usr/lib/postgresql/",
    ): "where Debian installs the PostgreSQL server binaries",
    (
        "scripts/with-postgres.sh",
        "/usr/lib/postgresql/",
    ): "where Debian installs the PostgreSQL server binaries",
    ("benchmarks/bench_evidence.py", "/proc/self/"): "Linux's own interface to the process's peak memory",
    ("docs/evidence.md", "/mnt/seized/disk.img"): "an example of an operator's file in a command line",
}
SKIP_FILES = {
    ".gitignore": "its leading / anchors a pattern at the repository root; it is no absolute path",
    "tests/architecture/test_repository.py": "this check's own examples and allow-list",
}


def absolute_paths(path: Path, text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for m in ABSOLUTE.finditer(line):
            value = m.group(0)
            if any(f in ("*", rel(path)) and value.startswith(prefix) for f, prefix in ALLOWED_PATHS):
                continue
            found.append(f"{rel(path)}:{number}: {value}")
    return found


def test_no_absolute_machine_paths_in_the_repository():
    files = repository_files()
    assert any(rel(p) == "Makefile" for p in files) and len(files) > 100, "git ls-files saw too little"
    found = []
    for path in files:
        if rel(path) in SKIP_FILES:
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary (images, fonts)
        found += absolute_paths(path, data.decode("utf-8", errors="replace"))
    assert not found, (
        "paths of one machine make the project fail elsewhere; use paths relative to the project "
        "root, ../shared, or mktemp/tempfile (or add a reason to ALLOWED_PATHS):\n" + "\n".join(found)
    )


def test_the_path_check_finds_machine_paths_and_leaves_urls_alone():
    sample = ROOT / "scripts" / "example.sh"  # not read: only its name is used for the allow-list
    work = "/" + "work"  # spelled in two parts so that this file holds no machine path itself
    text = (
        f'#!/usr/bin/env bash\nDATA={work}/shared/data\ncd "/home/ana/comity"\nx=$(mktemp -d /tmp/x.XXXX)\n'
        "see https://archive.crin.org/en/home/ages.html and src/tmp/file\nexec 2>/dev/null\n"
        "CHROME=/usr/bin/chromium\n"
    )
    assert absolute_paths(sample, text) == [
        f"scripts/example.sh:2: {work}/shared/data",
        "scripts/example.sh:3: /home/ana/comity",
        "scripts/example.sh:4: /tmp/x.XXXX",
        "scripts/example.sh:7: /usr/bin/chromium",
    ]


# ------------------------------------------------------------------------------------------ declared skips
# Every place a test skips itself, keyed "file::test", with the reason it may. New skips need an entry here;
# a test that needs the shared reference data calls shared_dir(), which fails under CI instead of skipping.
DECLARED_SKIPS = {
    "tests/audit/test_merkle_log.py::test_concurrent_writers_produce_a_log_that_verifies": (
        "needs PostgreSQL (SQLite serialises whole transactions); runs in the PostgreSQL pass of `make test`"
    ),
    "tests/security/test_crash_many.py::test_concurrent_writers_get_distinct_references_and_every_head_matches_its_logged_signing": (
        "needs PostgreSQL (SQLite serialises writers from the start of each transaction); runs in the PostgreSQL "
        "pass of `make test`"
    ),
}
# Skips for missing data that the repository itself holds (country profiles in src/comity/law/data): they
# never skip today, and under CI they must fail rather than skip if the data goes missing. Listed for the
# lead: to become plain assertions (or pytest.fail under CI).
SKIPS_ON_MISSING_DATA: dict[str, str] = {}  # none left: those tests now assert the data is there
SKIP_CALLS = {
    ("pytest", "skip"),
    ("pytest", "importorskip"),
    ("pytest", "xfail"),
    ("mark", "skip"),
    ("mark", "skipif"),
    ("mark", "xfail"),
}


def skips(path: Path) -> list[tuple[int, str]]:
    """(line, enclosing test or "<module>") of every skip in a test file."""
    found = []

    def walk(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            names = _repo.chain(child) if isinstance(child, (ast.Call, ast.Attribute)) else []
            if tuple(names[-2:]) in SKIP_CALLS and not (
                isinstance(child, ast.Attribute) and isinstance(node, ast.Call) and node.func is child
            ):
                found.append((child.lineno, inner if isinstance(child, ast.Attribute) else function))
            walk(child, inner)

    walk(parse(path), "<module>")
    return found


def test_tests_skip_only_for_declared_reasons():
    declared = {**DECLARED_SKIPS, **SKIPS_ON_MISSING_DATA}
    found, seen = [], set()
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.is_relative_to(ROOT / "tests" / "architecture"):
            continue
        for line, function in skips(path):
            key = f"{rel(path)}::{function}"
            if key in declared:
                seen.add(key)
            else:
                found.append(f"{rel(path)}:{line} {function}")
    assert not found, (
        "undeclared skips: a suite that skips proves nothing. Declare the reason in "
        "DECLARED_SKIPS, or use shared_dir() for the shared data (fails under CI):\n" + "\n".join(found)
    )
    stale = sorted(set(declared) - seen)
    assert not stale, f"declared skips that no longer exist (remove them): {stale}"


def test_shared_data_is_found_relative_to_the_project(monkeypatch, tmp_path):
    (tmp_path / "shared" / "data").mkdir(parents=True)
    monkeypatch.setenv("COMITY_SHARED_DIR", str(tmp_path / "shared"))
    assert shared_dir("data") == tmp_path / "shared" / "data"
    monkeypatch.delenv("COMITY_SHARED_DIR")
    monkeypatch.setattr(_repo, "ROOT", tmp_path / "project")
    assert shared_dir("data") == tmp_path / "shared" / "data"  # ../shared next to the project root


def test_missing_shared_data_skips_on_a_laptop_and_fails_in_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("COMITY_SHARED_DIR", str(tmp_path / "nowhere"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        shared_dir("reference")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="shared data not found"):
        shared_dir("reference")
