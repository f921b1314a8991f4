"""``{{ code|label:"outcome" }}``: the human label of a stored code (comity.vocabulary). Loaded as a built-in."""

from __future__ import annotations

from django import template

from comity import vocabulary
from comity.web.fields import state_name

register = template.Library()


@register.filter(name="label")
def label(code, vocab: str) -> str:
    return vocabulary.label(vocab, code)


@register.filter(name="state")
def state(code) -> str:
    """A State's name in the user's language, from its ISO code."""
    return state_name(code) if code else ""


@register.filter(name="states")
def states(codes) -> str:
    return ", ".join(state_name(c) for c in (codes or []))


@register.filter(name="labels")
def labels(codes, vocab: str) -> str:
    """A list of codes as their labels, comma-separated."""
    return ", ".join(vocabulary.label(vocab, c) for c in (codes or []))


@register.filter(name="fact_value")
def fact_value(fact, name: str) -> str:
    """A country-profile fact's value as a reader sees it: labels, yes/no, State and language names."""
    from comity.web.fields import language_label

    value = getattr(fact, "value", fact)
    if value is None:
        return "unknown"
    if hasattr(value, "describe"):
        return value.describe()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "languages_accepted" and isinstance(value, (list, tuple)):
        return ", ".join(language_label(v) for v in value)
    if isinstance(value, str) and name in vocabulary.registry():
        return vocabulary.label(name, value)
    return str(value)


@register.filter(name="language")
def language(code) -> str:
    from comity.web.fields import language_names, _lang

    return language_names(_lang()).get(str(code or "").lower(), code or "")


@register.filter(name="languages")
def languages_filter(codes) -> str:
    return ", ".join(language(c) for c in (codes or []))


@register.simple_tag(name="state_picker")
def state_picker(name: str, value: str = "", element_id: str = "") -> str:
    """A State picker for hand-written forms: the same searchable list as StateField."""
    from comity.web.fields import StatePickerWidget, resolve_state, state_label

    code, _ = resolve_state(value or "")
    shown = state_label(code) if code else (value or "")
    return StatePickerWidget().render(name, shown, {"id": element_id or f"id_{name}"})
