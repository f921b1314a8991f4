"""Crash, many times (issue 13 item 6): SIGKILL the server (gunicorn master, workers and the tree-head signer of
`comity serve`, one process group) and every CLI writer running at that moment (`comity audit sign`, `comity
audit witness --db --sign`, `comity evidence register`, `comity deadlines`, `comity evidence verify --all`) at
random points of a stream of concurrent writes (cases, notes, requests and transitions, document uploads, tree
heads signed over the API), five or six times. After each crash, on the database as it was left:

- SQLite: PRAGMA integrity_check and foreign_key_check; both databases: the log has one event per position
  with no gap, no signed head beyond it, no event names an object that is not stored, no case, note,
  document, request, transition, evidence item or custody event lacks its audit event;
- `comity audit verify` passes against the latest witnessed head (the witness cosigned during the run);
- every acknowledged write (a 2xx answer, or a CLI command's exit 0) is stored with its audit event, and
  documents read back with the SHA-256 acknowledged;
- `comity evidence verify --all` passes.

Then the server restarts and the stream goes on. The same file runs on PostgreSQL in the PostgreSQL pass of
`make test` (the instance gets a database of its own on that server). Full size: benchmarks/bench_crash.py;
docs/security/crash.md."""

from __future__ import annotations

import os
import time

from tests.support.crash import Campaign, Instance, post

MIN_KILLS, KILLS = 5, 6   # at least five kills; a sixth when the first five left time (on a busy machine, not)
MAX_SECONDS = 45


def _postgres_server() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def test_many_sigkills_mid_stream_lose_no_acknowledged_write_and_leave_a_witnessed_verifiable_log(tmp_path):
    instance = Instance(tmp_path, postgres_url=_postgres_server())
    try:
        instance.setup()
        campaign = Campaign(instance, seed=int.from_bytes(os.urandom(4), "big"), kill_after=(1.0, 3.5))
        started = time.monotonic()
        campaign.start()
        try:
            while campaign.kills < MIN_KILLS or (campaign.kills < KILLS and time.monotonic() - started < MAX_SECONDS):
                report = campaign.round()
                print(f"kill {campaign.kills}: {report['seconds']} log size {report['log_size']}")
                assert report["problems"] == [], (f"after kill {campaign.kills} ({instance.kind}):\n"
                                                  + "\n".join(report["problems"]))
            # After the last restart the server answers and writes again.
            status, _ = post(campaign.port, instance.token, "/api/cases", {"title": "After the last restart"})
            assert status == 201
        finally:
            campaign.stop()
        summary = campaign.summary()
        print(f"crash campaign on {instance.kind}: {summary}")
        assert campaign.kills >= MIN_KILLS, summary
        assert campaign.server_errors == [], campaign.server_errors
        assert summary["acknowledged_lost"] == 0 and summary["problems"] == []
        assert summary["acknowledged"] >= 50, "the stream of writes should have been acknowledged many times"
        assert summary["cut_off"] > 0, "the kills should have cut writes off mid-way"
        assert campaign.acks.witnessed > 0 and all(r["witnessed_size"] for r in campaign.reports)
    finally:
        instance.drop()


def test_concurrent_writers_get_distinct_references_and_every_head_matches_its_logged_signing(transactional_db,
                                                                                               supervisor):
    """What the campaign found on PostgreSQL, without the kills: two cases (or requests) created at the same
    moment got the same reference, so one writer got a server error; and a tree head signed while other events
    were committing named, in its `ledger.tree_head_signed` event, a size other than its own, so `comity audit
    verify` found heads "the log never recorded signing". On SQLite (IMMEDIATE transactions) both hold anyway."""
    import threading

    from django.db import connection

    from comity.audit.actions import do_sign_tree_head
    from comity.audit.models import AuditEvent, TreeHead
    from comity.cases import actions
    from comity.cases.models import Case, CooperationRequest

    if connection.vendor != "postgresql":
        import pytest

        pytest.skip("SQLite serialises writers from the start of each transaction; the PostgreSQL pass runs this")
    case = actions.do_create_case(title="Shared case", acting_user=supervisor)
    errors: list[str] = []
    start = threading.Barrier(6)

    def work(what):
        try:
            start.wait()
            for i in range(10):
                if what == "case":
                    actions.do_create_case(title=f"Concurrent case {i}", acting_user=supervisor, via="api")
                elif what == "request":
                    actions.do_create_request(case, kind="mla", direction="incoming", subject="Records",
                                              requesting_state="FR", requested_state="DE", acting_user=supervisor,
                                              via="api")
                else:
                    actions.do_add_note(case, text=f"note {i}", acting_user=supervisor, via="api")
                    do_sign_tree_head(via="cli")
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            errors.append(f"{what}: {type(e).__name__}: {e}")
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in ("case", "case", "request", "request", "sign",
                                                                  "sign")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert Case.objects.count() == 21 and CooperationRequest.objects.count() == 20
    logged = {(e or {}).get("size") for e in
              AuditEvent.objects.filter(event_type="ledger.tree_head_signed").values_list("new_values", flat=True)}
    heads = set(TreeHead.objects.values_list("size", flat=True))
    assert heads and heads <= logged, f"heads whose signing the log names with another size: {sorted(heads - logged)}"
