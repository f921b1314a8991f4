"""The exchange protocol between Comity instances (pure Python: no Django).

Each authority runs its own instance; instances send each other requests, questions, answers and evidence
directly, without a hub, the way EU e-CODEX access points do. This package is the protocol only:

- `keys`: an authority's signing (Ed25519) and encryption (X25519) keys, rotation with an overlap;
- `identity`: the public identity document a peer imports (State, name, role, endpoint, TLS pin, keys with
  their validity) and its fingerprint, read aloud to confirm it;
- `message`: the payload (a versioned, canonical JSON document with a JSON Schema) and the envelope: a JWS
  (EdDSA) over a JWE (ECDH-ES, A256GCM), so the receiver checks who sent it before decrypting; attachments
  travel as separate, sealed chunks whose SHA-256 the signed payload lists;
- `evidence`: signed receipts after e-CODEX's evidence types (SUBMISSION_ACCEPTANCE / REJECTION, DELIVERY /
  NON_DELIVERY, RETRIEVAL / NON_RETRIEVAL);
- `errors`: `Rejected`, with a stable reason code for each way a message can be refused.

The Django side (`comity.courier`) keeps the directory, the trust list, the outbox and inbox, and delivers.
docs/exchange.md documents the format so that a system other than Comity can implement it.
"""

from comity.exchange.errors import REASONS, Rejected
from comity.exchange.evidence import EVIDENCE_TYPES, Evidence, issue_evidence, read_evidence
from comity.exchange.identity import Identity, KeyRecord, fingerprint, format_fingerprint
from comity.exchange.keys import AuthorityKeys
from comity.exchange.message import (
    FORMAT,
    MESSAGE_TYPES,
    AttachmentRef,
    Opened,
    Payload,
    open_chunk,
    open_envelope,
    seal_chunk,
    seal_envelope,
)

__all__ = [
    "EVIDENCE_TYPES",
    "FORMAT",
    "MESSAGE_TYPES",
    "REASONS",
    "AttachmentRef",
    "AuthorityKeys",
    "Evidence",
    "Identity",
    "KeyRecord",
    "Opened",
    "Payload",
    "Rejected",
    "fingerprint",
    "format_fingerprint",
    "issue_evidence",
    "open_chunk",
    "open_envelope",
    "read_evidence",
    "seal_chunk",
    "seal_envelope",
]
