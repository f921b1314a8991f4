"""Tree hashing, incremental roots and proofs, checked against published RFC 6962/9162 vectors and
against a deliberately naive re-implementation of the RFC's recursive definitions (below)."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comity.ledger import (
    EMPTY_ROOT,
    CompactRange,
    InvalidInputError,
    LedgerError,
    MemoryLedgerStore,
    VerificationError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    merkle_root_of_leaves,
    node_hash,
    prefix_roots,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from comity.ledger.store import LeafHashStore

# -- naive reference: RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1 read literally -------------------------


def ref_hash(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ref_mth(entries: list[bytes]) -> bytes:
    n = len(entries)
    if n == 0:
        return ref_hash(b"")
    if n == 1:
        return ref_hash(b"\x00" + entries[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return ref_hash(b"\x01" + ref_mth(entries[:k]) + ref_mth(entries[k:]))


def ref_path(m: int, entries: list[bytes]) -> list[bytes]:
    n = len(entries)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return ref_path(m, entries[:k]) + [ref_mth(entries[k:])]
    return ref_path(m - k, entries[k:]) + [ref_mth(entries[:k])]


def ref_subproof(m: int, entries: list[bytes], b: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if b else [ref_mth(entries)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return ref_subproof(m, entries[:k], b) + [ref_mth(entries[k:])]
    return ref_subproof(m - k, entries[k:], False) + [ref_mth(entries[:k])]


def ref_proof(m: int, entries: list[bytes]) -> list[bytes]:
    return ref_subproof(m, entries, True)


# -- published vectors (RFC 6962 reference leaves, as used by the CT / transparency-dev test suites)

CT_LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                         "606162636465666768696a6b6c6d6e6f"]]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [  # (leaf index, tree size, path)
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CT_CONSISTENCY = [  # (old size, new size, path)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]


def store_of(leaves: list[bytes], cache_min_level: int = 1) -> MemoryLedgerStore:
    store = MemoryLedgerStore(cache_min_level)
    for leaf in leaves:
        store.append_leaf(leaf)
    return store


def entries(n: int, seed: int = 0) -> list[bytes]:
    rng = random.Random(seed * 1000 + n)
    return [b"event-%d-" % i + rng.randbytes(rng.randrange(0, 12)) for i in range(n)]


def flip(value: bytes, position: int) -> bytes:
    return value[:position] + bytes([value[position] ^ 0x01]) + value[position + 1:]


class UncachedStore(LeafHashStore):
    """Leaf hashes only, no subtree cache: proofs must be computed from leaves."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.hashes = [leaf_hash(x) for x in leaves]

    def tree_size(self) -> int:
        return len(self.hashes)

    def leaf_hashes(self, start: int, stop: int) -> list[bytes]:
        return self.hashes[start:stop]


# -- hashing -----------------------------------------------------------------------------------


def test_domain_separated_hashes():
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert node_hash(b"L" * 32, b"R" * 32) == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]


@pytest.mark.parametrize("size", range(0, 9))
def test_roots_match_published_vectors(size):
    leaves = CT_LEAVES[:size]
    assert merkle_root_of_leaves(leaves).hex() == CT_ROOTS[size]
    assert store_of(leaves).root().hex() == CT_ROOTS[size]
    assert ref_mth(leaves).hex() == CT_ROOTS[size]  # the reference itself is right


@pytest.mark.parametrize("index,size,path", CT_INCLUSION)
def test_inclusion_matches_published_vectors(index, size, path):
    store = store_of(CT_LEAVES)
    proof = inclusion_proof(store, index, size)
    assert [p.hex() for p in proof] == path
    verify_inclusion(leaf_hash(CT_LEAVES[index]), index, size, proof, bytes.fromhex(CT_ROOTS[size]))


@pytest.mark.parametrize("old,new,path", CT_CONSISTENCY)
def test_consistency_matches_published_vectors(old, new, path):
    store = store_of(CT_LEAVES)
    proof = consistency_proof(store, old, new)
    assert [p.hex() for p in proof] == path
    verify_consistency(old, new, bytes.fromhex(CT_ROOTS[old]), bytes.fromhex(CT_ROOTS[new]), proof)


@pytest.mark.parametrize("n", list(range(0, 70)) + [127, 128, 129, 255, 256, 257, 1000])
def test_every_root_computation_agrees_with_reference(n):
    leaves = entries(n)
    expected = ref_mth(leaves)
    hashes = [leaf_hash(x) for x in leaves]
    assert merkle_root(hashes) == expected
    compact = CompactRange()
    compact.extend(hashes)
    assert compact.root() == expected
    assert store_of(leaves).root() == expected
    assert root_hash(UncachedStore(leaves)) == expected


def test_prefix_roots_agree_with_reference():
    leaves = entries(100)
    hashes = [leaf_hash(x) for x in leaves]
    roots = prefix_roots(hashes, range(0, 101))
    for size in range(0, 101):
        assert roots[size] == ref_mth(leaves[:size]), size


def test_prefix_roots_refuses_sizes_beyond_the_list():
    with pytest.raises(InvalidInputError):
        prefix_roots([leaf_hash(b"a")], [2])


# -- incremental state -------------------------------------------------------------------------


def test_compact_range_reports_completed_subtrees():
    compact = CompactRange()
    completed = []
    for i in range(8):
        completed += [(level, index) for level, index, _ in compact.append(leaf_hash(b"%d" % i))]
    assert completed == [(1, 0), (1, 1), (2, 0), (1, 2), (1, 3), (2, 1), (3, 0)]
    assert len(compact.hashes) == 1


@given(st.lists(st.binary(max_size=8), max_size=80), st.integers(0, 80))
def test_compact_range_survives_serialisation_mid_stream(leaves, cut):
    cut = min(cut, len(leaves))
    first = CompactRange()
    first.extend(leaf_hash(x) for x in leaves[:cut])
    restored = CompactRange.from_dict(first.to_dict())
    assert restored == first
    restored.extend(leaf_hash(x) for x in leaves[cut:])
    assert restored.size == len(leaves)
    assert restored.root() == ref_mth(leaves)


@pytest.mark.parametrize(
    "state,field",
    [
        ({"size": 3, "hashes": ["00" * 32]}, "hashes"),  # 3 needs two subtree roots
        ({"size": -1, "hashes": []}, "size"),
        ({"size": 1, "hashes": ["zz" * 32]}, "hashes[0]"),
        ({"size": 1, "hashes": ["00" * 31]}, "hashes[0]"),
        ({"size": 1, "hashes": "00"}, "hashes"),
        ({"size": "1", "hashes": ["00" * 32]}, "size"),
        ([], "compact_range"),
    ],
)
def test_malformed_compact_range_state_is_refused(state, field):
    with pytest.raises(InvalidInputError) as info:
        CompactRange.from_dict(state)
    assert info.value.problems[0].field == field


@given(st.lists(st.integers(0, 9), max_size=12), st.sampled_from([1, 2, 3, 5]))
def test_bulk_and_single_appends_build_the_same_store(batches, cache_min_level):
    single, bulk = MemoryLedgerStore(cache_min_level), MemoryLedgerStore(cache_min_level)
    counter = 0
    for batch in batches:
        hashes = [leaf_hash(b"%d" % (counter + i)) for i in range(batch)]
        counter += batch
        for h in hashes:
            single.append_leaf_hash(h)
        bulk.extend_leaf_hashes(hashes)
        assert bulk.compact_range == single.compact_range
        for level in range(cache_min_level, 6):
            for index in range(counter >> level):
                assert bulk.cached_subtree(level, index) == single.cached_subtree(level, index)
                assert single.cached_subtree(level, index) is not None
    assert bulk.root() == single.root() == merkle_root([leaf_hash(b"%d" % i) for i in range(counter)])


# -- inclusion proofs ----------------------------------------------------------------------------


def test_inclusion_proofs_for_every_index_and_size_up_to_64():
    leaves = entries(64, seed=1)
    stores = [store_of(leaves), store_of(leaves, cache_min_level=3), UncachedStore(leaves)]
    for n in range(1, 65):
        root = ref_mth(leaves[:n])
        for m in range(n):
            expected = ref_path(m, leaves[:n])
            for store in stores:
                assert inclusion_proof(store, m, n) == expected, (m, n)
            lh = leaf_hash(leaves[m])
            verify_inclusion(lh, m, n, expected, root)
            # a wrong leaf, a wrong position, a wrong size, a wrong root: all fail
            with pytest.raises(VerificationError):
                verify_inclusion(flip(lh, m % 32), m, n, expected, root)
            with pytest.raises(VerificationError):
                verify_inclusion(lh, m, n, expected, flip(root, n % 32))
            if n > 1:
                with pytest.raises(LedgerError):
                    verify_inclusion(lh, (m + 1) % n, n, expected, root)
            # (a wrong tree_size is not always caught: where the path has the same shape in both
            # sizes, e.g. leaf 0 of 3 and of 4, RFC 9162 §2.1.3.2 accepts it, as it should.)
            # a proof element dropped, added or altered fails
            if expected:
                with pytest.raises(VerificationError):
                    verify_inclusion(lh, m, n, expected[:-1], root)
            with pytest.raises(VerificationError):
                verify_inclusion(lh, m, n, expected + [root], root)
            for i in range(len(expected)):
                altered = list(expected)
                altered[i] = flip(altered[i], (m + i) % 32)
                with pytest.raises(VerificationError):
                    verify_inclusion(lh, m, n, altered, root)


def test_inclusion_fails_when_any_single_byte_is_flipped():
    leaves = entries(21, seed=2)
    n = len(leaves)
    root = ref_mth(leaves)
    for m in (0, 7, 15, 16, 20):
        proof = ref_path(m, leaves)
        lh = leaf_hash(leaves[m])
        for i in range(len(proof)):
            for position in range(32):
                altered = list(proof)
                altered[i] = flip(altered[i], position)
                with pytest.raises(VerificationError):
                    verify_inclusion(lh, m, n, altered, root)
        for position in range(32):
            with pytest.raises(VerificationError):
                verify_inclusion(flip(lh, position), m, n, proof, root)
            with pytest.raises(VerificationError):
                verify_inclusion(lh, m, n, proof, flip(root, position))


# -- consistency proofs --------------------------------------------------------------------------


def test_consistency_proofs_for_every_pair_of_sizes_up_to_64():
    leaves = entries(64, seed=3)
    stores = [store_of(leaves), store_of(leaves, cache_min_level=2), UncachedStore(leaves)]
    roots = [ref_mth(leaves[:n]) for n in range(65)]
    for n in range(1, 65):
        for m in range(1, n + 1):
            expected = ref_proof(m, leaves[:n])
            for store in stores:
                assert consistency_proof(store, m, n) == expected, (m, n)
            verify_consistency(m, n, roots[m], roots[n], expected)
            with pytest.raises(VerificationError):
                verify_consistency(m, n, flip(roots[m], n % 32), roots[n], expected)
            with pytest.raises(VerificationError):
                verify_consistency(m, n, roots[m], flip(roots[n], m % 32), expected)
            for i in range(len(expected)):
                altered = list(expected)
                altered[i] = flip(altered[i], i % 32)
                with pytest.raises(VerificationError):
                    verify_consistency(m, n, roots[m], roots[n], altered)
            if m < n:
                with pytest.raises(VerificationError):
                    verify_consistency(m, n, roots[m], roots[n], expected[:-1])
                with pytest.raises(VerificationError):
                    verify_consistency(m, n, roots[m], roots[n], expected + [roots[n]])
                if m > 1:  # the proof for one old size does not serve another
                    with pytest.raises(LedgerError):
                        verify_consistency(m - 1, n, roots[m - 1], roots[n], expected)


def test_consistency_across_growth_with_a_store_that_keeps_growing():
    store = MemoryLedgerStore()
    seen: list[tuple[int, bytes]] = []
    rng = random.Random(7)
    for step in range(40):
        for _ in range(rng.randrange(1, 9)):
            store.append_leaf(rng.randbytes(10))
        size, root = store.tree_size(), store.root()
        for old_size, old_root in seen:
            verify_consistency(old_size, size, old_root, root, consistency_proof(store, old_size, size))
        seen.append((size, root))


def test_consistency_edge_sizes():
    leaves = entries(5)
    store = store_of(leaves)
    root5 = store.root()
    assert consistency_proof(store, 0, 5) == []
    verify_consistency(0, 5, EMPTY_ROOT, root5, [])
    verify_consistency(5, 5, root5, root5, [])
    with pytest.raises(VerificationError):
        verify_consistency(5, 5, root5, flip(root5, 0), [])
    with pytest.raises(VerificationError):
        verify_consistency(0, 5, root5, root5, [])
    with pytest.raises(VerificationError):  # RFC step 1: an empty path never proves 0 < m < n
        verify_consistency(2, 5, ref_mth(leaves[:2]), root5, [])


# -- bad input -----------------------------------------------------------------------------------


H = b"\x00" * 32


@pytest.mark.parametrize(
    "args,field",
    [
        ((b"\x00" * 31, 0, 1, [], H), "leaf_hash"),
        ((H, 0, 1, [], b"\x00" * 33), "root_hash"),
        ((H, 0, 2, [b"\x00" * 5], H), "inclusion_path[0]"),
        ((H, 0, 2, "00" * 32, H), "inclusion_path"),
        ((H, -1, 2, [], H), "leaf_index"),
        ((H, 0, -2, [], H), "tree_size"),
        ((H, 3, 3, [], H), "leaf_index"),
        ((H, True, 3, [], H), "leaf_index"),
        (("00" * 32, 0, 1, [], H), "leaf_hash"),
    ],
)
def test_malformed_inclusion_input_names_the_field(args, field):
    with pytest.raises(InvalidInputError) as info:
        verify_inclusion(*args)
    assert info.value.problems[0].field == field


@pytest.mark.parametrize(
    "args,field",
    [
        ((5, 3, H, H, []), "old_size"),  # m > n
        ((-1, 3, H, H, []), "old_size"),
        ((1, -3, H, H, []), "new_size"),
        ((1, 3, b"\x01", H, [H]), "old_root"),
        ((1, 3, H, H, [H, b"\x00" * 31]), "consistency_path[1]"),
        ((1, 3, H, H, None), "consistency_path"),
    ],
)
def test_malformed_consistency_input_names_the_field(args, field):
    with pytest.raises(InvalidInputError) as info:
        verify_consistency(*args)
    assert info.value.problems[0].field == field


def test_proof_generation_refuses_impossible_positions():
    store = store_of(entries(10))
    for call, field in [
        (lambda: inclusion_proof(store, 10, 10), "leaf_index"),
        (lambda: inclusion_proof(store, 0, 11), "tree_size"),
        (lambda: inclusion_proof(store, -1, 5), "leaf_index"),
        (lambda: consistency_proof(store, 6, 5), "old_size"),
        (lambda: consistency_proof(store, 1, 11), "new_size"),
        (lambda: root_hash(store, 11), "tree_size"),
    ]:
        with pytest.raises(InvalidInputError) as info:
            call()
        assert info.value.problems[0].field == field


def test_a_subtree_root_is_not_accepted_as_the_root_of_a_larger_tree():
    # A truncated audit path leads to an interior node; passing that node off as the tree's root
    # must fail on the path length (RFC 9162 §2.1.3.2 step 5: sn must be 0), not only on the hash.
    leaves = entries(24, seed=5)
    for n in range(2, 25):
        for m in range(n):
            path = ref_path(m, leaves[:n])
            lh = leaf_hash(leaves[m])
            with pytest.raises(VerificationError):
                verify_inclusion(lh, m, n, [], lh)
            for cut in range(1, len(path)):
                # the interior node reached after `cut` steps of the genuine path
                k = 1 << cut
                start = (m // k) * k
                interior = ref_mth(leaves[start:min(start + k, n)])
                if start + k <= n:
                    with pytest.raises(VerificationError):
                        verify_inclusion(lh, m, n, path[:cut], interior)
    old, new = 4, 8
    proof = ref_proof(old, leaves[:new])
    with pytest.raises(VerificationError):  # stops early: sn != 0 even though fr matches
        verify_consistency(old, new, ref_mth(leaves[:old]), ref_mth(leaves[:old]), proof[:1])
