"""What the architecture tests share: the project root, its files, reading Python sources, and finding the
shared reference data (a test that needs it fails under CI instead of skipping)."""

from __future__ import annotations

import ast
import functools
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "comity"


@functools.cache
def repository_files() -> tuple[Path, ...]:
    """Files the repository holds or is about to hold: tracked ones plus new ones git does not ignore."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return tuple(p for p in (ROOT / name for name in sorted(set(out.split("\0"))) if name) if p.is_file())


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@functools.cache
def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def chain(node: ast.AST) -> list[str]:
    """Names along a chain of attributes and calls: Case.objects.filter(x=1).update -> [Case, objects, filter,
    update]."""
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names[::-1]
        else:
            return names[::-1]


def under_ci() -> bool:
    """Whether the suite runs in continuous integration (CI=true, as .ci/run and most CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def shared_dir(*parts: str) -> Path:
    """A path in the shared reference data: ../shared next to the project root, or COMITY_SHARED_DIR.

    A test that needs it and does not find it is skipped on a developer's machine, and fails in CI: a suite
    that silently skips its data checks proves nothing.
    """
    import pytest

    base = Path(os.environ.get("COMITY_SHARED_DIR") or ROOT.parent / "shared")
    path = base.joinpath(*parts)
    if not path.exists():
        reason = f"shared data not found: {path} (clone it next to the project, or set COMITY_SHARED_DIR)"
        if under_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return path
