"""Signed evidence of each step a message takes, after e-CODEX's evidence types (ETSI REM).

- SUBMISSION_ACCEPTANCE / SUBMISSION_REJECTION: the sender's own instance accepted the message into its outbox
  (or refused it: no trusted peer, a missing attachment) — issued by the sender's instance;
- DELIVERY / NON_DELIVERY: the recipient's instance verified, decrypted and stored the message (or refused it,
  with the reason) — issued by the recipient; NON_DELIVERY is also issued by the sender's own instance when
  every retry failed;
- RETRIEVAL / NON_RETRIEVAL: a person at the recipient opened the message (or nobody did within the period)
  — issued by the recipient, sent back as a message of type `evidence`.

Each is a compact JWS (EdDSA) over a canonical JSON document that names the message and its digest, never
its content: evidence holds codes, references and hashes only. Legal clocks run from the DELIVERY time.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Literal

from joserfc import jws
from joserfc.errors import JoseError
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from comity.exchange.canonical import canonical
from comity.exchange.errors import REASONS, Rejected
from comity.exchange.identity import AUTHORITY_ID, SIG_ALGORITHMS, Identity
from comity.exchange.keys import AuthorityKeys

EVIDENCE_FORMAT = "comity-evidence/1"
EVIDENCE_TYPES: dict[str, str] = {
    "SUBMISSION_ACCEPTANCE": "the sender's instance accepted the message for sending",
    "SUBMISSION_REJECTION": "the sender's instance refused the message",
    "DELIVERY": "the recipient's instance verified and stored the message",
    "NON_DELIVERY": "the message could not be delivered",
    "RETRIEVAL": "a person at the recipient opened the message",
    "NON_RETRIEVAL": "nobody at the recipient opened the message within the period",
}
POSITIVE = {"SUBMISSION_ACCEPTANCE", "DELIVERY", "RETRIEVAL"}


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: str = Field(EVIDENCE_FORMAT, pattern=f"^{EVIDENCE_FORMAT}$")
    type: Literal["SUBMISSION_ACCEPTANCE", "SUBMISSION_REJECTION", "DELIVERY", "NON_DELIVERY", "RETRIEVAL",
                  "NON_RETRIEVAL"]
    message: str = Field(description="the message id")
    digest: str = Field("", pattern="^([0-9a-f]{64})?$", description="SHA-256 of the message's JWE, when known")
    issuer: str = Field(pattern=AUTHORITY_ID)
    sender: str = Field(pattern=AUTHORITY_ID, description="the message's sender")
    recipient: str = Field(pattern=AUTHORITY_ID, description="the message's recipient")
    at: AwareDatetime
    reason: str = Field("", description="for negative evidence: a reason code (comity.exchange.errors.REASONS)")
    detail: str = Field("", max_length=500, description="for negative evidence: what was wrong, without content")

    @property
    def positive(self) -> bool:
        return self.type in POSITIVE


def issue_evidence(kind: str, *, message: str, digest: str, issuer: str, sender: str, recipient: str,
                   keys: AuthorityKeys, reason: str = "", detail: str = "",
                   at: dt.datetime | None = None) -> tuple[Evidence, str]:
    if reason and reason not in REASONS and reason not in ("retries_exhausted", "not_retrieved", "transport"):
        raise ValueError(f"unknown reason {reason!r}")
    ev = Evidence(type=kind, message=message, digest=digest, issuer=issuer, sender=sender, recipient=recipient,
                  at=(at or dt.datetime.now(dt.UTC)).replace(microsecond=0), reason=reason,
                  detail=detail[:500])
    pair = keys.signing()
    token = jws.serialize_compact({"alg": "Ed25519", "kid": pair.kid, "typ": "comity-evidence+jws"},
                                  canonical(json.loads(ev.model_dump_json())), pair.key, algorithms=SIG_ALGORITHMS)
    return ev, token


def read_evidence(token: str | bytes, *, issuer: Identity) -> Evidence:
    """Verify evidence signed by `issuer` (with the key valid when it was issued) and return it."""
    if isinstance(token, bytes):
        token = token.decode("ascii", "replace")
    try:
        obj = jws.extract_compact(token.strip().encode("ascii", "replace"))
        ev = Evidence.model_validate_json(obj.payload)
    except (JoseError, ValueError, ValidationError) as e:
        raise Rejected("malformed", f"not signed evidence ({e.__class__.__name__})", field="evidence") from None
    if obj.protected.get("typ") != "comity-evidence+jws":
        raise Rejected("malformed", "not signed evidence", field="evidence")
    if ev.issuer != issuer.authority:
        raise Rejected("unknown_sender", f"issued by {ev.issuer}, expected {issuer.authority}", field="evidence")
    record = issuer.key(str(obj.protected.get("kid", "")), "sig", ev.at)
    if record is None:
        raise Rejected("unknown_sender", "signed with a key the issuer did not hold then", field="evidence")
    try:
        jws.deserialize_compact(token.strip(), record.jwk(), algorithms=SIG_ALGORITHMS)
    except JoseError:
        raise Rejected("bad_signature", "the evidence signature does not verify", field="evidence") from None
    return ev
