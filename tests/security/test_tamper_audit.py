"""Issue 13, "tamper evidence that does not trust the host": a tamper campaign over the audit tables.

Hypothesis picks the tamper: an edit of any column of any row of the log (events, signed tree heads, the
log's state, its subtree cache, the texts kept beside it), a deletion, a truncation (with the host's own
heads cut to match), an insertion. Each is applied to one small instance whose latest head an oversight
body's witness cosigned, inside a transaction that is rolled back; `comity audit verify` (deep, with the
witness's file and key, as an oversight body runs it) must fail every time.

Appending a well-formed event at the end of the log is not a tamper a Merkle log can catch (the log is
append-only by design); what the campaign inserts is a row outside the log, a row in the middle, or an
event the log's state and heads do not account for."""

from __future__ import annotations

import json
import os

import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from comity.audit import ledger
from comity.audit.models import AuditEvent, AuditText, LedgerState, LedgerSubtree, TreeHead
from comity.cases import actions
from comity.cases.reads import read_case
from comity.cli import main
from comity.ledger import generate_private_key, private_key_to_pem, public_key_to_pem, sign_tree_head
from comity.oversight.actions.console import EventFilters, do_record_console_access
from tests.support.tamper import caught

pytestmark = pytest.mark.django_db

CAMPAIGN = settings(max_examples=int(os.environ.get("COMITY_TAMPER_EXAMPLES", "60")), deadline=None,
                    database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                          HealthCheck.filter_too_much])
HEX = "0123456789abcdef"
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=24)


@pytest.fixture(autouse=True)
def _no_witness_from_the_environment(monkeypatch):
    for name in ("COMITY_WITNESS_FILE", "COMITY_WITNESS_KEYS", "COMITY_LEDGER_KEY_PEM", "COMITY_LEDGER_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def world(supervisor, caseworker, oversight, tmp_path, capsys):
    """Two cases with notes, an oversight user's purpose-bound reads (texts kept beside the log, one case-less
    search), signed heads, and the latest head cosigned by a witness: over 40 events, so the subtree cache
    holds complete subtrees."""
    body = tmp_path / "oversight-body"
    body.mkdir()
    key = generate_private_key()
    (body / "witness.key").write_bytes(private_key_to_pem(key))
    (body / "witness.pub").write_bytes(public_key_to_pem(key.public_key()))
    cases = []
    for title in ("Fraud in Lyon", "Bank records Madrid"):
        case = actions.do_create_case(title=title, acting_user=supervisor)
        actions.do_grant_membership(case, caseworker, acting_user=supervisor)
        for i in range(8):
            actions.do_add_note(case, text=f"note {i}", acting_user=caseworker)
        cases.append(case)
    for case in cases:
        read_case(oversight, case, what="case_view", stated="annual inspection of extradition files")
    do_record_console_access(acting_user=oversight, what="search", purpose="complaint 2026/14 by a data subject",
                             filters=EventFilters(person="Jean Dupont"), results=3)
    with transaction.atomic():
        ledger.sign_current_head()
    for i in range(6):
        actions.do_add_note(cases[0], text=f"later note {i}", acting_user=caseworker)
    with transaction.atomic():
        ledger.sign_current_head()
    witness = ["audit", "witness", "--db", "--file", str(body / "witness.jsonl"), "--key", str(body / "witness.key")]
    assert main(witness) == 0, capsys.readouterr()
    capsys.readouterr()
    w = {"files": [str(body / "witness.jsonl")], "keys": [str(body / "witness.pub")], "users": [supervisor, caseworker,
         oversight], "cases": cases, "size": AuditEvent.objects.count()}
    assert LedgerSubtree.objects.exists() and AuditText.objects.filter(case_id__isnull=True).exists()
    assert AuditText.objects.filter(case_id__isnull=False).count() >= 2
    assert _verifies(w), ledger.verify_database(witness_files=w["files"], witness_keys=w["keys"]).messages
    return w


def _verifies(world) -> bool:
    return ledger.verify_database(witness_files=world["files"], witness_keys=world["keys"], strict=True).ok


def _caught(world, tamper) -> bool:
    """Apply the tamper, verify, roll back; True when verification caught it."""
    return caught(tamper, lambda: _verifies(world))


def _new_value(data, kind, current, world):
    if kind == "text":
        new = data.draw(TEXT)
    elif kind == "hex":
        new = data.draw(st.text(alphabet=HEX, min_size=64, max_size=64))
    elif kind == "int":
        new = data.draw(st.integers(min_value=-5, max_value=10**6))
    elif kind == "json":
        new = data.draw(st.one_of(st.none(), st.dictionaries(st.sampled_from(["state", "note", "request", "x"]),
                                                             st.one_of(st.integers(), TEXT), max_size=3)))
    elif kind == "datetime":
        import datetime as dt
        new = current + dt.timedelta(seconds=data.draw(st.integers(-10**6, 10**6).filter(bool)))
    elif kind == "bytes":
        new = data.draw(st.binary(min_size=0, max_size=20))
        current = bytes(current)
    elif kind == "user":
        new = data.draw(st.sampled_from(world["users"])).pk
    elif kind == "case":
        new = data.draw(st.sampled_from([c.pk for c in world["cases"]] + [None]))
    elif kind.startswith("choice:"):
        new = data.draw(st.sampled_from(kind.split(":", 1)[1].split(",")))
    else:  # pragma: no cover
        raise AssertionError(kind)
    assume(new != current)
    return new


EVENT_COLUMNS = {
    "time": "datetime", "category": "choice:change,access,security", "event_type": "choice:note.added,case.created",
    "actor_label": "text", "actor_id": "user", "case_id": "case", "object_type": "text", "object_id": "text",
    "old_values": "json", "new_values": "json", "purpose": "text", "via": "choice:web,api,cli,", "seq": "int",
    "leaf_hash": "hex", "leaf": "text",
}
HEAD_COLUMNS = {"size": "int", "root_hash": "hex", "timestamp": "text", "key_id": "hex", "signature": "hex"}
SUBTREE_COLUMNS = {"level": "int", "index": "int", "hash": "hex"}
TEXT_COLUMNS = {"text": "text", "salt": "bytes", "field": "choice:purpose,filter_person,filter_case",
                "case_id": "case"}


def _update(model, pk, **values):
    def apply():
        model.objects.filter(pk=pk).update(**values)
    return apply


@CAMPAIGN
@given(data=st.data())
def test_every_edit_of_a_logged_event_is_detected(world, data):
    ev = data.draw(st.sampled_from(list(AuditEvent.objects.order_by("seq"))))
    column = data.draw(st.sampled_from(sorted(EVENT_COLUMNS)))
    value = _new_value(data, EVENT_COLUMNS[column], getattr(ev, column), world)
    assert _caught(world, _update(AuditEvent, ev.pk, **{column: value})), (ev.seq, ev.event_type, column, value)


@CAMPAIGN
@given(data=st.data())
def test_every_edit_of_a_head_the_state_the_cache_or_a_kept_text_is_detected(world, data):
    table = data.draw(st.sampled_from(["head", "state", "subtree", "text"]))
    if table == "head":
        row = data.draw(st.sampled_from(list(TreeHead.objects.order_by("pk"))))
        column = data.draw(st.sampled_from(sorted(HEAD_COLUMNS)))
        tamper = _update(TreeHead, row.pk, **{column: _new_value(data, HEAD_COLUMNS[column], getattr(row, column),
                                                                 world)})
    elif table == "state":
        state = LedgerState.objects.get(pk=1)
        if data.draw(st.booleans()):
            tamper = _update(LedgerState, 1, size=_new_value(data, "int", state.size, world))
        else:
            compact = json.loads(json.dumps(state.compact))
            i = data.draw(st.integers(0, len(compact["hashes"]) - 1))
            compact["hashes"][i] = _new_value(data, "hex", compact["hashes"][i], world)
            tamper = _update(LedgerState, 1, compact=compact)
    elif table == "subtree":
        row = data.draw(st.sampled_from(list(LedgerSubtree.objects.order_by("pk"))))
        column = data.draw(st.sampled_from(sorted(SUBTREE_COLUMNS)))
        tamper = _update(LedgerSubtree, row.pk, **{column: _new_value(data, SUBTREE_COLUMNS[column],
                                                                      getattr(row, column), world)})
    else:
        row = data.draw(st.sampled_from(list(AuditText.objects.order_by("pk"))))
        column = data.draw(st.sampled_from(sorted(TEXT_COLUMNS) + ["event_id"]))
        if column == "event_id":
            other = data.draw(st.sampled_from(list(AuditEvent.objects.exclude(pk=row.event_id).values_list("pk",
                                                                                                        flat=True))))
            tamper = _update(AuditText, row.pk, event_id=other)
        else:
            tamper = _update(AuditText, row.pk, **{column: _new_value(data, TEXT_COLUMNS[column], getattr(row, column),
                                                                      world)})
    assert _caught(world, tamper), table


@CAMPAIGN
@given(data=st.data())
def test_every_deletion_and_truncation_is_detected(world, data):
    kind = data.draw(st.sampled_from(["event", "truncate", "truncate_and_hide", "head", "subtree", "text", "state"]))
    size = world["size"]
    if kind == "event":
        seq = data.draw(st.integers(0, size - 1))
        tamper = lambda: AuditEvent.objects.filter(seq=seq).delete() and None  # noqa: E731
    elif kind in ("truncate", "truncate_and_hide"):
        keep = data.draw(st.integers(1, size - 1))

        def tamper():
            AuditEvent.objects.filter(seq__gte=keep).delete()
            if kind == "truncate_and_hide":  # the host rebuilds its state and cuts its own heads to match
                _rebuild_state()
                TreeHead.objects.filter(size__gt=keep).delete()
    elif kind == "head":
        pk = data.draw(st.sampled_from(list(TreeHead.objects.values_list("pk", flat=True))))
        tamper = lambda: TreeHead.objects.filter(pk=pk).delete() and None  # noqa: E731
    elif kind == "subtree":
        pk = data.draw(st.sampled_from(list(LedgerSubtree.objects.values_list("pk", flat=True))))
        tamper = lambda: LedgerSubtree.objects.filter(pk=pk).delete() and None  # noqa: E731
    elif kind == "text":
        pk = data.draw(st.sampled_from(list(AuditText.objects.values_list("pk", flat=True))))
        tamper = lambda: AuditText.objects.filter(pk=pk).delete() and None  # noqa: E731
    else:
        tamper = lambda: LedgerState.objects.all().delete() and None  # noqa: E731
    assert _caught(world, tamper), kind


def _rebuild_state():
    from comity.ledger import CompactRange

    compact = CompactRange()
    for h in AuditEvent.objects.order_by("seq").values_list("leaf_hash", flat=True):
        compact.append(bytes.fromhex(h))
    LedgerState.objects.filter(pk=1).update(size=compact.size, compact=compact.to_dict())


@CAMPAIGN
@given(data=st.data())
def test_every_insertion_is_detected(world, data):
    kind = data.draw(st.sampled_from(["outside", "middle", "unaccounted", "head", "subtree", "text"]))
    template = AuditEvent.objects.order_by("seq").last()

    def copy_event(**changes):
        fields = {f.attname: getattr(template, f.attname) for f in AuditEvent._meta.concrete_fields if f.name != "id"}
        fields.update(changes)
        return AuditEvent.objects.create(**fields)

    if kind == "outside":
        tamper = lambda: copy_event(seq=None) and None  # noqa: E731
    elif kind == "middle":
        at = data.draw(st.integers(0, world["size"] - 1))

        def tamper():
            for ev in AuditEvent.objects.filter(seq__gte=at).order_by("-seq"):
                AuditEvent.objects.filter(pk=ev.pk).update(seq=ev.seq + 1)
            copy_event(seq=at)
    elif kind == "unaccounted":  # a well-formed event at the end that the state and heads never counted
        def tamper():
            entry = json.loads(template.leaf)
            entry["seq"] = world["size"]
            from comity.ledger import canonical_event_bytes, leaf_hash
            line = canonical_event_bytes(entry)
            copy_event(seq=world["size"], leaf=line.decode(), leaf_hash=leaf_hash(line).hex())
    elif kind == "head":  # a head the host signs with its own key, for a size it never recorded signing
        size = data.draw(st.integers(1, world["size"] - 1))

        def tamper():
            from comity.ledger import merkle_root
            hashes = [bytes.fromhex(h) for h in AuditEvent.objects.order_by("seq").values_list("leaf_hash", flat=True)]
            d = sign_tree_head(ledger.private_key(), size, merkle_root(hashes[:size])).to_dict()
            TreeHead.objects.create(**d)
    elif kind == "subtree":
        level = data.draw(st.integers(4, 12))
        index = data.draw(st.integers(0, 3))
        value = data.draw(st.text(alphabet=HEX, min_size=64, max_size=64))
        tamper = lambda: LedgerSubtree.objects.create(level=level, index=index, hash=value) and None  # noqa: E731
    else:
        ev = data.draw(st.sampled_from(list(AuditEvent.objects.order_by("seq"))))
        field = data.draw(st.sampled_from(["purpose", "filter_person", "comment"]))
        text = data.draw(TEXT.filter(bool))
        tamper = lambda: AuditText.objects.create(event=ev, case_id=ev.case_id, field=field, text=text,  # noqa: E731
                                                  salt=os.urandom(16)) and None
    assert _caught(world, tamper), kind


def test_a_disposal_that_erases_texts_still_verifies(world, supervisor):
    """The erasures the log records (a disposed case's texts; case-less searches naming its parties) are not
    tampers: after a real disposal the log verifies, and deleting any other text is still caught."""
    from comity.audit.models import AuditText as Text

    assert Text.objects.filter(case_id__isnull=True).exists()
    assert _verifies(world)
    missing = Text.objects.filter(case_id=world["cases"][1].pk)
    assert missing.exists()
    with transaction.atomic():
        missing.delete()
    assert not _verifies(world)  # erased with no disposal recorded: caught
