"""Pickers for the fields people get wrong when they type codes: States and languages.

A State is chosen by name, in the user's language, from a searchable list (``<input list>``: type "Germ", choose
"Germany (DE)"); the form stores the ISO 3166-1 alpha-2 code. A typed code is accepted only when it is a real
code; a name that is not a State ("Britain") is refused with suggestions, never truncated to two letters.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from django import forms
from django.utils import translation
from django.utils.html import format_html, format_html_join

#: Names people use that are not a State's name: offered first as a suggestion, never applied silently.
_HINTS = {"britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
          "northern ireland": "GB", "uk": "GB", "u.k.": "GB", "holland": "NL", "america": "US", "usa": "US",
          "u.s.": "US", "burma": "MM", "persia": "IR", "swaziland": "SZ", "macedonia": "MK",
          "east timor": "TL", "zaire": "CD"}

_SUFFIX = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[A-Za-z]{2,3})\)\s*$")


def _lang() -> str:
    return (translation.get_language() or "en").split("-")[0]


@lru_cache(maxsize=8)
def state_names(lang: str = "en") -> dict[str, str]:
    """ISO code -> name of every State the law knows, in ``lang`` where CLDR has it."""
    from babel import Locale

    from comity.law.loader import known_states

    base = known_states()
    try:
        local = Locale.parse(lang).territories
    except Exception:  # noqa: BLE001 - an unknown locale falls back to English names
        local = {}
    return {code: local.get(code) or name for code, name in base.items()}


def state_name(code: str | None, lang: str | None = None) -> str:
    if not code:
        return ""
    return state_names(lang or _lang()).get(code.upper(), code)


def state_label(code: str | None, lang: str | None = None) -> str:
    """How a State is shown in a picker: "Germany (DE)"."""
    return f"{state_name(code, lang)} ({code.upper()})" if code else ""


def _fold(text: str) -> str:
    from comity.law.importer import _fold as fold

    return fold(text)


def resolve_state(value: str, lang: str | None = None) -> tuple[str | None, list[str]]:
    """(ISO code, []) for a State named or coded as people write it, else (None, suggestions)."""
    from comity.law.importer import state_code
    from comity.law.loader import known_states

    text = (value or "").strip()
    if not text:
        return None, []
    names = state_names(lang or _lang())
    m = _SUFFIX.match(text)
    if m and m.group("code").upper() in names:
        return m.group("code").upper(), []
    if len(text) == 2 and text.isupper() and text in names:  # a code typed as a code; "Ge" is a name being typed
        return text, []
    folded = _fold(text)
    for langs in ({lang or _lang()}, {"en", "fr", "es"}):
        for code_lang in langs:
            for code, name in state_names(code_lang).items():
                if _fold(name) == folded:
                    return code, []
    code = state_code(text, known_states())
    if code:
        return code, []
    hinted = _HINTS.get(folded)
    by_name = {_fold(n): c for c, n in names.items()}
    starts = [c for n, c in by_name.items() if n.startswith(folded)] if len(folded) >= 2 else []
    close = [by_name[n] for n in difflib.get_close_matches(folded, list(by_name), n=3, cutoff=0.6)]
    suggestions = list(dict.fromkeys(([hinted] if hinted else []) + starts[:3] + close))[:4]
    return None, [state_label(c, lang) for c in suggestions]


class StatePickerWidget(forms.TextInput):
    """A text input tied to a datalist of every State by name; the browser filters it as the user types."""

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "class": "state-picker", **(attrs or {})})

    def format_value(self, value):
        if value and isinstance(value, str) and len(value) == 2 and value.upper() in state_names(_lang()):
            return state_label(value)
        return super().format_value(value)

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or name}-states"
        attrs["list"] = list_id
        html = super().render(name, value, attrs, renderer)
        options = format_html_join("", '<option value="{}"></option>',
                                   ((state_label(c),) for c, _ in sorted(state_names(_lang()).items(),
                                                                          key=lambda kv: _fold(kv[1]))))
        return format_html('{}<datalist id="{}">{}</datalist>', html, list_id, options)


class StateField(forms.CharField):
    """A State picked by name; ``cleaned_data`` holds its ISO 3166-1 alpha-2 code (or "")."""

    widget = StatePickerWidget
    default_error_messages = {
        "unknown": "No State is called “%(value)s”: %(suggest)schoose one from the list.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 120)
        kwargs.setdefault("help_text", "Type part of the name and choose the State from the list")
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        code, suggestions = resolve_state(value)
        if code is None:
            suggest = ("did you mean " + " or ".join(suggestions) + "? Otherwise ") if suggestions else ""
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown",
                                        params={"value": value, "suggest": suggest})
        return code


class StatesField(StateField):
    """Several States, separated by commas ("France, Algeria"); ``cleaned_data`` is a list of ISO codes."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "State names or codes, separated by commas, e.g. France, Algeria")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return ", ".join(state_name(c) for c in value)
        return value

    def clean(self, value):
        value = forms.CharField.clean(self, value)
        codes, bad = [], []
        for part in [p.strip() for p in (value or "").split(",") if p.strip()]:
            code, suggestions = resolve_state(part)
            if code is None:
                bad.append(f"“{part}”" + (f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""))
            elif code not in codes:
                codes.append(code)
        if bad:
            raise forms.ValidationError("Not a State: " + "; ".join(bad) + ". Use the names in the list.",
                                        code="unknown")
        return codes


@lru_cache(maxsize=8)
def language_names(lang: str = "en") -> dict[str, str]:
    """ISO 639-1 code -> language name in ``lang``."""
    import pycountry
    from babel import Locale

    try:
        local = Locale.parse(lang).languages
    except Exception:  # noqa: BLE001
        local = {}
    return {lg.alpha_2: local.get(lg.alpha_2) or lg.name for lg in pycountry.languages if hasattr(lg, "alpha_2")}


def language_label(code: str | None, lang: str | None = None) -> str:
    if not code:
        return ""
    return f"{language_names(lang or _lang()).get(code.lower(), code)} ({code.lower()})"


class LanguageField(forms.ChoiceField):
    """A language chosen by name; stores the ISO 639-1 code."""

    def __init__(self, **kwargs):
        super().__init__(choices=self._choices, **kwargs)

    @staticmethod
    def _choices():
        names = language_names(_lang())
        return [("", "—")] + sorted(((c, f"{n} ({c})") for c, n in names.items()), key=lambda kv: _fold(kv[1]))


def resolve_language(value: str, lang: str | None = None) -> str | None:
    """ISO 639-1 code for a language named ("German", "allemand") or coded ("de"); None if it is not one."""
    text = (value or "").strip()
    if not text:
        return None
    m = _SUFFIX.match(text)
    if m:
        text = m.group("code")
    codes = language_names("en")
    if len(text) == 2 and text.lower() in codes:
        return text.lower()
    folded = _fold(text)
    for code_lang in dict.fromkeys([lang or _lang(), "en", "fr", "es"]):
        for code, name in language_names(code_lang).items():
            if _fold(name) == folded:
                return code
    return None
