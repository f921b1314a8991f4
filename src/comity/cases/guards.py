"""Lifecycle guards: named checks a transition declares (`guards:` in lifecycles.yaml) that must pass
before it may be taken. Apps register the implementation of a guard; each returns None when the step
may go ahead, or the reason it may not (shown to the user as the transition's error).

A decider (prosecutor, supervisor) may take a guarded step although a check fails, by stating why
(`override_reason` of `do_transition_request`): the audit event records the codes of the checks
overridden, the step's comment the reason.

Approving or sending an outgoing request is held to the request builder (issue 11 item 3):
- `draft_complete`: the request has a builder draft and its completeness check finds nothing missing;
- `translations_done`: every translation the request must be sent in is done (registered by the builder);
- `legal_basis_chosen`: an instrument is chosen (or the basis stated, e.g. reciprocity).
"""

from __future__ import annotations

from collections.abc import Callable

GUARDS: dict[str, Callable] = {}
KNOWN = {"translations_done", "draft_complete", "legal_basis_chosen"}

#: What each check is, in words (screens never show the codes).
LABELS = {
    "draft_complete": "the draft is complete",
    "translations_done": "the translations are done",
    "legal_basis_chosen": "a legal basis is chosen",
}


def register_guard(name: str):
    if name not in KNOWN:
        raise ValueError(f"unknown guard {name!r}; declare it in comity.cases.guards.KNOWN")

    def wrap(fn):
        GUARDS[name] = fn
        return fn
    return wrap


def check(name: str, request) -> str | None:
    fn = GUARDS.get(name)
    return fn(request) if fn is not None else None


def failing(names, request) -> dict[str, str]:
    """{guard: reason} for each of `names` that does not pass, in the order given."""
    out = {}
    for name in names:
        if reason := check(name, request):
            out[name] = reason
    return out


@register_guard("draft_complete")
def draft_complete(request) -> str | None:
    """The request builder has a draft of this request and finds no required element missing."""
    from django.apps import apps

    if not apps.is_installed("comity.builder"):
        return "the request builder is not installed, so the draft cannot be checked"
    from django.core.exceptions import ObjectDoesNotExist

    from comity.builder.actions import findings

    try:
        draft = request.builder_draft  # one query, or none where the caller selected it with the request
    except ObjectDoesNotExist:
        draft = None
    if draft is None:
        return "there is no draft: write the request in the request builder first"
    missing = [f["message"].removeprefix("Missing: ").rstrip(".") for f in findings(draft) if f["kind"] == "missing"]
    if missing:
        shown = "; ".join(missing[:5]) + (f"; and {len(missing) - 5} more" if len(missing) > 5 else "")
        return f"the draft is incomplete, missing: {shown}"
    return None


@register_guard("legal_basis_chosen")
def legal_basis_chosen(request) -> str | None:
    """An instrument is chosen as the legal basis, or the basis is stated in words (reciprocity, domestic
    law) where no instrument applies. INTERPOL notices rest on INTERPOL's rules, not on an instrument."""
    if request.kind == "notice":
        return None
    if (request.legal_basis_instrument or "").strip() or (request.legal_basis or "").strip():
        return None
    return "no legal basis is chosen: choose an instrument under Legal basis"
