"""The Django side of the exchange between instances: the authority directory, this instance's identity and
keys, the trust list of peers, the outbox and inbox with their signed evidence, and delivery by a background
worker. The protocol itself is comity.exchange (pure Python)."""
