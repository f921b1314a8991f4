"""An authority's own keys: Ed25519 to sign, X25519 to receive encrypted content.

Keys rotate with an overlap: a new pair is made current, the old pair stays usable until its `retire_after`
date (the overlap), so messages sealed to the old encryption key while peers still had the old identity can
be opened, and signatures made with it stay verifiable for ever (peers keep every public key with its
validity). Key ids are RFC 7638 thumbprints. `to_json` holds private keys: the caller stores it privately.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace

from joserfc.jwk import OKPKey

from comity.errors import InvalidInput


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass
class KeyPair:
    use: str  # "sig" (Ed25519) or "enc" (X25519)
    key: OKPKey
    created: dt.datetime
    retire_after: dt.datetime | None = None  # no longer used after this moment (end of the overlap)

    @property
    def kid(self) -> str:
        return self.key.thumbprint()

    def public_jwk(self) -> dict:
        return {**self.key.as_dict(private=False), "kid": self.kid, "use": self.use}

    def usable_on(self, when: dt.datetime) -> bool:
        return self.created <= when and (self.retire_after is None or when <= self.retire_after)


@dataclass
class AuthorityKeys:
    """Every key pair this authority has had that is not yet retired, newest last per use."""

    pairs: list[KeyPair] = field(default_factory=list)
    prefer_sig: str | None = None  # sign with this (older, still held) key: the one a peer knows (for_peer)

    @classmethod
    def generate(cls, now: dt.datetime | None = None) -> AuthorityKeys:
        now = now or _now()
        return cls([KeyPair("sig", OKPKey.generate_key("Ed25519"), now),
                    KeyPair("enc", OKPKey.generate_key("X25519"), now)])

    def current(self, use: str) -> KeyPair:
        live = [p for p in self.pairs if p.use == use and p.retire_after is None]
        if not live:
            raise InvalidInput({"keys": f"no current {use} key"})
        return live[-1]

    def signing(self) -> KeyPair:
        if self.prefer_sig:
            held = self.by_kid(self.prefer_sig, "sig", _now())
            if held is not None:
                return held
        return self.current("sig")

    def for_peer(self, known_kid: str | None) -> AuthorityKeys:
        """These keys signing with `known_kid` while it is still held: after a rotation, a peer that has not
        yet received the new identity (signed with the old key) only knows the old signing key."""
        return replace(self, prefer_sig=known_kid or None)

    def encryption(self) -> KeyPair:
        return self.current("enc")

    def by_kid(self, kid: str, use: str, when: dt.datetime | None = None) -> KeyPair | None:
        for p in self.pairs:
            if p.kid == kid and p.use == use and (when is None or p.retire_after is None or when <= p.retire_after):
                return p
        return None

    def rotate(self, *, overlap: dt.timedelta, now: dt.datetime | None = None) -> AuthorityKeys:
        """A new signing and encryption pair; the current ones retire after `overlap`. Pairs whose overlap has
        ended are dropped (peers keep their public halves, so old signatures still verify)."""
        now = now or _now()
        kept = [replace(p, retire_after=p.retire_after or now + overlap) for p in self.pairs
                if p.retire_after is None or p.retire_after > now]
        kept += [KeyPair("sig", OKPKey.generate_key("Ed25519"), now),
                 KeyPair("enc", OKPKey.generate_key("X25519"), now)]
        return AuthorityKeys(kept)

    def to_json(self) -> str:
        return json.dumps([{"use": p.use, "jwk": p.key.as_dict(private=True), "created": p.created.isoformat(),
                            "retire_after": p.retire_after.isoformat() if p.retire_after else None}
                           for p in self.pairs], indent=1)

    @classmethod
    def from_json(cls, text: str) -> AuthorityKeys:
        try:
            rows = json.loads(text)
            return cls([KeyPair(r["use"], OKPKey.import_key(r["jwk"]), dt.datetime.fromisoformat(r["created"]),
                                dt.datetime.fromisoformat(r["retire_after"]) if r.get("retire_after") else None)
                        for r in rows])
        except (ValueError, KeyError, TypeError) as e:
            raise InvalidInput({"keys": f"the key file cannot be read ({e})"}) from None
