"""Offline tools for an oversight body: verify an exported audit log, make and check proofs, keys.

``python -m comity.ledger.cli <command> ...`` (the project CLI mounts the same ``main`` under
``comity audit``).  Pure: reads files, never touches a database, never imports Django.

Files
  events      JSON lines, one audit event per line, as exported: each line's exact bytes (without
              the newline) are the leaf, i.e. the export writes ``canonical_event_bytes(event)``.
              ``--reencode`` instead parses each line and re-encodes it canonically (tolerates an
              export that reformatted the JSON; slower).
  checkpoints JSON lines, one signed tree head per line (see ``comity.ledger.signing``).
  leaf hashes one 64-character hex leaf hash per line (optional; makes localisation exact).

Exit codes: 0 verified / done, 1 verification failed (the log diverged, a proof or signature does
not verify), 2 bad input (unreadable or malformed files, bad arguments), 3 internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from comity.ledger.encoding import canonical_event_bytes
from comity.ledger.errors import FieldError, InvalidInputError, LedgerError, VerificationError
from comity.ledger.proofs import ConsistencyProof, InclusionProof, prove_consistency, prove_inclusion
from comity.ledger.signing import (
    SignedTreeHead,
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
from comity.ledger.store import MemoryLedgerStore
from comity.ledger.tree import hash_from_hex, leaf_hashes
from comity.ledger.verify import verify_log

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


# -- reading files ---------------------------------------------------------------------------------


def _read_bytes(path: str, field: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInputError([FieldError(field, f"cannot read {path}: {exc.strerror or exc}")]) from None


def read_event_leaves(path: str, *, reencode: bool = False) -> list[bytes]:
    """The leaves of an events export (see the module docstring)."""
    data = _read_bytes(path, "events")
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline that ends the last line
    if not reencode:
        return lines
    leaves: list[bytes] = []
    for number, line in enumerate(lines, start=1):
        try:
            leaves.append(canonical_event_bytes(json.loads(line)))
        except (ValueError, LedgerError):
            # Not an event the app could have written: keep the raw bytes, which then cannot match.
            leaves.append(b"\xff" + line)
    return leaves


def read_leaf_hashes(path: str) -> list[bytes]:
    text = _read_bytes(path, "leaf_hashes").decode("utf-8", errors="replace")
    errors: list[FieldError] = []
    result: list[bytes] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            result.append(hash_from_hex(line.strip(), f"leaf_hashes[line {number}]"))
        except InvalidInputError as exc:
            errors.extend(exc.problems)
    if errors:
        raise InvalidInputError(errors[:20])
    return result


def read_checkpoints(path: str) -> list[SignedTreeHead]:
    return load_checkpoints(_read_bytes(path, "checkpoints"), source=os.path.basename(path))


def read_public_keys(paths: Sequence[str]):
    return [load_public_key(_read_bytes(p, "public_key")) for p in paths]


def _passphrase(env_name: str | None) -> bytes | None:
    if not env_name:
        return None
    value = os.environ.get(env_name)
    if value is None:
        raise InvalidInputError([FieldError("passphrase_env", f"environment variable {env_name} is not set")])
    return value.encode("utf-8")


def _store_from_events(args: argparse.Namespace) -> MemoryLedgerStore:
    store = MemoryLedgerStore()
    store.extend_leaf_hashes(leaf_hashes(read_event_leaves(args.events, reencode=args.reencode)))
    return store


# -- commands --------------------------------------------------------------------------------------


def _emit(args: argparse.Namespace, payload: dict[str, Any], lines: Sequence[str]) -> None:
    try:
        if args.json:
            print(json.dumps(payload, indent=2, sort_keys=True))
        else:
            for line in lines:
                print(line)
        sys.stdout.flush()
    except BrokenPipeError:  # output piped into `head`: the exit code still tells the result
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def cmd_verify(args: argparse.Namespace) -> int:
    keys = read_public_keys(args.public_key)
    heads = read_checkpoints(args.checkpoints)
    leaves = read_event_leaves(args.events, reencode=args.reencode)
    stored = read_leaf_hashes(args.leaf_hashes) if args.leaf_hashes else None
    result = verify_log(leaves, heads, keys, stored_leaf_hashes=stored)
    ok = result.ok and not (args.strict and result.log_size > result.verified_size)
    messages = list(result.messages)
    if result.ok and not ok:
        messages.insert(0, "FAILED (--strict): some events are not covered by a signed tree head")
    payload = result.to_dict() | {"command": "verify", "ok": ok}
    _emit(args, payload, messages)
    return EXIT_OK if ok else EXIT_FAILED


def cmd_prove_inclusion(args: argparse.Namespace) -> int:
    store = _store_from_events(args)
    proof = prove_inclusion(store, args.index, args.tree_size)
    _emit(args, proof.to_dict(), [json.dumps(proof.to_dict(), sort_keys=True)])
    return EXIT_OK


def cmd_prove_consistency(args: argparse.Namespace) -> int:
    store = _store_from_events(args)
    proof = prove_consistency(store, args.old_size, args.new_size)
    _emit(args, proof.to_dict(), [json.dumps(proof.to_dict(), sort_keys=True)])
    return EXIT_OK


def _load_json_file(path: str, field: str) -> Any:
    try:
        return json.loads(_read_bytes(path, field))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInputError([FieldError(field, f"{path} is not valid JSON: {exc}")]) from None


def _trusted_roots(args: argparse.Namespace) -> dict[int, set[bytes]] | None:
    if not args.checkpoints:
        return None
    if not args.public_key:
        raise InvalidInputError([FieldError("public_key", "is required with --checkpoints")])
    keys = read_public_keys(args.public_key)
    roots: dict[int, set[bytes]] = {}
    for index, head in enumerate(read_checkpoints(args.checkpoints)):
        verify_tree_head(head, keys, field=f"checkpoints[{index}]")
        roots.setdefault(head.size, set()).add(head.root_hash)
    return roots


def _check_signed(roots: dict[int, set[bytes]] | None, size: int, root: bytes, field: str) -> list[str]:
    if roots is None:
        return [f"note: the {field} was not checked against a signed tree head (no --checkpoints)"]
    if root not in roots.get(size, set()):
        raise VerificationError([FieldError(field, f"no verified checkpoint has size {size} with this root")])
    return [f"the {field} matches a signed tree head of size {size}"]


def cmd_verify_inclusion(args: argparse.Namespace) -> int:
    proof = InclusionProof.from_dict(_load_json_file(args.proof, "proof"))
    if args.leaf_file:
        expected = leaf_hashes([_read_bytes(args.leaf_file, "leaf_file").rstrip(b"\n")])[0]
        if expected != proof.leaf_hash:
            raise VerificationError([FieldError("leaf_hash", "does not match the hash of --leaf-file")])
    roots = _trusted_roots(args)
    proof.verify()
    notes = _check_signed(roots, proof.tree_size, proof.root_hash, "root_hash")
    lines = [f"verified: leaf {proof.leaf_index} is in the tree of size {proof.tree_size}", *notes]
    _emit(args, {"command": "verify-inclusion", "ok": True, "messages": lines}, lines)
    return EXIT_OK


def cmd_verify_consistency(args: argparse.Namespace) -> int:
    proof = ConsistencyProof.from_dict(_load_json_file(args.proof, "proof"))
    roots = _trusted_roots(args)
    proof.verify()
    notes = _check_signed(roots, proof.old_size, proof.old_root, "old_root")
    notes += _check_signed(roots, proof.new_size, proof.new_root, "new_root")
    lines = [f"verified: the tree of size {proof.new_size} extends the tree of size {proof.old_size}", *notes]
    _emit(args, {"command": "verify-consistency", "ok": True, "messages": lines}, lines)
    return EXIT_OK


def cmd_keygen(args: argparse.Namespace) -> int:
    private_path, public_path = Path(args.private_key_out), Path(args.public_key_out)
    for path in (private_path, public_path):
        if path.exists() and not args.force:
            raise InvalidInputError([FieldError(str(path), "exists; use --force to overwrite")])
    key = generate_private_key()
    pem = private_key_to_pem(key, _passphrase(args.passphrase_env))
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        public_path.write_bytes(public_key_to_pem(key.public_key()))
    except OSError as exc:
        raise InvalidInputError([FieldError("output", f"cannot write key file: {exc}")]) from None
    kid = key_id(key.public_key())
    _emit(args, {"command": "keygen", "ok": True, "key_id": kid, "private_key": str(private_path),
                 "public_key": str(public_path)}, [f"key_id {kid}", f"private key {private_path} (mode 0600)",
                                                  f"public key {public_path}"])
    return EXIT_OK


def cmd_sign(args: argparse.Namespace) -> int:
    key = load_private_key(_read_bytes(args.private_key, "private_key"), _passphrase(args.passphrase_env))
    store = _store_from_events(args)
    size = store.tree_size() if args.tree_size is None else args.tree_size
    from comity.ledger.proofs import root_hash

    head = sign_tree_head(key, size, root_hash(store, size), args.timestamp)
    if args.append_to:
        try:
            with open(args.append_to, "a", encoding="utf-8") as handle:
                handle.write(head.to_json() + "\n")
        except OSError as exc:
            raise InvalidInputError([FieldError("append_to", f"cannot write: {exc}")]) from None
    _emit(args, head.to_dict(), [head.to_json()])
    return EXIT_OK


# -- wiring ----------------------------------------------------------------------------------------


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="comity-ledger", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.add_argument("--json", action="store_true", help="machine-readable output")
        command.set_defaults(handler=handler)
        return command

    def events_args(command: argparse.ArgumentParser) -> None:
        command.add_argument("--events", required=True, help="events export, JSON lines")
        command.add_argument("--reencode", action="store_true", help="re-encode each event canonically")

    verify = add("verify", cmd_verify, "verify an events export against signed checkpoints")
    events_args(verify)
    verify.add_argument("--checkpoints", required=True, help="signed tree heads, JSON lines")
    verify.add_argument("--public-key", required=True, action="append", help="log public key PEM (repeatable)")
    verify.add_argument("--leaf-hashes", help="stored leaf hashes, one hex per line (pins divergence exactly)")
    verify.add_argument("--strict", action="store_true", help="fail if events follow the latest checkpoint")

    inclusion = add("prove-inclusion", cmd_prove_inclusion, "inclusion proof for one event")
    events_args(inclusion)
    inclusion.add_argument("--index", required=True, type=_non_negative, help="leaf index (0-based)")
    inclusion.add_argument("--tree-size", type=_non_negative, help="tree size (default: all events)")

    consistency = add("prove-consistency", cmd_prove_consistency, "consistency proof between two sizes")
    events_args(consistency)
    consistency.add_argument("--old-size", required=True, type=_non_negative)
    consistency.add_argument("--new-size", type=_non_negative, help="default: all events")

    for name, handler, text in (
        ("verify-inclusion", cmd_verify_inclusion, "verify an inclusion proof document"),
        ("verify-consistency", cmd_verify_consistency, "verify a consistency proof document"),
    ):
        check = add(name, handler, text)
        check.add_argument("--proof", required=True, help="proof JSON from prove-inclusion/prove-consistency")
        check.add_argument("--checkpoints", help="also require the root(s) to be signed")
        check.add_argument("--public-key", action="append", help="log public key PEM (repeatable)")
        if name == "verify-inclusion":
            check.add_argument("--leaf-file", help="file holding the leaf bytes (one canonical event)")

    keygen = add("keygen", cmd_keygen, "generate an Ed25519 log signing key")
    keygen.add_argument("--private-key-out", required=True)
    keygen.add_argument("--public-key-out", required=True)
    keygen.add_argument("--passphrase-env", help="encrypt the private key with this environment variable")
    keygen.add_argument("--force", action="store_true", help="overwrite existing files")

    sign = add("sign", cmd_sign, "sign a tree head over an events export")
    events_args(sign)
    sign.add_argument("--private-key", required=True)
    sign.add_argument("--passphrase-env")
    sign.add_argument("--tree-size", type=_non_negative)
    sign.add_argument("--timestamp", help="ISO-8601 UTC (default: now)")
    sign.add_argument("--append-to", help="append the signed head to this checkpoint file")
    return parser


def _report_error(args: argparse.Namespace | None, exc: LedgerError, kind: str) -> None:
    if args is not None and getattr(args, "json", False):
        print(json.dumps({"ok": False, "error": kind, "errors": exc.as_dicts()}, indent=2, sort_keys=True))
    else:
        label = "verification failed" if kind == "verification_failed" else "bad input"
        print(f"{label}:", file=sys.stderr)
        for error in exc.problems:
            print(f"  {error.field}: {error.reason}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit code (0 ok, 1 failed verification, 2 bad input, 3 bug)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage and the reason
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    try:
        return args.handler(args)
    except VerificationError as exc:
        _report_error(args, exc, "verification_failed")
        return EXIT_FAILED
    except LedgerError as exc:
        _report_error(args, exc, "invalid_input")
        return EXIT_BAD_INPUT
    except MemoryError:
        print("internal error: out of memory", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as exc:  # never a traceback for an oversight user; never a false "verified"
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
