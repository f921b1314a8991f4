"""The exchange format's public documentation: the JSON Schemas in docs/exchange/ are current and say what the
models say, and docs/exchange.md is enough to interoperate — an implementation written here from the document
alone (json, hashlib, cryptography and joserfc, none of comity.exchange's helpers) is understood by
comity.exchange, and understands what comity.exchange sends."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc import jwe, jws
from joserfc.jwk import OKPKey
from joserfc.registry import HeaderParameter
from pydantic import ValidationError

from comity.exchange import (
    AuthorityKeys,
    Evidence,
    Identity,
    Payload,
    Rejected,
    fingerprint,
    format_fingerprint,
    issue_evidence,
    open_chunk,
    open_envelope,
    read_evidence,
    seal_chunk,
    seal_envelope,
)
from comity.exchange.errors import REASONS
from comity.exchange.identity import CLOCK_SKEW
from comity.exchange.message import BODIES, MAX_CHUNK, MAX_CHUNK_TOKEN, MAX_ENVELOPE, MESSAGE_TYPES, WINDOW

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "generate_exchange_schemas.py"
SCHEMAS = ROOT / "docs" / "exchange"
DOC = ROOT / "docs" / "exchange.md"
NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
UTC = "%Y-%m-%dT%H:%M:%SZ"


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


# --- (a) the committed schemas are current -------------------------------------------------------------------

def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], check=False, cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})


def test_the_committed_schemas_are_what_the_models_give():
    result = _run("--check")
    assert result.returncode == 0, result.stderr
    for name in ("message-v1.schema.json", "evidence-v1.schema.json", "identity-v1.schema.json"):
        text = (SCHEMAS / name).read_text(encoding="utf-8")
        assert text.endswith("}\n") and json.loads(text)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_check_names_a_stale_or_missing_schema(tmp_path):
    for name in ("message-v1.schema.json", "evidence-v1.schema.json"):
        shutil.copy(SCHEMAS / name, tmp_path / name)
    doc = json.loads((tmp_path / "evidence-v1.schema.json").read_text())
    doc["properties"]["detail"]["maxLength"] = 501
    (tmp_path / "evidence-v1.schema.json").write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    result = _run("--check", "--dir", str(tmp_path))
    assert result.returncode == 1
    assert "evidence-v1.schema.json" in result.stderr and "identity-v1.schema.json" in result.stderr
    assert "message-v1.schema.json" not in result.stderr
    assert _run("--dir", str(tmp_path)).returncode == 0
    assert _run("--check", "--dir", str(tmp_path)).returncode == 0
    assert (tmp_path / "evidence-v1.schema.json").read_bytes() == (SCHEMAS / "evidence-v1.schema.json").read_bytes()


# --- (b) every example of each type validates; a body of the wrong shape does not ---------------------------

def _validator(schema: dict):
    """A JSON Schema validator from a library already installed (jsonschema, else jsonschema-rs), or None: the
    round trip through pydantic then stands alone."""
    try:
        import jsonschema

        cls = jsonschema.validators.validator_for(schema)
        v = cls(schema, format_checker=cls.FORMAT_CHECKER)
        return lambda doc: v.is_valid(doc)
    except ImportError:
        pass
    try:
        import jsonschema_rs
    except ImportError:
        return None
    v = jsonschema_rs.validator_for(schema, validate_formats=True)
    return v.is_valid


SHA = hashlib.sha256(b"exhibit").hexdigest()
EXAMPLE_BODIES: dict[str, dict] = {
    "new_request": {"kind": "mla", "reference": "MLA-2026-0001", "subject": "Bank records", "requesting_state": "FR",
                    "requested_state": "ES", "urgency": "urgent", "urgency_reason": "accounts may be emptied",
                    "measures": ["bank_records"], "offences": ["fraud"],
                    "persons": [{"schema": "Person", "role": "suspect", "properties": {"name": ["Jean Dupont"]}}]},
    "acknowledgement": {"reference": "CJI-2026-77", "comment": "Received; under assessment."},
    "information_request": {"questions": "Which account numbers?"},
    "information": {"answer": "ES12 3456 7890 1234 5678 9012."},
    "status_update": {"status": "refused", "step": "refuse", "comment": "Dual criminality.",
                      "grounds": ["dual_criminality"]},
    "execution_result": {"outcome": "executed", "comment": "Records attached.", "evidence": [
        {"attachment": 0, "item": "EX-1", "description": "Bank statement", "sha256": SHA,
         "custody": [{"seq": "1", "kind": "seized", "at": "2026-11-30T10:00:00+01:00", "by": "officer"}]}]},
    "withdrawal": {"reason": "The case was closed."},
    "evidence": {"evidence": "eyJhbGciOiJFZDI1NTE5In0.e30.c2ln"},
    "key_rotation": {"identity": "eyJhbGciOiJFZDI1NTE5In0.e30.c2ln"},
}


def _example(mtype: str, body: dict) -> dict:
    attachments = []
    if mtype == "execution_result":
        attachments = [{"index": 0, "name": "statement.pdf", "media_type": "application/pdf", "size": 7,
                        "sha256": SHA, "chunk_size": 1048576, "chunks": [SHA]}]
    return {"format": "comity-message/1", "id": "3f1c2a9e-7b4d-4e21-9a57-0c8e5d6b1f42",
            "conversation": "FR:bepi/MLA-2026-0001", "type": mtype, "sender": "ES:mjus-scj", "recipient": "FR:bepi",
            "created": "2026-12-02T12:00:00Z", "in_reply_to": None, "body": body, "attachments": attachments}


def _pydantic_accepts(doc: dict) -> bool:
    try:
        payload = Payload.model_validate(doc)
        payload.typed_body()
    except ValidationError:
        return False
    assert Payload.model_validate(payload.document()) == payload  # the round trip
    return True


def test_every_message_type_has_an_example_and_a_branch_of_the_schema():
    schema = _schema("message-v1.schema.json")
    assert set(EXAMPLE_BODIES) == set(MESSAGE_TYPES) == set(BODIES)
    assert schema["properties"]["type"]["enum"] == list(MESSAGE_TYPES)
    branches = {b["if"]["properties"]["type"]["const"]: b["then"]["properties"]["body"]["$ref"]
                for b in schema["allOf"]}
    assert branches == {t: f"#/$defs/{m.__name__}" for t, m in BODIES.items()}
    assert "format" in schema["required"] and schema["properties"]["format"]["const"] == "comity-message/1"


@pytest.mark.parametrize("mtype", list(EXAMPLE_BODIES))
def test_an_example_of_each_type_validates_and_a_body_of_the_wrong_shape_does_not(mtype):
    valid = _validator(_schema("message-v1.schema.json"))
    doc = _example(mtype, EXAMPLE_BODIES[mtype])
    assert _pydantic_accepts(doc)
    if valid:
        assert valid(doc)
    types = list(EXAMPLE_BODIES)
    other = types[(types.index(mtype) + 1) % len(types)]
    wrong = [EXAMPLE_BODIES[other],  # another type's body
             {**EXAMPLE_BODIES[mtype], "unexpected": "x"}]  # an extra field
    required = [k for k, f in BODIES[mtype].model_fields.items() if f.is_required()]
    if required:
        wrong.append({k: v for k, v in EXAMPLE_BODIES[mtype].items() if k != required[0]})  # a field missing
    for body in wrong:
        bad = _example(mtype, body)
        assert not _pydantic_accepts(bad), (mtype, body)
        if valid:
            assert not valid(bad), (mtype, body)


def test_fields_outside_the_body_are_checked_by_the_schema_too():
    valid = _validator(_schema("message-v1.schema.json"))
    assert valid is not None, "jsonschema_rs (requirements-dev.txt) validates the schemas"
    good = _example("withdrawal", {})
    assert valid(good)
    for change in ({"format": "comity-message/2"}, {"type": "gossip"}, {"sender": "france"},
                   {"created": "2026-12-02T12:00:00"}, {"id": "m-1"}, {"extra": 1}):
        assert not valid({**good, **change}), change
    assert not valid({k: v for k, v in good.items() if k != "format"})


def test_evidence_and_identity_documents_follow_their_schemas():
    keys = AuthorityKeys.generate(NOW - dt.timedelta(days=1))
    ident = Identity.for_keys(keys, authority="FR:bepi", state="FR", name="BEPI", role="central_authority",
                              endpoint="https://fr.example/exchange/v1/", tls_certificate_sha256="ab" * 32, issued=NOW)
    ev, _ = issue_evidence("NON_DELIVERY", message="m-1", digest="", issuer="FR:bepi", sender="ES:mjus-scj",
                           recipient="FR:bepi", keys=keys, reason="replay_window", detail="too old", at=NOW)
    for name, doc, model in (("identity-v1.schema.json", ident.document(), Identity),
                             ("evidence-v1.schema.json", json.loads(ev.model_dump_json()), Evidence)):
        valid = _validator(_schema(name))
        assert model.model_validate(doc)
        if valid:
            assert valid(doc)
            assert not valid({**doc, "format": "other/1"})
            assert not valid({**doc, "surplus": True})
    naive = {**ident.document(), "issued": "2026-12-02T12:00:00"}
    with pytest.raises(ValidationError):  # a time without its offset is refused, as the document says
        Identity.model_validate(naive)
    valid = _validator(_schema("identity-v1.schema.json"))
    if valid:
        assert not valid(naive) and not valid({**ident.document(), "role": "bank"})


def test_the_worked_example_payload_is_canonical_and_valid():
    doc_text = _doc()
    section = doc_text[doc_text.index("### 12.2 The payload"):]
    block = re.search(r"```json\n(.*?)\n```", section, re.DOTALL).group(1)
    doc = json.loads(block)
    assert _canonical(doc).decode() == block
    assert _pydantic_accepts(doc)
    valid = _validator(_schema("message-v1.schema.json"))
    if valid:
        assert valid(doc)


# --- (c) an independent implementation, written from docs/exchange.md ---------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _canonical(value) -> bytes:
    """Section 2: keys sorted, no whitespace, UTF-8 as itself, integers only."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _raw(public) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _thumbprint(crv: str, x: str) -> str:
    """Section 3.1: RFC 7638 with SHA-256."""
    return _b64(hashlib.sha256(_canonical({"crv": crv, "kty": "OKP", "x": x})).digest())


class Independent:
    """An authority implemented from the document: its keys, its identity file, sealing and opening."""

    def __init__(self, authority: str, state: str, since: dt.datetime):
        self.authority, self.state = authority, state
        self.sig, self.enc = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
        self.sig_x, self.enc_x = _b64(_raw(self.sig.public_key())), _b64(_raw(self.enc.public_key()))
        self.sig_kid, self.enc_kid = _thumbprint("Ed25519", self.sig_x), _thumbprint("X25519", self.enc_x)
        self.since = since

    def document(self, issued: dt.datetime) -> dict:
        keys = [{"kid": self.sig_kid, "use": "sig", "kty": "OKP", "crv": "Ed25519", "x": self.sig_x,
                 "valid_from": self.since.strftime(UTC), "valid_until": None},
                {"kid": self.enc_kid, "use": "enc", "kty": "OKP", "crv": "X25519", "x": self.enc_x,
                 "valid_from": self.since.strftime(UTC), "valid_until": None}]
        return {"format": "comity-identity/1", "authority": self.authority, "state": self.state,
                "name": f"Central authority of {self.state}", "role": "central_authority",
                "endpoint": f"https://{self.state.lower()}.example:8443/exchange/v1/",
                "tls_certificate_sha256": hashlib.sha256(b"DER certificate").hexdigest(), "keys": keys,
                "issued": issued.strftime(UTC)}

    def jws(self, header: dict, payload: bytes, key: Ed25519PrivateKey | None = None) -> str:
        """Section 2 / 6.2: compact JWS, alg Ed25519."""
        signing_input = _b64(_canonical(header)) + "." + _b64(payload)
        return signing_input + "." + _b64((key or self.sig).sign(signing_input.encode("ascii")))

    def identity_file(self, issued: dt.datetime) -> str:
        """Section 3.3."""
        return self.jws({"alg": "Ed25519", "kid": self.sig_kid, "typ": "comity-identity+jws"},
                        _canonical(self.document(issued)))

    def fingerprint(self) -> str:
        """Section 3.4: 16 groups of 4 upper-case hex digits."""
        digest = hashlib.sha256(_canonical({"authority": self.authority, "crv": "Ed25519", "x": self.sig_x}))
        return " ".join(digest.hexdigest().upper()[i:i + 4] for i in range(0, 64, 4))

    @staticmethod
    def jwe(plaintext: bytes, recipient_enc_x: str, recipient_enc_kid: str, extra: dict) -> str:
        """Section 6.1: ECDH-ES on X25519, Concat KDF (SHA-256, AlgorithmID "A256GCM", empty PartyU/VInfo, 256
        bits), A256GCM with the base64url protected header as AAD; the encrypted key is empty."""
        ephemeral = X25519PrivateKey.generate()
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(_unb64(recipient_enc_x)))
        header = {"alg": "ECDH-ES", "enc": "A256GCM", "kid": recipient_enc_kid, **extra,
                  "epk": {"kty": "OKP", "crv": "X25519", "x": _b64(_raw(ephemeral.public_key()))}}
        protected = _b64(json.dumps(header).encode())

        def field(data: bytes) -> bytes:
            return len(data).to_bytes(4, "big") + data

        other = field(b"A256GCM") + field(b"") + field(b"") + (256).to_bytes(4, "big")
        cek = ConcatKDFHash(algorithm=hashes.SHA256(), length=32, otherinfo=other).derive(shared)
        iv = os.urandom(12)
        sealed = AESGCM(cek).encrypt(iv, plaintext, protected.encode("ascii"))
        return ".".join([protected, "", _b64(iv), _b64(sealed[:-16]), _b64(sealed[-16:])])


def _peer_keys(doc: dict) -> tuple[dict, dict]:
    """The current sig and enc key records of an identity document (section 3.2: the last open one of each)."""
    current = {}
    for k in doc["keys"]:
        if k["valid_until"] is None:
            current[k["use"]] = k
    return current["sig"], current["enc"]


def _read_identity_file(token: str) -> dict:
    """Section 3.3, first import: verify with the listed key the header names."""
    header_b64, payload_b64, sig_b64 = token.split(".")
    header, doc = json.loads(_unb64(header_b64)), json.loads(_unb64(payload_b64))
    assert header["typ"] == "comity-identity+jws" and header["alg"] == "Ed25519"
    (record,) = [k for k in doc["keys"] if k["kid"] == header["kid"] and k["use"] == "sig"]
    Ed25519PublicKey.from_public_bytes(_unb64(record["x"])).verify(_unb64(sig_b64),
                                                                   f"{header_b64}.{payload_b64}".encode())
    assert _thumbprint(record["crv"], record["x"]) == record["kid"]
    return doc


@pytest.fixture
def two():
    """FR implemented from the document; ES is Comity."""
    fr = Independent("FR:bepi", "FR", NOW - dt.timedelta(days=30))
    es_keys = AuthorityKeys.generate(NOW - dt.timedelta(days=30))
    es = Identity.for_keys(es_keys, authority="ES:mjus-scj", state="ES", name="SGCJI", role="central_authority",
                           endpoint="https://es.example/exchange/v1/", tls_certificate_sha256="cd" * 32,
                           issued=NOW - dt.timedelta(days=30))
    return fr, es_keys, es


def test_an_identity_file_made_from_the_document_imports_with_the_same_fingerprint(two):
    fr, _es_keys, _es = two
    ident = Identity.read_file(fr.identity_file(NOW - dt.timedelta(days=30)))
    assert ident.authority == "FR:bepi" and ident.current("sig").kid == fr.sig_kid
    assert format_fingerprint(fingerprint(ident)) == fr.fingerprint()


def test_the_fingerprint_example_in_the_document_is_right():
    text = _doc()
    line = re.search(r"input:\s+(\{.*\})\nfingerprint: ([0-9A-F ]+)\n", text)
    given = json.loads(line.group(1))
    assert _canonical(given).decode() == line.group(1)
    digest = hashlib.sha256(line.group(1).encode()).hexdigest().upper()
    assert line.group(2) == " ".join(digest[i:i + 4] for i in range(0, 64, 4))
    example = json.loads(re.search(r"### 12\.1.*?```json\n(.*?)\n```", text, re.DOTALL).group(1))
    assert (given["authority"], given["x"]) == (example["authority"], example["keys"][0]["x"])


def test_a_message_and_a_chunk_sealed_from_the_document_open_in_comity(two):
    fr, es_keys, es = two
    fr_ident = Identity.read_file(fr.identity_file(NOW - dt.timedelta(days=30)))
    es_doc = _read_identity_file(es.sign(es_keys.signing().key))
    _es_sig, es_enc = _peer_keys(es_doc)
    peers = {"FR:bepi": fr_ident}.get

    data = "Relevé de compte\n".encode() * 500
    mid = "5b0e1c52-3f0a-4d8e-9a61-2f7d4c9b8e10"
    chunk_jwe = fr.jwe(data, es_enc["x"], es_enc["kid"],
                       {"cty": "application/octet-stream", "mid": mid, "att": 0, "idx": 0})
    chunk = fr.jws({"alg": "Ed25519", "typ": "comity-chunk+jws", "kid": fr.sig_kid, "iss": "FR:bepi",
                    "aud": "ES:mjus-scj", "mid": mid, "att": 0, "idx": 0, "iat": int(NOW.timestamp())},
                   chunk_jwe.encode("ascii"))
    opened_chunk = open_chunk(chunk, me=es_keys, my_authority="ES:mjus-scj", peers=peers, now=NOW)
    assert opened_chunk.content == data and opened_chunk.digest == hashlib.sha256(data).hexdigest()

    payload = {"format": "comity-message/1", "id": mid, "conversation": "FR:bepi/MLA-2026-0042", "type": "new_request",
               "sender": "FR:bepi", "recipient": "ES:mjus-scj", "created": NOW.strftime(UTC), "in_reply_to": None,
               "body": {"kind": "mla", "reference": "MLA-2026-0042", "subject": "Comptes à Málaga",
                        "requesting_state": "FR", "requested_state": "ES"},
               "attachments": [{"index": 0, "name": "releve.txt", "media_type": "text/plain", "size": len(data),
                                "sha256": hashlib.sha256(data).hexdigest(), "chunk_size": 1048576,
                                "chunks": [hashlib.sha256(data).hexdigest()]}]}
    content = fr.jwe(_canonical(payload), es_enc["x"], es_enc["kid"], {"cty": "comity-message/1", "mid": mid})
    header = {"alg": "Ed25519", "typ": "comity-message+jws", "kid": fr.sig_kid, "iss": "FR:bepi",
              "aud": "ES:mjus-scj", "mid": mid}
    for attempt in (NOW, NOW + dt.timedelta(hours=2)):  # a retry: the same JWE, signed again with a new iat
        envelope = fr.jws({**header, "iat": int(attempt.timestamp())}, content.encode("ascii"))
        opened = open_envelope(envelope, me=es_keys, my_authority="ES:mjus-scj", peers=peers, now=attempt)
        assert opened.payload.document() == payload
        assert opened.digest == hashlib.sha256(content.encode("ascii")).hexdigest()
        assert opened.sender.authority == "FR:bepi" and opened.sent_at == attempt

    # evidence written from the document verifies in Comity; Comity's evidence verifies by hand
    evidence = {"format": "comity-evidence/1", "type": "RETRIEVAL", "message": "0e6b1c9d-0000-4000-8000-000000000001",
                "digest": "", "issuer": "FR:bepi", "sender": "ES:mjus-scj", "recipient": "FR:bepi",
                "at": NOW.strftime(UTC), "reason": "", "detail": ""}
    token = fr.jws({"alg": "Ed25519", "kid": fr.sig_kid, "typ": "comity-evidence+jws"}, _canonical(evidence))
    assert read_evidence(token, issuer=fr_ident).type == "RETRIEVAL"
    _ev, receipt = issue_evidence("DELIVERY", message=mid, digest=opened.digest, issuer="ES:mjus-scj",
                                  sender="FR:bepi", recipient="ES:mjus-scj", keys=es_keys, at=NOW)
    h, p, s = receipt.split(".")
    head = json.loads(_unb64(h))
    assert head["typ"] == "comity-evidence+jws" and head["alg"] == "Ed25519"
    (key,) = [k for k in es_doc["keys"] if k["kid"] == head["kid"] and k["use"] == "sig"]
    Ed25519PublicKey.from_public_bytes(_unb64(key["x"])).verify(_unb64(s), f"{h}.{p}".encode())
    doc = json.loads(_unb64(p))
    assert _unb64(p) == _canonical(doc)
    assert (doc["type"], doc["message"], doc["digest"]) == ("DELIVERY", mid, opened.digest)


def test_a_key_rotation_made_from_the_document_is_accepted_as_an_update(two):
    fr, es_keys, es = two
    old_file = fr.identity_file(NOW - dt.timedelta(days=30))
    trusted = Identity.read_file(old_file)
    # section 4: a new pair; the old ones closed at the end of the overlap; the new identity signed with the old key
    old_sig, old_sig_kid, old_doc = fr.sig, fr.sig_kid, fr.document(NOW - dt.timedelta(days=30))
    later = NOW - dt.timedelta(minutes=1)
    new = Independent("FR:bepi", "FR", later)
    doc = new.document(later)
    closed = [{**k, "valid_until": (later + dt.timedelta(days=7)).strftime(UTC)} for k in old_doc["keys"]]
    doc["keys"] = closed + doc["keys"]
    update = new.jws({"alg": "Ed25519", "kid": old_sig_kid, "typ": "comity-identity+jws"}, _canonical(doc),
                     key=old_sig)
    merged = Identity.read_file(update, signed_by=trusted).merged_with(trusted)
    assert merged.current("sig").kid == new.sig_kid
    assert merged.key(old_sig_kid, "sig", NOW) is not None  # old signatures still verify during the overlap
    # the key_rotation message itself is signed with the previous key, which ES already trusts
    es_enc = es.current("enc")
    mid = "7c2d9e41-8b3a-4f65-a0d1-3e5f7a9b1c20"
    payload = {"format": "comity-message/1", "id": mid, "conversation": "FR:bepi/control", "type": "key_rotation",
               "sender": "FR:bepi", "recipient": "ES:mjus-scj", "created": NOW.strftime(UTC), "in_reply_to": None,
               "body": {"identity": update}, "attachments": []}
    content = fr.jwe(_canonical(payload), es_enc.x, es_enc.kid, {"cty": "comity-message/1", "mid": mid})
    envelope = fr.jws({"alg": "Ed25519", "typ": "comity-message+jws", "kid": old_sig_kid, "iss": "FR:bepi",
                       "aud": "ES:mjus-scj", "mid": mid, "iat": int(NOW.timestamp())}, content.encode("ascii"))
    opened = open_envelope(envelope, me=es_keys, my_authority="ES:mjus-scj", peers={"FR:bepi": trusted}.get,
                           now=NOW)
    assert opened.payload.typed_body().identity == update


def _plain_jws_registry() -> jws.JWSRegistry:
    """Section 6.2: a library that refuses unknown header parameters must be told of iss, aud, mid, iat, att, idx."""
    params = {"iss": HeaderParameter("sender", "str"), "aud": HeaderParameter("recipient", "str"),
              "mid": HeaderParameter("message id", "str"), "iat": HeaderParameter("attempt", "int"),
              "att": HeaderParameter("attachment", "int"), "idx": HeaderParameter("chunk", "int")}
    return jws.JWSRegistry(header_registry=params, algorithms=["Ed25519"])


def _plain_jwe_registry() -> jwe.JWERegistry:
    params = {"mid": HeaderParameter("message id", "str"), "att": HeaderParameter("attachment", "int"),
              "idx": HeaderParameter("chunk", "int")}
    return jwe.JWERegistry(header_registry=params, algorithms=["ECDH-ES", "A256GCM"])


def test_what_comity_seals_opens_with_plain_joserfc_as_the_document_says(two):
    fr, es_keys, es = two
    fr_ident = Identity.read_file(fr.identity_file(NOW - dt.timedelta(days=30)))
    es_sig = OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": es.current("sig").x})
    fr_enc = OKPKey.import_key({"kty": "OKP", "crv": "X25519", "x": fr.enc_x,
                                "d": _b64(fr.enc.private_bytes_raw())})
    payload = Payload.new(type="information_request", sender="ES:mjus-scj", recipient="FR:bepi",
                          conversation="FR:bepi/MLA-2026-0042", body={"questions": "¿Qué cuentas?"}, created=NOW,
                          in_reply_to="5b0e1c52-3f0a-4d8e-9a61-2f7d4c9b8e10")
    sealed = seal_envelope(payload, sender=es_keys, recipient=fr_ident)
    token = sealed.for_attempt(es_keys, NOW)

    signed = jws.deserialize_compact(token, es_sig, registry=_plain_jws_registry())
    h = signed.protected
    assert h == {"alg": "Ed25519", "typ": "comity-message+jws", "kid": es.current("sig").kid, "iss": "ES:mjus-scj",
                 "aud": "FR:bepi", "mid": payload.id, "iat": int(NOW.timestamp())}
    content = bytes(signed.payload)
    assert hashlib.sha256(content).hexdigest() == sealed.digest  # section 6.3: the digest
    inner = jwe.decrypt_compact(content, fr_enc, registry=_plain_jwe_registry())
    assert {k: v for k, v in inner.protected.items() if k != "epk"} == {
        "alg": "ECDH-ES", "enc": "A256GCM", "kid": fr.enc_kid, "cty": "comity-message/1", "mid": payload.id}
    assert inner.protected["epk"]["crv"] == "X25519" and content.split(b".")[1] == b""
    assert bytes(inner.plaintext) == _canonical(json.loads(inner.plaintext))  # canonical JSON
    assert json.loads(inner.plaintext) == payload.document()

    data = os.urandom(3000)
    chunk = seal_chunk(data, message_id=payload.id, attachment=2, index=5, sender=es_keys,
                       sender_authority="ES:mjus-scj", recipient=fr_ident, now=NOW)
    signed = jws.deserialize_compact(chunk, es_sig, registry=_plain_jws_registry())
    assert signed.protected["typ"] == "comity-chunk+jws"
    assert (signed.protected["mid"], signed.protected["att"], signed.protected["idx"]) == (payload.id, 2, 5)
    inner = jwe.decrypt_compact(bytes(signed.payload), fr_enc, registry=_plain_jwe_registry())
    assert (inner.protected["mid"], inner.protected["att"], inner.protected["idx"]) == (payload.id, 2, 5)
    assert inner.protected["cty"] == "application/octet-stream" and bytes(inner.plaintext) == data


def test_envelopes_made_against_the_document_are_refused_for_the_reasons_it_gives(two):
    """The document's checks hold for a hand-made envelope: a payload naming another recipient than `aud` and a
    header alg "EdDSA" are refused with the reasons section 9 gives."""
    fr, es_keys, es = two
    fr_ident = Identity.read_file(fr.identity_file(NOW - dt.timedelta(days=30)))
    es_enc = es.current("enc")
    mid = "1d4e7f0a-2b5c-4d8e-9f1a-3c6d9e2f5a80"
    payload = {"format": "comity-message/1", "id": mid, "conversation": "FR:bepi/X", "type": "withdrawal",
               "sender": "FR:bepi", "recipient": "PT:pgr", "created": NOW.strftime(UTC), "in_reply_to": None,
               "body": {}, "attachments": []}
    header = {"alg": "Ed25519", "typ": "comity-message+jws", "kid": fr.sig_kid, "iss": "FR:bepi",
              "aud": "ES:mjus-scj", "mid": mid, "iat": int(NOW.timestamp())}
    cases = [(header, payload, "wrong_recipient"),
             ({**header, "alg": "EdDSA"}, {**payload, "recipient": "ES:mjus-scj"}, "bad_signature"),
             ({**header, "iat": int((NOW - WINDOW - dt.timedelta(seconds=1)).timestamp())},
              {**payload, "recipient": "ES:mjus-scj"}, "replay_window")]
    for head, body, reason in cases:
        content = fr.jwe(_canonical(body), es_enc.x, es_enc.kid, {"cty": "comity-message/1", "mid": mid})
        with pytest.raises(Rejected) as e:
            open_envelope(fr.jws(head, content.encode("ascii")), me=es_keys, my_authority="ES:mjus-scj",
                          peers={"FR:bepi": fr_ident}.get, now=NOW)
        assert e.value.reason == reason


# --- (d) the document's reason table and numbers are the code's ---------------------------------------------

def test_the_reason_table_lists_exactly_the_codes_with_their_meaning():
    text = _doc()
    section = text[text.index("### Rejection reasons"):]
    section = section[:section.index("\n## ")]
    rows = re.findall(r"^\| `([a-z_]+)` \| (.+?) \| (\d{3}) \|$", section, re.MULTILINE)
    codes = [code for code, _meaning, _status in rows]
    assert sorted(codes) == sorted(REASONS) and len(codes) == len(set(codes))
    for code, meaning, status in rows:
        assert meaning == REASONS[code], code
        assert status in ("403", "409", "413", "422")
    # every code the checks of section 9 name is one of them
    checks = text[text.index("## 9. Receiving"):text.index("### Rejection reasons")]
    named = set(re.findall(r"→ `([a-z_]+)`", checks)) | set(re.findall(r"\(`([a-z_]+)`[;)]", checks))
    assert named and named <= set(REASONS), named - set(REASONS)


def test_the_document_states_the_limits_and_the_window_the_code_applies():
    text = _doc()
    assert f"{MAX_ENVELOPE:,} characters" in text and MAX_ENVELOPE == 2 * 1024 * 1024
    assert f"{MAX_CHUNK:,} bytes" in text and MAX_CHUNK == 4 * 1024 * 1024
    assert f"{MAX_CHUNK_TOKEN:,} characters" in text
    assert f"**{int(WINDOW.total_seconds() // 60)} minutes** before" in text
    assert f"**{int(CLOCK_SKEW.total_seconds() // 60)} minutes** after" in text
    for mtype in MESSAGE_TYPES:
        assert f"| `{mtype}` |" in text, mtype
