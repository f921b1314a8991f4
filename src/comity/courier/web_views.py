"""The exchange's pages: messages in and out, one message with its evidence, and, for administrators, the trust
list, this instance's own identity, the directory of competent authorities, the routes and the refusals.

Thin, like every page: they read, check access and call the actions of comity.courier.actions for each change.
Who sees what:

- messages: those of the cases the user is a member of (others' messages are not listed, and open as 404);
  an oversight user opens a message of any case after stating a purpose for the case, as for the case itself;
  messages about no case (key rotations) are the administrators';
- opening a received message by a member of its case records RETRIEVAL evidence, sent back to the sender;
- the trust list, the identity, the directory, the routes and the refusals: administrators (others get 404).

The labels (message types, reasons, evidence types, statuses) are also what the API answers
(comity.api.exchange_api): codes are never shown alone."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import models as m
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from comity.cases import reads
from comity.cases.access import PurposeRequired
from comity.cases.actions import is_member
from comity.cases.models import Case
from comity.courier import actions, local
from comity.courier.models import (COOPERATION_KINDS, Conversation, DirectoryEntry, Evidence, Message, Peer, Rejection,
                                    Route)
from comity.errors import InvalidInput, NotAllowed, NotFound
from comity.exchange import EVIDENCE_TYPES, MESSAGE_TYPES, REASONS, fingerprint, format_fingerprint
from comity.vocabulary import label as vocab_label

# --- labels ---------------------------------------------------------------------------------------------

#: Reason codes the delivery side adds to comity.exchange.errors.REASONS (comity.courier.actions._REASON_OK).
MORE_REASONS = {
    "retries_exhausted": "every delivery attempt failed; this instance stopped retrying",
    "transport": "the other instance could not be reached, or did not answer with evidence it signed",
    "not_retrieved": "nobody opened the message within the period",
}
TROUBLE = (Message.Status.FAILED, Message.Status.REFUSED)
NEGATIVE = ("NON_DELIVERY", "SUBMISSION_REJECTION")
CONTROL_TYPES = ("evidence", "key_rotation")  # carriers: opening them is not a retrieval (as not_retrieved())
ROLE_LABELS = {**dict(DirectoryEntry.Kind.choices), "other": "Other authority"}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _words(code: str) -> str:
    return _sentence((code or "").replace("_", " "))


def type_label(code: str) -> str:
    """A message type as a person reads it: the first clause of its description in MESSAGE_TYPES."""
    text = MESSAGE_TYPES.get(code)
    if not text:
        return _words(code)
    return _sentence(text.split(" (")[0].split(", with ")[0])


def type_description(code: str) -> str:
    return _sentence(MESSAGE_TYPES.get(code, _words(code)))


def reason_label(code: str) -> str:
    text = REASONS.get(code) or MORE_REASONS.get(code)
    return _sentence(text) if text else _words(code)


def evidence_label(code: str) -> str:
    """The e-CODEX name in words: "Delivery", "Non-delivery", "Submission acceptance"."""
    return _words(code.lower()).replace("Non ", "Non-")


def evidence_description(code: str) -> str:
    return _sentence(EVIDENCE_TYPES.get(code, ""))


def status_label(code: str) -> str:
    return dict(Message.Status.choices).get(code, _words(code))


def kind_label(code: str) -> str:
    return vocab_label("request_kind", code)


def failure(msg: Message, evidence: list[Evidence] | None = None) -> dict | None:
    """Why a message is not (yet) delivered: the reason of its latest negative evidence, else of its last
    attempt; None for a message on its way or delivered."""
    if msg.status not in (*TROUBLE, Message.Status.RETRYING):
        return None
    evidence = list(msg.evidence.all()) if evidence is None else evidence
    neg = [e for e in evidence if e.type in NEGATIVE]
    if neg:
        code, detail = neg[-1].reason, neg[-1].detail
    elif msg.last_error:
        code, _, detail = msg.last_error.partition(": ")
    else:
        return None
    return {"code": code, "label": reason_label(code), "detail": detail}


def _me() -> str:
    try:
        return local.authority() if local.is_initialised() else ""
    except InvalidInput:
        return ""


def issuer_label(authority: str, peer: Peer | None, me: str) -> str:
    if peer is not None and authority == peer.authority:
        return peer.name
    if authority and authority == me:
        return "This authority"
    return authority


def decorate(msg: Message, me: str | None = None) -> Message:
    """Put on the message what the pages and the API show of it, in words (evidence prefetched)."""
    me = _me() if me is None else me
    ev = list(msg.evidence.all())
    msg.type_label = type_label(msg.type)
    msg.type_description = type_description(msg.type)
    msg.status_label = status_label(msg.status)
    msg.failure = failure(msg, ev)
    msg.trouble = msg.status in TROUBLE
    msg.evidence_rows = [{"e": e, "label": evidence_label(e.type), "description": evidence_description(e.type),
                          "issuer_label": issuer_label(e.issuer, msg.peer, me),
                          "reason_label": reason_label(e.reason) if e.reason else "",
                          "negative": e.type in (*NEGATIVE, "NON_RETRIEVAL")} for e in ev]
    conv = msg.conversation
    msg.request = conv.request if conv is not None else None
    return msg


def visible_messages(user):
    """The messages of the cases `user` is a member of; administrators also see those about no case."""
    q = m.Q(case__in=Case.objects.visible_to(user).values("pk"))
    if getattr(user, "role", None) == "admin":
        q |= m.Q(case__isnull=True)
    return Message.objects.filter(q)


def _with_rows(qs):
    return qs.select_related("peer", "case", "conversation__request").prefetch_related("evidence")


def failed_outgoing(user):
    """Outgoing messages of the user's cases that failed or were refused (dashboard), newest first."""
    qs = _with_rows(Message.objects.filter(direction=Message.Direction.OUT, status__in=TROUBLE,
                                           case__in=Case.objects.visible_to(user).values("pk")))
    me = _me()
    return [decorate(x, me) for x in qs.order_by("-created_at", "-pk")[:50]]


def failing_exists(outer_case):
    """An Exists() over the failed or refused outgoing messages of the case `outer_case` (an OuterRef)."""
    return m.Exists(Message.objects.filter(case=outer_case, direction=Message.Direction.OUT, status__in=TROUBLE))


def conversation_panel(req) -> dict | None:
    """The request page's exchange panel: the peer, their reference, the messages both ways in order with their
    status and evidence, and the failures; None when the request does not travel through the exchange."""
    conv = Conversation.objects.filter(request=req).select_related("peer").first()
    if conv is None:
        return None
    me = _me()
    rows = [decorate(x, me) for x in _with_rows(conv.messages.all()).order_by("created_at", "pk")]
    # A message that only carries evidence about another is shown with the message it concerns.
    shown = [x for x in rows if x.type not in CONTROL_TYPES or x.trouble]
    return {"conversation": conv, "peer": conv.peer, "their_reference": conv.their_reference,
            "messages": shown, "failures": [x for x in rows if x.trouble], "received_on": req.received_on}


# --- payload, as a person reads it ----------------------------------------------------------------------

FIELD_LABELS = {
    "kind": "Kind of request", "reference": "Reference", "subject": "Subject",
    "requesting_state": "Requesting State", "requested_state": "Requested State",
    "requesting_authority": "Requesting authority", "requested_authority": "Requested authority",
    "urgency": "Urgency", "urgency_reason": "Why it is urgent", "legal_basis_instrument": "Legal basis (instrument)",
    "legal_basis": "Legal basis", "summary": "Facts of the case", "measures": "Measures requested",
    "offences": "Offences", "comment": "Comment", "questions": "Questions", "answer": "Answer",
    "status": "Status", "step": "Step taken", "grounds": "Grounds for refusal", "outcome": "Outcome",
    "reason": "Reason", "evidence": "Signed evidence", "identity": "New identity file",
}
_OUTCOMES = {"executed": "Executed", "partially_executed": "Partly executed"}


def _status_words(code: str) -> str:
    from comity.cases.lifecycle import lifecycles

    for lc in lifecycles().values():
        if code in lc.states:
            return lc.state_label(code)
    return vocab_label("request_status", code)


def _step_words(code: str) -> str:
    from comity.cases.lifecycle import lifecycles

    for lc in lifecycles().values():
        t = lc.transition(code)
        if t is not None:
            return t.label
    return _words(code)


def _state_words(code: str) -> str:
    from comity.web.fields import state_label

    return state_label(code) or code


def payload_fields(msg: Message) -> dict:
    """The message's body as labelled fields, its persons and its evidence manifest (new requests, results)."""
    body = (msg.payload or {}).get("body") or {}
    fields, persons, manifest = [], [], []
    for key, value in body.items():
        if value in ("", [], None) or key in ("persons",):
            continue
        if key == "evidence" and isinstance(value, list):
            manifest = [{"item": e.get("item", ""), "description": e.get("description", ""),
                         "sha256": e.get("sha256", ""), "attachment": e.get("attachment"),
                         "custody": len(e.get("custody") or [])} for e in value if isinstance(e, dict)]
            continue
        if key == "kind":
            shown = kind_label(value)
        elif key in ("requesting_state", "requested_state"):
            shown = _state_words(value)
        elif key == "urgency":
            shown = vocab_label("urgency", value)
        elif key == "status":
            shown = _status_words(value)
        elif key == "step":
            shown = _step_words(value)
        elif key == "outcome":
            shown = _OUTCOMES.get(value, _words(value))
        elif key == "grounds":
            shown = "; ".join(vocab_label("ground", g) for g in value)
        elif key == "measures":
            shown = "; ".join(vocab_label("measure", x) for x in value)
        elif key == "offences":
            shown = "; ".join(vocab_label("offence_category", x) for x in value)
        elif key == "evidence":
            shown = _evidence_words(msg, value)
        elif key == "identity":
            shown = "An identity file signed with the sender's previous key (its new keys)"
        else:
            shown = value if isinstance(value, str) else ", ".join(str(v) for v in value) \
                if isinstance(value, list) else str(value)
        fields.append({"key": key, "label": FIELD_LABELS.get(key, _words(key)), "value": shown,
                       "long": isinstance(shown, str) and (len(shown) > 120 or "\n" in shown)})
    order = list(FIELD_LABELS)
    fields.sort(key=lambda f: order.index(f["key"]) if f["key"] in order else len(order))
    for p in body.get("persons") or []:
        props = p.get("properties") or {}
        persons.append({"kind": {"Person": "Person", "Company": "Company", "Organization": "Organisation",
                                 "LegalEntity": "Legal entity"}.get(p.get("schema"), p.get("schema", "")),
                        "name": ", ".join(props.get("name") or []) or "(no name)", "role": p.get("role", ""),
                        "details": "; ".join(f"{_words(k)}: {', '.join(v)}" for k, v in props.items()
                                             if k != "name" and v)})
    return {"fields": fields, "persons": persons, "manifest": manifest}


def _evidence_words(msg: Message, token: str) -> str:
    from comity.exchange import Rejected, read_evidence

    try:
        ev = read_evidence(token, issuer=actions.peer_identity(msg.peer))
    except (Rejected, ValueError):
        return "Evidence that does not verify with the sender's key"
    return (f"{evidence_label(ev.type)} of message {ev.message}, {ev.at:%Y-%m-%d %H:%M} UTC"
            + (f": {reason_label(ev.reason)}" if ev.reason else ""))


# --- access ---------------------------------------------------------------------------------------------

def open_message(user, pk: int, *, session=None, stated: str | None = None, via: str = "web"):
    """(message, purpose) under the one read rule: members of its case, or oversight with a purpose; a message
    about no case: administrators. NotFound otherwise (PurposeRequired for oversight without one)."""
    msg = (Message.objects.filter(pk=pk).select_related("peer", "case", "conversation__request")
           .prefetch_related("evidence", "attachments").first())
    if msg is None:
        raise NotFound("No such message.")
    if msg.case is None:
        if getattr(user, "role", None) != "admin":
            raise NotFound("No such message.")
        return msg, ""
    try:
        purpose = reads.case_purpose(user, msg.case, session=session, stated=stated, via=via)
    except NotFound:
        raise NotFound("No such message.") from None
    return msg, purpose


def retrieve_if_opened(msg: Message, user, *, via: str) -> Message:
    """A member of the case opening a received message: RETRIEVAL evidence (comity.courier.actions.do_retrieve),
    sent back to its sender. Returns the message as it is now."""
    if (msg.direction == Message.Direction.IN and msg.status == Message.Status.RECEIVED
            and msg.type not in CONTROL_TYPES and msg.case is not None and is_member(msg.case, user)):
        actions.do_retrieve(msg, acting_user=user, via=via)
        msg = (Message.objects.select_related("peer", "case", "conversation__request")
               .prefetch_related("evidence", "attachments").get(pk=msg.pk))
    return msg


def log_message_read(user, msg: Message, purpose: str, *, what: str = "exchange_message", via: str = "web"):
    if msg.case is not None:
        reads.log_read(user, msg.case, what=what, purpose=purpose, obj=msg, via=via)


def evidence_filename(msg: Message, ev: Evidence) -> str:
    return f"{msg.mid}-{ev.type.lower()}.jws"


def identity_filename(authority: str) -> str:
    return f"{authority.replace(':', '-')}.identity.jose"


def require_admin(user) -> None:
    if getattr(user, "role", None) != "admin":
        raise NotAllowed("The trust list, the directory, the routes and the refusals are the administrators'.")


def fingerprint_rows(hex_digest: str) -> list[str]:
    """A fingerprint in 16 groups of 4, as four lines of four groups (read aloud line by line)."""
    groups = format_fingerprint(hex_digest).split()
    return [" ".join(groups[i:i + 4]) for i in range(0, len(groups), 4)]


def own_identity() -> dict | None:
    if not local.is_initialised():
        return None
    ident = local.identity()
    fp = fingerprint(ident)
    return {"identity": ident, "fingerprint": fp, "fingerprint_groups": format_fingerprint(fp),
            "fingerprint_rows": fingerprint_rows(fp), "role_label": ROLE_LABELS.get(ident.role, ident.role),
            "state_label": _state_words(ident.state),
            "file": local.identity_file()}


def key_rows(identity_doc: dict) -> list[dict]:
    return [{"kid": k.get("kid", ""), "use": "signing (Ed25519)" if k.get("use") == "sig" else "encryption (X25519)",
             "valid_from": _when(k.get("valid_from")), "valid_until": _when(k.get("valid_until"))}
            for k in identity_doc.get("keys", [])]


def _when(value):
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def language_words(codes) -> str:
    from comity.web.fields import language_label

    return ", ".join(language_label(c) for c in codes or [])


def cooperation_words(codes) -> str:
    return ", ".join(kind_label(c) for c in codes or [])


# --- forms ----------------------------------------------------------------------------------------------

class ImportForm(forms.Form):
    identity_file = forms.CharField(widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}), required=False,
                                    label="Identity file (paste it)",
                                    help_text="The text the other authority sent you (it starts with ey…)")
    upload = forms.FileField(required=False, label="…or upload the file",
                             help_text="The .jose file the other authority made (comity exchange identity)")

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if upload is not None:
            if upload.size > 256 * 1024:
                raise forms.ValidationError({"upload": "is larger than an identity file can be (256 KB)"})
            try:
                data["identity_file"] = upload.read().decode("ascii").strip()
            except UnicodeDecodeError:
                raise forms.ValidationError({"upload": "is not an identity file (it is not text)"}) from None
        if not (data.get("identity_file") or "").strip():
            raise forms.ValidationError({"identity_file": "paste the identity file, or upload it"})
        return data


class ConfirmForm(forms.Form):
    fingerprint_read = forms.CharField(max_length=200, label="The fingerprint as the other authority read it to you",
                                       help_text="All 64 characters; spaces do not matter")
    how = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="How you compared it",
                          help_text="Who read it, on which telephone number, or where you met")


class RevokeForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why it is no longer trusted")


class LanguagesField(forms.CharField):
    """Languages by name or code, separated by commas; cleaned to ISO 639-1 codes."""

    def prepare_value(self, value):
        from comity.web.fields import language_names

        if isinstance(value, (list, tuple)):
            names = language_names("en")
            return ", ".join(names.get(c, c) for c in value)
        return value

    def clean(self, value):
        from comity.web.fields import resolve_language

        value = super().clean(value)
        codes, bad = [], []
        for part in [p.strip() for p in (value or "").split(",") if p.strip()]:
            code = resolve_language(part)
            if code is None:
                bad.append(f"“{part}”")
            elif code not in codes:
                codes.append(code)
        if bad:
            raise forms.ValidationError("Not a language: " + ", ".join(bad) + ". Write its name (French) or its "
                                        "two-letter code (fr).")
        return codes


def _peer_choices():
    return [("", "— none —")] + [(p.authority, f"{p.name} ({p.authority}, {p.get_status_display().lower()})")
                                 for p in Peer.objects.exclude(status=Peer.Status.REVOKED)]


class DirectoryForm(forms.Form):
    def __init__(self, *args, **kwargs):
        from comity.web.fields import StateField

        super().__init__(*args, **kwargs)
        self.fields = {
            "state": StateField(label="State"),
            "name": forms.CharField(max_length=200, label="Authority"),
            "kind": forms.ChoiceField(choices=DirectoryEntry.Kind.choices, label="Kind of authority"),
            "cooperation": forms.MultipleChoiceField(
                choices=[(k, kind_label(k)) for k in COOPERATION_KINDS], widget=forms.CheckboxSelectMultiple,
                label="Requests it receives"),
            "languages": LanguagesField(required=False, label="Languages it accepts",
                                        help_text="Names or codes separated by commas, e.g. French, English"),
            "channel": forms.ChoiceField(choices=DirectoryEntry.Channel.choices, label="Channel"),
            "peer": forms.ChoiceField(choices=_peer_choices(), required=False, label="Comity instance",
                                      help_text="For the Comity exchange: the authority's instance on the "
                                                "trust list"),
            "address": forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Address"),
            "email": forms.CharField(max_length=200, required=False, label="E-mail"),
            "source": forms.CharField(max_length=500, required=False, label="Source",
                                      help_text="Where the entry comes from (a URL, the EJN Atlas, a letter)"),
        }


class RouteForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, k) for k in COOPERATION_KINDS])
    unit = forms.IntegerField(required=False)


def _apply(form, exc: InvalidInput) -> None:
    for field, reason in exc.errors.items():
        if field in form.fields:
            form.add_error(field, reason)
        else:
            form.add_error(None, f"{_words(field)}: {reason}")


# --- pages: messages ------------------------------------------------------------------------------------

STATUS_FILTERS = [("trouble", "Failed or refused")] + list(Message.Status.choices)


def _admin_page(request) -> None:
    if request.user.role != "admin":
        raise Http404("Not found.")


@login_required
def messages_page(request):
    f = {k: request.GET.get(k, "").strip() for k in ("status", "direction")}
    qs = visible_messages(request.user)
    if f["status"] == "trouble":
        qs = qs.filter(status__in=TROUBLE)
    elif f["status"] in Message.Status.values:
        qs = qs.filter(status=f["status"])
    if f["direction"] in Message.Direction.values:
        qs = qs.filter(direction=f["direction"])
    qs = _with_rows(qs).annotate(rank=m.Case(m.When(status__in=TROUBLE, then=m.Value(0)),
                                             default=m.Value(1), output_field=m.IntegerField()))
    page = Paginator(qs.order_by("rank", "-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    me = _me()
    rows = [decorate(x, me) for x in page.object_list]
    reads.log_list(request.user, what="exchange_list", cases=[x.case for x in rows if x.case is not None])
    query = "&".join(f"{k}={v}" for k, v in f.items() if v)
    return render(request, "courier/messages.html", {
        "page": page, "rows": rows, "filters": f, "statuses": STATUS_FILTERS,
        "directions": Message.Direction.choices, "query": query, "is_admin": request.user.role == "admin"})


@login_required
def message_page(request, pk):
    try:
        msg, purpose = open_message(request.user, pk, session=request.session)
    except PurposeRequired as exc:
        return redirect("case_purpose", pk=exc.case.pk)
    except NotFound:
        raise Http404("No such message.") from None
    try:
        msg = retrieve_if_opened(msg, request.user, via="web")
    except InvalidInput as e:
        flash.error(request, "The retrieval evidence could not be recorded: "
                    + "; ".join(f"{k}: {v}" for k, v in e.errors.items()))
    log_message_read(request.user, msg, purpose)
    decorate(msg)
    member = msg.case is not None and is_member(msg.case, request.user)
    return render(request, "courier/message.html", {
        "msg": msg, "purpose": purpose, "member": member, "body": payload_fields(msg),
        "attachments": list(msg.attachments.select_related("document", "evidence_item")),
        "is_admin": request.user.role == "admin"})


@login_required
def evidence_download(request, pk, ev_pk):
    try:
        msg, purpose = open_message(request.user, pk, session=request.session)
    except PurposeRequired as exc:
        return redirect("case_purpose", pk=exc.case.pk)
    except NotFound:
        raise Http404("No such message.") from None
    ev = next((e for e in msg.evidence.all() if e.pk == ev_pk), None)
    if ev is None:
        raise Http404("No such evidence.")
    log_message_read(request.user, msg, purpose, what="exchange_evidence")
    resp = HttpResponse(ev.token.strip() + "\n", content_type="application/jose")
    resp["Content-Disposition"] = content_disposition_header(True, evidence_filename(msg, ev))
    return resp


# --- pages: trust list and identity (administrators) ----------------------------------------------------

@login_required
def peers_page(request):
    _admin_page(request)
    peers = list(Peer.objects.select_related("imported_by", "confirmed_by").order_by("status", "state", "authority"))
    for p in peers:
        p.fingerprint_groups = format_fingerprint(p.fingerprint)
        p.role_label = ROLE_LABELS.get(p.role, _words(p.role))
    return render(request, "courier/peers.html", {"peers": peers, "me": own_identity()})


@login_required
def peer_import(request):
    _admin_page(request)
    posted = request.method == "POST"
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        try:
            peer = actions.do_import_peer(form.cleaned_data["identity_file"], acting_user=request.user)
            flash.success(request, f"Imported {peer.name} ({peer.authority}). It is not trusted yet: compare its "
                                   "fingerprint with the authority, by telephone or in person.")
            return redirect("exchange:peer", pk=peer.pk)
        except InvalidInput as e:
            _apply(form, e)
        except NotAllowed as e:
            form.add_error(None, str(e))
    return render(request, "courier/peer_import.html", {"form": form}, status=400 if posted else 200)


def _peer_or_404(pk) -> Peer:
    peer = Peer.objects.select_related("imported_by", "confirmed_by").filter(pk=pk).first()
    if peer is None:
        raise Http404("No such peer.")
    return peer


@login_required
def peer_page(request, pk, confirm_form=None, revoke_form=None):
    _admin_page(request)
    peer = _peer_or_404(pk)
    peer.fingerprint_groups = format_fingerprint(peer.fingerprint)
    peer.role_label = ROLE_LABELS.get(peer.role, _words(peer.role))
    peer.state_label = _state_words(peer.state)
    return render(request, "courier/peer.html", {
        "peer": peer, "rows": fingerprint_rows(peer.fingerprint), "keys": key_rows(peer.identity or {}),
        "confirm_form": confirm_form or ConfirmForm(), "revoke_form": revoke_form or RevokeForm(),
        "messages_count": peer.messages.count()})


def _peer_step(request, pk, form_class, step, done: str, form_key: str):
    """A form on the peer's page that changes the peer (`step(peer, cleaned_data)`); the page again, with the
    form's errors beside its fields and status 400, when it cannot."""
    _admin_page(request)
    peer = _peer_or_404(pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            step(peer, form.cleaned_data)
            flash.success(request, f"{peer.name} ({peer.authority}) {done}")
            return redirect("exchange:peer", pk=peer.pk)
        except InvalidInput as e:
            _apply(form, e)
        except NotAllowed as e:
            form.add_error(None, str(e))
    resp = peer_page(request, pk, **{form_key: form})
    resp.status_code = 400
    return resp


@login_required
@require_POST
def peer_confirm(request, pk):
    return _peer_step(request, pk, ConfirmForm, lambda peer, d: actions.do_confirm_peer(
        peer, fingerprint_read=d["fingerprint_read"], how=d["how"], acting_user=request.user),
        "is now trusted: messages to and from it travel.", "confirm_form")


@login_required
@require_POST
def peer_revoke(request, pk):
    return _peer_step(request, pk, RevokeForm, lambda peer, d: actions.do_revoke_peer(
        peer, reason=d["reason"], acting_user=request.user),
        "is revoked: nothing is sent to it or accepted from it any more.", "revoke_form")


@login_required
def identity_page(request):
    _admin_page(request)
    me = own_identity()
    return render(request, "courier/identity.html", {
        "me": me, "keys": key_rows(me["identity"].document()) if me else [],
        "trusted": Peer.objects.filter(status=Peer.Status.TRUSTED).count()})


@login_required
def identity_file(request):
    _admin_page(request)
    if not local.is_initialised():
        raise Http404("This instance has no exchange identity yet.")
    resp = HttpResponse(local.identity_file() + "\n", content_type="application/jose")
    resp["Content-Disposition"] = content_disposition_header(True, identity_filename(local.authority()))
    return resp


# --- pages: directory, routes, refusals (administrators) ------------------------------------------------

@login_required
def directory_page(request):
    _admin_page(request)
    f = {k: request.GET.get(k, "").strip() for k in ("state", "kind")}
    qs = DirectoryEntry.objects.select_related("peer", "updated_by")
    if f["state"]:
        qs = qs.filter(state=f["state"].upper())
    if f["kind"] in DirectoryEntry.Kind.values:
        qs = qs.filter(kind=f["kind"])
    page = Paginator(qs.order_by("state", "name", "pk"), 50).get_page(request.GET.get("page"))
    from comity.web.fields import state_name

    for e in page.object_list:
        e.state_name = state_name(e.state)
        e.cooperation_words = cooperation_words(e.cooperation)
        e.language_words = language_words(e.languages)
    states = sorted({s for s in DirectoryEntry.objects.values_list("state", flat=True)},
                    key=lambda s: state_name(s))
    query = "&".join(f"{k}={v}" for k, v in f.items() if v)
    return render(request, "courier/directory.html", {
        "page": page, "filters": f, "kinds": DirectoryEntry.Kind.choices, "query": query,
        "states": [(s, state_name(s)) for s in states], "total": DirectoryEntry.objects.count()})


def _directory_data(d: dict) -> dict:
    return {"state": d.get("state") or "", "name": d.get("name") or "", "kind": d.get("kind") or "",
            "cooperation": list(d.get("cooperation") or []), "languages": list(d.get("languages") or []),
            "channel": d.get("channel") or "", "peer": d.get("peer") or "", "address": d.get("address") or "",
            "email": d.get("email") or "", "source": d.get("source") or ""}


def _directory_form_page(request, entry: DirectoryEntry | None):
    _admin_page(request)
    initial = {}
    if entry is not None:
        initial = {"state": entry.state, "name": entry.name, "kind": entry.kind, "cooperation": entry.cooperation,
                   "languages": entry.languages, "channel": entry.channel,
                   "peer": entry.peer.authority if entry.peer else "", "address": entry.address,
                   "email": entry.email, "source": entry.source}
    form = DirectoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            data = _directory_data(form.cleaned_data)
            data["measures"] = list(entry.measures or []) if entry is not None else []  # not on this form: kept
            saved = actions.do_save_directory_entry(entry, data=data, acting_user=request.user)
            flash.success(request, f"Saved: {saved.name} ({saved.state}).")
            return redirect(reverse("exchange:directory") + f"?state={saved.state}")
        except InvalidInput as e:
            _apply(form, e)
        except NotAllowed as e:
            form.add_error(None, str(e))
    return render(request, "courier/directory_entry.html", {"form": form, "entry": entry},
                  status=400 if request.method == "POST" else 200)


@login_required
def directory_new(request):
    return _directory_form_page(request, None)


@login_required
def directory_entry(request, pk):
    _admin_page(request)
    entry = DirectoryEntry.objects.select_related("peer").filter(pk=pk).first()
    if entry is None:
        raise Http404("No such entry.")
    return _directory_form_page(request, entry)


@login_required
@require_POST
def directory_seed(request):
    _admin_page(request)
    made = actions.do_seed_directory(acting_user=request.user, via="web")
    if made:
        flash.success(request, f"{made} entr{'y' if made == 1 else 'ies'} made from the country profiles (one "
                               "central authority per State that had none). Check each against an official "
                               "source before relying on it.")
    else:
        flash.success(request, "Every State of the country profiles already has an entry: nothing was added.")
    return redirect("exchange:directory")


@login_required
def routes_page(request):
    from comity.accounts.models import Unit

    _admin_page(request)
    errors = {}
    if request.method == "POST":
        form = RouteForm(request.POST)
        unit = None
        if form.is_valid() and form.cleaned_data.get("unit"):
            unit = Unit.objects.filter(pk=form.cleaned_data["unit"]).first()
        kind = request.POST.get("kind", "")
        try:
            if not form.is_valid():
                raise InvalidInput({"kind": "choose a kind of request"} if "kind" in form.errors else
                                   {"unit": "choose a unit"})
            if unit is None:
                raise InvalidInput({"unit": "choose the unit that receives these requests"})
            actions.do_set_route(form.cleaned_data["kind"], unit, acting_user=request.user)
            flash.success(request, f"Incoming {kind_label(kind).lower()} requests now go to {unit.name}.")
            return redirect("exchange:routes")
        except InvalidInput as e:
            errors = {"kind": kind, **e.errors}
        except NotAllowed as e:
            errors = {"kind": kind, "unit": str(e)}
    current = {r.kind: r for r in Route.objects.select_related("unit", "updated_by")}
    rows = [{"kind": k, "label": kind_label(k), "route": current.get(k)} for k in COOPERATION_KINDS]
    return render(request, "courier/routes.html", {"rows": rows, "units": Unit.objects.order_by("name"),
                                                   "errors": errors}, status=400 if errors else 200)


@login_required
def rejections_page(request):
    _admin_page(request)
    reason = request.GET.get("reason", "").strip()
    qs = Rejection.objects.all()
    if reason:
        qs = qs.filter(reason=reason)
    page = Paginator(qs.order_by("-at", "-pk"), 50).get_page(request.GET.get("page"))
    for r in page.object_list:
        r.reason_label = reason_label(r.reason)
        r.what_label = {"message": "Message", "chunk": "Attachment chunk"}.get(r.what, _words(r.what))
    reasons = [(c, reason_label(c)) for c in sorted(set(Rejection.objects.values_list("reason", flat=True)))]
    return render(request, "courier/rejections.html", {"page": page, "reason": reason, "reasons": reasons,
                                                       "query": f"reason={reason}" if reason else ""})
