"""The public identity of an authority's instance, the file a peer imports, and its fingerprint.

An identity names the authority (`authority`: "<ISO 3166 code>:<short name>", e.g. "FR:dacg-bepi"), its State,
name and role, the HTTPS endpoint its instance receives on, the SHA-256 of the TLS certificate that endpoint
presents (pinned by senders), and its public keys with their validity. The file is the identity signed (JWS,
EdDSA) with the authority's current signing key, so importing it proves the key holder made it.

A peer is trusted only after a person confirms the fingerprint out of band (by telephone or in person): the
fingerprint is the SHA-256 of the canonical authority id and signing keys, shown as 16 groups of 4 hex digits.
A later identity (after a key rotation) is accepted without a new confirmation when a signing key the trust
list already holds signed it; the old keys stay in the record with the date their validity ends, so old
messages and receipts stay verifiable.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from comity.exchange.canonical import canonical, sha256_hex
from comity.exchange.errors import BadIdentity

IDENTITY_FORMAT = "comity-identity/1"
AUTHORITY_ID = r"^[A-Z]{2}:[a-z0-9][a-z0-9-]{0,62}$"
ROLES = ("central_authority", "prosecutor", "court", "police", "ministry", "other")
SIG_ALGORITHMS = ["Ed25519"]  # EdDSA over Ed25519, fully specified (RFC 9864; "EdDSA" is deprecated)
CLOCK_SKEW = dt.timedelta(minutes=5)


class KeyRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kid: str = Field(min_length=20, max_length=64)
    use: str = Field(pattern="^(sig|enc)$")
    kty: str = Field(pattern="^OKP$")
    crv: str = Field(pattern="^(Ed25519|X25519)$")
    x: str = Field(min_length=40, max_length=48)
    valid_from: AwareDatetime
    valid_until: AwareDatetime | None = None

    def jwk(self) -> OKPKey:
        return OKPKey.import_key({"kty": self.kty, "crv": self.crv, "x": self.x})

    def valid_on(self, when: dt.datetime) -> bool:
        return (self.valid_from - CLOCK_SKEW <= when
                and (self.valid_until is None or when <= self.valid_until + CLOCK_SKEW))


class Identity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: str = Field(IDENTITY_FORMAT, pattern=f"^{re.escape(IDENTITY_FORMAT)}$")
    authority: str = Field(pattern=AUTHORITY_ID)
    state: str = Field(pattern="^[A-Z]{2}$")
    name: str = Field(min_length=1, max_length=200)
    role: str
    endpoint: str = Field(pattern=r"^https://[^\s]+/$", max_length=300)
    tls_certificate_sha256: str = Field(pattern="^[0-9a-f]{64}$")
    keys: list[KeyRecord] = Field(min_length=2)
    issued: AwareDatetime

    @classmethod
    def for_keys(cls, keys, *, authority: str, state: str, name: str, role: str, endpoint: str,
                 tls_certificate_sha256: str, issued: dt.datetime | None = None) -> Identity:
        """The public identity of `keys` (a comity.exchange.keys.AuthorityKeys): every pair it holds, each valid
        from its creation until the end of its overlap."""
        issued = issued or dt.datetime.now(dt.UTC).replace(microsecond=0)
        records = [KeyRecord(**{k: v for k, v in p.public_jwk().items()}, valid_from=p.created,
                             valid_until=p.retire_after) for p in keys.pairs]
        return cls(authority=authority, state=state, name=name, role=role, endpoint=endpoint,
                   tls_certificate_sha256=tls_certificate_sha256, keys=records, issued=issued)

    def key(self, kid: str, use: str, when: dt.datetime | None = None) -> KeyRecord | None:
        for k in self.keys:
            if k.kid == kid and k.use == use and (when is None or k.valid_on(when)):
                return k
        return None

    def current(self, use: str) -> KeyRecord:
        live = [k for k in self.keys if k.use == use and k.valid_until is None]
        if not live:
            raise BadIdentity({"keys": f"the identity has no current {use} key"})
        return live[-1]

    def document(self) -> dict:
        return json.loads(self.model_dump_json())

    def sign(self, signing_key: OKPKey) -> str:
        """The identity file: this document as a compact JWS signed with `signing_key` (one of its own keys)."""
        kid = signing_key.thumbprint()
        if not self.key(kid, "sig"):
            raise BadIdentity({"keys": "the signing key is not among the identity's own keys"})
        return jws.serialize_compact({"alg": "Ed25519", "kid": kid, "typ": "comity-identity+jws"},
                                     canonical(self.document()), signing_key, algorithms=SIG_ALGORITHMS)

    @classmethod
    def read_file(cls, token: str | bytes, *, signed_by: Identity | None = None) -> Identity:
        """Parse an identity file and check its signature: by one of its own signing keys (first import), or,
        with `signed_by`, by a signing key of that already-trusted identity (an update after rotation)."""
        if isinstance(token, bytes):
            token = token.decode("ascii", "replace")
        token = token.strip()
        try:
            header_b64 = token.split(".")[0]
            obj = jws.extract_compact(token.encode())
            header = obj.protected
            ident = cls.model_validate_json(obj.payload)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "identity"
            raise BadIdentity({f"identity file: {where}": first["msg"]}) from None
        except (JoseError, ValueError, IndexError) as e:
            raise BadIdentity({"identity file": f"not a signed identity file ({e.__class__.__name__})"}) from None
        del header_b64
        if ident.role not in ROLES:
            raise BadIdentity({"identity file: role": f"{ident.role!r} is not one of {', '.join(ROLES)}"})
        signer = signed_by or ident
        if signed_by is not None and signed_by.authority != ident.authority:
            raise BadIdentity({"identity file: authority": "an update must keep the authority id "
                               f"({signed_by.authority}); it says {ident.authority}"})
        record = signer.key(str(header.get("kid", "")), "sig", ident.issued)
        if record is None:
            raise BadIdentity({"identity file": "signed with a key the "
                               + ("trusted identity does not hold (or not valid then)" if signed_by
                                  else "file does not list")})
        try:
            jws.deserialize_compact(token, record.jwk(), algorithms=SIG_ALGORITHMS)
        except JoseError:
            raise BadIdentity({"identity file": "the signature does not verify"}) from None
        return ident

    def merged_with(self, older: Identity) -> Identity:
        """This (newer) identity keeping the older one's keys it no longer lists, closed at this issue date,
        so signatures made with them stay verifiable."""
        mine = {k.kid for k in self.keys}
        kept = [k if k.valid_until else k.model_copy(update={"valid_until": self.issued})
                for k in older.keys if k.kid not in mine]
        return self.model_copy(update={"keys": kept + list(self.keys)})


def fingerprint(identity: Identity) -> str:
    """SHA-256 (hex) of the canonical authority id and current signing key: what two people compare."""
    sig = identity.current("sig")
    return sha256_hex(canonical({"authority": identity.authority, "crv": sig.crv, "x": sig.x}))


def format_fingerprint(hex_digest: str) -> str:
    return " ".join(hex_digest[i:i + 4].upper() for i in range(0, len(hex_digest), 4))
