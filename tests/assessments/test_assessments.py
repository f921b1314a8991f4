"""Assessments in the product: the request panel, snapshots and memos, exposure, the Red Notice check,
and `comity assess` / POST /api/assess giving the same answer."""

import io
import json
import subprocess
import sys

import pytest

from comity.assessments.models import AssessmentSnapshot
from comity.audit.models import AuditEvent
from comity.cases import actions

SOERING = {"kind": "extradition", "requesting_state": "US", "requested_state": "GB", "date": "2024-01-01",
           "purpose": "prosecution", "person": {"nationalities": ["DE"]},
           "offences": [{"description": "capital murder", "max_penalty_months": 1200, "criminal_in_requested": True,
                         "death_penalty_possible": True}]}


def _form(**over):
    data = {"kind": "extradition", "requesting_state": "US", "requested_state": "GB", "date": "2024-01-01",
            "purpose": "prosecution", "nationalities": "DE", "description": "capital murder",
            "max_penalty_months": "1200", "criminal_in_requested": "yes", "death_penalty_possible": "on"}
    data.update(over)
    return data


@pytest.fixture
def us_request(case, supervisor):
    return actions.do_create_request(case, kind="extradition", direction="incoming", subject="Extradition of J. Doe",
                                     requesting_state="US", requested_state="GB", acting_user=supervisor)


def test_panel_assesses_and_an_assurance_cures_the_death_penalty_ground(login, us_request, supervisor):
    c = login(supervisor)
    html = c.post(f"/requests/{us_request.pk}/assessment/", _form(preview="1")).content.decode()
    assert "Advisory only" in html
    assert 'data-outcome="mandatory_bar">Outcome: Must be refused' in html
    row = html.split('data-code="death_penalty"')[1].split("</tr>")[0]
    assert "mandatory" in row and "applies" in row
    cured = c.post(f"/requests/{us_request.pk}/assessment/",
                   _form(preview="1", assurances=["no_death_penalty"])).content.decode()
    row = cured.split('data-code="death_penalty"')[1].split("</tr>")[0]
    assert "cured" in row
    assert 'data-outcome="mandatory_bar"' not in cured


def test_saving_makes_an_audited_snapshot_and_memos_in_both_formats(login, us_request, supervisor):
    from docx import Document as Docx
    from pypdf import PdfReader

    c = login(supervisor)
    resp = c.post(f"/requests/{us_request.pk}/assessment/", _form(save="1"))
    assert resp.status_code == 302
    snap = AssessmentSnapshot.objects.get(request=us_request)
    assert snap.outcome == "mandatory_bar" and snap.rules_version.startswith("assess-")
    assert AuditEvent.objects.filter(event_type="assessment.saved", object_id=str(snap.pk)).exists()
    # Reading before saving stores nothing (no write on GET); saving is a POST, then the download a GET.
    assert c.get(f"/assessments/{snap.pk}/memo.pdf").status_code == 302 and snap.memo_pdf is None
    assert c.post(f"/assessments/{snap.pk}/memo.pdf")["Location"] == f"/assessments/{snap.pk}/memo.pdf"
    assert c.post(f"/assessments/{snap.pk}/memo.docx").status_code == 302
    pdf = b"".join(c.get(f"/assessments/{snap.pk}/memo.pdf").streaming_content)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Outcome: Extradition must be refused" in text and "Death penalty" in text and "not a decision" in text
    assert "mandatory_bar" not in text and "death_penalty" not in text
    docx = b"".join(c.get(f"/assessments/{snap.pk}/memo.docx").streaming_content)
    doc = Docx(io.BytesIO(docx))
    body = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        cell.text for t in doc.tables for row in t.rows for cell in row.cells)
    assert "Death penalty" in body and "Outcome: Extradition must be refused" in body
    snap.refresh_from_db()
    assert snap.memo_pdf.sha256 and snap.memo_docx.sha256  # stored in the case with their hashes
    assert AuditEvent.objects.filter(event_type="access.memo_download", object_id=str(snap.memo_pdf.pk)).exists()


def test_bad_facts_are_refused_naming_the_field_and_nothing_is_saved(login, us_request, supervisor):
    c = login(supervisor)
    resp = c.post(f"/requests/{us_request.pk}/assessment/", _form(save="1", requested_state="QQ"))
    page = resp.content.decode()
    assert resp.status_code == 400 and "No State is called “QQ”" in page and "Requested State" in page
    resp = c.post(f"/requests/{us_request.pk}/assessment/", _form(save="1", facts_json="{not json"))
    assert resp.status_code == 400 and "facts_json" in resp.content.decode()
    assert not AssessmentSnapshot.objects.exists()


def test_non_member_cannot_see_the_panel(login, us_request, outsider):
    assert login(outsider).get(f"/requests/{us_request.pk}/assessment/").status_code == 404


def test_exposure_view_lists_states_with_outcomes_and_map(client, db):
    resp = client.get("/law/exposure/", {"kind": "extradition", "requesting_state": "US", "purpose": "prosecution",
                                         "nationalities": "FR", "description": "fraud", "max_penalty_months": "240",
                                         "criminal_in_requested": "yes"})
    assert resp.status_code == 200
    html = resp.content.decode()
    table = html.split('id="exposure"')[1]
    assert 'data-state="GB" data-outcome=' in table
    fr = table.split('data-state="FR" data-outcome="')[1].split('"')[0]
    assert fr in ("mandatory_bar", "optional_bar", "no_legal_basis")  # France does not surrender its nationals
    cn = table.split('data-state="CN" data-outcome="')[1].split('"')[0]
    assert cn == "no_legal_basis"
    assert "<svg" in html


def test_red_notice_check_flags_a_private_dispute(client, db):
    resp = client.get("/law/red-notice/", {"kind": "red_notice", "requesting_state": "TR", "purpose": "prosecution",
                                           "description": "unpaid debt", "max_penalty_months": "36",
                                           "characteristics": ["private_dispute"]})
    html = resp.content.decode()
    assert 'data-outcome="non_compliant"' in html and 'data-code="rpd_excluded_offence"' in html


def test_cli_and_api_give_the_same_assessment(client, db, tmp_path):
    f = tmp_path / "facts.json"
    f.write_text(json.dumps(SOERING))
    r = subprocess.run([sys.executable, "-m", "comity.cli", "assess", str(f)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    api = client.post("/api/assess", SOERING, content_type="application/json").json()
    assert json.loads(r.stdout) == api
    bad = subprocess.run([sys.executable, "-m", "comity.cli", "assess", "-"], input='{"kind": "extradition", "x": 1}',
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "x" in json.loads(bad.stdout)["errors"]
    resp = client.post("/api/assess", {"kind": "extradition", "x": 1}, content_type="application/json")
    assert resp.status_code == 422 and "x" in resp.json()["errors"]
