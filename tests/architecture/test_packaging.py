"""Packaging (issue 12, item 7): what `pip install comity` declares, what requirements.txt pins, and licences.

pyproject.toml declares compatible ranges; requirements.txt pins exactly that set (with its dependencies,
every file by hash) and nothing else; requirements-dev.txt adds the test tools. `make lock` regenerates both.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from ._repo import ROOT, SRC, parse

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
DECLARED = [Requirement(r) for r in PROJECT["dependencies"]]
EXTRAS = {name: [Requirement(r) for r in reqs] for name, reqs in PROJECT["optional-dependencies"].items()}
ALL_DECLARED = DECLARED + [r for reqs in EXTRAS.values() for r in reqs]

# Declared dependencies that Comity's code does not import by name, and why they are needed all the same.
USED_INDIRECTLY = {
    "argon2-cffi": "Django's Argon2PasswordHasher (PASSWORD_HASHERS) imports it",
    "gunicorn": "`comity serve` runs `python -m gunicorn`",
    "psycopg": "Django's PostgreSQL backend, chosen by DATABASE_URL",
}
# Runtime packages whose licence options include the GPL, and the option under which Comity uses them.
GPL_OPTION_NOT_TAKEN = {
    "pyphen": "tri-licensed GPL-2.0+ / LGPL-2.1+ / MPL-1.1 (WeasyPrint's hyphenation): used under MPL-1.1",
}


def pins(name: str) -> dict[str, tuple[str, list[str]]]:
    """Canonical name -> (version, hashes) from a pip-compile output file."""
    found = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", (ROOT / name).read_text()):
        m = re.match(r"([A-Za-z0-9._-]+)==(\S+)", block)
        if m:
            found[canonicalize_name(m.group(1))] = (
                m.group(2),
                re.findall(r"--hash=sha256:([0-9a-f]{64})", block),
            )
        elif block.strip() and not block.lstrip().startswith("#"):
            found[f"<unpinned: {block.split()[0]}>"] = ("", [])
    return found


RUNTIME = pins("requirements.txt")


def _closure(requirements: list[Requirement]) -> dict[str, set[str]]:
    """Every distribution the requirements bring in (installed metadata), with the extras asked of it."""
    seen: dict[str, set[str]] = {}
    stack = list(requirements)
    while stack:
        req = stack.pop()
        name = canonicalize_name(req.name)
        extras = set(req.extras)
        if name in seen and extras <= seen[name]:
            continue
        seen.setdefault(name, set()).update(extras)
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            pytest.fail(f"{name} is not installed: run `make setup`")
        for line in dist.requires or []:
            sub = Requirement(line)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in seen[name] | {""}):
                stack.append(sub)
    return seen


def test_every_requirement_is_pinned_with_hashes():
    for name in ("requirements.txt", "requirements-dev.txt"):
        found = pins(name)
        assert len(found) > 10, name
        bad = [n for n, (version, hashes) in found.items() if not version or not hashes]
        assert not bad, f"{name}: pin every package with its hashes (`make lock`): {bad}"


def test_requirements_pin_exactly_what_pyproject_declares():
    """Nothing pinned that nothing needs (an unused package); nothing needed left unpinned."""
    wanted = _closure(ALL_DECLARED)
    assert sorted(set(wanted) - set(RUNTIME)) == [], (
        "needed but not pinned in requirements.txt: run `make lock`"
    )
    assert sorted(set(RUNTIME) - set(wanted)) == [], (
        "pinned in requirements.txt but required by nothing declared"
    )
    for req in ALL_DECLARED:
        version = RUNTIME[canonicalize_name(req.name)][0]
        assert req.specifier.contains(version, prereleases=True), (
            f"{req.name}=={version} is outside {req.specifier}"
        )
    installed = {n: distribution(n).version for n in RUNTIME}
    stale = {n: (v, installed[n]) for n, (v, _) in RUNTIME.items() if installed[n] != v}
    assert not stale, (
        f"installed versions differ from the pins (pinned, installed): {stale}; run `make setup`"
    )


def test_dev_requirements_agree_with_the_runtime_pins():
    dev = pins("requirements-dev.txt")
    clash = {n: (RUNTIME[n][0], v) for n, (v, _) in dev.items() if n in RUNTIME and RUNTIME[n][0] != v}
    assert not clash, f"requirements-dev.txt pins other versions than requirements.txt: {clash}"
    assert "django" not in dev and "rfc3161-client" in dev


def _modules_named_by_the_code() -> set[str]:
    """Top-level modules Comity imports, and those its settings name as dotted paths (apps, middleware...)."""
    from django.conf import settings

    names = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    dotted = [
        *settings.INSTALLED_APPS,
        *settings.MIDDLEWARE,
        *settings.AUTHENTICATION_BACKENDS,
        *settings.PASSWORD_HASHERS,
        *(s["BACKEND"] for s in settings.STORAGES.values()),
        settings.DATABASES["default"]["ENGINE"],
    ]
    return names | {d.split(".")[0] for d in dotted}


def test_every_declared_dependency_is_used_and_everything_used_is_declared():
    used = _modules_named_by_the_code()
    provides: dict[str, set[str]] = {}  # distribution -> top-level modules
    for module, dists in packages_distributions().items():
        for d in dists:
            provides.setdefault(canonicalize_name(d), set()).add(module)
    declared = {canonicalize_name(r.name) for r in ALL_DECLARED}
    unused = sorted(d for d in declared if not provides.get(d, set()) & used and d not in USED_INDIRECTLY)
    assert not unused, f"declared but neither imported nor named in the settings: {unused}"
    assert set(USED_INDIRECTLY) <= declared, "USED_INDIRECTLY names packages no longer declared"

    installed_by_us = {m for d in _closure(ALL_DECLARED) for m in provides.get(d, set())}
    third_party = {m for m in used if m not in sys.stdlib_module_names and m not in ("comity", "__future__")}
    # pypdf: only comity.builder.render.pdf_text imports it, lazily, and only tests call that (dev
    # requirement).
    undeclared = sorted(third_party - installed_by_us)
    assert undeclared == ["pypdf"], f"imported or named in the settings, not declared: {undeclared}"


def _licence_options(name: str) -> list[str]:
    meta = distribution(name).metadata
    if meta.get("License-Expression"):
        return [o.strip(" ()") for o in re.split(r"\s+OR\s+", meta["License-Expression"])]
    classifiers = [
        c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")
    ]
    return classifiers or [
        (meta.get("License") or "").strip().splitlines()[0][:80] if meta.get("License") else ""
    ]


def _strong_copyleft(option: str) -> bool:
    return bool(re.search(r"(?<![L])GPL|(?<!Lesser )General Public License|Affero", option))


def test_no_gpl_in_the_runtime_dependencies():
    """docs/architecture.md: keep GPL code out of runtime dependencies (LGPL libraries are fine)."""
    licences = {n: _licence_options(n) for n in RUNTIME}
    unknown = [n for n, options in licences.items() if not any(options)]
    assert not unknown, f"no licence in the metadata of {unknown}: check it by hand and note it here"
    gpl = {
        n: o for n, o in licences.items() if any(map(_strong_copyleft, o)) and n not in GPL_OPTION_NOT_TAKEN
    }
    assert not gpl, f"GPL runtime dependencies: {gpl}"
    assert all(any(map(_strong_copyleft, licences[n])) for n in GPL_OPTION_NOT_TAKEN if n in licences)


def test_the_gpl_check_reads_licence_names():
    assert _strong_copyleft("GPL-3.0-only") and _strong_copyleft(
        "GNU General Public License v2 or later (GPLv2+)"
    )
    assert _strong_copyleft("AGPL-3.0-or-later") and _strong_copyleft("GNU Affero General Public License v3")
    assert not _strong_copyleft("LGPL-3.0-only")
    assert not _strong_copyleft("GNU Lesser General Public License v2 (LGPLv2)")
    assert not _strong_copyleft("MIT") and not _strong_copyleft("Apache-2.0 OR BSD-3-Clause")
