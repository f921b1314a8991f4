"""API operations: evidence (see comity.api.common for the shared rules: compartments, scopes, lists, ETags)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["evidence"])
