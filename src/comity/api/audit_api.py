"""The tamper-evident audit log over HTTP, for oversight bodies: the public key (no token), signed
tree heads, inclusion and consistency proofs (oversight, supervisor or administrator tokens)."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Router

from comity.audit import ledger
from comity.audit.actions import do_sign_tree_head
from comity.audit.models import AuditEvent, TreeHead
from comity.errors import InvalidInput, NotAllowed
from comity.ledger import LedgerError, canonical_event_bytes, prove_consistency, prove_inclusion

router = Router(tags=["audit log"])
READERS = {"oversight", "supervisor", "admin"}


def _reader(request):
    if request.user.role not in READERS:
        raise NotAllowed("The audit log is open to oversight users, supervisors and administrators.")
    return request.user


def _ledger_errors(e: LedgerError) -> InvalidInput:
    return InvalidInput({x["field"]: x["reason"] for x in e.as_dicts()})


@router.get("/public-key", auth=None, summary="The Ed25519 public key that signs tree heads (PEM)")
def public_key(request):
    return HttpResponse(ledger.public_key_pem(), content_type="application/x-pem-file")


@router.get("/tree-heads", summary="Signed tree heads, newest first")
def tree_heads(request, limit: int = 100):
    _reader(request)
    return [h.as_dict() for h in TreeHead.objects.order_by("-size", "-id")[:max(1, min(limit, 1000))]]


@router.post("/tree-heads", summary="Sign the current tree head now")
def sign_now(request):
    _reader(request)
    return do_sign_tree_head(acting_user=request.user, via="api").as_dict()


@router.get("/events/{seq}", summary="One event as it is hashed into the log, with its inclusion proof")
def event(request, seq: int, size: int | None = None):
    _reader(request)
    ev = AuditEvent.objects.filter(seq=seq).first()
    if ev is None:
        raise InvalidInput({"seq": f"no event at position {seq}"})
    try:
        proof = prove_inclusion(ledger.proof_store(prove_inclusion, seq, size), seq, size)
    except LedgerError as e:
        raise _ledger_errors(e) from None
    return {"event": ledger.event_dict(ev),
            "canonical": canonical_event_bytes(ledger.event_dict(ev)).decode(), "leaf_hash": ev.leaf_hash,
            "inclusion_proof": proof.to_dict()}


@router.get("/proofs/inclusion", summary="Inclusion proof of the event at `seq` in the tree of `size`")
def inclusion(request, seq: int, size: int | None = None):
    _reader(request)
    try:
        return prove_inclusion(ledger.proof_store(prove_inclusion, seq, size), seq, size).to_dict()
    except LedgerError as e:
        raise _ledger_errors(e) from None


@router.get("/proofs/consistency", summary="Consistency proof between tree sizes `first` and `second`")
def consistency(request, first: int, second: int | None = None):
    _reader(request)
    try:
        return prove_consistency(ledger.proof_store(prove_consistency, first, second), first, second).to_dict()
    except LedgerError as e:
        raise _ledger_errors(e) from None
