"""Shared by tests/security/test_hostile_*.py: bounded hypothesis settings, hostile names and contents, and a
snapshot of everything an importer or upload could leave behind (rows, files in the data folder, audit log).

COMITY_HOSTILE_EXAMPLES raises the number of examples per property for a long run (default 12)."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("COMITY_HOSTILE_EXAMPLES", "12"))
BOUNDED = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("COMITY_HOSTILE_EXAMPLES"),
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                          HealthCheck.data_too_large])

# File names a hostile or careless sender chooses. Each must be refused naming the file field, or (path
# separators, which Django strips before any code of ours runs) kept as a bare name inside the case.
RTL = "\u202e"
HOSTILE_NAMES = [
    "../../etc/passwd", "..\\..\\boot.ini", "/abs/path.txt", "..", "...txt",
    "evil\x00.txt", "line\nbreak.txt", "bell\x07.txt", "tab\there.txt", "esc\x1b[31m.txt",
    f"invoice{RTL}fdp.exe", "pay\u2066ment.pdf", "zero\u200bwidth.pdf",
    "x" * 300 + ".pdf", "CON", "nul.txt", "COM1.log", "LPT9", "aux.tar.gz", "prn.", "con .txt",
]

# Contents of every shape: the stores keep bytes opaquely, so any byte string is fair game.
CSV_FORMULA = b'name,amount\n"=cmd|\' /C calc\'!A0",1\n+SUM(1;2),2\n-2+3,3\n@HYPERLINK("http://x"),4\n'
BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
                  + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']>\n<lolz>&lol9;</lolz>\n')
XXE = (b'<?xml version="1.0"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       b"<foo>&xxe;</foo>\n")


def zip_bomb() -> bytes:
    """A small zip whose one member inflates to 64 MiB (it must never be opened)."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("bomb.bin", b"\0" * (64 << 20))
    return buf.getvalue()


def hostile_bytes(max_size: int = 4096):
    return st.one_of(
        st.binary(min_size=1, max_size=max_size),
        st.sampled_from([CSV_FORMULA, BILLION_LAUGHS, XXE, b"\xef\xbb\xbfa,b\n1,2\n", b"\0" * 64,
                         b"\xff\xfe\xfa\xce", "é".encode("latin-1") + "é".encode("utf-8")]),
    )


def files_under(*roots) -> dict[str, int]:
    """Every file under the given folders, with its size."""
    out: dict[str, int] = {}
    for root in roots:
        root = Path(root)
        if root.exists():
            for p in root.rglob("*"):
                if p.is_file():
                    out[str(p)] = p.stat().st_size
    return out


def snapshot(*roots) -> dict:
    """Row counts of the tables an importer or upload writes, the audit log (reads apart), and the files."""
    from comity.audit.models import AuditEvent
    from comity.cases.models import Case, Document, Entity
    from comity.evidence.models import CustodyEvent, EvidenceItem

    return {
        "cases": Case.objects.count(), "documents": Document.objects.count(), "entities": Entity.objects.count(),
        "evidence": EvidenceItem.objects.count(), "custody": CustodyEvent.objects.count(),
        # a refused form shows the case page again, which logs that read (access.*): anything else is a write
        "audit_writes": AuditEvent.objects.exclude(event_type__startswith="access.").count(),
        "files": files_under(*roots),
    }
