"""An instance with its exchange set up, made through the actions: this instance is the Italian central authority
(IT:mg-dag) in a temporary data folder, the Swiss Federal Office of Justice (CH:bj) is on its trust list with keys
the test holds, and a case has a conversation with every kind of row the pages show:

- an outgoing MLA request whose new_request message failed (every attempt refused by a closed port);
- a status update the other side refused (negative evidence with a reason);
- an information request received from CH (not yet opened);
- an incoming request received from CH (a new case, legal clocks from the delivery);
- a refused arrival on the operator's list."""

from __future__ import annotations

import datetime as dt
import io

import pytest


class World:
    pass


class Upload(io.BytesIO):
    def __init__(self, name, content, content_type="application/pdf"):
        super().__init__(content)
        self.name, self.size, self.content_type = name, len(content), content_type

    def chunks(self, size=65536):
        self.seek(0)
        while True:
            block = self.read(size)
            if not block:
                return
            yield block


def receive_from(w, payload):
    """A message sealed by CH's own keys, verified and stored as the receiving endpoint does."""
    from comity.courier import actions as courier
    from comity.courier import local
    from comity.exchange import open_envelope, seal_envelope

    token = seal_envelope(payload, sender=w.ch_keys, recipient=local.identity()).for_attempt(w.ch_keys)
    msg, _, _ = courier.receive(open_envelope(token, me=local.keys(), my_authority=local.authority(),
                                              peers=courier.trusted_lookup), assembled={})
    return msg


def make_peer(admin, authority="CH:bj", name="Federal Office of Justice", confirm=True, endpoint=None):
    from comity.courier import actions as courier
    from comity.exchange import AuthorityKeys, Identity
    from tests.support.crash import free_port

    keys = AuthorityKeys.generate(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    ident = Identity.for_keys(keys, authority=authority, state=authority[:2], name=name, role="central_authority",
                              endpoint=endpoint or f"https://127.0.0.1:{free_port()}/exchange/v1/",
                              tls_certificate_sha256="0" * 64)
    file = ident.sign(keys.signing().key)
    peer = courier.do_import_peer(file, acting_user=admin)
    if confirm:
        peer = courier.do_confirm_peer(peer, fingerprint_read=peer.fingerprint, how="read aloud by telephone, "
                                       "+41 58 462 11 20, duty officer", acting_user=admin)
    return peer, keys, ident, file


@pytest.fixture
def xw(settings, tmp_path, db, make_user):
    from django.db import transaction
    from django.test import override_settings

    from comity.cases import actions
    from comity.courier import actions as courier
    from comity.courier import local
    from comity.courier.models import Message
    from comity.evidence.actions import do_init_master_key
    from comity.exchange import Payload, Rejected
    from tests.support.crash import free_port

    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.COMITY_EVIDENCE_DIR = tmp_path / "data" / "evidence"
    settings.COMITY_TSA_URL = ""
    do_init_master_key(via="cli")
    local.initialise(authority="IT:mg-dag", state="IT", name="Ministero della Giustizia, Ufficio II",
                     role="central_authority", endpoint=f"https://127.0.0.1:{free_port()}/exchange/v1/")
    w = World()
    w.admin = make_user("admin", "admin1")
    w.sup = make_user("supervisor", "sup1")
    w.cw = make_user("caseworker", "cw1")
    w.outsider = make_user("caseworker", "out1")
    w.dpo = make_user("oversight", "dpo1")
    w.peer, w.ch_keys, w.ch, w.ch_file = make_peer(w.admin)
    courier.do_save_directory_entry(None, data={
        "state": "CH", "name": "Federal Office of Justice", "kind": "central_authority",
        "cooperation": ["mla", "extradition"], "languages": ["de", "fr", "it"], "channel": "comity",
        "peer": "CH:bj"}, acting_user=w.admin)
    w.case = actions.do_create_case(title="Transfers to Lugano", summary="Fictional", acting_user=w.sup)
    actions.do_grant_membership(w.case, w.cw, acting_user=w.sup)
    w.req = actions.do_create_request(w.case, kind="mla", direction="outgoing", subject="Bank records in Lugano",
                                      requesting_state="IT", requested_state="CH", acting_user=w.sup)
    actions.do_upload_document(w.case, upload=Upload("letter.pdf", b"%PDF-1.7 letter of request\n" * 40),
                               title="Letter of request", request=w.req, acting_user=w.sup)
    for step in ("approve", "send"):
        actions.do_transition_request(w.req, step, acting_user=w.sup, override_reason="urgent: the draft follows")
    w.sent = Message.objects.get(direction="out", type="new_request")
    with override_settings(COMITY_EXCHANGE_MAX_ATTEMPTS=1, COMITY_EXCHANGE_TIMEOUT_SECONDS=2):
        assert courier.deliver(w.sent.pk) == "NON_DELIVERY"
    w.sent.refresh_from_db()
    assert w.sent.status == "failed"
    # an update the other side refused
    with transaction.atomic():
        w.refused = courier.queue_message(w.req, "information", {"answer": "The account holder is Ada Example."},
                                          acting_user=w.sup)
    courier._record_failure(w.refused, "bad_signature", "the signature does not verify", final=True)
    w.refused.refresh_from_db()
    # CH asks a question in this conversation
    w.question = receive_from(w, Payload.new(
        type="information_request", sender="CH:bj", recipient="IT:mg-dag", conversation=w.sent.payload["conversation"],
        body={"questions": "Which accounts, and for which period?"}))
    # CH sends a request of its own: a new case here
    w.incoming_msg = receive_from(w, Payload.new(
        type="new_request", sender="CH:bj", recipient="IT:mg-dag", conversation="CH:bj/RH-2026-17",
        body={"kind": "mla", "reference": "RH-2026-17", "subject": "Hearing of a witness in Milan",
              "requesting_state": "CH", "requested_state": "IT", "urgency": "very_urgent",
              "summary": "A witness of a fraud lives in Milan.",
              "persons": [{"schema": "Person", "role": "witness", "properties": {"name": ["Bruno Esempio"]}}]}))
    w.incoming = w.incoming_msg.conversation.request
    courier.record_rejection("message", Rejected("bad_signature", "signed as CH:bj key 3f2a…"), claimed="CH:bj",
                             digest="ab" * 32, remote="192.0.2.7")
    return w


@pytest.fixture
def api_as(client):
    """`api_as(user, scope="write")`: .get(path, **query) / .post(path, json) / .put(path, json) with a new token
    of the user's (path under /api), `headers` a dict of extra headers."""
    import json

    from comity.accounts.actions import do_create_token

    def make(user, scope="write"):
        _, raw = do_create_token(user, name="test", scope=scope, acting_user=user)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

        class Api:
            def get(self, path, **query):
                return client.get("/api" + path, query, **auth)

            def send(self, method, path, data=None, headers=None):
                extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
                return getattr(client, method)("/api" + path, data=json.dumps(data if data is not None else {}),
                                               content_type="application/json", **auth, **extra)

            def post(self, path, data=None, headers=None):
                return self.send("post", path, data, headers)

            def put(self, path, data=None, headers=None):
                return self.send("put", path, data, headers)

        return Api()

    return make


def events(event_type, **filters):
    from comity.audit.models import AuditEvent

    return list(AuditEvent.objects.filter(event_type=event_type, **filters))
