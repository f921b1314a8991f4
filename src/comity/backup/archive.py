"""The backup archive format (pure Python: no Django), version 1.

One file, encrypted and signed::

    MAGIC                    b"COMITY-BACKUP\\x001\\n" (16 bytes)
    u32 header length, header (canonical JSON, public): format, version, backup id, creation time,
                             the scrypt parameters and salt, a key check, the cipher, the chunk size, and
                             the signer's Ed25519 public key and key id
    chunks                   flag (1 byte: 0 more follow, 1 final), u32 length, AES-256-GCM ciphertext of
                             at most `chunk_size` plaintext bytes; nonce = chunk counter (11 bytes) + flag,
                             associated data = SHA-256 of MAGIC + header: chunks cannot be reordered,
                             dropped, repeated or moved to another archive, and a missing final chunk is a
                             truncation (the STREAM construction)
    trailer                  b"SIG1" + Ed25519 signature of  b"comity-backup-v1\\n" + SHA-256(everything
                             before the trailer); nothing may follow it

The plaintext inside the chunks is a sequence of records: b"F", u16 name length, name (UTF-8), u64 size,
the member's bytes; then one b"Z", u32 length, the manifest (canonical JSON), and nothing after it. The
manifest lists every member with its SHA-256 and size (and says what the archive holds: the database and
how it was taken, the audit log's size and root hash, the keys included or referenced).

The key is derived from a passphrase with scrypt (salt per archive, so each archive has its own key);
the header's key check (HMAC-SHA256 with a second derived key) tells a wrong passphrase from a damaged
archive. Reading checks the signature over the whole file first, then decrypts; every refusal is an
`ArchiveRefused` whose one-line reason says what is wrong.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from comity.errors import IntegrityError, InvalidInput

MAGIC = b"COMITY-BACKUP\x001\n"
SIG_MAGIC = b"SIG1"
TRAILER_LEN = len(SIG_MAGIC) + 64
FORMAT = "comity-backup"
VERSION = 1
CHUNK_SIZE = 1 << 20
MAX_HEADER = 64 * 1024
MAX_NAME = 1024
MAX_MANIFEST = 256 * 1024 * 1024
SCRYPT_R, SCRYPT_P = 8, 1
DEFAULT_LOG2_N = 17            # 128 MiB of memory, about half a second: costly to guess, cheap to restore
MIN_LOG2_N, MAX_LOG2_N = 14, 20
MIN_PASSPHRASE = 12
_KEY_CHECK = b"comity-backup key check v1"
_SIG_CONTEXT = b"comity-backup-v1\n"


class ArchiveRefused(IntegrityError):
    """The archive cannot be restored: the reason names what is wrong (one line)."""

    code = "backup_refused"
    default_field = "archive"


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text, what: str) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except (ValueError, TypeError):
        raise ArchiveRefused(f"the header's {what} is not base64: the archive is damaged") from None


def log2_n_from_env() -> int:
    raw = os.environ.get("COMITY_BACKUP_SCRYPT_LOG2N", "").strip()
    if not raw:
        return DEFAULT_LOG2_N
    if not raw.isdigit() or not MIN_LOG2_N <= int(raw) <= MAX_LOG2_N:
        raise InvalidInput({"COMITY_BACKUP_SCRYPT_LOG2N": f"must be a whole number from {MIN_LOG2_N} to {MAX_LOG2_N}"})
    return int(raw)


def derive_keys(passphrase: bytes, salt: bytes, log2_n: int) -> tuple[bytes, bytes]:
    """(encryption key, key-check key) from the passphrase: scrypt, 64 bytes split in two."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    out = Scrypt(salt=salt, length=64, n=1 << log2_n, r=SCRYPT_R, p=SCRYPT_P).derive(passphrase)
    return out[:32], out[32:]


def key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()


def _nonce(counter: int, final: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


# ----------------------------------------------------------------------------------------------- writing

class ArchiveWriter:
    """Writes an archive to a binary file: add members (streamed), then `finish(manifest)`."""

    def __init__(self, out: BinaryIO, *, passphrase: bytes, signing_key, backup_id: str, created: str,
                 log2_n: int | None = None, chunk_size: int = CHUNK_SIZE, engine: str = ""):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        if len(passphrase) < MIN_PASSPHRASE:
            raise InvalidInput({"passphrase": f"must be at least {MIN_PASSPHRASE} characters long"})
        log2_n = log2_n_from_env() if log2_n is None else log2_n
        salt = os.urandom(16)
        enc_key, check_key = derive_keys(passphrase, salt, log2_n)
        public_raw = signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.header = {
            "format": FORMAT, "version": VERSION, "backup_id": backup_id, "created": created,
            "kdf": {"name": "scrypt", "salt": _b64(salt), "log2_n": log2_n, "r": SCRYPT_R, "p": SCRYPT_P},
            "key_check": hmac.new(check_key, _KEY_CHECK, hashlib.sha256).hexdigest(),
            "cipher": "AES-256-GCM", "chunk_size": chunk_size, "engine": engine,
            "signer": {"algorithm": "Ed25519", "public_key": _b64(public_raw), "key_id": key_id(public_raw)},
        }
        header = canonical(self.header)
        self._out, self._key, self._aead = out, signing_key, AESGCM(enc_key)
        self._aad = hashlib.sha256(MAGIC + header).digest()
        self._hash = hashlib.sha256()
        self._buf = bytearray()
        self._chunk_size = chunk_size
        self._counter = 0
        self.members: list[dict] = []
        self._names: set[str] = set()
        self.plain_bytes = 0
        self._emit(MAGIC + struct.pack(">I", len(header)) + header)

    def _emit(self, data: bytes) -> None:
        self._hash.update(data)
        self._out.write(data)

    def _chunk(self, plain: bytes, final: bool) -> None:
        ct = self._aead.encrypt(_nonce(self._counter, final), plain, self._aad)
        self._counter += 1
        self._emit((b"\x01" if final else b"\x00") + struct.pack(">I", len(ct)) + ct)

    def _write(self, data: bytes) -> None:
        self._buf += data
        while len(self._buf) > self._chunk_size:  # keep at least one byte back for the final chunk
            self._chunk(bytes(self._buf[:self._chunk_size]), False)
            del self._buf[:self._chunk_size]

    def add_stream(self, name: str, size: int, stream: BinaryIO, kind: str) -> dict:
        """Add a member of `size` bytes read from `stream`; returns its manifest entry."""
        check_name(name)
        if name in self._names:
            raise ValueError(f"member {name!r} added twice")
        self._names.add(name)
        raw = name.encode("utf-8")
        self._write(b"F" + struct.pack(">H", len(raw)) + raw + struct.pack(">Q", size))
        digest, left = hashlib.sha256(), size
        while left:
            block = stream.read(min(left, 1 << 20))
            if not block:
                raise OSError(f"{name} shrank while it was backed up")
            digest.update(block)
            self._write(block)
            left -= len(block)
        entry = {"name": name, "size": size, "sha256": digest.hexdigest(), "kind": kind}
        self.members.append(entry)
        self.plain_bytes += size
        return entry

    def add_file(self, name: str, path, kind: str) -> dict:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            return self.add_stream(name, size, f, kind)

    def finish(self, manifest: dict) -> str:
        """Write the manifest (with the member list), the final chunk and the signature; returns the
        archive file's SHA-256 (hex, what `sha256sum` prints)."""
        body = canonical(dict(manifest, members=self.members))
        self._write(b"Z" + struct.pack(">I", len(body)) + body)
        self._chunk(bytes(self._buf), True)
        self._buf = bytearray()
        whole = self._hash.copy()
        signature = self._key.sign(_SIG_CONTEXT + self._hash.digest())
        self._out.write(SIG_MAGIC + signature)
        whole.update(SIG_MAGIC + signature)
        return whole.hexdigest()


# ----------------------------------------------------------------------------------------------- reading

def check_name(name: str) -> None:
    """Member names are relative POSIX paths under one of the archive's folders: no absolute path, no
    `..`, no empty or `.` part, no backslash, no control character."""
    if not isinstance(name, str) or not name or len(name.encode("utf-8")) > MAX_NAME:
        raise ArchiveRefused(f"member name {name!r} is empty or too long")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ArchiveRefused(f"member {name!r} has an absolute path")
    if "\\" in name or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ArchiveRefused(f"member {name!r} has a backslash or a control character in its name")
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ArchiveRefused(f"member {name!r} leaves its folder (path traversal: '..', '.' or an empty part)")
    if parts[0] not in ROOTS or len(parts) < 2:
        raise ArchiveRefused(f"member {name!r} is outside the archive's folders ({', '.join(sorted(ROOTS))})")


ROOTS = {"database", "data", "media", "evidence"}


@dataclass
class Limits:
    max_members: int = 1_000_000
    max_bytes: int = 1 << 40          # 1 TiB of members in all
    max_member_bytes: int = 1 << 40


@dataclass
class Opened:
    header: dict
    signer_key_id: str
    digest: bytes                    # SHA-256 of everything before the trailer
    file_sha256: str                 # SHA-256 of the whole file
    data_end: int                    # where the trailer starts
    header_end: int


def _read_exact(f: BinaryIO, n: int, what: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise ArchiveRefused(f"the archive is truncated ({what} cut short)")
    return data


def open_archive(path, *, expected_signer: str | None = None) -> Opened:
    """Parse the header and check the signature over the whole file, before anything is decrypted or
    written. `expected_signer`: the signer's key id (hex) the operator pinned."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    size = os.path.getsize(path)
    with open(path, "rb") as f:
        magic = f.read(len(MAGIC))
        if magic != MAGIC:
            if len(magic) < len(MAGIC) and MAGIC.startswith(magic):
                raise ArchiveRefused("the archive is truncated (it ends inside its first bytes)")
            raise ArchiveRefused("not a Comity backup archive (its first bytes are not the format's marker)")
        (hlen,) = struct.unpack(">I", _read_exact(f, 4, "header length"))
        if hlen > MAX_HEADER:
            raise ArchiveRefused(f"the header claims {hlen} bytes, more than the {MAX_HEADER} allowed: damaged")
        raw = _read_exact(f, hlen, "header")
        header_end = len(MAGIC) + 4 + hlen
        if size < header_end + TRAILER_LEN:
            raise ArchiveRefused("the archive is truncated (no room for its signature)")
        try:
            header = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ArchiveRefused("the header is not valid JSON: the archive is damaged") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ArchiveRefused("the header does not describe a Comity backup: the archive is damaged")
        if header.get("version") != VERSION:
            raise ArchiveRefused(f"archive format version {header.get('version')!r} is not one this Comity reads "
                                 f"(it reads version {VERSION})")
        backup_id = header.get("backup_id")
        if not (isinstance(backup_id, str) and len(backup_id) == 32
                and all(c in "0123456789abcdef" for c in backup_id)):
            raise ArchiveRefused("the header's backup id is not 32 hexadecimal digits: the archive is damaged")
        signer = header.get("signer")
        if not isinstance(signer, dict):
            raise ArchiveRefused("the header names no signer: the archive is damaged")
        public_raw = _unb64(signer.get("public_key", ""), "signer public key")
        if len(public_raw) != 32 or signer.get("algorithm") != "Ed25519":
            raise ArchiveRefused("the header's signer is not an Ed25519 public key: the archive is damaged")
        kid = key_id(public_raw)
        data_end = size - TRAILER_LEN
        f.seek(data_end)
        trailer = _read_exact(f, TRAILER_LEN, "signature")
        if trailer[:4] != SIG_MAGIC:
            raise ArchiveRefused("the archive's signature is missing: it is truncated, or bytes were added or "
                                 "removed at its end")
        f.seek(0)
        digest = hashlib.sha256()
        left = data_end
        while left:
            block = f.read(min(left, 1 << 20))
            if not block:
                raise ArchiveRefused("the archive is truncated (it shrank while it was read)")
            digest.update(block)
            left -= len(block)
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(trailer[4:], _SIG_CONTEXT + digest.digest())
    except InvalidSignature:
        raise ArchiveRefused("the signature does not verify: the archive was changed, truncated or extended "
                             "after it was written") from None
    whole = digest.copy()
    whole.update(trailer)
    if kid != signer.get("key_id"):
        raise ArchiveRefused("the header's signer key id does not match its public key: the archive is damaged")
    if expected_signer and kid != expected_signer.lower():
        raise ArchiveRefused(f"signed by key {kid[:16]}..., not by the expected key {expected_signer[:16]}...")
    return Opened(header=header, signer_key_id=kid, digest=digest.digest(), file_sha256=whole.hexdigest(),
                  data_end=data_end,
                  header_end=header_end)


def _kdf(header: dict) -> tuple[bytes, int]:
    kdf = header.get("kdf") or {}
    log2_n = kdf.get("log2_n")
    if (kdf.get("name") != "scrypt" or not isinstance(log2_n, int) or not MIN_LOG2_N <= log2_n <= MAX_LOG2_N
            or kdf.get("r") != SCRYPT_R or kdf.get("p") != SCRYPT_P):
        raise ArchiveRefused("the header's key derivation parameters are not ones this Comity accepts "
                             f"(scrypt, 2^{MIN_LOG2_N} to 2^{MAX_LOG2_N}, r={SCRYPT_R}, p={SCRYPT_P})")
    salt = _unb64(kdf.get("salt", ""), "salt")
    if len(salt) < 16:
        raise ArchiveRefused("the header's salt is too short: the archive is damaged")
    return salt, log2_n


def unlock(opened: Opened, passphrase: bytes) -> bytes:
    """The encryption key, or ArchiveRefused('wrong passphrase')."""
    salt, log2_n = _kdf(opened.header)
    enc_key, check_key = derive_keys(passphrase, salt, log2_n)
    expected = hmac.new(check_key, _KEY_CHECK, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, str(opened.header.get("key_check", ""))):
        raise ArchiveRefused("wrong passphrase: it does not open this archive")
    return enc_key


def _plain_chunks(path, opened: Opened, enc_key: bytes) -> Iterator[bytes]:
    """Decrypted chunks in order; checks framing, order, the final flag and that the bytes read are the
    bytes whose signature was checked."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    chunk_size = opened.header.get("chunk_size")
    if not isinstance(chunk_size, int) or not 1024 <= chunk_size <= 64 << 20:
        raise ArchiveRefused("the header's chunk size is out of range: the archive is damaged")
    if opened.header.get("cipher") != "AES-256-GCM":
        raise ArchiveRefused(f"cipher {opened.header.get('cipher')!r} is not one this Comity reads")
    aead = AESGCM(enc_key)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        head = _read_exact(f, opened.header_end, "header")
        digest.update(head)
        aad = hashlib.sha256(head[:len(MAGIC)] + head[len(MAGIC) + 4:]).digest()
        pos, counter, final = opened.header_end, 0, False
        while not final:
            if pos + 5 > opened.data_end:
                raise ArchiveRefused(f"the archive is truncated (chunk {counter} and the end are missing)")
            frame = _read_exact(f, 5, f"chunk {counter}")
            flag, length = frame[0], struct.unpack(">I", frame[1:])[0]
            if flag not in (0, 1):
                raise ArchiveRefused(f"chunk {counter} has an unknown flag: the archive is damaged")
            final = flag == 1
            if length < 16 or length > chunk_size + 16 or pos + 5 + length > opened.data_end:
                raise ArchiveRefused(f"chunk {counter} claims {length} bytes, which do not fit: the archive is "
                                     "damaged or truncated")
            ct = _read_exact(f, length, f"chunk {counter}")
            digest.update(frame + ct)
            try:
                plain = aead.decrypt(_nonce(counter, final), ct, aad)
            except InvalidTag:
                raise ArchiveRefused(f"chunk {counter} does not authenticate: changed, reordered or from another "
                                     "archive") from None
            if not final and len(plain) != chunk_size:
                raise ArchiveRefused(f"chunk {counter} is shorter than the chunk size: the archive is damaged")
            pos += 5 + length
            counter += 1
            yield plain
        if pos != opened.data_end:
            raise ArchiveRefused("bytes follow the final chunk before the signature: the archive is damaged")
    if digest.digest() != opened.digest:
        raise ArchiveRefused("the archive changed while it was read")


class _Plain:
    """A byte reader over the decrypted chunks."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks, self._buf, self._at = chunks, b"", 0

    def _fill(self) -> bool:
        while self._at >= len(self._buf):
            try:
                self._buf, self._at = next(self._chunks), 0
            except StopIteration:
                return False
        return True

    def read(self, n: int, what: str) -> bytes:
        parts, want = [], n
        while want:
            if not self._fill():
                raise ArchiveRefused(f"the archive ends inside {what}: it is truncated or damaged")
            take = self._buf[self._at:self._at + want]
            self._at += len(take)
            want -= len(take)
            parts.append(take)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def at_end(self) -> bool:
        return not self._fill()


def extract(path, opened: Opened, enc_key: bytes, sink: Callable[[str], BinaryIO],
            limits: Limits | None = None) -> dict:
    """Decrypt, hand each member's bytes to `sink(name)` (a writable file the caller places in its staging
    area), check names, limits, sizes and hashes against the manifest; returns the manifest.
    Raises ArchiveRefused at the first problem: the caller discards its staging area."""
    limits = limits or Limits()
    plain = _Plain(_plain_chunks(path, opened, enc_key))
    seen: dict[str, tuple[int, str]] = {}
    order: list[str] = []
    total = 0
    room = opened.data_end - opened.header_end
    while True:
        kind = plain.read(1, "a record")
        if kind == b"Z":
            (mlen,) = struct.unpack(">I", plain.read(4, "the manifest"))
            if mlen > MAX_MANIFEST:
                raise ArchiveRefused("the manifest is larger than allowed: the archive is damaged")
            body = plain.read(mlen, "the manifest")
            if not plain.at_end():
                raise ArchiveRefused("data follows the manifest: the archive is damaged")
            break
        if kind != b"F":
            raise ArchiveRefused("an unknown record type in the archive: it is damaged")
        (nlen,) = struct.unpack(">H", plain.read(2, "a member name"))
        if nlen > MAX_NAME:
            raise ArchiveRefused("a member name is longer than allowed")
        try:
            name = plain.read(nlen, "a member name").decode("utf-8")
        except UnicodeDecodeError:
            raise ArchiveRefused("a member name is not UTF-8: the archive is damaged") from None
        check_name(name)
        if name in seen:
            raise ArchiveRefused(f"member {name!r} appears twice (duplicate member name)")
        if len(seen) >= limits.max_members:
            raise ArchiveRefused(f"the archive holds more than {limits.max_members} members (limit; see --max-members)")
        (size,) = struct.unpack(">Q", plain.read(8, f"the size of {name}"))
        if size > limits.max_member_bytes or size > room:
            raise ArchiveRefused(f"member {name!r} claims {size} bytes, more than the limit or the archive holds")
        total += size
        if total > limits.max_bytes:
            raise ArchiveRefused(f"the members add up to more than {limits.max_bytes} bytes (limit; see --max-bytes)")
        digest, left = hashlib.sha256(), size
        out = sink(name)
        try:
            while left:
                block = plain.read(min(left, 1 << 20), f"member {name!r}")
                digest.update(block)
                out.write(block)
                left -= len(block)
        finally:
            out.close()
        seen[name] = (size, digest.hexdigest())
        order.append(name)
    try:
        manifest = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ArchiveRefused("the manifest is not valid JSON: the archive is damaged") from None
    listed = manifest.get("members") if isinstance(manifest, dict) else None
    if not isinstance(listed, list):
        raise ArchiveRefused("the manifest lists no members: the archive is damaged")
    if manifest.get("backup_id") != opened.header.get("backup_id"):
        raise ArchiveRefused("the manifest belongs to another backup than the header: the archive is damaged")
    names = [m.get("name") if isinstance(m, dict) else None for m in listed]
    if len(set(names)) != len(names):
        raise ArchiveRefused("the manifest lists a member twice (duplicate member name)")
    for m in listed:
        name = m.get("name") if isinstance(m, dict) else None
        if name not in seen:
            raise ArchiveRefused(f"member {name!r} is in the manifest but not in the archive")
        size, sha = seen[name]
        if m.get("size") != size:
            raise ArchiveRefused(f"member {name!r} has {size} bytes, the manifest says {m.get('size')}")
        if m.get("sha256") != sha:
            raise ArchiveRefused(f"member {name!r} does not match its SHA-256 in the manifest")
    extra = [n for n in order if n not in set(names)]
    if extra:
        raise ArchiveRefused(f"member {extra[0]!r} is in the archive but not in the manifest")
    if names != order:
        raise ArchiveRefused("the members are not in the order the manifest lists: the archive is damaged")
    return manifest
