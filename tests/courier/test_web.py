"""The exchange's pages (comity.courier.web_views): messages in and out with their evidence for the members of a case,
the trust list, identity, directory, routes and refused arrivals for administrators, and the exchange panel of the
request page and the dashboard. Data made through the actions (tests/courier/conftest.py)."""

from __future__ import annotations

import re

import pytest

from tests.courier.conftest import Upload, events, make_peer
from tests.web.test_crawl import raw_codes

ADMIN_PAGES = ["/exchange/peers/", "/exchange/peers/import/", "/exchange/identity/", "/exchange/identity/file/",
               "/exchange/directory/", "/exchange/directory/new/", "/exchange/routes/", "/exchange/rejections/"]


def _html(r) -> str:
    return r.content.decode()


def _rows(html: str, table: str) -> list[str]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'data-status="(\w+)"', body)


# --- messages ---------------------------------------------------------------------------------------------------

def test_the_list_shows_a_members_messages_failures_first_with_their_reasons_and_logs_the_read(xw, login):
    c = login(xw.cw)
    r = c.get("/exchange/")
    assert r.status_code == 200
    html = _html(r)
    statuses = _rows(html, "exchange-messages")
    assert sorted(statuses[:2]) == ["failed", "refused"] and statuses[2:] == ["received"]
    assert "Every delivery attempt failed" in html  # retries_exhausted, in words
    assert "The signature does not verify with the sender&#x27;s key" in html  # bad_signature (REASONS)
    assert "A new request for cooperation" in html and "The requested authority asks for further information" in html
    assert "Federal Office of Justice" in html and xw.req.reference in html
    assert "Hearing of a witness" not in html and "RH-2026-17" not in html  # the incoming case is not cw's
    assert not raw_codes(html)
    logged = events("access.exchange_list", actor=xw.cw)
    assert logged and logged[-1].new_values["cases"] == [xw.case.reference]


def test_the_list_filters_by_status_and_direction(xw, login):
    c = login(xw.sup)
    assert _rows(_html(c.get("/exchange/?status=trouble")), "exchange-messages") in (["failed", "refused"],
                                                                                  ["refused", "failed"])
    assert _rows(_html(c.get("/exchange/?status=received")), "exchange-messages") == ["received", "received"]
    assert len(_rows(_html(c.get("/exchange/?direction=in")), "exchange-messages")) == 2


def test_others_see_none_of_the_messages(xw, login):
    for user in (xw.outsider, xw.admin):  # an administrator is not a member of the case
        html = _html(login(user).get("/exchange/"))
        assert _rows(html, "exchange-messages") == [] and xw.req.reference not in html


def test_a_failed_message_shows_what_it_carries_its_attachment_and_its_evidence(xw, login):
    c = login(xw.cw)
    r = c.get(f"/exchange/messages/{xw.sent.pk}/")
    assert r.status_code == 200
    html = _html(r)
    assert 'id="message-failure"' in html and "Not delivered" in html and "Every delivery attempt failed" in html
    assert "Bank records in Lugano" in html and "Mutual legal assistance" in html  # body fields, labelled
    assert "Requesting State" in html and "Italy (IT)" in html and "Switzerland (CH)" in html
    doc = xw.case.documents.get()
    assert "letter.pdf" in html and doc.sha256 in html and f"/cases/{xw.case.pk}/documents/{doc.pk}/" in html
    assert "Submission acceptance" in html and "Non-delivery" in html and html.count("Download signed evidence") == 2
    assert not raw_codes(html)
    assert events("access.exchange_message", actor=xw.cw, case_id=xw.case.pk)


def test_others_messages_are_404(xw, login):
    for user in (xw.outsider, xw.admin):
        c = login(user)
        assert c.get(f"/exchange/messages/{xw.sent.pk}/").status_code == 404
        ev = xw.sent.evidence.first()
        assert c.get(f"/exchange/messages/{xw.sent.pk}/evidence/{ev.pk}/").status_code == 404
    assert login(xw.cw).get("/exchange/messages/999999/").status_code == 404


def test_opening_a_received_message_records_retrieval_evidence_sent_back_to_the_sender(xw, login):
    from comity.courier.models import Message

    assert xw.question.status == "received"
    r = login(xw.cw).get(f"/exchange/messages/{xw.question.pk}/")
    assert r.status_code == 200 and "Which accounts, and for which period?" in _html(r)
    xw.question.refresh_from_db()
    assert xw.question.status == "retrieved" and xw.question.retrieved_at is not None
    assert list(xw.question.evidence.values_list("type", flat=True)) == ["DELIVERY", "RETRIEVAL"]
    back = Message.objects.get(direction="out", type="evidence")
    assert back.peer == xw.peer and back.status == "queued"
    assert events("exchange.message_retrieved", actor=xw.cw)
    # a second opening changes nothing
    login(xw.cw).get(f"/exchange/messages/{xw.question.pk}/")
    assert Message.objects.filter(direction="out", type="evidence").count() == 1


def test_oversight_states_a_purpose_and_opening_is_then_no_retrieval(xw, login):
    c = login(xw.dpo)
    r = c.get(f"/exchange/messages/{xw.question.pk}/")
    assert r.status_code == 302 and r["Location"] == f"/cases/{xw.case.pk}/purpose/"
    c.post(f"/cases/{xw.case.pk}/purpose/", {"purpose": "Complaint 2026-14 about the handling of a request"})
    r = c.get(f"/exchange/messages/{xw.question.pk}/")
    assert r.status_code == 200 and "Opened for oversight" in _html(r)
    xw.question.refresh_from_db()
    assert xw.question.status == "received"
    logged = events("access.exchange_message", actor=xw.dpo, case_id=xw.case.pk)
    assert logged and logged[-1].purpose  # the stated purpose is recorded (as its commitment)


def test_signed_evidence_downloads_as_a_jws_that_verifies(xw, login):
    from comity.courier import local
    from comity.exchange import read_evidence

    ev = xw.sent.evidence.get(type="NON_DELIVERY")
    r = login(xw.cw).get(f"/exchange/messages/{xw.sent.pk}/evidence/{ev.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "application/jose"
    assert f"{xw.sent.mid}-non_delivery.jws" in r["Content-Disposition"]
    checked = read_evidence(r.content, issuer=local.identity())
    assert (checked.type, checked.message, checked.reason) == ("NON_DELIVERY", xw.sent.mid, "retries_exhausted")
    assert events("access.exchange_evidence", actor=xw.cw, case_id=xw.case.pk)


# --- request page and dashboard --------------------------------------------------------------------------------

def test_the_request_page_shows_the_conversation_with_a_red_notice_for_each_failure(xw, login):
    html = _html(login(xw.cw).get(f"/requests/{xw.req.pk}/"))
    panel = html.split('id="exchange-panel"', 1)[1].split("</table>", 1)[0]
    assert "Exchange with Federal Office of Justice" in html
    assert panel.count('class="exchange-failed"') == 2
    assert "Not delivered to Federal Office of Justice" in panel and "Refused by Federal Office of Justice" in panel
    assert "Every delivery attempt failed" in panel and "The signature does not verify" in panel
    assert "← received" in panel and "The requested authority asks for further information" in panel
    assert "Legal clocks run from delivery" not in html  # an outgoing request: its clocks run from our steps
    assert not raw_codes(html)


def test_the_incoming_request_page_says_legal_clocks_run_from_the_delivery(xw, login):
    from django.utils import timezone

    html = _html(login(xw.sup).get(f"/requests/{xw.incoming.pk}/"))
    assert f"Legal clocks run from delivery on {timezone.localdate():%Y-%m-%d}" in html
    assert "their reference <b>RH-2026-17</b>" in html and 'class="exchange-failed"' not in html


def test_a_request_that_does_not_travel_has_no_exchange_panel(xw, login, make_user):
    from comity.cases import actions

    req = actions.do_create_request(xw.case, kind="extradition", direction="outgoing", subject="Surrender",
                                    requesting_state="IT", requested_state="FR", acting_user=xw.sup)
    assert 'id="exchange-panel"' not in _html(login(xw.sup).get(f"/requests/{req.pk}/"))


def test_the_dashboard_warns_of_failed_and_refused_messages_in_the_users_cases(xw, login):
    html = _html(login(xw.cw).get("/"))
    block = html.split('id="exchange-failures"', 1)[1].split("</section>", 1)[0]
    assert block.count("data-message=") == 2 and xw.req.reference in block
    assert "Refused by the recipient" in block and "Not delivered: every retry failed" in block
    assert 'id="exchange-failures"' not in _html(login(xw.outsider).get("/"))


# --- administrators -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_administration_pages_are_404_for_everyone_else(xw, login, url):
    for user in (xw.cw, xw.sup, xw.dpo):
        assert login(user).get(url).status_code == 404, (user.role, url)
    assert login(xw.admin).get(url).status_code == 200


def test_the_trust_list_shows_fingerprints_in_groups_and_who_confirmed_how(xw, login):
    from comity.exchange import format_fingerprint

    html = _html(login(xw.admin).get("/exchange/peers/"))
    assert format_fingerprint(xw.peer.fingerprint) in html and len(format_fingerprint(xw.peer.fingerprint).split()) == 16
    assert "read aloud by telephone, +41 58 462 11 20" in html and "admin1" in html and "Trusted" in html
    assert 'id="own-fingerprint"' in html and not raw_codes(html)


def test_importing_refuses_what_is_not_an_identity_file_naming_the_field(xw, login):
    from comity.courier.models import Peer

    c = login(xw.admin)
    r = c.post("/exchange/peers/import/", {"identity_file": ""})
    assert r.status_code == 400 and "paste the identity file, or upload it" in _html(r)
    r = c.post("/exchange/peers/import/", {"identity_file": "not.a.file"})
    assert r.status_code == 400 and "not a signed identity file" in _html(r)
    assert 'id="id_identity_file"' in _html(r)  # the error sits with its field
    r = c.post("/exchange/peers/import/", {"identity_file": xw.ch_file})
    assert r.status_code == 400 and "already trusted" in _html(r)
    assert Peer.objects.count() == 1


def test_importing_an_uploaded_file_then_confirming_the_fingerprint(xw, login, make_user):
    from comity.courier import actions as courier
    from comity.courier.models import Peer
    from comity.exchange import AuthorityKeys, Identity

    keys = AuthorityKeys.generate()
    ident = Identity.for_keys(keys, authority="FR:bepi", state="FR", name="Bureau de l'entraide pénale",
                              role="central_authority", endpoint="https://127.0.0.1:9/exchange/v1/",
                              tls_certificate_sha256="1" * 64)
    c = login(xw.admin)
    r = c.post("/exchange/peers/import/", {"upload": Upload("fr.identity.jose", ident.sign(keys.signing().key).encode(),
                                                            "application/jose")})
    peer = Peer.objects.get(authority="FR:bepi")
    assert r.status_code == 302 and r["Location"] == f"/exchange/peers/{peer.pk}/"
    page = _html(c.get(r["Location"]))
    assert "telephone it" in page and 'class="fingerprint"' in page and peer.status == "pending"
    # a wrong fingerprint is refused and nothing changes
    wrong = peer.fingerprint[:-1] + ("0" if peer.fingerprint[-1] != "0" else "1")
    r = c.post(f"/exchange/peers/{peer.pk}/confirm/", {"fingerprint_read": wrong, "how": "read by telephone, +33 1"})
    assert r.status_code == 400 and "does not match the imported identity&#x27;s fingerprint" in _html(r)
    peer.refresh_from_db()
    assert peer.status == "pending" and peer.confirmed_at is None
    assert not events("exchange.peer_trusted", object_id=str(peer.pk))
    r = c.post(f"/exchange/peers/{peer.pk}/confirm/", {"fingerprint_read": peer.fingerprint, "how": "short"})
    assert r.status_code == 400 and "say how the fingerprint was compared" in _html(r)
    # read aloud in groups, with spaces and in capitals: accepted
    from comity.exchange import format_fingerprint

    r = c.post(f"/exchange/peers/{peer.pk}/confirm/", {"fingerprint_read": format_fingerprint(peer.fingerprint),
                                                       "how": "read by telephone, +33 1 44 77 60 60"})
    assert r.status_code == 302
    peer.refresh_from_db()
    assert peer.status == "trusted" and peer.confirmed_by == xw.admin
    assert courier.trusted_lookup("FR:bepi") is not None


def test_revoking_needs_a_reason(xw, login):
    c = login(xw.admin)
    r = c.post(f"/exchange/peers/{xw.peer.pk}/revoke/", {"reason": "no"})
    assert r.status_code == 400 and "say why the peer is no longer trusted" in _html(r)
    xw.peer.refresh_from_db()
    assert xw.peer.status == "trusted"
    r = c.post(f"/exchange/peers/{xw.peer.pk}/revoke/", {"reason": "the authority moved to a new instance"})
    assert r.status_code == 302
    xw.peer.refresh_from_db()
    assert xw.peer.status == "revoked"


def test_this_instances_identity_and_its_file(xw, login):
    from comity.exchange import Identity, fingerprint, format_fingerprint

    c = login(xw.admin)
    html = _html(c.get("/exchange/identity/"))
    r = c.get("/exchange/identity/file/")
    ident = Identity.read_file(r.content)
    assert ident.authority == "IT:mg-dag" and "IT-mg-dag.identity.jose" in r["Content-Disposition"]
    groups = format_fingerprint(fingerprint(ident)).split()
    assert " ".join(groups[:4]) in html and " ".join(groups[12:]) in html
    assert "Ministero della Giustizia" in html and "Central authority" in html and not raw_codes(html)


def test_an_instance_without_identity_says_how_to_make_one(xw, login, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "elsewhere"
    c = login(xw.admin)
    assert "comity exchange init" in _html(c.get("/exchange/identity/"))
    assert c.get("/exchange/identity/file/").status_code == 404
    assert 'id="no-identity"' in _html(c.get("/exchange/peers/"))


def test_the_directory_lists_filters_adds_edits_and_seeds(xw, login):
    from comity.courier.models import DirectoryEntry

    c = login(xw.admin)
    html = _html(c.get("/exchange/directory/?state=CH"))
    assert "Federal Office of Justice" in html and "Switzerland" in html and "German (de)" in html
    assert "Comity exchange" in html and not raw_codes(html)
    assert "Federal Office of Justice" not in _html(c.get("/exchange/directory/?kind=court"))
    # bad input: each error with its field; nothing stored
    r = c.post("/exchange/directory/new/", {"state": "Atlantis", "name": "", "kind": "court", "channel": "comity",
                                            "languages": "Klingon"})
    html = _html(r)
    assert r.status_code == 400 and "No State is called “Atlantis”" in html and "Not a language" in html
    assert "This field is required" in html  # the name and the kinds of request
    r = c.post("/exchange/directory/new/", {"state": "France (FR)", "name": "Parquet national financier",
                                            "kind": "prosecutor", "channel": "comity", "cooperation": ["mla"]})
    assert r.status_code == 400 and "needs the authority&#x27;s instance on the trust list" in _html(r)
    assert DirectoryEntry.objects.count() == 1
    r = c.post("/exchange/directory/new/", {"state": "France (FR)", "name": "Parquet national financier",
                                            "kind": "prosecutor", "channel": "post", "cooperation": ["mla", "asset_recovery"],
                                            "languages": "French, en", "address": "Paris"})
    assert r.status_code == 302
    e = DirectoryEntry.objects.get(state="FR")
    assert (e.languages, e.cooperation, e.updated_by) == (["fr", "en"], ["mla", "asset_recovery"], xw.admin)
    form = _html(c.get(f"/exchange/directory/{e.pk}/"))
    assert "Parquet national financier" in form and "French, English" in form
    r = c.post(f"/exchange/directory/{e.pk}/", {"state": "FR", "name": "PNF", "kind": "prosecutor", "channel": "email",
                                                "cooperation": ["mla"], "email": "pnf@example.org"})
    assert r.status_code == 302
    e.refresh_from_db()
    assert (e.name, e.channel, e.email) == ("PNF", "email", "pnf@example.org")
    r = c.post("/exchange/directory/seed/")
    assert r.status_code == 302
    seeded = DirectoryEntry.objects.filter(seeded=True)
    assert seeded.count() > 50 and not seeded.filter(state__in=["CH", "FR"]).exists()
    assert "not yet checked" in _html(c.get("/exchange/directory/?state=DE"))
    assert c.post("/exchange/directory/seed/").status_code == 302  # again: nothing more
    assert DirectoryEntry.objects.filter(seeded=True).count() == seeded.count()


def test_routes_send_a_kind_to_a_unit(xw, login):
    from comity.accounts.actions import do_create_unit
    from comity.courier.models import Route

    unit = do_create_unit(name="Ufficio II", acting_user=xw.admin)
    c = login(xw.admin)
    r = c.post("/exchange/routes/", {"kind": "mla", "unit": ""})
    assert r.status_code == 400 and "choose the unit that receives these requests" in _html(r)
    assert not Route.objects.exists()
    r = c.post("/exchange/routes/", {"kind": "mla", "unit": str(unit.pk)})
    assert r.status_code == 302 and Route.objects.get(kind="mla").unit == unit
    html = _html(c.get("/exchange/routes/"))
    assert "Ufficio II" in html and "Mutual legal assistance" in html and not raw_codes(html)


def test_refused_arrivals_show_the_reason_in_words_and_no_content(xw, login):
    html = _html(login(xw.admin).get("/exchange/rejections/"))
    assert "The signature does not verify with the sender&#x27;s key" in html and "CH:bj" in html
    assert "ab" * 32 in html and "192.0.2.7" in html and not raw_codes(html)
    assert "data-rejection=" not in _html(login(xw.admin).get("/exchange/rejections/?reason=hash_mismatch"))
    assert "data-rejection=" in _html(login(xw.admin).get("/exchange/rejections/?reason=bad_signature"))


def test_a_second_peer_is_imported_pending_and_listed(xw, login):
    make_peer(xw.admin, authority="DE:bfj", name="Bundesamt für Justiz", confirm=False)
    html = _html(login(xw.admin).get("/exchange/peers/"))
    assert "Bundesamt für Justiz" in html and "Imported, fingerprint not yet confirmed" in html


def test_the_navigation_links_to_the_exchange(xw, login):
    assert 'href="/exchange/"' in _html(login(xw.cw).get("/"))
    page = _html(login(xw.admin).get("/exchange/"))
    assert 'href="/exchange/peers/"' in page and 'href="/exchange/routes/"' in page
    assert 'href="/exchange/peers/"' not in _html(login(xw.cw).get("/exchange/"))
