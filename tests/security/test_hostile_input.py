"""Issue 13 item 9, hostile input: the inventory in docs/security/hostile-input.md stays true.

XML is parsed only with defusedxml where XML_USERS says, archives are opened only where ARCHIVE_USERS says, and no CSV is exported (so there is no
formula cell to neutralise). If one of these changes, this test fails and points at the document: the new
parser or export needs its hostile-input tests (billion laughs, external entities, zip bombs, "=cmd|" cells)
in tests/security/test_hostile_*.py before it ships. The behaviour itself is tested in test_hostile_uploads.py
(documents and evidence: web, API, CLI) and test_hostile_imports.py (law import, assess, API JSON bodies)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "comity"
DOC = Path(__file__).resolve().parents[2] / "docs" / "security" / "hostile-input.md"

XML = {"xml", "lxml", "defusedxml", "xmltodict", "xml.etree", "xml.dom", "xml.sax", "xml.parsers", "pyexpat"}
ARCHIVES = {"zipfile", "tarfile", "shutil.unpack_archive", "gzip", "bz2", "lzma", "py7zr", "rarfile"}
# Where archives are opened today, and why it is safe: each reads only what Comity itself wrote and
# authenticated (AES-GCM) before the archive is opened. The backup archive belongs to `comity restore`.
ARCHIVE_USERS = {
    "evidence/actions.py": "writes disclosure packages (tar, never read back from a user)",
    "evidence/integrity.py": "re-reads its own encrypted disclosure package (authenticated first)",
    "backup/archive.py": "comity backup/restore (owned by the backup item; bounded by --max-members/--max-bytes)",
    "backup/service.py": "comity backup/restore",
    "accounts/passwords.py": "reads Django's packaged common-password list (gzip), never a user's file",
    "screening/files.py": "watchlists, queries and index files, gzipped or not: decompressed bytes counted while "
                          "streaming, refused past a size, an expansion ratio or a line length "
                          "(test_hostile_screening.py)",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


def _sources():
    return [p for p in SRC.rglob("*.py") if "migrations" not in p.parts]


# Where XML is parsed, and with what: defusedxml only, with its DTD, entity and external-reference refusals
# (tests/security/test_hostile_screening.py feeds it billion laughs and external entities).
XML_USERS = {
    "screening/importers/un.py": "the UN Security Council consolidated list: defusedxml, forbid_dtd=True, a size "
                                 "limit checked before reading",
}


def test_xml_is_parsed_only_where_documented_and_only_with_defusedxml():
    found = {str(p.relative_to(SRC)): sorted(m for m in _imports(p) if m.split(".")[0] in {x.split(".")[0] for x in XML})
             for p in _sources()}
    found = {k: v for k, v in found.items() if v}
    assert set(found) <= set(XML_USERS), \
        f"XML is parsed in {set(found) - set(XML_USERS)}: add billion-laughs and XXE tests and update {DOC.name}"
    unsafe = {k: [m for m in v if not m.startswith("defusedxml")] for k, v in found.items()}
    assert not any(unsafe.values()), f"XML parsed without defusedxml: {unsafe}"
    assert "defusedxml" in DOC.read_text(encoding="utf-8")


def test_archives_are_opened_only_where_documented():
    users = {str(p.relative_to(SRC)) for p in _sources()
             if any(m in ARCHIVES or m.split(".")[0] in ARCHIVES for m in _imports(p))}
    assert users <= set(ARCHIVE_USERS), f"new archive handling in {users - set(ARCHIVE_USERS)}: add zip-bomb tests"


def test_no_csv_export():
    """CSV is only read (the law data loader and `comity law import`), never written: a spreadsheet export
    would need formula cells ("=cmd|...", +, -, @) neutralised."""
    writers = [str(p.relative_to(SRC)) for p in _sources()
               if "csv.writer" in p.read_text(encoding="utf-8") or "csv.DictWriter" in p.read_text(encoding="utf-8")
               or "text/csv" in p.read_text(encoding="utf-8").replace('content_type="text/csv"', "")]
    assert not writers, f"CSV written in {writers}: neutralise formula cells and test it"


def test_the_inventory_names_every_entry_point():
    text = DOC.read_text(encoding="utf-8")
    for entry in ("/cases/<id>/documents/", "POST /api/cases/{case_id}/documents", "/evidence/cases/<id>/",
                  "comity evidence register", "comity law import", "comity assess", "POST /api/assess",
                  "JSON bodies", "law data", "comity restore"):
        assert entry in text, entry
