"""Where proofs get their hashes from: the storage interface and an in-memory implementation.

A proof for a tree of n leaves needs O(log n) subtree roots.  Computing a large subtree root from
its leaves costs as many hashes as it has leaves, so a store may also keep a *subtree cache*: the
root of every perfect, aligned subtree (``2**level`` leaves starting at ``index * 2**level``) from
some ``level`` up.  Those roots never change once complete (the log is append-only), so caching
them is safe, and :meth:`CompactRange.append` hands them over as they complete.

The Django audit app implements :class:`LeafHashStore` over two tables: the audit events (one
stored ``leaf_hash`` per row, ordered by ``seq``) and a ``(level, index) -> hash`` table filled in
the same transaction as the append.  Caching levels >= 8 costs one extra row per 256 events and
keeps any proof below ~1,000 leaf-hash reads.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Iterable, Sequence

from comity.ledger.errors import FieldError, InvalidInputError
from comity.ledger.tree import CompactRange, _check_hash, _sha256, leaf_hash, merkle_root


class LeafHashStore(ABC):
    """Read access to a log's leaf hashes, plus an optional cache of perfect-subtree roots."""

    @abstractmethod
    def tree_size(self) -> int:
        """Number of leaves currently in the log."""

    @abstractmethod
    def leaf_hashes(self, start: int, stop: int) -> Sequence[bytes]:
        """Leaf hashes of leaves ``start <= i < stop`` in order (``stop <= tree_size()``)."""

    def cached_subtree(self, level: int, index: int) -> bytes | None:
        """Root of the perfect subtree ``(level, index)`` if cached, else ``None``."""
        return None

    def cache_subtree(self, level: int, index: int, value: bytes) -> None:
        """Offer a computed perfect-subtree root to the cache (may be ignored)."""
        return None


class MemoryLedgerStore(LeafHashStore):
    """In-memory log: leaf hashes, a :class:`CompactRange` and a complete subtree cache.

    ``cache_min_level`` trades memory for proof speed: level 1 (the default) caches every
    internal node (about one extra hash per leaf, every proof is pure lookups); level 8 caches
    one node per 256 leaves and computes the rest from leaf hashes.
    """

    def __init__(self, cache_min_level: int = 1) -> None:
        if type(cache_min_level) is not int or cache_min_level < 1:
            raise InvalidInputError([FieldError("cache_min_level", "must be an integer >= 1")])
        self._cache_min_level = cache_min_level
        self._levels: list[list[bytes]] = [[]]  # _levels[0]: leaf hashes; _levels[k]: level-k nodes
        self._range = CompactRange()

    # -- writing -------------------------------------------------------------------------------

    def append_leaf(self, leaf: bytes) -> int:
        """Append a leaf (raw bytes, e.g. canonical event bytes); return its index."""
        return self.append_leaf_hash(leaf_hash(leaf))

    def append_leaf_hash(self, value: bytes) -> int:
        """Append a leaf by its hash; return its index.  O(1) amortised."""
        index = self._range.size
        completed = self._range.append(value)
        self._levels[0].append(bytes(value))
        levels = self._levels
        for level, node_index, node in completed:
            if level < self._cache_min_level:
                continue
            while len(levels) <= level:
                levels.append([])
            if len(levels[level]) == node_index:  # nodes complete left to right, in order
                levels[level].append(node)
        return index

    def extend_leaf_hashes(self, values: Iterable[bytes]) -> None:
        """Append many leaf hashes at once, building the cache level by level.

        Same result as calling :meth:`append_leaf_hash` for each, several times faster for bulk
        loads (the hashing runs in list comprehensions).
        """
        new = [_check_hash(v, f"leaf_hashes[{i}]") for i, v in enumerate(values)]
        if not new:
            return
        leaves = self._levels[0]
        old_size = len(leaves)
        leaves.extend(new)
        size = len(leaves)
        below: list[bytes] = new  # below[i] is node (height - 1, below_offset + i)
        below_offset = old_size
        height = 1
        while size >> height:
            first, stop = old_size >> height, size >> height  # level-`height` nodes to add
            if first < stop:
                if 2 * first < below_offset:  # left child already existed before this extend
                    below = [self._node(height - 1, 2 * first)] + below
                    below_offset = 2 * first
                pairs = below[2 * first - below_offset : 2 * stop - below_offset]
                nodes = [_sha256(b"\x01" + left + right).digest() for left, right in zip(pairs[0::2], pairs[1::2])]
            else:
                nodes = []
            if height >= self._cache_min_level:
                while len(self._levels) <= height:
                    self._levels.append([])
                self._levels[height].extend(nodes)
            below, below_offset = nodes, first
            height += 1
        self._range = CompactRange(
            size,
            [self._node(bit, (size >> bit) - 1) for bit in range(size.bit_length() - 1, -1, -1) if (size >> bit) & 1],
        )

    def _node(self, level: int, index: int) -> bytes:
        """Perfect subtree root, from the cache or recomputed from leaf hashes."""
        cached = self.cached_subtree(level, index)
        if cached is not None:
            return cached
        return merkle_root(self._levels[0][index << level : (index + 1) << level])

    # -- reading -------------------------------------------------------------------------------

    def tree_size(self) -> int:
        return len(self._levels[0])

    def leaf_hashes(self, start: int, stop: int) -> Sequence[bytes]:
        return self._levels[0][start:stop]

    def cached_subtree(self, level: int, index: int) -> bytes | None:
        if level < len(self._levels):
            nodes = self._levels[level]
            if index < len(nodes):
                return nodes[index]
        return None

    @property
    def compact_range(self) -> CompactRange:
        """A copy of the incremental state (what the app would persist)."""
        return self._range.copy()

    def root(self) -> bytes:
        """Root of the whole log."""
        return self._range.root()
