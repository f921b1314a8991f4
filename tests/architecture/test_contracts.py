"""Architecture contracts of docs/architecture.md, checked on the source (issue 12, item 8).

1. The pure packages (comity.law, comity.ledger) import nothing but the standard library, their few declared
   dependencies and each other: never Django, never a Comity Django app.
2. Views, forms, template tags, the HTTP API, the CLIs and management commands never write models themselves
   (.save(), .create(), .update(), .delete(), bulk_create, get_or_create, ...) and never open a transaction:
   every state change is a do_* function in an app's actions.py, which owns the transaction and the audit
   event.

A known exception is an entry in an allow-list below, with its reason; an entry that no longer matches fails,
so the list shrinks as the code is fixed.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from ._repo import ROOT, SRC, parse, rel
from ._repo import chain as _chain

# ------------------------------------------------------------------------------------------- pure packages
# docs/architecture.md: comity.law and comity.ledger are pure Python. They import two shared modules, held to
# the same rule: comity.errors (the one exception hierarchy: "pure Python (no Django) so comity.law,
# comity.ledger ... stay importable without Django") and comity.vocabulary (the labels of every code: "pure
# Python; no Django"; imported by law's assess/engine.py, provenance.py and cli.py).
PURE = ("comity.law", "comity.ledger", "comity.errors", "comity.vocabulary", "comity.client", "comity.exchange",
        "comity.screening")
# Third-party distributions the pure code may import (by top-level module); tests/architecture/test_wheel.py
# installs exactly these (with their own dependencies) into a virtualenv without Django.
PURE_THIRD_PARTY = {
    "yaml": "PyYAML: the legal data files",
    "pydantic": "typed rows of the legal data (comity.law.loading)",
    "pydantic_core": "pydantic's own core (custom field types in comity.law.loading)",
    "pycountry": "ISO 3166 names and codes",
    "holidays": "public holidays for business-day legal clocks",
    "cryptography": "Ed25519 signatures of tree heads",
    "joserfc": "JWS and JWE of the exchange protocol (comity.exchange)",
    "rapidfuzz": "edit distances between name tokens (comity.screening; MIT, C++ core)",
    "anyascii": "letters of any script to ASCII, the transliteration fallback (comity.screening; ISC)",
    "defusedxml": "the UN consolidated list XML without DTDs, entities or external references (comity.screening; PSF)",
}
# Imports from pure code into a Django app's package, keyed "file::module". Each: why, and what is to be done.
ALLOWED_PURE_IMPORTS: dict[str, str] = {}
# What that import loads at run time (the same entry; remove these with it).
ALLOWED_RUNTIME_REACH: set[str] = set()


def _is_pure(name: str) -> bool:
    return name == "comity" or any(name == p or name.startswith(p + ".") for p in PURE)


def _pure_files() -> list[Path]:
    files = []
    for name in PURE:
        path = SRC.parent / name.replace(".", "/")
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]
    assert all(f.exists() for f in files), f"a pure module is gone: {[f for f in files if not f.exists()]}"
    return files


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(path: Path):
    """(line, absolute module name) of every import in the file, relative and nested ones included."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            yield node.lineno, name


def _show(path: Path) -> str:
    return path.relative_to(SRC.parent.parent).as_posix()


def _pure_import_violations(allowed: dict[str, str] | None = None) -> tuple[list[str], set[str]]:
    """Violations as "file:line imports module", and the allow-list keys that matched."""
    allowed = ALLOWED_PURE_IMPORTS if allowed is None else allowed
    found, seen = [], set()
    for path in _pure_files():
        for line, name in _imported_modules(path):
            top = name.split(".")[0]
            if (
                top in sys.stdlib_module_names
                or top == "__future__"
                or top in PURE_THIRD_PARTY
                or _is_pure(name)
            ):
                continue
            key = f"{_show(path)}::{name}"
            if key in allowed:
                seen.add(key)
                continue
            where = " (a Comity module outside the pure code)" if top == "comity" else ""
            found.append(f"{_show(path)}:{line} imports {name}{where}")
    return found, seen


def test_pure_code_imports_only_the_standard_library_its_dependencies_and_itself():
    violations, seen = _pure_import_violations()
    assert not violations, (
        "comity.law and comity.ledger must stay usable without Django (docs/architecture.md); "
        "add a dependency to PURE_THIRD_PARTY (and to tests/architecture/test_wheel.py) only "
        "if it needs no Django:\n" + "\n".join(violations)
    )
    stale = sorted(set(ALLOWED_PURE_IMPORTS) - seen)
    assert not stale, f"allow-list entries that no longer match (fixed? remove them): {stale}"


def test_the_import_check_sees_django_in_a_pure_module(tmp_path, monkeypatch):
    """The check itself: a module of comity.law that imports Django or an app is reported with its line."""
    fake_src = tmp_path / "src" / "comity"
    (fake_src / "law").mkdir(parents=True)
    (fake_src / "ledger").mkdir()
    (fake_src / "client").mkdir()
    (fake_src / "exchange").mkdir()
    (fake_src / "screening").mkdir()
    (fake_src / "vocabulary.py").write_text("import yaml\n")
    (fake_src / "errors.py").write_text("import json\n")
    (fake_src / "law" / "__init__.py").write_text("from . import basis\n")
    (fake_src / "law" / "basis.py").write_text(
        "import yaml\nfrom .model import X\nfrom ..vocabulary import label\n\ndef f():\n"
        "    from django.db import models\n"
        "    from comity.cases.models import Case\n"
        "    from ..ledger import tree\n"
        "    import numpy\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "SRC", fake_src)
    parse.cache_clear()
    try:
        found, _ = _pure_import_violations({})
    finally:
        parse.cache_clear()
    assert found == [
        "src/comity/law/basis.py:6 imports django.db",
        "src/comity/law/basis.py:7 imports comity.cases.models (a Comity module outside the pure code)",
        "src/comity/law/basis.py:9 imports numpy",
    ]


def test_importing_every_module_of_the_pure_code_loads_no_django(tmp_path):
    """Indirect imports too: through the dependencies, and at run time (the vocabulary)."""
    code = (
        "import importlib, json, pkgutil, sys\n"
        f"pure = {list(PURE)!r}\n"
        "names = []\n"
        "for p in pure:\n"
        "    mod = importlib.import_module(p)\n"
        "    if hasattr(mod, '__path__'):\n"
        "        names += [m.name for m in pkgutil.walk_packages(mod.__path__, p + '.')]\n"
        "for n in names:\n"
        "    importlib.import_module(n)\n"
        "importlib.import_module('comity.vocabulary').registry()\n"
        "print(json.dumps({'modules': names, 'loaded': sorted(sys.modules)}))\n"
    )
    env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=False,
                         cwd=ROOT, env=env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert "comity.law.cli" in result["modules"] and "comity.ledger.cli" in result["modules"]
    django = [m for m in result["loaded"] if m.split(".")[0] in ("django", "allauth", "ninja", "whitenoise")]
    assert django == [], "the pure code loads Django"
    outside = {m for m in result["loaded"] if m.startswith("comity.") and not _is_pure(m)}
    assert outside <= ALLOWED_RUNTIME_REACH, f"the pure code loads Comity apps: {sorted(outside)}"


# ---------------------------------------------------------------------------- no writes outside actions.py
WRITE_METHODS = {"save", "create", "delete", "bulk_create", "bulk_update", "get_or_create",
                 "update_or_create"}
# .update() is also the method of dict and set: it counts only on a query set or a model instance.
QUERY_METHODS = {"objects", "filter", "exclude", "all", "get", "select_related", "prefetch_related",
                 "order_by", "annotate", "values", "values_list", "only", "defer", "select_for_update",
                 "visible_to", "none", "distinct", "first", "last", "latest", "earliest",
                 "get_object_or_404", "get_list_or_404"}

# Writes and transactions in views, API and CLI files known to the lead, keyed "path::function::what".
# Each entry: why it is there, and "to be moved to actions". An entry that no longer matches fails the test.
ALLOWED_WRITES: dict[str, str] = {}


def interface_files() -> list[Path]:
    """Views, forms, template tags, the HTTP API, command-line interfaces and management commands."""
    patterns = ("web/**/*.py", "api/**/*.py", "*/views.py", "*/*_views.py", "*/views/**/*.py", "*/forms.py",
                "*/templatetags/*.py", "cli.py", "*/cli.py", "*/management/commands/*.py")
    found = {p for pattern in patterns for p in SRC.glob(pattern)}
    # an app's actions.py is the write path itself (comity/api/actions.py: the API's idempotency bookkeeping)
    return sorted(p for p in found if p.name != "actions.py" and (p.name != "__init__.py" or p.stat().st_size))


class _Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.function = "<module>"
        self.model_names: set[str] = set()
        self.found: list[tuple[int, str, str]] = []  # line, function, what

    def _is_model(self, node: ast.AST) -> bool:
        chain = _chain(node)
        return bool(set(chain) & QUERY_METHODS) or (bool(chain) and chain[0] in self.model_names)

    def visit_FunctionDef(self, node):
        outer, self.function = self.function, node.name
        for d in node.decorator_list:  # @router.delete("/...") declares a route; it writes nothing
            if _chain(d)[-1:] == ["atomic"]:  # @transaction.atomic
                self.found.append((d.lineno, node.name, "transaction.atomic"))
            if isinstance(d, ast.Call):
                for arg in [*d.args, *d.keywords]:
                    self.visit(arg)
        for child in [*node.args.defaults, *node.args.kw_defaults, *node.body]:
            if child is not None:
                self.visit(child)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node):
        if self._is_model(node.value):
            self.model_names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        self.generic_visit(node)

    def visit_With(self, node):
        for item in node.items:
            if _chain(item.context_expr)[-1:] == ["atomic"]:
                self.found.append((node.lineno, self.function, "transaction.atomic"))
        self.generic_visit(node)

    def visit_Call(self, node):
        if isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in WRITE_METHODS or (method == "update" and self._is_model(node.func.value)):
                self.found.append((node.lineno, self.function, method))
        self.generic_visit(node)


def _writes(path: Path) -> list[tuple[int, str, str]]:
    finder = _Finder()
    finder.visit(parse(path))
    return finder.found


def test_views_api_and_cli_never_write_models_or_open_transactions():
    files = interface_files()
    names = {rel(p) for p in files}
    assert {
        "src/comity/web/views.py",
        "src/comity/api/api.py",
        "src/comity/cli.py",
        "src/comity/law/cli.py",
        "src/comity/ledger/cli.py",
    } <= names, "the contract no longer sees the main interface files"
    found, seen = [], set()
    for path in files:
        for line, function, what in _writes(path):
            key = f"{rel(path)}::{function}::{what}"
            if key in ALLOWED_WRITES:
                seen.add(key)
            else:
                found.append(f"{rel(path)}:{line} {function}() calls {what}")
    assert not found, (
        "views, API and CLI call a do_* function of an actions.py for every change "
        "(docs/architecture.md, 'One write path'):\n" + "\n".join(found)
    )
    stale = sorted(set(ALLOWED_WRITES) - seen)
    assert not stale, f"allow-list entries that no longer match (fixed? remove them): {stale}"


def test_the_write_check_tells_model_writes_from_dict_updates(tmp_path):
    source = tmp_path / "views.py"
    source.write_text(
        "from django.db import transaction\n"
        "@router.delete('/x')\n"
        "def view(request, pk):\n"
        "    ctx = {}\n"
        "    ctx.update(a=1)\n"  # a dict: fine
        "    case = get_object_or_404(Case, pk=pk)\n"
        "    case.title = 'x'\n"
        "    case.save()\n"  # 8
        "    Case.objects.filter(pk=pk).update(title='y')\n"  # 9
        "    case.notes.create(text='n')\n"  # 10
        "    qs = Case.objects.filter(pk=pk)\n"
        "    qs.update(title='z')\n"  # 12
        "    with transaction.atomic():\n"  # 13
        "        Note.objects.get_or_create(case=case)\n"  # 14
        "@transaction.atomic\n"  # 15
        "def other(request):\n"
        "    pass\n"
    )
    assert _writes(source) == [
        (8, "view", "save"),
        (9, "view", "update"),
        (10, "view", "create"),
        (12, "view", "update"),
        (13, "view", "transaction.atomic"),
        (14, "view", "get_or_create"),
        (15, "other", "transaction.atomic"),
    ]
