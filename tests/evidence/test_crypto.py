"""Streaming hashes and the CEV1 chunked AES-256-GCM format (pure, no database)."""

import io
import os
import subprocess
import tracemalloc

import pytest

from comity.evidence import crypto

SMALL_CHUNK = 1024


def _coreutils(tool: str, path) -> str:
    return subprocess.run([tool, str(path)], check=True, capture_output=True, text=True).stdout.split()[0]


@pytest.mark.parametrize("size", [0, 1, 1023, 1024, 1025, 4 * 1024 * 1024 - 1, 4 * 1024 * 1024 + 1,
                                  9 * 1024 * 1024 + 17])
def test_hashes_match_sha256sum_and_sha512sum(tmp_path, size):
    path = tmp_path / "f.bin"
    path.write_bytes(os.urandom(size))
    digests = crypto.hash_path(path, ("sha256", "sha512"))
    assert digests["sha256"] == _coreutils("sha256sum", path)
    assert digests["sha512"] == _coreutils("sha512sum", path)


def test_multi_gb_sparse_file_hashes_in_bounded_memory(tmp_path):
    path = tmp_path / "sparse.img"
    subprocess.run(["truncate", "-s", "2G", str(path)], check=True)
    with open(path, "r+b") as f:  # some data in the holes' neighbourhood, so it is not all zeros
        f.seek(1_500_000_000)
        f.write(b"evidence")
    tracemalloc.start()
    try:
        digests = crypto.hash_path(path, ("sha256",))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * 1024 * 1024, f"peak {peak} bytes"
    assert digests["sha256"] == _coreutils("sha256sum", path)


class _CountingSink:
    def __init__(self):
        self.n = 0

    def write(self, data):
        self.n += len(data)


def test_encrypting_a_large_sparse_file_streams(tmp_path):
    path = tmp_path / "sparse.img"
    subprocess.run(["truncate", "-s", "1G", str(path)], check=True)
    sink = _CountingSink()
    tracemalloc.start()
    try:
        with open(path, "rb", buffering=0) as f:
            result = crypto.encrypt_stream(f, sink, crypto.new_key())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * 1024 * 1024
    assert result.size == 1 << 30
    chunks = (1 << 30) // crypto.DEFAULT_CHUNK
    assert sink.n == crypto.HEADER_LEN + (1 << 30) + chunks * crypto.TAG_LEN  # a full last chunk carries the flag


@pytest.mark.parametrize("size", [0, 1, SMALL_CHUNK - 1, SMALL_CHUNK, SMALL_CHUNK + 1, 5 * SMALL_CHUNK])
def test_round_trip_and_hashes(size):
    data = os.urandom(size)
    key = crypto.new_key()
    out = io.BytesIO()
    result = crypto.encrypt_stream(io.BytesIO(data), out, key, algorithms=("sha256", "sha512"), chunk_size=SMALL_CHUNK)
    assert result.size == size and result.ciphertext_size == len(out.getvalue())
    import hashlib
    assert result.digests == {"sha256": hashlib.sha256(data).hexdigest(), "sha512": hashlib.sha512(data).hexdigest()}
    assert data[:64] not in out.getvalue() or size < 16  # a byte or two can turn up in ciphertext by chance
    assert b"".join(crypto.decrypt_chunks(io.BytesIO(out.getvalue()), key)) == data
    assert crypto.DecryptingReader(io.BytesIO(out.getvalue()), key).read() == data


def _encrypted(size=5 * SMALL_CHUNK + 10):
    key = crypto.new_key()
    out = io.BytesIO()
    crypto.encrypt_stream(io.BytesIO(os.urandom(size)), out, key, chunk_size=SMALL_CHUNK)
    return key, bytearray(out.getvalue())


def _decrypt(key, blob):
    return b"".join(crypto.decrypt_chunks(io.BytesIO(bytes(blob)), key))


CT = SMALL_CHUNK + crypto.TAG_LEN


@pytest.mark.parametrize("tamper", [
    lambda b: b.__setitem__(crypto.HEADER_LEN + 5, b[crypto.HEADER_LEN + 5] ^ 1),      # a flipped bit
    lambda b: b.__setitem__(10, b[10] ^ 1),                                             # the header's nonce prefix
    lambda b: b.__delitem__(slice(crypto.HEADER_LEN + 5 * CT, None)),                   # truncated at a chunk boundary
    lambda b: b.__delitem__(slice(crypto.HEADER_LEN + CT, crypto.HEADER_LEN + 2 * CT)),  # a chunk dropped
    lambda b: b.__setitem__(slice(crypto.HEADER_LEN, crypto.HEADER_LEN + 2 * CT),        # two chunks swapped
                            bytes(b[crypto.HEADER_LEN + CT:crypto.HEADER_LEN + 2 * CT])
                            + bytes(b[crypto.HEADER_LEN:crypto.HEADER_LEN + CT])),
    lambda b: b.extend(b"\x00" * 40),                                                   # bytes appended
], ids=["bit", "header", "truncated", "dropped", "swapped", "extended"])
def test_any_change_to_the_ciphertext_is_an_authentication_failure(tamper):
    key, blob = _encrypted()
    _decrypt(key, blob)  # intact first
    tamper(blob)
    with pytest.raises(crypto.CiphertextCorrupted, match="authentication|truncated|header"):
        _decrypt(key, blob)


def test_wrong_data_key_fails():
    _, blob = _encrypted()
    with pytest.raises(crypto.CiphertextCorrupted):
        _decrypt(crypto.new_key(), blob)


def test_too_large_stops_early():
    with pytest.raises(crypto.TooLarge, match="limit of 2000 bytes"):
        crypto.encrypt_stream(io.BytesIO(b"x" * 5000), io.BytesIO(), crypto.new_key(), chunk_size=SMALL_CHUNK,
                              max_bytes=2000)


def test_envelope_wrap_is_bound_to_key_and_context_and_rotation_rewraps():
    old = crypto.Keyring(crypto.new_key())
    data_key = crypto.new_key()
    wrapped = old.wrap(data_key, "item-a")
    assert old.unwrap(wrapped, "item-a") == data_key
    with pytest.raises(crypto.CiphertextCorrupted):
        old.unwrap(wrapped, "item-b")  # a wrapped key moved to another item does not open it
    rotated = crypto.Keyring(crypto.new_key(), [old.current])
    rewrapped = rotated.rewrap(wrapped, "item-a")
    assert rewrapped[:16].decode() == rotated.current_id != old.current_id
    assert crypto.Keyring(rotated.current).unwrap(rewrapped, "item-a") == data_key  # old key no longer needed
    with pytest.raises(crypto.MasterKeyMissing, match="not in the keyring"):
        crypto.Keyring(crypto.new_key()).unwrap(wrapped, "item-a")


@pytest.mark.parametrize("text,reason", [("not base64!!", "base64"), ("QUJD", "32 bytes")])
def test_master_key_decoding_errors(text, reason):
    with pytest.raises(crypto.MasterKeyMissing, match=reason):
        crypto.decode_master_key(text)


def test_encrypting_writer_output_is_cev1():
    key = crypto.new_key()
    out = io.BytesIO()
    w = crypto.EncryptingWriter(out, key, chunk_size=SMALL_CHUNK)
    payload = os.urandom(3 * SMALL_CHUNK)  # an exact multiple: the last chunk is empty
    for i in range(0, len(payload), 700):
        w.write(payload[i:i + 700])
    w.close()
    assert _decrypt(key, out.getvalue()) == payload
