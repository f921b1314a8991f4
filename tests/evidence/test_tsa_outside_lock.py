"""The time-stamping authority is asked before the audit log's lock is taken.

An action's first audit event locks the log's single state row until the action commits, so every
other write in the instance waits. The time-stamping authority may answer slowly (up to its timeout),
so it must be called before that: the order of log appends and time-stamp requests shows it.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from comity.audit import ledger
from comity.evidence import actions, keys
from tests.evidence.conftest import RawUpload


@pytest.fixture
def order(monkeypatch, evidence_env):
    seen: list[str] = []
    real_append, real_timestamp = ledger.append, keys.timestamp

    def append(fields):
        seen.append(fields["event_type"])
        return real_append(fields)

    def timestamp(digest):
        seen.append("TSA")
        return real_timestamp(digest)

    monkeypatch.setattr(ledger, "append", append)
    monkeypatch.setattr(keys, "timestamp", timestamp)
    return seen


def test_registering_custody_and_disclosure_call_the_tsa_before_any_audit_event_of_theirs(order, case, caseworker):
    order.clear()
    item = actions.do_register_evidence(case, kind="digital", title="Ledger", date_obtained="2026-01-15",
                                        upload=RawUpload("l.csv", b"x" * 100), acting_user=caseworker)
    # The signing key is created (and logged) in its own transaction, before the registration's.
    assert order == ["evidence.signing_key_created", "TSA", "evidence.registered", "evidence.custody_recorded"]
    order.clear()
    actions.do_record_custody_event(item, kind="examined", at=timezone.now(), place="Lab", reason="hash check",
                                    acting_user=caseworker)
    assert order == ["TSA", "evidence.custody_recorded"]
    other = actions.do_register_evidence(case, kind="digital", title="Mail", date_obtained="2026-01-15",
                                         upload=RawUpload("m.eml", b"y" * 100), acting_user=caseworker)
    order.clear()
    actions.do_disclose_evidence(case, items=[item, other], fields=["file"], recipient="Defence counsel",
                                 recipient_kind="defence", purpose="trial", acting_user=caseworker)
    assert order == ["TSA", "TSA", "evidence.custody_recorded", "evidence.custody_recorded", "evidence.disclosed"]
