"""Why a message, a chunk, an identity or a piece of evidence is refused: one exception, one stable reason
code each, the code the negative evidence (SUBMISSION_REJECTION, NON_DELIVERY) carries back to the sender."""

from __future__ import annotations

from comity.errors import IntegrityError, InvalidInput

#: reason code -> what it means, as the sender's and the receiver's operators read it.
REASONS: dict[str, str] = {
    "malformed": "the message is not well-formed JOSE or JSON",
    "unsupported_version": "the message format version is not one this instance reads",
    "unknown_type": "the message type is not one the format defines",
    "schema": "the payload does not follow the message schema",
    "unknown_sender": "the sender is not on this instance's trust list (or its key is unknown or not valid then)",
    "bad_signature": "the signature does not verify with the sender's key",
    "wrong_recipient": "the message is addressed to another authority",
    "decrypt_failed": "the content cannot be decrypted with this authority's keys (tampered or wrong key)",
    "sender_mismatch": "the signed payload names another sender than the key that signed it",
    "replay_window": "the sending time is outside the accepted window (a replay, or clocks too far apart)",
    "id_reused": "this message id was already received with different content",
    "oversized": "the message or an attachment is larger than this instance accepts",
    "missing_attachment": "an attachment chunk the message lists has not arrived",
    "hash_mismatch": "an attachment's content does not match the SHA-256 the signed message lists",
    "unknown_conversation": "the message refers to a conversation this instance does not know",
    "not_applicable": "the message cannot be applied to the conversation in its current state",
}


class Rejected(IntegrityError):
    """A message, chunk, identity or evidence that this instance refuses; `reason` is a code of REASONS."""

    code = "exchange_rejected"

    def __init__(self, reason: str, detail: str = "", *, field: str = "message"):
        if reason not in REASONS:
            raise ValueError(f"unknown rejection reason {reason!r}")
        self.reason = reason
        self.detail = detail
        text = REASONS[reason] + (f": {detail}" if detail else "")
        super().__init__({field: text})


class BadIdentity(InvalidInput):
    """An identity file that cannot be imported; the field names the part that is wrong."""

    code = "invalid_identity"
