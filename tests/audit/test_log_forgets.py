"""The audit log keeps its promise to forget.

The log is append-only and can never forget, so it must never hold personal data: every event type
declares what it may carry (comity.audit.schema) and free text lives in ordinary tables that disposal
erases. These tests drive every action the product has with planted personal strings, scan the whole
log for them, then dispose of the case and scan the whole database and every file for them, and check
that the log still verifies.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from comity import audit
from comity.audit import ledger
from comity.audit.models import AuditEvent, AuditText
from comity.audit.schema import EVENTS, AuditSchemaError
from comity.errors import InvalidInput

# Planted personal strings: names, places, identifiers and free text a user could type anywhere.
NAME = "Zofia Planted-Wisniewska"
ALIAS = "Zosia Plantedova"
HOTEL = "Hotel Plantedhof Astoria"
WITNESS = "Witness Planted-K7"
IDENTITY = "Halina Plantedska, born 1979"
PASSPORT = "PLANTED-PASSPORT-X9931"
PLANTED = [NAME, ALIAS, HOTEL, WITNESS, IDENTITY, PASSPORT, "Planted-Wisniewska", "Plantedhof", "Plantedska",
           "Plantedova"]


class _Upload(io.BytesIO):
    def __init__(self, name, content, content_type="application/octet-stream"):
        super().__init__(content)
        self.name, self.size, self.content_type = name, len(content), content_type


@pytest.fixture
def env(settings, tmp_path, monkeypatch, db):
    from comity.evidence.actions import do_init_master_key

    for var in ("COMITY_MASTER_KEY", "COMITY_MASTER_KEYS_RETIRED", "COMITY_TSA_URL"):
        monkeypatch.delenv(var, raising=False)
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.COMITY_EVIDENCE_DIR = tmp_path / "data" / "evidence"
    settings.COMITY_TSA_URL = ""
    do_init_master_key(via="cli")
    return tmp_path


def _drive_everything(supervisor, caseworker, oversight, make_user):
    """Every action of the product, with the planted strings wherever a user can type them."""
    from comity.accounts import actions as accounts
    from comity.assessments.actions import do_export_memo, do_save_assessment
    from comity.builder import actions as builder
    from comity.cases import actions
    from comity.evidence import actions as evidence
    from comity.oversight import actions as oversight_actions
    from tests.builder.conftest import good_content

    admin = make_user("admin", "root")
    unit = accounts.do_create_unit(name="Central authority, extradition unit", acting_user=admin)
    accounts.do_set_unit(caseworker, unit=unit, acting_user=admin)
    newcomer = accounts.do_create_user(username="newcomer", password="a-long-password-1", role="caseworker",
                                       first_name="Ewa", last_name="Staffowska", acting_user=admin)
    accounts.do_enrol_totp(newcomer)
    accounts.do_reset_second_factor(newcomer, acting_user=admin)
    _, enrolment = accounts.do_issue_enrolment_code(newcomer, acting_user=admin)
    with pytest.raises(InvalidInput):
        accounts.do_redeem_enrolment_code(newcomer, "WRNG-WRNG-WRNG-WRNG")
    accounts.do_redeem_enrolment_code(newcomer, enrolment)
    accounts.do_change_password(newcomer, "another-long-password-2", acting_user=newcomer)
    token, _ = accounts.do_create_token(caseworker, name="laptop in room 4", acting_user=caseworker)
    accounts.do_revoke_token(token, acting_user=caseworker)
    accounts.do_set_active(newcomer, active=False, acting_user=admin)
    accounts.do_set_active(newcomer, active=True, acting_user=admin)

    case = actions.do_create_case(title=f"Fraud by {NAME}", summary=f"{NAME} stayed at the {HOTEL}",
                                  acting_user=supervisor)
    actions.do_grant_membership(case, caseworker, acting_user=supervisor)
    actions.do_update_case(case, title=f"Fraud by {NAME} and {ALIAS}", summary=f"{NAME} left the {HOTEL}",
                           acting_user=supervisor)
    actions.do_grant_membership(case, newcomer, acting_user=supervisor)
    actions.do_revoke_membership(case, newcomer, acting_user=supervisor)
    person = actions.do_add_entity(case, schema="Person", role="suspect", acting_user=supervisor,
                                   properties={"name": NAME, "alias": ALIAS, "passportNumber": PASSPORT,
                                               "nationality": "pl"})
    actions.do_correct_entity(person, properties={"name": NAME, "alias": ALIAS, "passportNumber": PASSPORT,
                                                  "nationality": "pl", "birthPlace": HOTEL},
                              reason=f"{NAME} gave her birthplace", acting_user=supervisor)
    mistaken = actions.do_add_entity(case, schema="Person", properties={"name": f"{ALIAS} Senior"},
                                     acting_user=supervisor)
    actions.do_remove_entity(mistaken, reason=f"Not {NAME}'s father", acting_user=supervisor)
    note = actions.do_add_note(case, text=f"{NAME} was seen at the {HOTEL}", acting_user=supervisor)
    actions.do_correct_note(note, text=f"{NAME} was seen near the {HOTEL}", reason=f"{WITNESS} corrected it",
                            acting_user=supervisor)
    task = actions.do_add_task(case, title=f"Interview {NAME}", assignee=caseworker, acting_user=supervisor)
    actions.do_correct_task(task, title=f"Interview {NAME} at the {HOTEL}", reason="place", acting_user=supervisor)
    actions.do_complete_task(task, acting_user=caseworker)
    doc = actions.do_upload_document(case, upload=SimpleUploadedFile(f"{NAME}.pdf", f"%PDF {NAME}".encode()),
                                     title=f"Statement of {NAME}", acting_user=supervisor)
    assert doc.pk
    req = actions.do_create_request(case, kind="extradition", direction="outgoing", subject=f"Surrender of {NAME}",
                                    requesting_state="FR", requested_state="CH", urgency="urgent",
                                    urgency_reason=f"{NAME} leaves the {HOTEL} on Friday",
                                    requesting_authority="Parquet de Paris", acting_user=supervisor)
    mla = actions.do_create_request(case, kind="mla", direction="outgoing", subject=f"Bank records of {NAME}",
                                    requesting_state="FR", requested_state="CH", acting_user=supervisor)
    actions.do_set_legal_basis(req, instrument="CETS-024", acting_user=supervisor)
    actions.do_link_requests(mla, req, relation="builds_on", acting_user=supervisor)
    approval = actions.do_ask_for_approval(req, message=f"Is {NAME}'s file complete?", acting_user=caseworker)
    actions.do_decide_approval(approval, decision="return", comment=f"Add {NAME}'s passport", acting_user=supervisor)
    for step in req_transitions(req):
        actions.do_transition_request(req, step, comment=f"{NAME} notified", acting_user=supervisor,
                                      override_reason=f"{NAME} urgent")
    actions.do_record_access(case, acting_user=caseworker, what="case_view", purpose=f"checking {NAME}", obj=case)
    actions.do_open_case_for_oversight(case, purpose=f"Complaint by {NAME} about her data", acting_user=oversight)

    draft = builder.do_start_draft(req, measure="extradition", acting_user=supervisor)
    content = good_content("extradition", persons=[{"entity_id": person.pk, "schema": "Person", "name": NAME,
                                                    "role": "suspect", "pseudonym": "", "fields": {}}])
    draft = builder.do_save_draft(draft, changes=content, acting_user=supervisor)
    draft = builder.do_minimise_personal_data(draft, acting_user=supervisor)
    draft = builder.do_set_required_languages(draft, languages=["fr", "de"], acting_user=supervisor)
    generated = builder.do_generate_document(draft, fmt="pdf", acting_user=supervisor)
    builder.do_update_translation(draft, language="de", status="done", translator=f"{ALIAS}, sworn translator",
                                  document=generated.document, acting_user=supervisor)

    snap = do_save_assessment(req, acting_user=supervisor, facts={
        "kind": "extradition", "requesting_state": "FR", "requested_state": "CH",
        "person": {"nationalities": ["PL"]},
        "offences": [{"description": f"fraud by {NAME} at the {HOTEL}", "max_penalty_months": 60}]})
    do_export_memo(snap, fmt="pdf", acting_user=supervisor)

    item = evidence.do_register_evidence(
        case, kind="digital", title=f"Phone of {NAME}", date_obtained="2026-01-15", acting_user=supervisor,
        description=f"Seized from {NAME} at the {HOTEL}", seal_numbers=PASSPORT, providing_state="CH",
        providing_authority=f"Police of {HOTEL}", purpose_limitation=f"only for the case against {NAME}",
        onward_disclosure_needs_consent=True, upload=_Upload(f"{NAME}.bin", f"phone of {NAME}".encode() * 50),
        place=f"Safe at the {HOTEL}")
    evidence.do_record_custody_event(item, kind="examined", at=timezone.now(), place=f"Lab near the {HOTEL}",
                                     reason=f"extract {NAME}'s messages", acting_user=supervisor)
    evidence.do_record_consent(item, consent_reference=f"Letter about {NAME}", acting_user=supervisor)
    evidence.do_disclose_evidence(case, items=[item], fields=["file"], recipient=f"Counsel of {NAME}",
                                  recipient_kind="defence", purpose=f"defence of {NAME}", acting_user=supervisor)
    evidence.do_rotate_master_key(acting_user=admin)
    evidence.do_drop_retired_keys(acting_user=admin)
    from comity.cases.storage import encrypt_legacy_documents
    encrypt_legacy_documents(acting_user=admin)
    evidence.do_record_integrity_check(item, scope="full", ok=True, acting_user=supervisor)
    evidence.do_record_custody_event(item, kind="disposed", at=timezone.now(), place=f"Shredder at the {HOTEL}",
                                     reason=f"end of {NAME}'s case", acting_user=supervisor)

    pp = oversight_actions.do_register_protected_person(case, pseudonym=WITNESS, role="witness",
                                                        true_identity=IDENTITY, acting_user=supervisor)
    unseal = oversight_actions.do_request_unsealing(pp, purpose=f"hearing of {WITNESS} about {NAME}",
                                                    acting_user=caseworker)
    unseal = oversight_actions.do_decide_unsealing(unseal, approve=True, reason=f"{WITNESS} must testify",
                                                   acting_user=supervisor)
    oversight_actions.do_view_sealed_identity(unseal, acting_user=caseworker)
    refused = oversight_actions.do_request_unsealing(pp, purpose=f"again {WITNESS}", acting_user=caseworker)
    oversight_actions.do_decide_unsealing(refused, approve=False, reason=f"no need for {WITNESS}",
                                          acting_user=supervisor)
    matter = oversight_actions.do_file_redress(
        requester_name=NAME, requester_capacity="person", person_described=f"{NAME}, born 1979",
        kind="access", regime="EU-LED", received=timezone.localdate(), details=f"{NAME} asks",
        case_references=[case.reference], acting_user=supervisor)
    oversight_actions.do_record_redress_access(matter, acting_user=oversight)
    oversight_actions.do_extend_redress(matter, reason=f"{NAME}'s file is large", acting_user=supervisor)
    oversight_actions.do_decide_redress(matter, decision="granted", reasons=f"{NAME} gets her data",
                                        acting_user=supervisor)
    filters = oversight_actions.EventFilters(person=NAME, purpose=f"about {NAME}", case=f"case of {NAME}")
    oversight_actions.do_record_console_access(acting_user=oversight, what="search",
                                               purpose=f"Complaint of {NAME}", filters=filters, results=1)
    oversight_actions.do_export_report(filters=oversight_actions.EventFilters(person=NAME),
                                       purpose=f"Report on {NAME}", acting_user=oversight)
    oversight_actions.do_record_undertaking(case, kind="after_proceedings", months_after_proceedings=0,
                                            text=f"Dispose of {NAME}'s data after the trial", acting_user=supervisor)
    _drive_exchange(mla, supervisor, admin, unit)
    actions.do_close_case(case, reason=f"{NAME} surrendered", acting_user=supervisor)
    actions.do_reopen_case(case, reason=f"{NAME} appealed", acting_user=supervisor)
    joiner = make_user("supervisor", "sup-joiner")
    accounts.do_set_unit(joiner, unit=unit, acting_user=admin)
    from comity.cases.models import Case
    Case.objects.filter(pk=case.pk).update(unit=unit)
    case.refresh_from_db()
    actions.do_join_case(case, reason=f"supervising {NAME}'s case", acting_user=joiner)
    actions.do_close_case(case, reason=f"{NAME} surrendered, appeal lost", acting_user=supervisor)
    from comity.backup.actions import do_record_backup, do_record_restore  # (comity backup / comity restore)
    backup = {"backup_id": "0" * 32, "archive_sha256": "1" * 64, "engine": "sqlite", "log_size": 10,
              "root_hash": "2" * 64, "members": 3, "total_bytes": 99}
    do_record_backup(**backup, keys_included=["secret_key"], keys_referenced=["ledger_key"])
    do_record_restore(**backup, signer="3" * 64, forced=False, keys_referenced=["ledger_key"])
    return case, matter


def _drive_exchange(mla, supervisor, admin, unit):
    """The exchange: a trusted peer, the directory and routes, the request sent (its peer unreachable here, so
    every retry fails), an answer received and opened, a refused message, both sides' key rotations."""
    import datetime as dt

    from django.test import override_settings

    from comity.cases import actions
    from comity.courier import actions as courier
    from comity.courier import local
    from comity.courier.models import Message
    from comity.exchange import AuthorityKeys, Identity, Payload, Rejected, open_envelope, seal_envelope
    from tests.support.crash import free_port

    closed = f"https://127.0.0.1:{free_port()}/exchange/v1/"
    local.initialise(authority="FR:bepi", state="FR", name="Bureau de l'entraide pénale internationale",
                     role="central_authority", endpoint=closed)
    ch_keys = AuthorityKeys.generate(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    ch = Identity.for_keys(ch_keys, authority="CH:bj", state="CH", name="Federal Office of Justice",
                           role="central_authority", endpoint=closed, tls_certificate_sha256="0" * 64)
    peer = courier.do_import_peer(ch.sign(ch_keys.signing().key), acting_user=admin)
    peer = courier.do_confirm_peer(peer, fingerprint_read=peer.fingerprint, how="compared by telephone with the "
                                   "duty officer", acting_user=admin)
    courier.do_save_directory_entry(None, data={"state": "CH", "name": "Federal Office of Justice",
                                                "kind": "central_authority", "cooperation": ["mla"],
                                                "languages": ["de", "fr"], "channel": "comity", "peer": "CH:bj"},
                                    acting_user=admin)
    courier.do_seed_directory(acting_user=admin)
    courier.do_set_route("mla", unit, acting_user=admin)
    for step in ("approve", "send"):
        actions.do_transition_request(mla, step, acting_user=supervisor, override_reason=f"{NAME} is leaving")
    sent = Message.objects.get(direction="out", type="new_request")
    with override_settings(COMITY_EXCHANGE_MAX_ATTEMPTS=1, COMITY_EXCHANGE_TIMEOUT_SECONDS=2):
        assert courier.deliver(sent.pk) == "NON_DELIVERY"
    question = Payload.new(type="information_request", sender="CH:bj", recipient="FR:bepi",
                           conversation=sent.payload["conversation"], body={"questions": f"Where is {NAME} now?"})
    token = seal_envelope(question, sender=ch_keys, recipient=local.identity()).for_attempt(ch_keys)
    received, _, _ = courier.receive(open_envelope(token, me=local.keys(), my_authority="FR:bepi",
                                                   peers=courier.trusted_lookup), assembled={})
    courier.do_retrieve(received, acting_user=supervisor)
    courier.record_rejection("message", Rejected("bad_signature", "signed as CH:bj"), claimed="CH:bj")
    ch_keys2 = ch_keys.rotate(overlap=dt.timedelta(days=7))
    ch2 = Identity.for_keys(ch_keys2, authority="CH:bj", state="CH", name=ch.name, role=ch.role, endpoint=closed,
                            tls_certificate_sha256="0" * 64)
    rotation = Payload.new(type="key_rotation", sender="CH:bj", recipient="FR:bepi", conversation="CH:bj/control",
                           body={"identity": ch2.sign(ch_keys.signing().key)})
    token = seal_envelope(rotation, sender=ch_keys, recipient=local.identity()).for_attempt(ch_keys)
    courier.receive(open_envelope(token, me=local.keys(), my_authority="FR:bepi", peers=courier.trusted_lookup),
                    assembled={})
    courier.do_rotate_keys(overlap_days=7, acting_user=admin)
    courier.do_revoke_peer(peer, reason="the authority moved to a new instance", acting_user=admin)


def req_transitions(req):
    """The first two steps along the request's lifecycle that need no approval (whatever they are named)."""
    from comity.cases.lifecycle import lifecycle

    lc = lifecycle(req.kind)
    steps, status = [], req.status
    for _ in range(2):
        nxt = [t for t in lc.next_steps(status=status, direction=req.direction, notice_action=req.notice_action or None)
               if t.name != "approve"]
        if not nxt:
            break
        steps.append(nxt[0].name)
        status = nxt[0].target
    return steps


def _database_hits(needles) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every value of every column of every table that holds a needle
    (binary columns decoded loosely)."""
    hits = []
    with connection.cursor() as cur:
        for table in connection.introspection.table_names(cur):
            cur.execute(f'SELECT * FROM "{table}"')
            names = [c[0] for c in cur.description]
            for row in cur.fetchall():
                for column, value in zip(names, row):
                    if value is None:
                        continue
                    text = bytes(value).decode("utf-8", "ignore") if isinstance(value, (bytes, memoryview)) \
                        else str(value)
                    hits += [(table, column, n) for n in needles if n in text]
    return hits


def _all_text_in_files(*roots: Path) -> str:
    out = []
    for root in roots:
        for path in Path(root).rglob("*") if Path(root).exists() else []:
            if path.is_file():
                out.append(path.read_bytes().decode("utf-8", "ignore"))
    return "\n".join(out)


@pytest.mark.django_db(transaction=False)
def test_every_action_logs_no_personal_text_and_disposal_forgets_it(env, supervisor, caseworker, oversight,
                                                                     make_user, django_capture_on_commit_callbacks):
    from comity.oversight import actions as oversight_actions

    with django_capture_on_commit_callbacks(execute=True):
        case, matter = _drive_everything(supervisor, caseworker, oversight, make_user)

    # None of the events holds a planted string.
    log = "\n".join(AuditEvent.objects.values_list("leaf", flat=True))
    columns = "\n".join(str(v) for v in AuditEvent.objects.values_list("old_values", "new_values", "purpose"))
    for planted in PLANTED:
        assert planted not in log and planted not in columns, planted
    # The words are kept beside the log while the case lives (oversight reads them).
    assert AuditText.objects.filter(text__contains=NAME).exists()

    # The scan sees the case's data where it lives while the case is kept.
    before = {table for table, _, _ in _database_hits(PLANTED)}
    assert {"cases_entity", "cases_note", "evidence_evidenceitem", "evidence_custodyevent", "audit_audittext",
            "assessments_assessmentsnapshot", "cases_revision"} <= before

    # Dispose of the case: afterwards no planted string is anywhere but in the redress matter, which
    # is the person's own request about their data and has its own retention.
    with django_capture_on_commit_callbacks(execute=True):
        oversight_actions.do_dispose_case(case, reason="Retention expired after the appeal",
                                          acting_user=supervisor, confirm_early=True)
    from comity.oversight.models import RedressMatter
    RedressMatter.objects.filter(pk=matter.pk).delete()
    assert sorted(set(_database_hits(PLANTED))) == []
    files = _all_text_in_files(env)
    assert [p for p in PLANTED if p in files] == []
    with transaction.atomic():
        ledger.sign_current_head()
    assert ledger.verify_database(strict=True).ok
    # Every event type the product can write was written along the way (reads: see the read-layer tests).
    written = set(AuditEvent.objects.values_list("event_type", flat=True))
    not_written = {t for t in set(EVENTS) - written if not t.startswith("access.")}
    assert not_written == set()


def test_an_event_with_an_undeclared_field_is_refused_and_nothing_is_stored(db, supervisor):
    from comity.cases import actions

    case = actions.do_create_case(title="A case", acting_user=supervisor)
    before = AuditEvent.objects.count()
    with pytest.raises(AuditSchemaError, match="does not declare the field 'title'"):
        with transaction.atomic():
            audit.record("case.created", actor=supervisor, case=case, new={"reference": case.reference,
                                                                         "title": NAME})
    with pytest.raises(AuditSchemaError, match="must be a reference"):
        with transaction.atomic():
            audit.record("case.created", actor=supervisor, case=case, new={"reference": NAME})
    with pytest.raises(AuditSchemaError, match="not declared"):
        with transaction.atomic():
            audit.record("case.renamed", actor=supervisor, case=case)
    with pytest.raises(AuditSchemaError, match="does not take a stated purpose"):
        with transaction.atomic():
            audit.record("case.created", actor=supervisor, case=case, purpose=NAME)
    assert AuditEvent.objects.count() == before


def test_the_stated_purpose_is_committed_to_and_shown_until_disposal(db, supervisor):
    from comity.audit.schema import commitment
    from comity.cases import actions

    case = actions.do_create_case(title="A case", acting_user=supervisor)
    actions.do_record_access(case, acting_user=supervisor, what="case_view", purpose=f"reading {NAME}", obj=case)
    ev = AuditEvent.objects.get(event_type="access.case_view")
    text = ev.texts.get(field="purpose")
    assert ev.purpose == commitment(bytes(text.salt), text.text) and NAME not in ev.leaf
    assert ev.purpose_text == f"reading {NAME}"
    assert audit.erase_case_texts(case.pk) == 1
    ev = AuditEvent.objects.get(pk=ev.pk)
    assert ev.purpose_text == "(erased on disposal)" and ev.purpose.startswith("sha256:")


def test_older_events_that_hold_text_are_shown_as_they_are(db, supervisor):
    """Events written before the log stopped holding free text keep it (it is part of their hash);
    docs/operations.md says what they hold and how to list them."""
    ev = AuditEvent(purpose="case work (member of the case)")
    assert ev.purpose_text == "case work (member of the case)"


def test_legacy_report_lists_what_older_entries_hold(db, supervisor, capsys):
    """An event written by an older version (a title and a purpose in clear) is listed by type, with its
    undeclared fields; events written today are not."""
    from comity.audit.ledger import append
    from comity.cases import actions
    from comity.cli import main

    case = actions.do_create_case(title="A case", acting_user=supervisor)
    with transaction.atomic():
        fields = dict(time=timezone.now(), category="change", event_type="evidence.registered", actor_label="cw",
                      case_id=case.pk, object_type="EvidenceItem", object_id="1", old_values=None,
                      new_values={"title": f"Phone of {NAME}", "exhibit_number": "EV-2025-000001"},
                      purpose="case work", via="web")
        seq, leaf_hash, leaf = append(fields)
        AuditEvent.objects.create(seq=seq, leaf_hash=leaf_hash, leaf=leaf, **fields)
    assert main(["audit", "legacy"]) == 0
    out = capsys.readouterr().out
    assert "1 were written before" in out
    assert "evidence.registered: 1 events; undeclared fields: title; purpose in clear" in out
    assert "case.created" not in out
