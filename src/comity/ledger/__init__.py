"""Tamper-evident audit log: an RFC 9162 Merkle tree, Ed25519-signed tree heads, proofs, and
whole-log verification for oversight bodies.  Pure Python; never imports Django.

Typical use by the audit app, inside the transaction that writes an audit event::

    leaf = canonical_event_bytes(event)            # store the event; hash what is stored
    state = CompactRange.from_dict(row.state)      # persisted incremental state
    completed = state.append(leaf_hash(leaf))      # O(1) amortised; cache `completed` subtrees
    row.state = state.to_dict()

and periodically ``sign_tree_head(key, state.size, state.root())``.  Oversight bodies run
``verify_log`` (or ``python -m comity.ledger.cli verify``) on an export plus the heads they kept, and
a :class:`Witness` (comity.ledger.witness) that cosigns only heads extending the last one it cosigned.
"""

from comity.ledger.encoding import (
    canonical_event,
    canonical_event_bytes,
    canonical_json_bytes,
    event_leaf_hash,
    format_event_time,
)
from comity.ledger.errors import FieldError, InvalidInputError, LedgerError, VerificationError
from comity.ledger.proofs import (
    ConsistencyProof,
    InclusionProof,
    consistency_proof,
    inclusion_proof,
    prove_consistency,
    prove_inclusion,
    root_hash,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)
from comity.ledger.signing import (
    SignedTreeHead,
    dump_checkpoints,
    generate_private_key,
    key_id,
    load_checkpoints,
    load_private_key,
    load_public_key,
    private_key_to_pem,
    public_key_to_pem,
    sign_tree_head,
    verify_tree_head,
)
from comity.ledger.store import LeafHashStore, MemoryLedgerStore
from comity.ledger.tree import (
    EMPTY_ROOT,
    CompactRange,
    leaf_hash,
    leaf_hashes,
    merkle_root,
    merkle_root_of_leaves,
    node_hash,
    prefix_roots,
)
from comity.ledger.verify import LogVerification, verify_log
from comity.ledger.witness import (
    Cosignature,
    Refusal,
    Witness,
    WitnessRefused,
    cosignature_message,
    load_witness_records,
    read_witness_file,
    verify_cosignature,
)

__all__ = [
    "EMPTY_ROOT",
    "CompactRange",
    "ConsistencyProof",
    "Cosignature",
    "FieldError",
    "InclusionProof",
    "InvalidInputError",
    "LeafHashStore",
    "LedgerError",
    "LogVerification",
    "MemoryLedgerStore",
    "Refusal",
    "SignedTreeHead",
    "VerificationError",
    "Witness",
    "WitnessRefused",
    "canonical_event",
    "canonical_event_bytes",
    "canonical_json_bytes",
    "consistency_proof",
    "cosignature_message",
    "dump_checkpoints",
    "event_leaf_hash",
    "format_event_time",
    "generate_private_key",
    "inclusion_proof",
    "key_id",
    "leaf_hash",
    "leaf_hashes",
    "load_checkpoints",
    "load_private_key",
    "load_public_key",
    "load_witness_records",
    "merkle_root",
    "merkle_root_of_leaves",
    "node_hash",
    "prefix_roots",
    "private_key_to_pem",
    "prove_consistency",
    "prove_inclusion",
    "public_key_to_pem",
    "read_witness_file",
    "root_hash",
    "sign_tree_head",
    "subtree_root",
    "verify_consistency",
    "verify_cosignature",
    "verify_inclusion",
    "verify_log",
    "verify_tree_head",
]
