"""Streaming hashes and chunked AES-256-GCM envelope encryption for evidence at rest. Pure Python.

Never imports Django; never holds a whole file in memory (one chunk at a time, 1 MiB by default).

Envelope: each file has its own random 256-bit data key. The data key is wrapped (AES-256-GCM)
by the instance's master key; the wrapped key names the master key by its id, so rotation adds a
new master key, re-wraps every data key with it, and retires the old one without touching the
file bodies.

Ciphertext format "CEV1" (a STREAM-style chunked AEAD, after Hoang, Reyhanitabar, Rogaway and
Vizár, "Online authenticated-encryption and its nonce-reuse misuse-resistance", 2015):

    header  = b"CEV1" | version (1 byte, = 1) | chunk_size (4 bytes, big-endian)
              | nonce_prefix (7 random bytes)                                   (16 bytes)
    chunk_i = AES-256-GCM(data_key, nonce_i, plaintext_i, aad=header)           (len + 16-byte tag)
    nonce_i = nonce_prefix | i (4 bytes, big-endian) | last (1 byte: 1 for the final chunk, else 0)

Every chunk but the last holds exactly chunk_size plaintext bytes; the last holds 0..chunk_size
bytes (an empty file is one empty final chunk). The header is authenticated by every chunk (as
associated data); the counter in the nonce stops chunks being reordered, dropped or duplicated,
and the "last" flag stops truncation at a chunk boundary or extension after the end. Any change
to a stored file raises `CiphertextCorrupted` naming the chunk.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from comity.errors import IntegrityError

MAGIC = b"CEV1"
VERSION = 1
HEADER_LEN = 16
TAG_LEN = 16
DEFAULT_CHUNK = 1024 * 1024  # 1 MiB: as fast as larger chunks here, and keeps a registration under 100 MB RSS
MAX_CHUNK = 64 * 1024 * 1024
HASH_ALGORITHMS = ("sha256", "sha512")
_WRAP_AAD = b"comity-evidence-data-key-v1:"


class EvidenceCryptoError(IntegrityError):
    """Base class for the errors this module raises; the message says what to do."""


class CiphertextCorrupted(EvidenceCryptoError):
    """A stored file failed authentication: it was changed, truncated or belongs to another key.
    `chunk` is the index of the chunk that failed (None when the header or the wrapped key did)."""

    def __init__(self, message: str = "", chunk: int | None = None):
        super().__init__(message)
        self.chunk = chunk


class MasterKeyMissing(EvidenceCryptoError):
    """No master key is configured, or the one needed to unwrap a data key is not in the keyring."""

    code = "master_key_missing"
    status = 503


class SourceChanged(EvidenceCryptoError):
    """The source file changed while it was being read."""


class TooLarge(EvidenceCryptoError):
    """The stream is longer than the allowed limit."""


# --- hashing ----------------------------------------------------------------------------------------

def read_chunks(stream: BinaryIO, chunk_size: int = DEFAULT_CHUNK) -> Iterator[bytes]:
    """Yield successive chunks of a binary stream; only one chunk is in memory at a time."""
    while True:
        chunk = stream.read(chunk_size)
        if not chunk:
            return
        yield chunk


def hash_chunks(chunks: Iterable[bytes], algorithms: Iterable[str] = ("sha256",)) -> tuple[dict[str, str], int]:
    """Hex digests for each algorithm over the concatenated chunks, and the total length."""
    hashers = {name: hashlib.new(name) for name in algorithms}
    size = 0
    for chunk in chunks:
        for h in hashers.values():
            h.update(chunk)
        size += len(chunk)
    return {name: h.hexdigest() for name, h in hashers.items()}, size


def hash_stream(stream: BinaryIO, algorithms: Iterable[str] = ("sha256",),
                chunk_size: int = DEFAULT_CHUNK) -> dict[str, str]:
    """Hex digests of a stream read to its end in chunks (never loaded whole)."""
    return hash_chunks(read_chunks(stream, chunk_size), algorithms)[0]


def hash_path(path: str | os.PathLike, algorithms: Iterable[str] = ("sha256",),
              chunk_size: int = DEFAULT_CHUNK) -> dict[str, str]:
    with open(path, "rb", buffering=0) as f:
        return hash_stream(f, algorithms, chunk_size)


# --- keys and the envelope --------------------------------------------------------------------------

def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def key_id(master_key: bytes) -> str:
    """A short public name for a master key (not secret: a hash of it)."""
    return hashlib.sha256(b"comity-master-key-id:" + master_key).hexdigest()[:16]


def decode_master_key(text: str) -> bytes:
    """A base64 (standard or URL-safe) 32-byte key; raises MasterKeyMissing with the reason."""
    text = text.strip()
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_" if ("-" in text or "_" in text) else None,
                               validate=True)
    except ValueError:
        raise MasterKeyMissing("the master key is not valid base64") from None
    if len(raw) != 32:
        raise MasterKeyMissing(f"the master key must be 32 bytes (256 bits) in base64; it is {len(raw)} bytes")
    return raw


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode()


@dataclass
class Keyring:
    """The master keys: `current` wraps new data keys; `retired` still unwrap old ones until rotated."""

    current: bytes
    retired: list[bytes] = field(default_factory=list)

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    def by_id(self, kid: str) -> bytes:
        for k in [self.current, *self.retired]:
            if key_id(k) == kid:
                return k
        raise MasterKeyMissing(f"master key {kid} is not in the keyring (was it removed before rotation finished?)")

    def wrap(self, data_key: bytes, context: str) -> bytes:
        """Wrap a data key under the current master key, bound to `context` (e.g. the item's storage name)."""
        return wrap_key(self.current, data_key, context)

    def unwrap(self, wrapped: bytes, context: str) -> bytes:
        kid = wrapped[:16].decode("ascii", "replace")
        return unwrap_key(self.by_id(kid), wrapped, context)

    def rewrap(self, wrapped: bytes, context: str) -> bytes:
        """Key rotation: the same data key, now wrapped by the current master key."""
        return self.wrap(self.unwrap(wrapped, context), context)


def wrap_key(master_key: bytes, data_key: bytes, context: str) -> bytes:
    """key id (16 ASCII) | nonce (12) | AES-256-GCM(data key) with the context as associated data."""
    kid = key_id(master_key).encode()
    nonce = os.urandom(12)
    return kid + nonce + AESGCM(master_key).encrypt(nonce, data_key, _WRAP_AAD + kid + context.encode())


def unwrap_key(master_key: bytes, wrapped: bytes, context: str) -> bytes:
    kid, nonce, body = wrapped[:16], wrapped[16:28], wrapped[28:]
    try:
        return AESGCM(master_key).decrypt(nonce, body, _WRAP_AAD + kid + context.encode())
    except InvalidTag:
        raise CiphertextCorrupted("the wrapped data key failed authentication (wrong master key or tampered record)") \
            from None


# --- chunked AEAD -----------------------------------------------------------------------------------

def _header(chunk_size: int, nonce_prefix: bytes) -> bytes:
    return MAGIC + bytes([VERSION]) + struct.pack(">I", chunk_size) + nonce_prefix


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    if index >= 2 ** 32:
        raise EvidenceCryptoError("file too large for the CEV1 format (2^32 chunks)")
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


@dataclass
class EncryptResult:
    digests: dict[str, str]
    size: int
    ciphertext_size: int


def encrypt_stream(source: BinaryIO, sink: BinaryIO, data_key: bytes, *, algorithms: Iterable[str] = ("sha256",),
                   chunk_size: int = DEFAULT_CHUNK, max_bytes: int | None = None,
                   on_chunk: Callable[[int], None] | None = None) -> EncryptResult:
    """Hash and encrypt `source` into `sink` in one pass, chunk by chunk.

    Hashing runs in a second thread while this one encrypts the same chunk: hashlib and OpenSSL's
    AES-GCM both release the GIL on large buffers, so the two overlap and the pass costs about as
    much as the slower of the two. Raises TooLarge as soon as `max_bytes` is exceeded.
    """
    if not 1024 <= chunk_size <= MAX_CHUNK:
        raise ValueError("chunk_size out of range")
    prefix = os.urandom(7)
    header = _header(chunk_size, prefix)
    aead = AESGCM(data_key)
    hashers = [hashlib.new(name) for name in algorithms]
    names = list(algorithms)
    sink.write(header)
    written = HEADER_LEN
    size = 0
    index = 0

    def hash_all(chunk: bytes) -> None:
        for h in hashers:
            h.update(chunk)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="evidence-hash") as pool:
        pending = None
        current = _read_full(source, chunk_size)
        while True:
            # Read ahead one chunk to know whether `current` is the last one.
            nxt = _read_full(source, chunk_size) if len(current) == chunk_size else b""
            size += len(current)
            if max_bytes is not None and size > max_bytes:
                if pending:
                    pending.result()
                raise TooLarge(f"is larger than the limit of {max_bytes} bytes")
            if pending:
                pending.result()
            pending = pool.submit(hash_all, current) if current else None
            last = not nxt
            out = aead.encrypt(_nonce(prefix, index, last), current, header)
            sink.write(out)
            written += len(out)
            index += 1
            if on_chunk:
                on_chunk(size)
            if last:
                break
            current = nxt
        if pending:
            pending.result()
    return EncryptResult({n: h.hexdigest() for n, h in zip(names, hashers)}, size, written)


def _read_full(source: BinaryIO, n: int) -> bytes:
    """Read exactly n bytes unless the stream ends (raw files may return short reads)."""
    first = source.read(n)
    if not first or len(first) == n:
        return first or b""
    parts = [first]
    got = len(first)
    while got < n:
        more = source.read(n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def decrypt_chunks(source: BinaryIO, data_key: bytes) -> Iterator[bytes]:
    """Yield the plaintext chunk by chunk, authenticating each; CiphertextCorrupted on any change."""
    header = source.read(HEADER_LEN)
    if len(header) != HEADER_LEN or header[:4] != MAGIC or header[4] != VERSION:
        raise CiphertextCorrupted("the stored file does not start with a CEV1 header")
    chunk_size = struct.unpack(">I", header[5:9])[0]
    if not 1024 <= chunk_size <= MAX_CHUNK:
        raise CiphertextCorrupted("the stored file's header is corrupted (chunk size)")
    prefix = header[9:16]
    aead = AESGCM(data_key)
    index = 0
    current = _read_full(source, chunk_size + TAG_LEN)
    while True:
        nxt = _read_full(source, chunk_size + TAG_LEN) if len(current) == chunk_size + TAG_LEN else b""
        last = not nxt
        if len(current) < TAG_LEN:
            raise CiphertextCorrupted(f"the stored file is truncated at chunk {index}", chunk=index)
        try:
            plain = aead.decrypt(_nonce(prefix, index, last), current, header)
        except InvalidTag:
            raise CiphertextCorrupted(f"the stored file failed authentication at chunk {index} "
                                      "(changed, truncated or reordered)", chunk=index) from None
        yield plain
        if last:
            return
        index += 1
        current = nxt


def decrypt_stream(source: BinaryIO, sink: BinaryIO, data_key: bytes) -> int:
    n = 0
    for chunk in decrypt_chunks(source, data_key):
        sink.write(chunk)
        n += len(chunk)
    return n


class EncryptingWriter:
    """A write-only file object that encrypts what is written into CEV1 (used for disclosure archives)."""

    def __init__(self, sink: BinaryIO, data_key: bytes, chunk_size: int = DEFAULT_CHUNK):
        self._sink = sink
        self._aead = AESGCM(data_key)
        self._prefix = os.urandom(7)
        self._header = _header(chunk_size, self._prefix)
        self._chunk = chunk_size
        self._buf = bytearray()
        self._index = 0
        self._closed = False
        self.sha256 = hashlib.sha256()  # of the ciphertext, for the manifest
        self._emit(self._header)

    def _emit(self, data: bytes) -> None:
        self._sink.write(data)
        self.sha256.update(data)

    def write(self, data: bytes) -> int:
        self._buf += data
        # Keep at least one full chunk back: it might be the last.
        while len(self._buf) > self._chunk:
            part = bytes(self._buf[:self._chunk])
            del self._buf[:self._chunk]
            self._emit(self._aead.encrypt(_nonce(self._prefix, self._index, False), part, self._header))
            self._index += 1
        return len(data)

    def close(self) -> None:
        if not self._closed:
            self._emit(self._aead.encrypt(_nonce(self._prefix, self._index, True), bytes(self._buf), self._header))
            self._buf = bytearray()
            self._closed = True

    def flush(self) -> None:
        pass


class DecryptingReader:
    """A read-only file object over a CEV1 stream (for tarfile and streaming responses)."""

    def __init__(self, source: BinaryIO, data_key: bytes):
        self._source = source
        self._chunks = decrypt_chunks(source, data_key)
        self._buf = b""
        self._done = False

    def close(self) -> None:
        self._chunks.close()
        self._source.close()

    def __enter__(self) -> "DecryptingReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def read(self, n: int = -1) -> bytes:
        while not self._done and (n < 0 or len(self._buf) < n):
            try:
                self._buf += next(self._chunks)
            except StopIteration:
                self._done = True
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out
