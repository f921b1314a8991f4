"""Issue 13, "tamper evidence that does not trust the host": a tamper campaign over the evidence tables
and the encrypted files. Hypothesis picks the tamper; each is applied to a fresh copy of one small
instance (two items, a chain of custody, a disclosure with its package), and the verification that
`comity evidence verify --all` runs (the register against the audit log, every item in full) must
fail. Every edit of a hashed, signed or anchored field, every deletion, truncation and insertion.

Each example runs inside a transaction that is rolled back, and the files are put back afterwards,
so the examples share one set-up and the whole campaign stays well under a minute."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from comity.evidence import actions, report
from comity.evidence.models import CustodyEvent, Disclosure, EvidenceItem, UserSigningKey
from tests.support.tamper import caught

pytestmark = pytest.mark.django_db

CAMPAIGN = settings(max_examples=int(os.environ.get("COMITY_TAMPER_EXAMPLES", "60")), deadline=None,
                    derandomize=False, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.filter_too_much])

HEX = "0123456789abcdef"
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=24)


@pytest.fixture
def world(register, case, caseworker, colleague, supervisor, extradition, evidence_env):
    from comity.cases import actions as case_actions

    other_case = case_actions.do_create_case(title="Another case", summary="x", acting_user=supervisor)
    digital = register(content=os.urandom(actions.CHUNK + 3000), name="disk.img", sha512=True,
                       description="Image of the laptop of the suspect", seal_numbers="S-1")
    physical = register(kind="physical", title="Seal bag", description="Bag with documents", seal_numbers="S-9",
                        location="Vault 2", content=None, onward_disclosure_needs_consent=True,
                        purpose_limitation="fraud proceedings only")
    actions.do_record_consent(physical, consent_reference="FR note 2026/1", acting_user=caseworker)
    actions.do_record_custody_event(digital, kind="transferred", at=timezone.now(), place="Rome",
                                    reason="to the lab", to_user=colleague, acting_user=caseworker)
    actions.do_record_custody_event(digital, kind="received", at=timezone.now(), place="Lab", reason="exam",
                                    from_user=caseworker, acting_user=colleague)
    d = actions.do_disclose_evidence(case, items=[digital], fields=["file", "custody", "description"],
                                     recipient="Court of Rome", recipient_kind="court", purpose="trial",
                                     acting_user=caseworker)
    world = {"case": case, "other_case": other_case, "digital": digital, "physical": physical, "disclosure": d,
             "users": [caseworker, colleague, supervisor], "request": extradition,
             "files": sorted(p for p in (evidence_env / "evidence").rglob("*") if p.is_file())}
    assert len(world["files"]) == 2  # the item's file and the disclosure package
    assert _verification_passes(world), "the untouched instance must verify"
    return world


def _verification_passes(world) -> bool:
    summary, _reports = report.register_report(register_case_ids=None, item_case_ids=[world["case"].pk])
    return summary["ok"]


def _tampered(world, tamper) -> bool:
    """Apply the tamper, verify, undo; True when verification caught it. Refused tampers are rejected."""
    return caught(tamper, lambda: _verification_passes(world), world["files"])


# --- edits ----------------------------------------------------------------------------------------------

def _value(data, kind, current, world):
    """A new value of the given kind, different from the current one."""
    if kind == "text":
        new = data.draw(TEXT)
    elif kind == "hex":
        new = data.draw(st.text(alphabet=HEX, min_size=64, max_size=64))
    elif kind == "hex128":
        new = data.draw(st.text(alphabet=HEX, min_size=128, max_size=128))
    elif kind == "bool":
        new = not current
    elif kind == "int":
        new = data.draw(st.integers(min_value=0, max_value=2**40))
    elif kind == "bytes":
        new = data.draw(st.binary(max_size=96))
        current = bytes(current) if current is not None else b""  # NULL and empty mean the same
    elif kind == "datetime":
        new = current + dt.timedelta(seconds=data.draw(st.integers(-10**7, 10**7).filter(bool)))
    elif kind == "date":
        new = current + dt.timedelta(days=data.draw(st.integers(-2000, 2000).filter(bool)))
    elif kind == "uuid":
        import uuid
        new = uuid.uuid4()
    elif kind == "user":
        new = data.draw(st.sampled_from(world["users"]))
        current = getattr(current, "pk", current)
        assume(new.pk != current)
        return new
    elif kind == "case":
        return world["other_case"]
    elif kind == "request":
        assume(current is None)
        return world["request"]
    elif kind == "key":
        keys = list(UserSigningKey.objects.all())
        new = data.draw(st.sampled_from(keys))
        assume(new.pk != current.pk)
        return new
    elif kind == "fields":
        new = data.draw(st.lists(st.sampled_from(actions.DISCLOSABLE_FIELDS), unique=True, max_size=4))
    elif kind == "manifest":
        new = dict(current)
        new[data.draw(st.sampled_from(sorted(new)))] = data.draw(TEXT)
    elif kind.startswith("choice:"):
        new = data.draw(st.sampled_from(kind.split(":", 1)[1].split(",")))
    else:  # pragma: no cover
        raise AssertionError(kind)
    assume(new != current)
    return new


ITEM_FIELDS = {
    "exhibit_number": "text", "kind": "choice:physical,digital", "title": "text", "description": "text",
    "seal_numbers": "text", "location": "text", "providing_state": "choice:FR,DE,ES,IT,",
    "providing_authority": "text", "date_obtained": "date", "legal_basis": "text", "speciality": "bool",
    "purpose_limitation": "text", "onward_disclosure_needs_consent": "bool", "consent_reference": "text",
    "filename": "text", "content_type": "text", "size": "int", "sha256": "hex", "sha512": "hex128",
    "storage_name": "text", "wrapped_key": "bytes", "descriptive_key": "bytes", "registered_by": "user",
    "registered_at": "datetime", "uuid": "uuid", "case": "case", "source_request": "request",
}
EVENT_FIELDS = {
    "seq": "int", "kind": "choice:collected,sealed,transferred,received,examined,copied,returned,disposed",
    "actor": "user", "from_user": "user", "from_party": "text", "to_user": "user", "to_party": "text",
    "at": "datetime", "place": "text", "reason": "text", "recorded_at": "datetime", "prev_hash": "hex",
    "record_hash": "hex", "signing_key": "key", "signature": "bytes", "timestamp_token": "bytes", "uuid": "uuid",
}
DISCLOSURE_FIELDS = {
    "recipient": "text", "recipient_kind": "choice:authority,defence,court", "recipient_state": "choice:FR,DE,",
    "purpose": "text", "fields": "fields", "manifest": "manifest", "package_name": "text", "package_sha256": "hex",
    "package_size": "int", "wrapped_key": "bytes", "created_by": "user", "created_at": "datetime", "uuid": "uuid",
    "case": "case",
}
KEY_FIELDS = {"public_key": "bytes", "fingerprint": "text", "user": "user"}


def _edit(model, pk, field, value):
    def apply():
        model.objects.filter(pk=pk).update(**{field: value})
    return apply


@CAMPAIGN
@given(data=st.data())
def test_every_edit_of_an_item_is_detected(world, data):
    item = data.draw(st.sampled_from(["digital", "physical"]))
    obj = EvidenceItem.objects.get(pk=world[item].pk)
    field = data.draw(st.sampled_from(sorted(ITEM_FIELDS)))
    value = _value(data, ITEM_FIELDS[field], getattr(obj, field), world)
    assert _tampered(world, _edit(EvidenceItem, obj.pk, field, value)), (item, field, value)


@CAMPAIGN
@given(data=st.data())
def test_every_edit_of_a_custody_event_or_signing_key_is_detected(world, data):
    if data.draw(st.booleans()):
        ev = data.draw(st.sampled_from(list(CustodyEvent.objects.order_by("pk"))))
        field = data.draw(st.sampled_from(sorted(EVENT_FIELDS)))
        value = _value(data, EVENT_FIELDS[field], getattr(ev, field), world)
        assert _tampered(world, _edit(CustodyEvent, ev.pk, field, value)), (ev.item.exhibit_number, ev.seq, field)
    else:
        key = data.draw(st.sampled_from(list(UserSigningKey.objects.order_by("pk"))))
        field = data.draw(st.sampled_from(sorted(KEY_FIELDS)))
        value = _value(data, KEY_FIELDS[field], getattr(key, field), world)
        assert _tampered(world, _edit(UserSigningKey, key.pk, field, value)), (field, value)


@CAMPAIGN
@given(data=st.data())
def test_every_edit_of_a_disclosure_is_detected(world, data):
    d = Disclosure.objects.get(pk=world["disclosure"].pk)
    field = data.draw(st.sampled_from(sorted(DISCLOSURE_FIELDS)))
    value = _value(data, DISCLOSURE_FIELDS[field], getattr(d, field), world)
    assert _tampered(world, _edit(Disclosure, d.pk, field, value)), (field, value)


# --- deletions and insertions ---------------------------------------------------------------------------

def _delete_item(pk):
    def apply():
        CustodyEvent.objects.filter(item_id=pk).delete()
        Disclosure.items.through.objects.filter(evidenceitem_id=pk).delete()
        EvidenceItem.objects.filter(pk=pk).delete()
    return apply


def _copy_row(obj, **changes):
    import uuid

    def apply():
        clone = type(obj).objects.get(pk=obj.pk)
        clone.pk = None
        clone.id = None
        if hasattr(clone, "uuid"):
            clone.uuid = uuid.uuid4()
        for k, v in changes.items():
            setattr(clone, k, v)
        clone.save(force_insert=True)
    return apply


def _forged_event(item, world):
    """A well-formed, signed and time-stamped next event that never went through the action."""
    def apply():
        ring = actions.keyring()
        ev = actions._prepare_custody(item, ring, kind="examined", actor=item.registered_by, at=timezone.now(),
                                      place="Lab", reason="forged")
        ev.save()
    return apply


def _tampers(world):
    digital, physical, d = world["digital"], world["physical"], world["disclosure"]
    events = list(CustodyEvent.objects.order_by("pk"))
    out = {
        "delete the digital item": _delete_item(digital.pk),
        "delete the physical item": _delete_item(physical.pk),
        "delete the disclosure": lambda: Disclosure.objects.filter(pk=d.pk).delete(),
        "unlink the item from the disclosure": lambda: d.items.remove(digital),
        "link another item to the disclosure": lambda: d.items.add(physical),
        "insert a copy of the physical item": _copy_row(physical, exhibit_number="EV-2026-999999"),
        "insert a copy of the disclosure": _copy_row(d),
        "append a forged event to the digital item": _forged_event(digital, world),
        "append a forged event to the physical item": _forged_event(physical, world),
        "append a copied row as the next event": _copy_row(events[-1], seq=events[-1].seq + 1),
    }
    for ev in events:
        out[f"delete custody event {ev.item.exhibit_number} #{ev.seq}"] = (
            lambda pk=ev.pk: CustodyEvent.objects.filter(pk=pk).delete())
    for item in (digital, physical):
        last_two = list(CustodyEvent.objects.filter(item=item).order_by("-seq").values_list("pk", flat=True)[:2])
        out[f"delete the last two events of {item.exhibit_number}"] = (
            lambda ids=last_two: CustodyEvent.objects.filter(pk__in=ids).delete())
    return out


@CAMPAIGN
@given(data=st.data())
def test_every_deletion_and_insertion_of_rows_is_detected(world, data):
    tampers = _tampers(world)
    name = data.draw(st.sampled_from(sorted(tampers)))
    assert _tampered(world, tampers[name]), name


# --- the encrypted files --------------------------------------------------------------------------------

@CAMPAIGN
@given(data=st.data())
def test_every_change_to_an_encrypted_file_is_detected(world, data):
    path: Path = data.draw(st.sampled_from(world["files"]))
    blob = path.read_bytes()
    op = data.draw(st.sampled_from(["flip", "truncate", "append", "insert", "delete", "swap", "overwrite"]))
    pos = data.draw(st.integers(min_value=0, max_value=len(blob) - 1))
    extra = data.draw(st.binary(min_size=1, max_size=64))
    other = next(p for p in world["files"] if p != path)

    def apply():
        if op == "flip":
            b = bytearray(blob)
            b[pos] ^= 1 << data.draw(st.integers(0, 7))
            path.write_bytes(bytes(b))
        elif op == "truncate":
            path.write_bytes(blob[:pos])
        elif op == "append":
            path.write_bytes(blob + extra)
        elif op == "insert":
            path.write_bytes(blob[:pos] + extra + blob[pos:])
        elif op == "delete":
            path.unlink()
        elif op == "swap":
            path.write_bytes(other.read_bytes())
        else:
            new = blob[:pos] + extra + blob[pos + len(extra):]
            assume(new != blob)
            path.write_bytes(new[:len(blob)])

    assert _tampered(world, apply), (path.name, op, pos)
