"""The tamper-evident audit log over HTTP, for oversight bodies: the public key (no token), signed
tree heads, inclusion and consistency proofs (oversight, supervisor or administrator tokens), and single
events with their proofs under the compartment rule.

An event says who did what to which case, so reading one is a read of that case: an event about a case
is returned only under the one compartment rule (`comity.cases.reads`: a member of the case, or an
oversight user with a stated `purpose`), and the read is logged (`access.audit_event`). An event about no
case is for oversight users and administrators, under a stated purpose, also logged. Anyone else is told
there is no such event, exactly as for a position the log does not hold. Proofs and tree heads carry
hashes only. Signing a tree head is a change: it needs a write-scope token."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Router

from comity.accounts.models import TokenScope
from comity.api.schemas import content, errors
from comity.audit import ledger
from comity.audit.actions import do_record_log_read, do_sign_tree_head
from comity.audit.models import AuditEvent, TreeHead
from comity.cases import reads
from comity.cases.models import Case
from comity.errors import InvalidInput, NotAllowed, NotFound
from comity.ledger import LedgerError, canonical_event_bytes, prove_consistency, prove_inclusion

router = Router(tags=["audit log"])
READERS = {"oversight", "supervisor", "admin"}
NO_SUCH_EVENT = "No such event."


def _reader(request):
    if request.user.role not in READERS:
        raise NotAllowed("The audit log is open to oversight users, supervisors and administrators.")
    return request.user


def _signer(request):
    user = _reader(request)
    token = getattr(request, "comity_token", None)
    if token is None or token.scope != TokenScope.WRITE:
        raise NotAllowed("Signing a tree head is a change: use a token with the write scope.")
    return user


def _ledger_errors(e: LedgerError) -> InvalidInput:
    return InvalidInput({x["field"]: x["reason"] for x in e.as_dicts()})


@router.get("/public-key", auth=None, summary="The Ed25519 public key that signs tree heads (PEM)",
            openapi_extra=content("application/x-pem-file", "The public key, PEM"))
def public_key(request):
    return HttpResponse(ledger.public_key_pem(), content_type="application/x-pem-file")


@router.get("/tree-heads", response={200: list[dict], **errors(403, 422)}, summary="Signed tree heads, newest first")
def tree_heads(request, limit: int = 100):
    _reader(request)
    return [h.as_dict() for h in TreeHead.objects.order_by("-size", "-id")[:max(1, min(limit, 1000))]]


@router.post("/tree-heads", response={200: dict, **errors(403)}, summary="Sign the current tree head now (a write-scope token)")
def sign_now(request):
    return do_sign_tree_head(acting_user=_signer(request), via="api").as_dict()


@router.get("/events/{seq}", response={200: dict, **errors(403, 404, 422)}, summary="One event as it is hashed into the log, with its inclusion proof. An event "
                                     "about a case: members of the case, or oversight with a `purpose`; an event "
                                     "about no case: oversight and administrators with a `purpose`. Logged.")
def event(request, seq: int, size: int | None = None, purpose: str | None = None):
    user = _reader(request)
    ev = AuditEvent.objects.filter(seq=seq).first() if seq >= 0 else None
    if ev is None:
        raise NotFound(NO_SUCH_EVENT)
    case = Case.objects.filter(pk=ev.case_id).first() if ev.case_id is not None else None
    if case is not None:
        try:
            granted = reads.case_purpose(user, case, stated=purpose, via="api")
        except NotFound:
            raise NotFound(NO_SUCH_EVENT) from None
    elif user.role not in ("oversight", "admin"):
        raise NotFound(NO_SUCH_EVENT)
    try:
        proof = prove_inclusion(ledger.proof_store(prove_inclusion, seq, size), seq, size)
    except LedgerError as e:
        raise _ledger_errors(e) from None
    if case is not None:
        reads.log_read(user, case, what="audit_event", purpose=granted, obj=ev, via="api")
    else:
        do_record_log_read(ev, acting_user=user, purpose=purpose, via="api")
    return {"event": ledger.event_dict(ev),
            "canonical": canonical_event_bytes(ledger.event_dict(ev)).decode(), "leaf_hash": ev.leaf_hash,
            "inclusion_proof": proof.to_dict()}


@router.get("/proofs/inclusion", response={200: dict, **errors(403, 422)}, summary="Inclusion proof of the event at `seq` in the tree of `size`")
def inclusion(request, seq: int, size: int | None = None):
    _reader(request)
    try:
        return prove_inclusion(ledger.proof_store(prove_inclusion, seq, size), seq, size).to_dict()
    except LedgerError as e:
        raise _ledger_errors(e) from None


@router.get("/proofs/consistency", response={200: dict, **errors(403, 422)}, summary="Consistency proof between tree sizes `first` and `second`")
def consistency(request, first: int, second: int | None = None):
    _reader(request)
    try:
        return prove_consistency(ledger.proof_store(prove_consistency, first, second), first, second).to_dict()
    except LedgerError as e:
        raise _ledger_errors(e) from None
