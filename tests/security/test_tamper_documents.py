"""Issue 13, "tamper evidence that does not trust the host": a tamper campaign over case documents.

Every document is anchored in the audit log when it is stored (`document.uploaded`: its case, the SHA-256
and size of its content, a keyed hash of its details). Hypothesis picks the tamper: an edit of any column of
the documents table, a deletion, an insertion, a file changed, truncated, swapped, removed or replaced by
another document's file. `comity documents verify` must fail every time; a real disposal is not a tamper."""

from __future__ import annotations

import os
import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from comity.cases import actions
from comity.cases.integrity import verify_documents
from comity.cases.models import Document
from comity.cli import main
from tests.support.tamper import caught

pytestmark = pytest.mark.django_db

CAMPAIGN = settings(max_examples=int(os.environ.get("COMITY_TAMPER_EXAMPLES", "60")), deadline=None,
                    database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                          HealthCheck.filter_too_much])
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=24)
HEX = "0123456789abcdef"


def _upload(case, user, name, body, title="", request=None):
    return actions.do_upload_document(case, upload=SimpleUploadedFile(name, body, content_type="application/pdf"),
                                      title=title, request=request, acting_user=user)


@pytest.fixture
def world(case, supervisor, caseworker, extradition):
    other = actions.do_create_case(title="Second case", acting_user=supervisor)
    docs = [_upload(case, caseworker, "request.pdf", os.urandom(3000), title="Extradition request of 3 May"),
            _upload(case, caseworker, "warrant.pdf", b"%PDF-1.7 warrant " * 200, request=extradition),
            _upload(other, supervisor, "statement.pdf", os.urandom(70000), title="Witness statement")]
    files = {d.pk: d.file.path for d in docs}
    w = {"case": case, "other": other, "docs": docs, "files": files, "users": [supervisor, caseworker],
         "request": extradition}
    assert verify_documents()[0]["ok"]
    return w


def _caught(world, tamper) -> bool:
    return caught(tamper, lambda: verify_documents()[0]["ok"], world["files"].values())


COLUMNS = ["case", "request", "title", "filename", "content_type", "file", "sha256", "size", "uploaded_by",
           "uploaded_at"]


@CAMPAIGN
@given(data=st.data())
def test_every_edit_of_a_document_row_is_detected(world, data):
    doc = Document.objects.get(pk=data.draw(st.sampled_from([d.pk for d in world["docs"]])))
    column = data.draw(st.sampled_from(COLUMNS))
    if column == "case":
        value = world["other"] if doc.case_id == world["case"].pk else world["case"]
    elif column == "request":
        value = None if doc.request_id else world["request"]
    elif column in ("title", "filename", "content_type"):
        value = data.draw(TEXT)
        assume(value != getattr(doc, column))
    elif column == "file":
        value = Document.objects.exclude(pk=doc.pk).first().file.name
    elif column == "sha256":
        value = data.draw(st.text(alphabet=HEX, min_size=64, max_size=64))
    elif column == "size":
        value = data.draw(st.integers(0, 10**7).filter(lambda n: n != doc.size))
    elif column == "uploaded_by":
        value = next(u for u in world["users"] if u.pk != doc.uploaded_by_id)
    else:
        import datetime as dt
        value = doc.uploaded_at + dt.timedelta(seconds=data.draw(st.integers(-10**6, 10**6).filter(bool)))

    def tamper():
        Document.objects.filter(pk=doc.pk).update(**{column: value})
    assert _caught(world, tamper), (doc.pk, column, value)


@CAMPAIGN
@given(data=st.data())
def test_every_change_to_a_stored_file_is_detected(world, data):
    pk = data.draw(st.sampled_from(sorted(world["files"])))
    path = world["files"][pk]
    size = os.path.getsize(path)
    kind = data.draw(st.sampled_from(["flip", "truncate", "append", "remove", "swap", "empty"]))

    def tamper():
        if kind == "flip":
            at = data.draw(st.integers(0, size - 1))
            with open(path, "r+b") as f:
                f.seek(at)
                byte = f.read(1)
                f.seek(at)
                f.write(bytes([byte[0] ^ data.draw(st.integers(1, 255))]))
        elif kind == "truncate":
            os.truncate(path, data.draw(st.integers(0, size - 1)))
        elif kind == "append":
            with open(path, "ab") as f:
                f.write(data.draw(st.binary(min_size=1, max_size=64)))
        elif kind == "remove":
            os.remove(path)
        elif kind == "swap":
            other = next(p for k, p in world["files"].items() if k != pk)
            shutil.copyfile(other, path)
        else:
            open(path, "wb").close()
    assert _caught(world, tamper), (pk, kind)


@CAMPAIGN
@given(data=st.data())
def test_every_deletion_and_insertion_of_a_document_is_detected(world, data):
    doc = Document.objects.get(pk=data.draw(st.sampled_from([d.pk for d in world["docs"]])))
    if data.draw(st.booleans()):
        def tamper():
            Document.objects.filter(pk=doc.pk).delete()
    else:
        def tamper():  # a copy of a row (pointing at a real file), or a new row with a file of its own
            copy = Document.objects.get(pk=doc.pk)
            copy.pk = None
            if data.draw(st.booleans()):
                copy.title = data.draw(TEXT)
            copy.save()
    assert _caught(world, tamper)


def test_a_disposed_case_s_documents_are_gone_without_a_failure(world, supervisor, capsys):
    from comity.oversight.actions.retention import do_dispose_case

    other = world["other"]
    actions.do_close_case(other, reason="proceedings completed", acting_user=supervisor)
    do_dispose_case(other, reason="retention period over, file destroyed", confirm_early=True,
                    acting_user=supervisor)
    summary, reports = verify_documents()
    assert summary["ok"] and summary["documents"] == 2 and summary["disposed_cases"] == 1
    assert main(["documents", "verify"]) == 0
    assert capsys.readouterr().out.startswith("VERIFIED: 2 documents")


def test_documents_verify_names_each_failure(world, capsys):
    doc = world["docs"][0]
    Document.objects.filter(pk=doc.pk).update(title="Another title")
    os.truncate(world["files"][world["docs"][2].pk], 100)
    assert main(["documents", "verify"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAILED: 2 of 3 documents")
    assert f"document {doc.pk} (case {doc.case.reference}): the document's title, file name or other details " \
           "differ from the audit log" in out
    assert "the stored file failed authentication" in out


def test_an_upload_logs_a_keyed_hash_not_the_title(world):
    from comity.audit.models import AuditEvent

    ev = AuditEvent.objects.filter(event_type="document.uploaded").order_by("seq").first()
    assert set(ev.new_values) == {"sha256", "size", "descriptive_hmac"}
    assert "Extradition request" not in ev.leaf and "request.pdf" not in ev.leaf
