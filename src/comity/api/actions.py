"""The API's own bookkeeping writes: the answers kept for idempotency keys (comity.api.idempotency).

Not product state: a kept answer is a copy of what the caller already received, for 24 hours, and the call
it answers wrote its own audit event through its action. So these writes have no audit event of their own
(they hold no personal data: a hash of the credential, the caller's key, the method and path, a hash of
the body, and the answer)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from comity.api.models import IdempotentCall


def claim_idempotency_key(*, principal: str, key: str, method: str, path: str, fingerprint: str,
                          keep: dt.timedelta) -> IdempotentCall | None:
    """Mark `key` as running for this call; None when it is new (go ahead), else the earlier call's record.
    Answers older than `keep` are forgotten first."""
    IdempotentCall.objects.filter(created_at__lt=timezone.now() - keep).delete()
    try:
        with transaction.atomic():
            IdempotentCall.objects.create(principal=principal, key=key, method=method, path=path[:500],
                                          fingerprint=fingerprint)
        return None
    except IntegrityError:
        return IdempotentCall.objects.filter(principal=principal, key=key).first()


def restart_idempotent_call(call: IdempotentCall) -> None:
    """A first call that died while running: this retry takes its place."""
    IdempotentCall.objects.filter(pk=call.pk).update(created_at=timezone.now())


def keep_idempotent_answer(*, principal: str, key: str, status: int, content_type: str, headers: dict,
                           body: bytes) -> None:
    IdempotentCall.objects.filter(principal=principal, key=key).update(
        state=IdempotentCall.State.DONE, status=status, content_type=content_type, headers=headers, body=body)


def forget_idempotency_key(*, principal: str, key: str) -> None:
    """The first call failed: nothing is kept, the key may be used again."""
    IdempotentCall.objects.filter(principal=principal, key=key).delete()
