"""Ed25519 custody signatures and their canonical payload."""

import pytest

from comity.evidence import signing


def test_signature_verifies_and_a_wrong_key_fails():
    private, public = signing.generate()
    other_private, other_public = signing.generate()
    msg = signing.canonical({"b": 1, "a": "é"})
    assert msg == '{"a":"é","b":1}'.encode()
    sig = signing.sign(private, msg)
    assert signing.verify(public, sig, msg)
    assert not signing.verify(other_public, sig, msg)                       # the wrong key
    assert not signing.verify(public, signing.sign(other_private, msg), msg)  # signed by someone else
    assert not signing.verify(public, sig, msg.replace(b"1", b"2"))         # a changed record
    assert signing.public_from_private(private) == public


def test_floats_are_refused():
    with pytest.raises(TypeError):
        signing.canonical({"x": [1.5]})


def test_pure_modules_never_import_django():
    import subprocess
    import sys
    code = ("import sys; sys.modules['django'] = None\n"
            "import comity.evidence.crypto, comity.evidence.tsa, comity.evidence.signing, comity.evidence.casejson\n"
            "assert not any(m.startswith('django') and sys.modules[m] for m in sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)
