"""Matrix examples of the exchange between authorities: messages in and out with their evidence (case data), and the
trust list, this instance's identity, the directory, the routes and the refused arrivals (administrators)
(README.md).

The seed gives the run's instance an exchange identity when it has none (in the run's data folder, as the evidence
area makes its master key), puts a peer of a State no other example uses on the trust list with keys the world
holds, sends the member's request to it (queued: no worker runs) and receives a question from it."""

from __future__ import annotations

import datetime as dt
import itertools

from tests.api.matrix import Call

ANY = {"If-Match": "*"}
_n = itertools.count(1)


def _peer(w, *, confirm: bool = True):
    """A new authority of the peer State on the trust list (imported, and trusted when `confirm`)."""
    from comity.courier import actions as courier
    from comity.exchange import AuthorityKeys, Identity

    st = w.extra["exchange"]["state"]
    keys = AuthorityKeys.generate(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    ident = Identity.for_keys(keys, authority=f"{st}:mx-{w.tag}-{next(_n)}", state=st, name="Matrix peer authority",
                              role="central_authority", endpoint="https://127.0.0.1:9/exchange/v1/",
                              tls_certificate_sha256="0" * 64)
    file = ident.sign(keys.signing().key)
    if confirm is None:
        return file
    peer = courier.do_import_peer(file, acting_user=w.admin)
    if confirm:
        peer = courier.do_confirm_peer(peer, fingerprint_read=peer.fingerprint, how="read aloud by telephone in "
                                       "the matrix", acting_user=w.admin)
    return peer, keys


def seed(world) -> None:
    from comity.accounts.actions import do_create_unit
    from comity.cases import actions
    from comity.courier import actions as courier
    from comity.courier import local
    from comity.courier.models import Message
    from comity.exchange import Payload, open_envelope, seal_envelope
    from tests.support.crash import free_port

    if not local.is_initialised():
        local.initialise(authority="IT:matrix", state="IT", name="Matrix central authority",
                         role="central_authority", endpoint=f"https://127.0.0.1:{free_port()}/exchange/v1/")
    me = local.settings_doc()
    state = "NO" if me["state"] != "NO" else "IS"
    world.extra["exchange"] = {"state": state}
    peer, keys = _peer(world)
    courier.do_save_directory_entry(None, data={
        "state": state, "name": "Matrix peer authority", "kind": "central_authority", "cooperation": ["mla"],
        "languages": ["en"], "channel": "comity", "peer": peer.authority}, acting_user=world.admin)
    case = actions.do_create_case(title="Matrix exchange matter", summary="Made by the API matrix",
                                  acting_user=world.member)
    actions.do_grant_membership(case, world.colleague, acting_user=world.member)
    req = actions.do_create_request(case, kind="mla", direction="outgoing", subject="Records of a fictional account",
                                    requesting_state=me["state"], requested_state=state, acting_user=world.member)
    for step in ("approve", "send"):
        actions.do_transition_request(req, step, acting_user=world.member, override_reason="the matrix sends it")
    sent = Message.objects.get(direction="out", conversation__request=req, type="new_request")
    question = Payload.new(type="information_request", sender=peer.authority, recipient=me["authority"],
                           conversation=sent.payload["conversation"], body={"questions": "Which period?"})
    token = seal_envelope(question, sender=keys, recipient=local.identity()).for_attempt(keys)
    received, _, _ = courier.receive(open_envelope(token, me=local.keys(), my_authority=me["authority"],
                                                   peers=courier.trusted_lookup), assembled={})
    entry = courier.do_save_directory_entry(None, data={
        "state": state, "name": "Matrix prosecutor", "kind": "prosecutor", "cooperation": ["extradition"],
        "languages": [], "channel": "post", "address": "1 Matrix Street"}, acting_user=world.admin)
    unit = do_create_unit(name=f"Matrix exchange unit {world.tag}", acting_user=world.admin)
    world.extra["exchange"].update(peer=peer, sent=sent, received=received, entry=entry, unit=unit)


def _x(w):
    return w.extra["exchange"]


def _evidence(w):
    return _x(w)["sent"].evidence.order_by("pk").first()


EXAMPLES = {
    # messages: the member's case (compartments and purposes apply); the list is everyone's own
    "list_exchange_messages": lambda w: Call("GET", "/api/exchange/messages", scope="user"),
    "get_exchange_message": lambda w: Call("GET", f"/api/exchange/messages/{_x(w)['received'].pk}"),
    "download_exchange_evidence": lambda w: Call(
        "GET", f"/api/exchange/messages/{_x(w)['sent'].pk}/evidence/{_evidence(w).pk}"),
    # administrators
    "list_peers": lambda w: Call("GET", "/api/exchange/peers", scope="admin"),
    "import_peer": lambda w: Call("POST", "/api/exchange/peers", json={"identity_file": _peer(w, confirm=None)},
                                  ok=201, scope="admin"),
    "get_peer": lambda w: Call("GET", f"/api/exchange/peers/{_x(w)['peer'].pk}", scope="admin"),
    "confirm_peer": lambda w: (lambda p: Call("POST", f"/api/exchange/peers/{p.pk}/confirm", json={
        "fingerprint_read": p.fingerprint, "how": "read aloud by telephone in the matrix"}, headers=ANY,
        scope="admin"))(_peer(w, confirm=False)[0]),
    "revoke_peer": lambda w: Call("POST", f"/api/exchange/peers/{_peer(w)[0].pk}/revoke",
                                  json={"reason": "the matrix stops trusting it"}, headers=ANY, scope="admin"),
    "get_own_identity": lambda w: Call("GET", "/api/exchange/identity", scope="admin"),
    "list_directory_entries": lambda w: Call("GET", "/api/exchange/directory", query={"state": _x(w)["state"]},
                                             scope="admin"),
    "create_directory_entry": lambda w: Call("POST", "/api/exchange/directory", json={
        "state": _x(w)["state"], "name": f"Matrix court {next(_n)}", "kind": "court", "cooperation": ["mla"],
        "languages": ["en"], "channel": "post", "address": "2 Matrix Street"}, ok=201, scope="admin"),
    "get_directory_entry": lambda w: Call("GET", f"/api/exchange/directory/{_x(w)['entry'].pk}", scope="admin"),
    "update_directory_entry": lambda w: Call("PUT", f"/api/exchange/directory/{_x(w)['entry'].pk}", json={
        "state": _x(w)["state"], "name": "Matrix prosecutor", "kind": "prosecutor",
        "cooperation": ["extradition", "mla"], "languages": ["en"], "channel": "post",
        "address": "1 Matrix Street"}, headers=ANY, scope="admin"),
    "seed_directory": lambda w: Call("POST", "/api/exchange/directory/seed", scope="admin"),
    "get_routes": lambda w: Call("GET", "/api/exchange/routes", scope="admin"),
    "set_route": lambda w: Call("PUT", "/api/exchange/routes/transfer", json={"unit_id": _x(w)["unit"].pk},
                                scope="admin"),
    "list_rejections": lambda w: Call("GET", "/api/exchange/rejections", scope="admin"),
}

WEB = {
    "exchange:messages": ["list_exchange_messages"],
    "exchange:message": ["get_exchange_message"],
    "exchange:evidence": ["download_exchange_evidence"],
    "exchange:peers": ["list_peers", "get_own_identity"],
    "exchange:peer_import": ["import_peer"],
    "exchange:peer": ["get_peer"],
    "exchange:peer_confirm": ["confirm_peer"],
    "exchange:peer_revoke": ["revoke_peer"],
    "exchange:identity": ["get_own_identity"],
    "exchange:identity_file": ["get_own_identity"],
    "exchange:directory": ["list_directory_entries"],
    "exchange:directory_new": ["create_directory_entry"],
    "exchange:directory_seed": ["seed_directory"],
    "exchange:directory_entry": ["get_directory_entry", "update_directory_entry"],
    "exchange:routes": ["get_routes", "set_route"],
    "exchange:rejections": ["list_rejections"],
}
