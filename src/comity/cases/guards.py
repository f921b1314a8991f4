"""Lifecycle guards: named checks a transition declares (`guards:` in lifecycles.yaml) that must pass
before it may be taken. Apps register the implementation of a guard; each returns None when the step
may go ahead, or the reason it may not (shown to the user as the transition's error)."""

from __future__ import annotations

from typing import Callable

GUARDS: dict[str, Callable] = {}
KNOWN = {"translations_done"}


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
