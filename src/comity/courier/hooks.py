"""A step taken on a request that travels through the exchange sends its message to the other authority, in
the step's own transaction (the outbox row is stored with the step, or neither is)."""

from __future__ import annotations

from django.dispatch import receiver

from comity.cases.actions import request_transitioned
from comity.courier.conversation import OUTGOING_STEPS


@receiver(request_transitioned)
def send_step(sender, request, step, acting_user, via, **kwargs):
    from comity.courier.actions import SERVICE_USERNAME, body_for, peer_for, queue_message

    if getattr(acting_user, "username", "") == SERVICE_USERNAME:
        return  # a step the exchange itself took on arrival: nothing to send back
    mtype = OUTGOING_STEPS.get((request.direction, step.name))
    if mtype is None:
        return
    if not hasattr(request, "conversation"):
        if mtype != "new_request":
            return
        from comity.courier import local

        if not local.is_initialised() or peer_for(request) is None:
            return  # no Comity peer for this State: the request leaves by another channel
    body = body_for(request, mtype, step.name, step.comment)
    # The case's documents that have not yet travelled in this conversation (either way) go with the message.
    docs = list(request.case.documents.order_by("pk")) if mtype in ("new_request", "information",
                                                                     "execution_result") else []
    if mtype != "new_request":
        # what already travelled (either way) is not sent again
        sent = set(request.conversation.messages.values_list("attachments__document", flat=True))
        docs = [d for d in docs if d.pk not in sent]
    items = []
    if mtype == "execution_result":
        # Evidence of the case not yet sent goes back with the result, each file with its custody chain.
        from comity.evidence.models import EvidenceItem

        sent_items = set(request.conversation.messages.values_list("attachments__evidence_item", flat=True))
        items = [i for i in EvidenceItem.objects.filter(case=request.case, kind="digital").exclude(sha256="")
                 .order_by("pk") if i.pk not in sent_items
                 and not i.custody_events.filter(kind__in=("disposed", "returned")).exists()]
        arrived = set(request.conversation.messages.filter(direction="in")
                      .values_list("attachments__evidence_item", flat=True))
        items = [i for i in items if i.pk not in arrived]
    queue_message(request, mtype, body, acting_user=acting_user, documents=docs, evidence_items=items, via=via)
