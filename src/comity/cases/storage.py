"""Case documents encrypted at rest, as evidence is (comity.evidence.crypto).

`EncryptedFileSystemStorage` is the storage of `Document.file`: uploads, builder-generated requests and
assessment memos (all Documents, all stored through `do_upload_document`). Each file gets its own random
256-bit data key, wrapped by the evidence master keyring (COMITY_MASTER_KEY or DATA_DIR/evidence_master.keys),
and its body is the evidence CEV1 stream (chunked AES-256-GCM, truncation and reordering detected):

    b"CDOC" | version (1 byte, = 1) | wrapped data key (76 bytes) | CEV1 stream

The wrapped key is bound to the file's storage name (`document:cases/12/3f…`), so a file copied over
another document's file does not open. `open()` returns the plaintext (seekable, so downloads carry their
length) after authenticating the whole file, so a changed or truncated file is refused with
`DocumentCorrupted` before a byte is sent; `Document.sha256` and `size` stay those of the plaintext.

Files written by earlier versions (no header) still open, after their SHA-256 is compared with the one
recorded at upload; migration cases/0003 and `comity encrypt-documents` encrypt them in place. Master key
rotation (comity.evidence.actions.do_rotate_master_key) re-wraps each document's key in its header
(`rewrap_documents`) without touching the body. Disposal deletes the files (comity.oversight).
"""

from __future__ import annotations

import io
import math
import os
import struct
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core import checks
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_makedirs
from django.utils.deconstruct import deconstructible

from comity import datadir  # noqa: F401 - registers the data-folder permission check with this module
from comity.evidence import crypto, keys

MAGIC = b"CDOC"
VERSION = 1
WRAPPED_LEN = 16 + 12 + 32 + 16  # key id, nonce, data key, tag (crypto.wrap_key)
HEADER_LEN = len(MAGIC) + 1 + WRAPPED_LEN
_FILES = "cases"  # where Document.file names live under MEDIA_ROOT (comity.cases.models.document_path)


class DocumentCorrupted(crypto.CiphertextCorrupted):
    """A document's stored file does not verify: changed, truncated, swapped or under an unknown key."""

    code = "document_corrupted"
    default_field = "file"


def _context(name: str) -> str:
    return f"document:{name}"


def _refused(reason: str) -> DocumentCorrupted:
    return DocumentCorrupted(f"the stored file failed its integrity check ({reason}); restore it from a backup")


# --- the master keyring -----------------------------------------------------------------------------

def document_keyring(*, log: bool = True) -> crypto.Keyring:
    """The evidence master keyring. An instance without one yet (file-based keys, fresh install that
    skipped `comity init`) gets it created on its first document, as `comity init` would, and logged
    (`evidence.master_key_created`) in the caller's transaction when `log`."""
    try:
        return keys.load_keyring()
    except crypto.MasterKeyMissing:
        if keys.uses_env() or keys.keyring_path().exists():
            raise
    try:
        keys.init_master_key()
    except FileExistsError:  # another process created it first
        return keys.load_keyring()
    ring = keys.load_keyring()
    if log:
        from django.db import transaction

        from comity import audit

        with transaction.atomic():
            audit.record("evidence.master_key_created", category="security", via="auto",
                         new={"key_id": ring.current_id})
    return ring


# --- reading ----------------------------------------------------------------------------------------

class DecryptedReader(io.RawIOBase):
    """The plaintext of a CDOC file, seekable (chunks decrypt independently; the chunk count comes from
    the file's length, and the last chunk's nonce flag catches truncation at a chunk boundary)."""

    def __init__(self, raw, data_key: bytes, offset: int = HEADER_LEN):
        super().__init__()
        self._raw = raw
        self.mode = "rb"
        raw.seek(offset)
        self._header = raw.read(crypto.HEADER_LEN)
        if (len(self._header) != crypto.HEADER_LEN or self._header[:4] != crypto.MAGIC
                or self._header[4] != crypto.VERSION):
            raise _refused("no CEV1 header")
        self._chunk = struct.unpack(">I", self._header[5:9])[0]
        if not 1024 <= self._chunk <= crypto.MAX_CHUNK:
            raise _refused("bad chunk size")
        self._prefix = self._header[9:16]
        self._body = offset + crypto.HEADER_LEN
        body_len = os.fstat(raw.fileno()).st_size - self._body
        stride = self._chunk + crypto.TAG_LEN
        self._count = max(1, math.ceil(body_len / stride))
        last_len = body_len - (self._count - 1) * stride
        if body_len < crypto.TAG_LEN or last_len < crypto.TAG_LEN:
            raise _refused("truncated")
        self._size = body_len - crypto.TAG_LEN * self._count
        self._aead = AESGCM(data_key)
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    @property
    def size(self) -> int:
        return self._size

    def _decrypt(self, index: int) -> bytes:
        if self._cached and self._cached[0] == index:
            return self._cached[1]
        stride = self._chunk + crypto.TAG_LEN
        self._raw.seek(self._body + index * stride)
        data = self._raw.read(stride)
        last = index == self._count - 1
        try:
            plain = self._aead.decrypt(crypto._nonce(self._prefix, index, last), data, self._header)
        except InvalidTag:
            raise _refused(f"chunk {index} does not authenticate: changed, truncated or reordered") from None
        self._cached = (index, plain)
        return plain

    def verify(self) -> None:
        """Authenticate every chunk (before a download starts, so a bad file never gives a short 200)."""
        for i in range(self._count):
            self._decrypt(i)
        self._cached = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def read(self, n: int = -1) -> bytes:
        end = self._size if n is None or n < 0 else min(self._size, self._pos + n)
        parts = []
        while self._pos < end:
            index = self._pos // self._chunk
            plain = self._decrypt(index)
            start = self._pos - index * self._chunk
            take = plain[start:start + (end - self._pos)]
            if not take:
                raise _refused(f"chunk {index} is shorter than its place in the file")
            parts.append(take)
            self._pos += len(take)
        return b"".join(parts)

    def readall(self) -> bytes:
        return self.read(-1)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class DocumentFile(File):
    """A document opened for reading; reopening decrypts again (Django's File would reopen the raw path)."""

    def __init__(self, file, name: str, storage: EncryptedFileSystemStorage):
        super().__init__(file, name)
        self._storage = storage

    @property
    def size(self) -> int:
        return self.file.size if isinstance(self.file, DecryptedReader) else super().size

    def open(self, mode=None):
        if not self.closed:
            self.seek(0)
        else:
            self.file = self._storage._open(self.name, mode or "rb").file
        return self


class _ChunkSource:
    """A read(n) file object over Django's `content.chunks()` (uploads in memory or on disk, ContentFile)."""

    def __init__(self, content):
        self._chunks = iter(content.chunks())
        self._buf = b""

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buf) < n:
            try:
                chunk = next(self._chunks)
            except StopIteration:
                break
            self._buf += chunk if isinstance(chunk, bytes) else chunk.encode()
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out


def is_encrypted(path: str | os.PathLike) -> bool:
    with open(path, "rb") as f:
        return f.read(len(MAGIC) + 1) == MAGIC + bytes([VERSION])


@deconstructible
class EncryptedFileSystemStorage(FileSystemStorage):
    """FileSystemStorage under MEDIA_ROOT whose files are CDOC-encrypted; see the module docstring."""

    def _save(self, name, content):
        ring = document_keyring()
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        safe_makedirs(directory, self.directory_permissions_mode or 0o700, exist_ok=True)
        mode = self.file_permissions_mode or 0o600
        while True:
            try:
                fd = os.open(full_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
            except FileExistsError:
                name = self.get_available_name(name)
                full_path = self.path(name)
            else:
                break
        stored = os.path.relpath(full_path, self.location).replace("\\", "/")
        data_key = crypto.new_key()
        try:
            with os.fdopen(fd, "wb") as sink:
                sink.write(MAGIC + bytes([VERSION]) + ring.wrap(data_key, _context(stored)))
                crypto.encrypt_stream(_ChunkSource(content), sink, data_key, algorithms=())
                sink.flush()
                os.fsync(sink.fileno())
            os.chmod(full_path, mode)
        except BaseException:
            Path(full_path).unlink(missing_ok=True)  # nothing half-stored
            raise
        return stored

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("documents are stored once and never rewritten: open them for reading")
        raw = open(self.path(name), "rb")
        try:
            head = raw.read(len(MAGIC) + 1)
            if head[:len(MAGIC)] != MAGIC:
                raw.seek(0)
                _check_legacy(raw, name)
                return DocumentFile(raw, name, self)
            if head != MAGIC + bytes([VERSION]):
                raise _refused("unknown format version")
            wrapped = raw.read(WRAPPED_LEN)
            if len(wrapped) != WRAPPED_LEN:
                raise _refused("truncated")
            try:
                data_key = keys.load_keyring().unwrap(wrapped, _context(name))
            except crypto.CiphertextCorrupted:
                raise _refused("its key does not open: the file belongs to another document or was changed") \
                    from None
            reader = DecryptedReader(raw, data_key)
            reader.verify()
            return DocumentFile(reader, name, self)
        except BaseException:
            raw.close()
            raise

    def data_key(self, name) -> bytes | None:
        """The file's own data key (unwrapped from its header), or None for a file stored in clear by an
        earlier version. Raises DocumentCorrupted when the key does not open, OSError when the file is missing."""
        with open(self.path(name), "rb") as raw:
            head = raw.read(len(MAGIC) + 1)
            if head[:len(MAGIC)] != MAGIC:
                return None
            if head != MAGIC + bytes([VERSION]):
                raise _refused("unknown format version")
            wrapped = raw.read(WRAPPED_LEN)
        if len(wrapped) != WRAPPED_LEN:
            raise _refused("truncated")
        try:
            return keys.load_keyring().unwrap(wrapped, _context(name))
        except crypto.CiphertextCorrupted:
            raise _refused("its key does not open: the file belongs to another document or was changed") from None

    def size(self, name):
        """The plaintext's size, from the file's length and chunk size (nothing is decrypted)."""
        path = self.path(name)
        with open(path, "rb") as f:
            head = f.read(HEADER_LEN + crypto.HEADER_LEN)
            total = os.fstat(f.fileno()).st_size
        if head[:len(MAGIC) + 1] != MAGIC + bytes([VERSION]):
            return total
        if len(head) < HEADER_LEN + crypto.HEADER_LEN:
            raise _refused("truncated")
        body = total - HEADER_LEN - crypto.HEADER_LEN
        stride = struct.unpack(">I", head[HEADER_LEN + 5:HEADER_LEN + 9])[0] + crypto.TAG_LEN
        return body - crypto.TAG_LEN * max(1, math.ceil(body / stride))


def data_key(name: str) -> bytes | None:
    """The data key of the document file stored under `name` (see EncryptedFileSystemStorage.data_key)."""
    from comity.cases.models import Document

    return Document._meta.get_field("file").storage.data_key(name)


def _check_legacy(raw, name: str) -> None:
    """A file stored in clear by an earlier version opens only if it still has the SHA-256 recorded at upload."""
    from comity.cases.models import Document

    recorded = Document.objects.filter(file=name).values_list("sha256", flat=True).first()
    if recorded is None:
        return
    digest = crypto.hash_stream(raw)["sha256"]
    raw.seek(0)
    if digest != recorded:
        raise _refused("an unencrypted file from an earlier version whose SHA-256 differs from the one recorded "
                       "at upload")


# --- existing files: encrypt in place, rotation ------------------------------------------------------

def _encrypt_file(path: Path, name: str, ring: crypto.Keyring) -> str:
    """Encrypt one plaintext file in place (a temporary file beside it, then an atomic rename); the
    plaintext's SHA-256."""
    part = path.with_name(f".{path.name}.encrypting")
    data_key = crypto.new_key()
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as sink, open(path, "rb") as src:
            sink.write(MAGIC + bytes([VERSION]) + ring.wrap(data_key, _context(name)))
            result = crypto.encrypt_stream(src, sink, data_key)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return result.digests["sha256"]


def encrypt_files(rows, *, media_root: str | os.PathLike, ring: crypto.Keyring | None = None) -> dict:
    """Encrypt the plaintext files among `rows` ((storage name, recorded sha256) pairs). A file whose bytes
    no longer match the recorded hash is left alone (it opens nowhere: see `_check_legacy`), and counted."""
    counts = {"encrypted": 0, "already": 0, "missing": 0, "mismatched": 0}
    for name, sha256 in rows:
        if not name:
            continue
        path = Path(media_root) / name
        if not path.is_file():
            counts["missing"] += 1
            continue
        if is_encrypted(path):
            counts["already"] += 1
            continue
        if crypto.hash_path(path)["sha256"] != sha256:
            counts["mismatched"] += 1
            continue
        ring = ring or document_keyring(log=False)
        _encrypt_file(path, name, ring)
        counts["encrypted"] += 1
    return counts


def encrypt_legacy_documents(*, acting_user=None, via: str = "cli") -> dict:
    """`comity encrypt-documents`: encrypt every document file still stored in clear; logged with the counts."""
    from django.conf import settings
    from django.db import transaction

    from comity import audit
    from comity.cases.models import Document

    rows = Document.objects.exclude(file="").values_list("file", "sha256").order_by("pk")
    counts = encrypt_files(rows.iterator(), media_root=settings.MEDIA_ROOT)
    with transaction.atomic():
        audit.record("document.files_encrypted", actor=acting_user, category="security", via=via, new=counts)
    return counts


def rewrap_documents(ring: crypto.Keyring) -> int:
    """Key rotation: each document's data key re-wrapped under the current master key, in its header
    (rewritten in place: same length, the body untouched). Raises CiphertextCorrupted naming the document."""
    from django.conf import settings

    from comity.cases.models import Document

    n = 0
    for pk, name in Document.objects.exclude(file="").values_list("pk", "file").order_by("pk").iterator():
        path = Path(settings.MEDIA_ROOT) / name
        try:
            f = open(path, "r+b")  # never creates: a file deleted meanwhile (disposal) stays deleted
        except FileNotFoundError:
            continue
        with f:
            head = f.read(HEADER_LEN)
            if head[:len(MAGIC) + 1] != MAGIC + bytes([VERSION]):
                continue  # still in clear: `comity encrypt-documents` encrypts it under the current key
            try:
                new = ring.rewrap(head[len(MAGIC) + 1:], _context(name))
            except crypto.CiphertextCorrupted as exc:
                raise crypto.CiphertextCorrupted(f"document {pk}: {exc}") from None
            if len(new) != WRAPPED_LEN:
                raise crypto.CiphertextCorrupted(f"document {pk}: unexpected wrapped key length")
            f.seek(len(MAGIC) + 1)
            f.write(new)
            f.flush()
            os.fsync(f.fileno())
        n += 1
    return n


# --- system check -----------------------------------------------------------------------------------

def _document_files():
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT) / _FILES
    if root.is_dir():
        for dirpath, _dirs, files in os.walk(root):
            for f in files:
                yield Path(dirpath) / f


@checks.register()
def documents_check(app_configs=None, **kwargs):
    """Documents stored in clear are reported (with the command that encrypts them); encrypted documents
    without a master key to open them are an error."""
    plain = encrypted = 0
    for path in _document_files():
        try:
            if is_encrypted(path):
                encrypted += 1
            elif not path.name.startswith("."):
                plain += 1
        except OSError:
            continue
    out = []
    if plain:
        out.append(checks.Warning(f"{plain} case document file(s) are stored unencrypted (written by an earlier "
                                  "version)", id="documents.W001",
                                  hint="Run `comity encrypt-documents` to encrypt them in place."))
    if encrypted:
        try:
            keys.load_keyring()
        except crypto.MasterKeyMissing as exc:
            out.append(checks.Error(f"{encrypted} encrypted case document(s) but no master key to open them: {exc}",
                                    id="documents.E001",
                                    hint="Restore evidence_master.keys (or COMITY_MASTER_KEY) from the key backup."))
    return out

