"""Background delivery on django-tasks' database backend: the queue lives in Comity's own database, so a
task enqueued with the outbox row survives a restart."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="exchange")
def deliver_task(message_pk: int) -> str:
    from comity.courier.actions import deliver

    return deliver(message_pk)
