"""Merkle tree hashing as in RFC 9162 (Certificate Transparency v2), §2.1.1.

* ``leaf_hash(d)  = SHA-256(0x00 || d)``
* ``node_hash(l, r) = SHA-256(0x01 || l || r)``
* ``MTH({}) = SHA-256()``; ``MTH({d0}) = leaf_hash(d0)``; for n > 1, with k the largest power of
  two smaller than n: ``MTH(D[n]) = node_hash(MTH(D[0:k]), MTH(D[k:n]))``.

Two ways to get a root, which always agree:

* :func:`merkle_root` hashes a whole list level by level (pair neighbours, carry an odd last node
  up unchanged).  Carrying the odd node is exactly the RFC's "split at the largest power of two"
  rule, and it keeps the work in tight list comprehensions: about as fast as hashlib alone.
* :class:`CompactRange` is the incremental form: the roots of the perfect subtrees that make up
  the first n leaves (one per set bit of n, largest first).  Appending a leaf merges at most
  log2(n) of them (one on average), the root is a right-to-left fold, and the whole state is a
  size plus at most 64 hashes, so the audit app can keep it in a database row.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Mapping, Sequence

from comity.ledger.errors import FieldError, InvalidInputError

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(leaf: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || leaf)."""
    return _sha256(LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: SHA-256(0x01 || left || right)."""
    return _sha256(NODE_PREFIX + left + right).digest()


def leaf_hashes(leaves: Iterable[bytes]) -> list[bytes]:
    """Leaf hashes of many leaves at once (one list comprehension, no per-call overhead)."""
    sha = _sha256
    return [sha(b"\x00" + leaf).digest() for leaf in leaves]


def _next_level(level: Sequence[bytes]) -> list[bytes]:
    sha = _sha256
    upper = [sha(b"\x01" + left + right).digest() for left, right in zip(level[0::2], level[1::2])]
    if len(level) & 1:
        upper.append(level[-1])  # odd node: carried up unchanged (RFC split rule)
    return upper


def merkle_root(hashes: Sequence[bytes]) -> bytes:
    """MTH of a list given its *leaf hashes* (not the leaves), computed from scratch."""
    if not hashes:
        return EMPTY_ROOT
    level = hashes
    while len(level) > 1:
        level = _next_level(level)
    return level[0]


def merkle_root_of_leaves(leaves: Iterable[bytes]) -> bytes:
    """MTH of a list of leaves (raw leaf bytes)."""
    return merkle_root(leaf_hashes(leaves))


def prefix_roots(hashes: Sequence[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """MTH of ``hashes[:s]`` for every requested size ``s <= len(hashes)``, in one pass.

    The root of a prefix of size s is the right-to-left fold of the perfect subtrees given by the
    set bits of s; each of those is a node of the level-by-level computation of the full list, so
    every checkpoint of a log is checked for the price of one root.
    """
    total = len(hashes)
    wanted: dict[int, set[int]] = {}
    size_list = sorted(set(sizes))
    for size in size_list:
        if not 0 <= size <= total:
            raise InvalidInputError([FieldError("size", f"{size} is outside 0..{total}")])
        bit = 0
        while size >> bit:
            if (size >> bit) & 1:
                wanted.setdefault(bit, set()).add((size >> bit) - 1)
            bit += 1
    found: dict[tuple[int, int], bytes] = {}
    level: Sequence[bytes] = hashes
    height = 0
    while True:
        for index in wanted.get(height, ()):
            found[(height, index)] = level[index]
        if len(level) <= 1 or height >= max(wanted, default=-1):
            break
        level = _next_level(level)
        height += 1
    roots: dict[int, bytes] = {}
    for size in size_list:
        if size == 0:
            roots[0] = EMPTY_ROOT
            continue
        root = None
        for bit in range(size.bit_length()):  # smallest subtree first, folded right to left
            if (size >> bit) & 1:
                node = found[(bit, (size >> bit) - 1)]
                root = node if root is None else node_hash(node, root)
        assert root is not None
        roots[size] = root
    return roots


def _check_hash(value: object, field: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise InvalidInputError([FieldError(field, f"must be a {HASH_SIZE}-byte hash")])
    return bytes(value)


def hash_from_hex(text: object, field: str) -> bytes:
    """Parse a 64-character hex SHA-256 value, naming ``field`` if it is malformed."""
    if not isinstance(text, str):
        raise InvalidInputError([FieldError(field, "must be a hex string")])
    if len(text) != 2 * HASH_SIZE:
        raise InvalidInputError(
            [FieldError(field, f"must be {2 * HASH_SIZE} hex characters, got {len(text)}")]
        )
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise InvalidInputError([FieldError(field, "is not valid hexadecimal")]) from None


class CompactRange:
    """Incremental Merkle root: the stack of perfect-subtree roots covering leaves [0, size).

    ``hashes[i]`` is the root of a perfect subtree of ``2**b`` leaves for the i-th highest set
    bit b of ``size``.  Append is O(1) amortised, O(log n) worst case; :meth:`root` is O(log n).
    """

    __slots__ = ("_size", "_hashes")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if type(size) is not int or size < 0:
            raise InvalidInputError([FieldError("size", "must be a non-negative integer")])
        hashes = [_check_hash(h, f"hashes[{i}]") for i, h in enumerate(hashes)]
        if len(hashes) != size.bit_count():
            raise InvalidInputError(
                [FieldError("hashes", f"a range of size {size} needs {size.bit_count()} hashes, got {len(hashes)}")]
            )
        self._size = size
        self._hashes = hashes

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        return tuple(self._hashes)

    def append(self, leaf_hash_value: bytes) -> list[tuple[int, int, bytes]]:
        """Append one leaf *hash*; return the perfect subtrees completed, as (level, index, hash).

        Level 0 is a single leaf.  The completed subtrees (level >= 1) are what a subtree cache
        needs to serve proofs in O(log n) lookups.
        """
        node = _check_hash(leaf_hash_value, "leaf_hash")
        position = self._size
        completed: list[tuple[int, int, bytes]] = []
        height = 0
        stack = self._hashes
        while (position >> height) & 1:
            node = _sha256(b"\x01" + stack.pop() + node).digest()
            height += 1
            completed.append((height, position >> height, node))
        stack.append(node)
        self._size = position + 1
        return completed

    def extend(self, hashes: Iterable[bytes]) -> None:
        for value in hashes:
            self.append(value)

    def root(self) -> bytes:
        """MTH of the leaves appended so far."""
        if not self._hashes:
            return EMPTY_ROOT
        root = self._hashes[-1]
        for node in reversed(self._hashes[:-1]):
            root = _sha256(b"\x01" + node + root).digest()
        return root

    def copy(self) -> "CompactRange":
        clone = CompactRange.__new__(CompactRange)
        clone._size = self._size
        clone._hashes = list(self._hashes)
        return clone

    def to_dict(self) -> dict[str, object]:
        """Serialisable state: ``{"size": n, "hashes": [hex, ...]}``."""
        return {"size": self._size, "hashes": [h.hex() for h in self._hashes]}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> "CompactRange":
        """Inverse of :meth:`to_dict`; raises :class:`InvalidInputError` on malformed state."""
        if not isinstance(data, Mapping):
            raise InvalidInputError([FieldError("compact_range", "must be an object")])
        size = data.get("size")
        raw = data.get("hashes")
        if not isinstance(raw, list):
            raise InvalidInputError([FieldError("hashes", "must be a list of hex strings")])
        return cls(size, [hash_from_hex(h, f"hashes[{i}]") for i, h in enumerate(raw)])  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CompactRange) and (self._size, self._hashes) == (other._size, other._hashes)

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()[:16]}...)"
