"""Verify a whole log against the signed tree heads an oversight body kept.

What can be localised, from which inputs
=========================================

Let ``d`` be the first leaf index where the stored log differs from the log that was signed (an
edited, deleted, inserted or reordered event all make one; a log cut short differs at its new end).

* **Events + signed tree heads only.**  For every head of size ``s`` we recompute the root of the
  first ``s`` stored events (all heads in one pass, see :func:`~comity.ledger.tree.prefix_roots`).
  A matching head proves the first ``s`` events unchanged (SHA-256 collision resistance); a
  mismatching one proves ``d < s``.  So ``d`` is pinned to ``[lo, hi)`` between the largest
  matching head below the first mismatch and that mismatch.  A root carries no more information
  than that: with one head per 1,000 events the answer is a 1,000-event window, with a head after
  every event it is exact.  The result says which (``exact``).
* **Plus stored leaf hashes** (the ``leaf_hash`` column the audit app writes beside each event, or
  an oversight body's own copy).  These are *not* trusted as given: they are first checked against
  the signed heads the same way, and the prefix they reproduce every head for is then authentic.
  Comparing recomputed event hashes with that authentic prefix gives ``d`` exactly, to the event.
  If the hash column was rewritten along with the events, it stops matching the heads where the
  rewrite starts, and we fall back to the window above (and say so).
* **Never localisable:** anything after the latest signed head (an appended, inserted or deleted
  event in the unsigned tail is indistinguishable from normal growth; the result reports the tail
  as *not verified*), and which of two differently-signed heads of one size is the true one (a
  forked log: reported, never "verified").

Invariant of the result: leaves ``[0, verified_size)`` are proven identical to the signed log;
when a divergence is detected ``first_divergence == verified_size`` is the first index *not*
proven, and with ``exact`` it is proven to differ there.  ``ok`` is true only if every head
verified, no inputs contradict each other, and the events reproduce every head.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from comity.ledger.encoding import canonical_event_bytes
from comity.ledger.errors import FieldError, InvalidInputError, VerificationError
from comity.ledger.signing import SignedTreeHead, _keys_by_id, verify_tree_head
from comity.ledger.tree import HASH_SIZE, leaf_hashes as hash_leaves, prefix_roots


@dataclass(frozen=True)
class LogVerification:
    """Outcome of :func:`verify_log`."""

    ok: bool
    log_size: int
    verified_size: int
    first_divergence: int | None = None
    divergence_bound: int | None = None  # the first divergence lies in [first_divergence, bound)
    exact: bool = False
    latest_tree_head: SignedTreeHead | None = None
    messages: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "log_size": self.log_size,
            "verified_size": self.verified_size,
            "first_divergence": self.first_divergence,
            "divergence_bound": self.divergence_bound,
            "exact": self.exact,
            "latest_tree_head": self.latest_tree_head.to_dict() if self.latest_tree_head else None,
            "messages": list(self.messages),
        }


def _invalid_leaf_marker(index: int) -> bytes:
    # Stands in for an event that cannot be encoded: it cannot equal any real leaf hash (it is not
    # SHA-256 of anything starting 0x00 that the app could have written), so it compares unequal.
    return hashlib.sha256(b"comity-ledger/invalid-event\x00" + index.to_bytes(8, "big")).digest()


def event_leaf_hashes(leaves_or_events: Sequence[bytes | Mapping[str, Any]], messages: list[str]) -> list[bytes]:
    """Leaf hashes for raw leaves (``bytes``: hashed as they are) or events (``dict``: encoded first).

    An event that is not a valid audit event cannot be a leaf the app wrote; it gets a marker hash
    that matches nothing, and a message naming it.
    """
    if not isinstance(leaves_or_events, (list, tuple)):
        leaves_or_events = list(leaves_or_events)
    if all(type(item) is bytes for item in leaves_or_events):
        return hash_leaves(leaves_or_events)  # type: ignore[arg-type]
    result: list[bytes] = []
    sha = hashlib.sha256
    for index, item in enumerate(leaves_or_events):
        if isinstance(item, (bytes, bytearray)):
            result.append(sha(b"\x00" + bytes(item)).digest())
        elif isinstance(item, Mapping):
            try:
                result.append(sha(b"\x00" + canonical_event_bytes(item)).digest())
            except InvalidInputError as exc:
                messages.append(f"event {index} is not a valid audit event ({exc}); it cannot be an original leaf")
                result.append(_invalid_leaf_marker(index))
        else:
            raise InvalidInputError([FieldError(f"events[{index}]", "must be bytes (a leaf) or an object (an event)")])
    return result


def _first_difference(left: Sequence[bytes], right: Sequence[bytes], stop: int) -> int | None:
    if list(left[:stop]) == list(right[:stop]):  # C-speed comparison for the common case
        return None
    for index in range(stop):
        if left[index] != right[index]:
            return index
    return None


def _authentic_prefix(
    hashes: Sequence[bytes], heads: Sequence[SignedTreeHead]
) -> tuple[int, SignedTreeHead | None]:
    """Largest head size s such that ``hashes`` reproduces every head up to s; first failing head."""
    sizes = [h.size for h in heads if h.size <= len(hashes)]
    roots = prefix_roots(hashes, sizes)
    authentic = 0
    for head in heads:  # ascending size
        if head.size > len(hashes) or roots[head.size] != head.root_hash:
            return authentic, head
        authentic = head.size
    return authentic, None


def verify_log(
    leaves_or_events: Sequence[bytes | Mapping[str, Any]],
    tree_heads: Iterable[SignedTreeHead],
    public_keys: Ed25519PublicKey | Iterable[Ed25519PublicKey],
    *,
    stored_leaf_hashes: Sequence[bytes] | None = None,
) -> LogVerification:
    """Recompute the log from its stored entries and check it against signed tree heads.

    ``leaves_or_events``: the stored log in order, as raw leaves (``bytes``, e.g. the canonical
    lines of an export) or as event dicts (encoded with :func:`canonical_event_bytes`).
    ``tree_heads``: the latest signed head and any earlier checkpoints, in any order.
    ``public_keys``: the log's trusted key(s).  ``stored_leaf_hashes``: optional, untrusted
    per-event hashes that make localisation exact (see the module docstring).

    Raises :class:`InvalidInputError` for unusable input (no heads, no keys, wrong types);
    everything found *in* the log is reported in the result, never raised.
    """
    keys = _keys_by_id(public_keys)
    heads_given = list(tree_heads)
    if not heads_given:
        raise InvalidInputError([FieldError("tree_heads", "at least one signed tree head is needed")])
    for index, head in enumerate(heads_given):
        if not isinstance(head, SignedTreeHead):
            raise InvalidInputError([FieldError(f"tree_heads[{index}]", "is not a SignedTreeHead")])
    stored: list[bytes] | None = None
    if stored_leaf_hashes is not None:
        stored = list(stored_leaf_hashes)
        for index, value in enumerate(stored):
            if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
                raise InvalidInputError([FieldError(f"stored_leaf_hashes[{index}]", f"must be a {HASH_SIZE}-byte hash")])

    messages: list[str] = []
    problems = False

    # 1. Signatures.  A head that does not verify tells us nothing about the log.
    valid: list[SignedTreeHead] = []
    for index, head in enumerate(heads_given):
        try:
            verify_tree_head(head, keys.values(), field=f"tree_heads[{index}]")
        except VerificationError as exc:
            problems = True
            messages.append(f"tree head {index} (size {head.size}) rejected: {exc}")
        else:
            valid.append(head)
    valid.sort(key=lambda h: (h.size, h.timestamp))
    # 2. Two validly signed heads of one size with different roots: the log was forked.
    unique: list[SignedTreeHead] = []
    for head in valid:
        if unique and unique[-1].size == head.size:
            if unique[-1].root_hash != head.root_hash:
                problems = True
                messages.append(
                    f"two signed tree heads for size {head.size} have different roots "
                    f"({unique[-1].timestamp} and {head.timestamp}): the log was forked"
                )
                unique.append(head)
            continue
        unique.append(head)
    valid = unique
    latest = max(valid, key=lambda h: h.size) if valid else None

    hashes = event_leaf_hashes(leaves_or_events, messages)
    size = len(hashes)
    if not valid:
        messages.append("no tree head could be verified: nothing in the log is verified")
        return LogVerification(False, size, 0, None, None, False, None, tuple(messages))

    # 3. Every head against the recomputed prefix roots (one pass).
    roots = prefix_roots(hashes, [h.size for h in valid if h.size <= size])
    lower = 0
    upper: int | None = None
    first_bad: SignedTreeHead | None = None
    matched_after_mismatch = False
    for head in valid:
        matches = head.size <= size and roots[head.size] == head.root_hash
        if first_bad is None:
            if matches:
                lower = head.size
            else:
                first_bad = head
                upper = head.size if head.size <= size else size + 1
        elif matches:
            matched_after_mismatch = True
    if matched_after_mismatch:
        problems = True
        messages.append(
            "the events match a later tree head but not an earlier one: the signed heads contradict each other"
        )

    # 4. Stored leaf hashes, once authenticated against the heads, pin the divergence exactly.
    exact_at: int | None = None
    if stored is not None and first_bad is None:
        # The events are authentic up to the latest head; the stored column must agree with them.
        assert latest is not None
        span = min(latest.size, size)
        diff = _first_difference(hashes, stored, min(span, len(stored)))
        if diff is not None:
            problems = True
            messages.append(
                f"the events reproduce every signed head, but stored leaf hash {diff} differs from "
                "the event's hash: the hash column was altered"
            )
        elif len(stored) < span:
            problems = True
            messages.append(f"only {len(stored)} stored leaf hashes for {span} signed events: the column is incomplete")
    elif stored is not None:
        authentic, failing = _authentic_prefix(stored, valid)
        if failing is not None:
            messages.append(
                f"stored leaf hashes reproduce the signed heads only up to size {authentic} "
                f"(not the head of size {failing.size}): the hash column was altered too, or is incomplete"
            )
        diff = _first_difference(hashes, stored, min(authentic, size))
        if diff is not None:
            exact_at = diff
        elif size < authentic:
            exact_at = size  # the log stops short of what was signed
        else:
            lower = max(lower, authentic)

    if first_bad is None:
        assert latest is not None
        verified = latest.size
        if size > verified:
            messages.append(
                f"events {verified}..{size - 1} come after the latest signed tree head and are NOT verified"
            )
        if not problems:
            messages.insert(0, f"verified: the first {verified} events match every signed tree head")
        return LogVerification(not problems, size, verified, None, None, False, latest, tuple(messages))

    assert upper is not None
    if exact_at is not None:
        if not lower <= exact_at < upper:  # only possible if the heads contradict each other
            messages.append(f"stored leaf hashes place the divergence at {exact_at}, outside [{lower}, {upper})")
        lower, upper = exact_at, exact_at + 1
    exact = upper - lower == 1
    if first_bad.size > size:
        messages.insert(0, f"the log has {size} events but a signed tree head covers {first_bad.size}")
    else:
        messages.insert(0, f"the first {first_bad.size} events do not match the signed tree head of that size")
    if exact:
        messages.insert(0, f"DIVERGED at event {lower}: events before it match the signed log")
    else:
        messages.insert(
            0,
            f"DIVERGED: the first difference lies in events {lower}..{upper - 1}; events before {lower} "
            "match the signed log (give stored leaf hashes or denser checkpoints to pin it exactly)",
        )
    return LogVerification(False, size, lower, lower, upper, exact, latest, tuple(messages))
