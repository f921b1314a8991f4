"""RFC 3161 time-stamping: a local time-stamping authority, an HTTP client for an external one, and
token verification. Pure Python (asn1crypto for the structures, cryptography for the keys).

A token proves that a SHA-256 digest existed at the authority's `genTime`. Verification checks, in
order: the structure (SignedData carrying a TSTInfo), the message imprint against the digest we
expect, the CMS signed attributes (content type, message digest of the TSTInfo, and the ESS
signing-certificate-v2 hash of the signer's certificate), the signer's certificate (pinned to, or
issued by, a trusted certificate; extended key usage timeStamping; genTime inside its validity)
and finally the signature itself.

The embedded default is a local authority whose ECDSA P-256 key and self-signed certificate are
generated once in a folder (the Django side uses DATA_DIR/tsa). A local authority proves order and
time only as far as the instance itself is trusted; configure an external authority (COMITY_TSA_URL)
for evidence that must convince a court that the operator could not back-date it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import algos, cms, core, tsp, x509 as ax509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from comity.errors import ServiceUnavailable

_POLICY = "1.3.6.1.4.1.99999.3161.1"  # private-arc policy id of the local authority (informational)


class TimestampError(ServiceUnavailable):
    """A token could not be obtained, or does not verify; the message says which check failed."""


@dataclass
class TokenCheck:
    ok: bool
    reason: str
    gen_time: dt.datetime | None = None
    serial: int | None = None
    tsa: str = ""

    def as_dict(self) -> dict:
        return {"ok": self.ok, "reason": self.reason, "gen_time": self.gen_time.isoformat() if self.gen_time else None,
                "serial": str(self.serial) if self.serial is not None else None, "tsa": self.tsa}


# --- the local authority ----------------------------------------------------------------------------

class LocalTSA:
    """A minimal RFC 3161 authority: signs TSTInfo structures with an ECDSA P-256 key."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate):
        self.private_key = private_key
        self.certificate = certificate
        self.cert_der = certificate.public_bytes(serialization.Encoding.DER)

    @classmethod
    def generate(cls, common_name: str = "Comity local time-stamping authority") -> "LocalTSA":
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Comity")])
        now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now)
                .not_valid_after(now + dt.timedelta(days=365 * 20))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                             crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
                .sign(key, hashes.SHA256()))
        return cls(key, cert)

    @classmethod
    def load_or_create(cls, folder: str | os.PathLike) -> "LocalTSA":
        """Load the authority from `folder`, generating key and certificate the first time."""
        folder = Path(folder)
        key_path, cert_path = folder / "tsa_key.pem", folder / "tsa_cert.pem"
        if not key_path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            tsa = cls.generate()
            pem = tsa.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption())
            from comity.keyfiles import create_once

            # The certificate first, under a name of this attempt; the key is linked into place whole (the first
            # process wins) and only then the certificate renamed beside it, so a key never lacks its certificate.
            staged = folder / f".tsa_cert.{os.getpid()}.pem"
            staged.write_bytes(tsa.certificate.public_bytes(serialization.Encoding.PEM))
            if not create_once(key_path, pem):
                staged.unlink(missing_ok=True)
                return cls.load_or_create(folder)
            os.replace(staged, cert_path)
            return tsa
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        return cls(key, cert)  # type: ignore[arg-type]

    def timestamp(self, digest: bytes, *, nonce: int | None = None, at: dt.datetime | None = None) -> bytes:
        """A DER TimeStampToken (CMS ContentInfo) over a SHA-256 digest."""
        if len(digest) != 32:
            raise TimestampError("the digest to time-stamp must be SHA-256 (32 bytes)")
        gen_time = (at or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
        cert = ax509.Certificate.load(self.cert_der)
        tst = tsp.TSTInfo({
            "version": "v1",
            "policy": _POLICY,
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest},
            "serial_number": secrets.randbits(127),
            "gen_time": gen_time,
            "accuracy": {"seconds": 1},
            "ordering": False,
            **({"nonce": nonce} if nonce is not None else {}),
            "tsa": ax509.GeneralName(name="directory_name", value=cert.subject),
        })
        tst_der = tst.dump()
        ess = tsp.SigningCertificateV2({"certs": [{
            "hash_algorithm": {"algorithm": "sha256"},
            "cert_hash": hashlib.sha256(self.cert_der).digest(),
        }]})
        attrs = cms.CMSAttributes([
            {"type": "content_type", "values": ["tst_info"]},
            {"type": "signing_time", "values": [cms.Time({"utc_time": gen_time})]},
            {"type": "message_digest", "values": [hashlib.sha256(tst_der).digest()]},
            {"type": "signing_certificate_v2", "values": [ess]},
        ])
        signature = self.private_key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
        signer = cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier(name="issuer_and_serial_number", value={
                "issuer": cert.issuer, "serial_number": cert.serial_number}),
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": attrs,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": signature,
        })
        signed = cms.SignedData({
            "version": "v3",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": "tst_info", "content": core.ParsableOctetString(tst_der)},
            "certificates": [cert],
            "signer_infos": [signer],
        })
        return cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()

    def respond(self, request_der: bytes) -> bytes:
        """Answer a DER TimeStampReq with a DER TimeStampResp (for a local HTTP endpoint or tests)."""
        req = tsp.TimeStampReq.load(request_der)
        imprint = req["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native != "sha256":
            return tsp.TimeStampResp({"status": {"status": "rejection", "fail_info": {"bad_alg"}}}).dump()
        nonce = req["nonce"].native
        token = self.timestamp(imprint["hashed_message"].native, nonce=nonce)
        return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": cms.ContentInfo.load(token)}).dump()


# --- an external authority over HTTP ----------------------------------------------------------------

def request_timestamp(url: str, digest: bytes, *, timeout: float = 20.0) -> bytes:
    """Ask an RFC 3161 authority over HTTP (RFC 3161 §3.4) for a token over a SHA-256 digest."""
    nonce = secrets.randbits(63)
    req = tsp.TimeStampReq({"version": "v1", "message_imprint": {
        "hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest}, "nonce": nonce, "cert_req": True})
    http = urllib.request.Request(url, data=req.dump(), method="POST",
                                  headers={"Content-Type": "application/timestamp-query"})
    try:
        with urllib.request.urlopen(http, timeout=timeout) as resp:  # noqa: S310 (configured URL)
            body = resp.read(1024 * 1024)
    except OSError as exc:
        raise TimestampError(f"the time-stamping authority at {url} did not answer: {exc}") from None
    return token_from_response(body, expected_nonce=nonce)


def token_from_response(response_der: bytes, *, expected_nonce: int | None = None) -> bytes:
    try:
        resp = tsp.TimeStampResp.load(response_der)
        status = resp["status"]["status"].native
    except ValueError as exc:
        raise TimestampError(f"the authority's answer is not a TimeStampResp: {exc}") from None
    if status not in ("granted", "granted_with_mods"):
        raise TimestampError(f"the authority refused: {status} {resp['status']['fail_info'].native or ''}".strip())
    token = resp["time_stamp_token"]
    if expected_nonce is not None:
        tst = token["content"]["encap_content_info"]["content"].parsed
        if tst["nonce"].native != expected_nonce:
            raise TimestampError("the authority's answer carries another nonce (replayed answer?)")
    return token.dump()


# --- verification -----------------------------------------------------------------------------------

def _verify_sig(public_key, signature: bytes, data: bytes, algorithm: str) -> None:
    hash_name = algorithm.split("_")[0]
    h = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}.get(hash_name)
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(h or hashes.SHA256()))
    elif isinstance(public_key, rsa.RSAPublicKey):
        if "pss" in algorithm:
            public_key.verify(signature, data, padding.PSS(padding.MGF1(h or hashes.SHA256()), padding.PSS.AUTO),
                              h or hashes.SHA256())
        else:
            public_key.verify(signature, data, padding.PKCS1v15(), h or hashes.SHA256())
    elif isinstance(public_key, ed25519.Ed25519PublicKey):
        public_key.verify(signature, data)
    else:
        raise InvalidSignature("unsupported key type")


def verify_token(token_der: bytes, digest: bytes, trusted_certs: list[bytes]) -> TokenCheck:
    """Verify a TimeStampToken over `digest` (SHA-256) against trusted TSA or issuer certificates (DER)."""
    try:
        ci = cms.ContentInfo.load(token_der)
        if ci["content_type"].native != "signed_data":
            return TokenCheck(False, "the token is not CMS SignedData")
        sd = ci["content"]
        eci = sd["encap_content_info"]
        if eci["content_type"].native != "tst_info":
            return TokenCheck(False, "the token does not carry a TSTInfo")
        tst_der = eci["content"].contents
        tst = tsp.TSTInfo.load(tst_der)
        gen_time = tst["gen_time"].native
        serial = tst["serial_number"].native
        imprint = tst["message_imprint"]
        algo = imprint["hash_algorithm"]["algorithm"].native
        if algo != "sha256" or imprint["hashed_message"].native != digest:
            return TokenCheck(False, "the message imprint does not match the record (the record or the token changed)",
                              gen_time, serial)
        if len(sd["signer_infos"]) != 1:
            return TokenCheck(False, "the token must have exactly one signer", gen_time, serial)
        si = sd["signer_infos"][0]
        attrs = {a["type"].native: a["values"][0] for a in si["signed_attrs"]}
        if attrs.get("content_type") is None or attrs["content_type"].native != "tst_info":
            return TokenCheck(False, "the signed content-type attribute is not TSTInfo", gen_time, serial)
        digest_algo = si["digest_algorithm"]["algorithm"].native
        if digest_algo not in ("sha256", "sha384", "sha512"):
            return TokenCheck(False, f"unsupported digest algorithm {digest_algo}", gen_time, serial)
        if attrs.get("message_digest") is None or attrs["message_digest"].native != hashlib.new(digest_algo,
                                                                                               tst_der).digest():
            return TokenCheck(False, "the TSTInfo does not match the signed message digest", gen_time, serial)
        sid = si["sid"]
        certs = [c.chosen for c in sd["certificates"]] if sd["certificates"].native else []
        signer_cert = None
        for c in certs:
            if sid.name == "issuer_and_serial_number" and c.issuer == sid.chosen["issuer"] \
                    and c.serial_number == sid.chosen["serial_number"].native:
                signer_cert = c
        if signer_cert is None:
            # The token may leave the certificate out (cert_req false): look among the trusted ones.
            for der in trusted_certs:
                c = ax509.Certificate.load(der)
                if sid.name == "issuer_and_serial_number" and c.serial_number == sid.chosen["serial_number"].native:
                    signer_cert = c
        if signer_cert is None:
            return TokenCheck(False, "the token does not identify a known signing certificate", gen_time, serial)
        signer_der = signer_cert.dump()
        ess = attrs.get("signing_certificate_v2")
        if ess is not None:
            cert_hash = ess["certs"][0]["cert_hash"].native
            if cert_hash != hashlib.sha256(signer_der).digest():
                return TokenCheck(False, "the signing-certificate attribute names another certificate", gen_time, serial)
        cert = x509.load_der_x509_certificate(signer_der)
        trust = _trust_error(cert, signer_der, trusted_certs)
        if trust:
            return TokenCheck(False, trust, gen_time, serial)
        try:
            eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            if ExtendedKeyUsageOID.TIME_STAMPING not in eku:
                return TokenCheck(False, "the signing certificate is not for time-stamping", gen_time, serial)
        except x509.ExtensionNotFound:
            return TokenCheck(False, "the signing certificate has no time-stamping extended key usage", gen_time, serial)
        if not cert.not_valid_before_utc <= gen_time <= cert.not_valid_after_utc:
            return TokenCheck(False, "genTime is outside the signing certificate's validity", gen_time, serial)
        # The signature covers the attributes DER-encoded as a SET OF (tag 0x31), not as [0] IMPLICIT.
        signed_bytes = b"\x31" + si["signed_attrs"].dump()[1:]
        sig_algo = si["signature_algorithm"].signature_algo
        hash_algo = si["signature_algorithm"].hash_algo if sig_algo != "ed25519" else "sha512"
        try:
            _verify_sig(cert.public_key(), si["signature"].native, signed_bytes, f"{hash_algo}_{sig_algo}")
        except InvalidSignature:
            return TokenCheck(False, "the authority's signature does not verify", gen_time, serial)
        name = cert.subject.rfc4514_string()
        return TokenCheck(True, "valid", gen_time, serial, name)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        return TokenCheck(False, f"the token is malformed ({type(exc).__name__}: {exc})")


def _trust_error(cert: x509.Certificate, cert_der: bytes, trusted_certs: list[bytes]) -> str | None:
    if cert_der in trusted_certs:
        return None
    for der in trusted_certs:
        issuer = x509.load_der_x509_certificate(der)
        if issuer.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(issuer)
            return None
        except (ValueError, TypeError, InvalidSignature):
            continue
    return "the signing certificate is not trusted (neither pinned nor issued by a trusted certificate)"


def token_gen_time(token_der: bytes) -> dt.datetime:
    ci = cms.ContentInfo.load(token_der)
    return ci["content"]["encap_content_info"]["content"].parsed["gen_time"].native


_ = algos  # asn1crypto.algos registers the algorithm names used above
