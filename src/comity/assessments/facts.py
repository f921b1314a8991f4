"""From a request and a form to the facts the assessment engine reads (comity.law.assess contract).

One form per question: extradition, mutual legal assistance, Red Notice, transfer of sentenced persons (and the
exposure view, an extradition question asked of every State at once). Each form shows only the facts its
rules read. The fields are defined once (``FIELDS``) and keep the names of the facts vocabulary, so whichever form
is used, ``comity.law.assess.validate_facts`` receives the same JSON as from ``comity assess``.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.forms.forms import DeclarativeFieldsMetaclass
from django.utils import timezone

from comity.web.fields import StateField, StatesField, state_name

av = importlib.import_module("comity.law.assess.vocabulary")  # the module: the package exports a function so named

ASSURANCES, RISKS, MEASURES, LIST_CATEGORIES = av.ASSURANCES, av.RISKS, av.MEASURES, av.LIST_CATEGORIES
TRI = [("", "not known"), ("yes", "yes"), ("no", "no")]
#: (code, label) of the offence characteristics (Red Notice exclusions), as before the split into forms.
CHARACTERISTICS = [(c, d.rstrip(".")) for c, d in av.CHARACTERISTICS.items()]
DATE_WIDGET = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}


def _empty(value) -> bool:
    """Not given: an empty field or an unticked box (0 is a value)."""
    return value is None or value is False or value == "" or value == []


def _sentence(text: str) -> str:
    return str(text).strip().rstrip(".")


def _date(**kw) -> forms.DateField:
    return forms.DateField(required=False, widget=forms.DateInput(**DATE_WIDGET), **kw)


def _months(**kw) -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=0, max_value=2400,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}), **kw)


def _flag(label: str) -> Callable[..., forms.Field]:
    return lambda **kw: forms.BooleanField(**{"required": False, "label": label, **kw})


def _codes(choices: dict[str, str], label: str, **defaults) -> Callable[..., forms.Field]:
    """A group of tick boxes over a vocabulary; ``codes=`` keeps only the codes a kind of request uses."""

    def make(codes=None, labels=None, **kw):
        labels = labels or {}
        picked = [(c, labels.get(c) or _sentence(d)) for c, d in choices.items() if codes is None or c in codes]
        return forms.MultipleChoiceField(**{"required": False, "label": label, "choices": picked,
                                            "widget": forms.CheckboxSelectMultiple, **defaults, **kw})

    return make


def _tri(label: str, **defaults) -> Callable[..., forms.Field]:
    return lambda **kw: forms.ChoiceField(**{"choices": TRI, "required": False, "label": label, **defaults, **kw})


def _consent(tri: bool = False, **kw) -> forms.Field:
    """The person's consent. A tick box can only say yes; where a refusal matters (transfer), yes / no / not known."""
    if tri:
        return forms.ChoiceField(**{"choices": TRI, "required": False, "label": "The person consents", **kw})
    return forms.BooleanField(**{"required": False, "label": "The person consents", **kw})


#: Every field any form uses, defined once; each form names the fields it shows and may relabel them.
FIELDS: dict[str, Callable[..., forms.Field]] = {
    "requesting_state": lambda **kw: StateField(**{"required": True, "label": "Requesting State", **kw}),
    "requested_state": lambda **kw: StateField(**{"required": True, "label": "Requested State", **kw}),
    "sentencing_state": lambda **kw: StateField(**{
        "required": True, "label": "Sentencing State",
        "help_text": "Where the person was sentenced and is held (it decides on the transfer)", **kw}),
    "administering_state": lambda **kw: StateField(**{
        "required": True, "label": "Administering State",
        "help_text": "Where the person would serve the rest of the sentence", **kw}),
    "purpose": lambda **kw: forms.ChoiceField(**{
        "label": "Wanted for", "choices": [("prosecution", "prosecution"),
                                           ("enforcement", "enforcement of a sentence")], **kw}),
    "date": lambda **kw: _date(**{"label": "Law in force on", "help_text": "Leave empty for today", **kw}),
    "nationalities": lambda **kw: StatesField(**{
        "required": False, "label": "Nationalities", "help_text": "The person's nationalities, e.g. France, Algeria",
        **kw}),
    "naturalised_in": lambda **kw: StatesField(**{
        "required": False, "label": "Nationality acquired by naturalisation",
        "help_text": "Of the nationalities above, those acquired by naturalisation (some States never extradite a "
                     "national by birth)", **kw}),
    "naturalisation_date": lambda **kw: _date(**{"label": "Date of naturalisation", **kw}),
    "age_at_offence": lambda **kw: forms.IntegerField(**{
        "required": False, "min_value": 0, "max_value": 120, "label": "Age at the time of the offence", **kw}),
    "consent": _consent,
    "refugee_status_granted_by": lambda **kw: StatesField(**{
        "required": False, "label": "Refugee status granted by", "help_text": "States that granted refugee status",
        **kw}),
    "description": lambda **kw: forms.CharField(**{
        "max_length": 500, "label": "Offence", "help_text": "What the person is accused or convicted of", **kw}),
    "list_category": lambda **kw: forms.ChoiceField(**{
        "required": False, "label": "Offence category (EAW/EIO list)",
        "choices": [("", "—")] + sorted(LIST_CATEGORIES.items(), key=lambda kv: kv[1]), **kw}),
    "max_penalty_months": lambda **kw: _months(**{
        "label": "Maximum penalty (months)", "help_text": "In the requesting State", **kw}),
    "criminal_in_requested": _tri("Also an offence in the requested State?"),
    "max_penalty_months_requested": lambda **kw: _months(**{
        "label": "Maximum penalty in the requested State (months)", **kw}),
    "sentence_months": lambda **kw: _months(**{"label": "Sentence imposed (months)", **kw}),
    "remaining_months": lambda **kw: _months(**{"label": "Still to serve (months)", **kw}),
    "committed_in": lambda **kw: StateField(**{
        "required": False, "label": "Committed in", "help_text": "The State where it was committed", **kw}),
    "committed_on": lambda **kw: _date(**{"label": "Date of the offence", "help_text": "Its last act", **kw}),
    "political": _flag("Political offence"),
    "military": _flag("Purely military offence"),
    "fiscal": _flag("Fiscal (tax, customs) offence"),
    "time_barred_requesting": _flag("Time-barred in the requesting State"),
    "time_barred_requested": _flag("Time-barred in the requested State"),
    "final_judgment_in_requested": _flag("Final judgment already given in the requested State"),
    "pending_proceedings_in_requested": _flag("Proceedings pending in the requested State"),
    "death_penalty_possible": _flag("Death penalty possible"),
    "irreducible_life_possible": _flag("Life sentence without review possible"),
    "in_absentia": _flag("Convicted in absentia"),
    "characteristics": _codes(av.CHARACTERISTICS, "The matter"),
    "assurances": _codes(ASSURANCES, "Assurances given"),
    "risks": _codes(RISKS, "Risks established", help_text="Only where there are substantial grounds"),
    "measures": _codes({c: m["description"] for c, m in MEASURES.items()}, "Assistance sought"),
    "facts_json": lambda **kw: forms.CharField(**{
        "required": False, "widget": forms.Textarea(attrs={"rows": 4}), "label": "Facts as JSON",
        "help_text": "If given, used instead of the fields above (the `comity assess` format)", **kw}),
}

_PERSON = ("nationalities", "age_at_offence", "consent", "refugee_status_granted_by", "naturalised_in",
           "naturalisation_date")
_OFFENCE = ("description", "list_category", "committed_in", "committed_on", "max_penalty_months",
            "max_penalty_months_requested", "sentence_months", "remaining_months", "criminal_in_requested",
            "political", "military", "fiscal", "time_barred_requesting", "time_barred_requested",
            "final_judgment_in_requested", "pending_proceedings_in_requested", "death_penalty_possible",
            "irreducible_life_possible", "characteristics")
_STATES = ("requesting_state", "requested_state", "sentencing_state", "administering_state")


class _KindFormMetaclass(DeclarativeFieldsMetaclass):
    """The fields of a kind's form are exactly those its SECTIONS name (not the union with a parent form's)."""

    def __new__(mcs, name, bases, attrs):
        cls = super().__new__(mcs, name, bases, attrs)
        fields = {n: FIELDS[n](**cls.OVERRIDES.get(n, {})) for _, names in cls.SECTIONS for n in names}
        fields["facts_json"] = FIELDS["facts_json"]()
        cls.base_fields = fields
        cls.declared_fields = dict(fields)
        return cls


class KindFactsForm(forms.Form, metaclass=_KindFormMetaclass):
    """A form for one kind of question. Subclasses name their sections and fields; unticked boxes mean
    "not asserted" (not known), never "no"."""

    kind = ""
    title = ""
    question = ""
    SECTIONS: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = ()
    OVERRIDES: ClassVar[dict[str, dict[str, Any]]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and (self.data.get("facts_json") or "").strip():
            for field in self.fields.values():  # the JSON replaces the fields: none of them is required
                field.required = False

    @property
    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def facts(self) -> dict:
        d = self.cleaned_data
        if d.get("facts_json"):
            try:
                return json.loads(d["facts_json"])
            except ValueError as e:
                return {"__invalid_json__": str(e)}
        facts: dict = {"kind": self.kind, "date": (d.get("date") or timezone.localdate()).isoformat()}
        if d.get("purpose"):
            facts["purpose"] = d["purpose"]
        for key in _STATES:
            if d.get(key):
                facts[key] = d[key]
        person: dict = {}
        for key in _PERSON:
            value = d.get(key)
            if _empty(value):
                continue
            if key == "consent":
                value = value is True or value == "yes"
            elif key == "naturalisation_date":
                value = value.isoformat()
            elif isinstance(value, (list, tuple)):
                value = list(value)
            person[key] = value
        if person:
            facts["person"] = person
        off: dict = {}
        for key in _OFFENCE:
            value = d.get(key)
            if _empty(value):
                continue
            if key == "criminal_in_requested":
                value = value == "yes"
            elif key == "committed_on":
                value = value.isoformat()
            elif isinstance(value, (list, tuple)):
                value = list(value)
            off[key] = value
        if off or "description" in self.fields and self.fields["description"].required:
            facts["offences"] = [off]
        if d.get("in_absentia"):
            facts["in_absentia"] = True
        if d.get("assurances"):
            facts["assurances"] = list(d["assurances"])
        if d.get("risks"):
            facts["risks"] = {r: True for r in d["risks"]}
        if d.get("measures"):
            facts["measures"] = list(d["measures"])
        return facts

    # --- errors from the engine, shown on the field the user typed into, by its label ------------------

    def field_for(self, path: str) -> str | None:
        """The form field a facts path (``facts.offences[0].sentence_months``) was typed into, if this form has it."""
        if (self.data.get("facts_json") or "").strip():
            return "facts_json"
        parts = re.sub(r"\[\d+\]", "", path.removeprefix("facts.")).split(".")
        name = parts[1] if parts[0] in ("person", "offences") and len(parts) > 1 else parts[0]
        return name if name in self.fields else None

    def in_words(self, reason: str) -> str:
        """A reason from the engine with the facts keys it names replaced by the labels on this form."""
        def repl(m):
            name = m.group(0).split(".")[-1]
            field = self.fields.get(name)
            return f"“{field.label}”" if field is not None and name != "facts_json" else m.group(0).replace("_", " ")
        return re.sub(r"\b(?:person|offences)\.[a-z_]+\b|\b[a-z]+(?:_[a-z]+)+\b", repl, str(reason))

    def add_engine_errors(self, errors: dict[str, str]) -> None:
        """Attach {facts path: reason} errors to the fields they concern (nothing the user typed is lost)."""
        for path, reason in errors.items():
            name = self.field_for(str(path))
            if name == "facts_json":
                key = str(path).removeprefix("facts.")
                self.add_error(name, reason if key == "facts_json" else f"{key}: {reason}")
            elif name is not None:
                self.add_error(name, self.in_words(reason))
            else:
                self.add_error(None, f"{str(path).removeprefix('facts.').replace('_', ' ')}: {self.in_words(reason)}")

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(field id, label, message) for every error, in the order of the form."""
        out = []
        for name, errs in self.errors.items():
            if name == forms.forms.NON_FIELD_ERRORS:
                continue
            bf = self[name]
            out += [(bf.auto_id, bf.label, e) for e in errs]
        out += [("", "", e) for e in self.non_field_errors()]
        return out


_OFFENCE_FLAGS = ("political", "military", "fiscal", "time_barred_requesting", "time_barred_requested",
                  "final_judgment_in_requested", "pending_proceedings_in_requested", "death_penalty_possible",
                  "irreducible_life_possible", "in_absentia")


class ExtraditionFactsForm(KindFactsForm):
    kind = "extradition"
    title = "Extradition"
    question = "May or must the requested State refuse to extradite?"
    SECTIONS = (
        ("The request", ("requesting_state", "requested_state", "purpose", "date")),
        ("The person", ("nationalities", "naturalised_in", "naturalisation_date", "age_at_offence",
                        "refugee_status_granted_by", "consent")),
        ("The offence", ("description", "list_category", "committed_in", "committed_on", "max_penalty_months",
                         "criminal_in_requested", "max_penalty_months_requested", "sentence_months")
         + _OFFENCE_FLAGS),
        ("Risks and assurances", ("risks", "assurances")),
    )
    OVERRIDES: ClassVar[dict[str, dict[str, Any]]] = {
        "consent": {"label": "The person consents to surrender"},
        "naturalisation_date": {"help_text": "Of the requested State's nationality"},
        "sentence_months": {"help_text": "For the enforcement of a sentence"},
        "in_absentia": {"label": "Convicted in absentia (enforcement)"},
        "assurances": {"help_text": "Given by the requesting State"},
    }


class ExposureFactsForm(ExtraditionFactsForm):
    """The exposure view asks the extradition question of every State: no requested State."""

    question = "Where could a wanted person be surrendered?"
    SECTIONS = (("Who wants the person", ("requesting_state", "purpose", "date")),) + \
        ExtraditionFactsForm.SECTIONS[1:]
    OVERRIDES: ClassVar[dict[str, dict[str, Any]]] = {
        **ExtraditionFactsForm.OVERRIDES,
        "requesting_state": {"label": "Wanted by", "help_text": "The State that asks for the person"},
        "naturalisation_date": {"help_text": "Of the nationality of the State asked to surrender"},
        "criminal_in_requested": {"label": "Also an offence where the person is found?",
                                  "help_text": "If it is not in some States, leave “not known”"},
        "max_penalty_months_requested": {"label": "Maximum penalty where the person is found (months)"},
        "time_barred_requested": {"label": "Time-barred where the person is found"},
        "final_judgment_in_requested": {"label": "Final judgment already given where the person is found"},
        "pending_proceedings_in_requested": {"label": "Proceedings pending where the person is found"},
    }


class MlaFactsForm(KindFactsForm):
    kind = "mla"
    title = "Mutual legal assistance"
    question = "May or must the requested State refuse assistance?"
    SECTIONS = (
        ("The request", ("requesting_state", "requested_state", "date", "measures")),
        ("The offence", ("description", "list_category", "committed_in", "max_penalty_months",
                         "criminal_in_requested", "max_penalty_months_requested", "political", "military",
                         "fiscal", "final_judgment_in_requested", "death_penalty_possible")),
        ("Risks and assurances", ("risks", "assurances")),
    )
    OVERRIDES: ClassVar[dict[str, dict[str, Any]]] = {
        "description": {"required": False, "help_text": "What the proceedings the assistance serves are about"},
        "assurances": {"codes": ("no_death_penalty", "detention_conditions"),
                       "help_text": "Given by the requesting State"},
    }


class RedNoticeFactsForm(KindFactsForm):
    kind = "red_notice"
    title = "Red Notice"
    question = "Would a Red Notice on these facts comply with INTERPOL's rules?"
    SECTIONS = (
        ("The notice", ("requesting_state", "purpose", "date")),
        ("The person", ("refugee_status_granted_by",)),
        ("The offence", ("description", "list_category", "max_penalty_months", "sentence_months",
                         "remaining_months", "political", "military", "characteristics")),
        ("Risks", ("risks",)),
    )
    OVERRIDES: ClassVar[dict[str, dict[str, Any]]] = {
        "requesting_state": {"label": "Requesting State", "help_text": "The State whose National Central Bureau "
                                                                      "asks for the notice"},
        "sentence_months": {"help_text": "For the enforcement of a sentence"},
        "remaining_months": {"help_text": "For the enforcement of a sentence"},
        "characteristics": {"label": "Excluded matters (RPD Art 83(1)(a))",
                            "help_text": "Tick what describes the matter"},
        "risks": {"codes": ("persecution", "torture_or_inhuman_treatment", "flagrant_denial_of_justice"),
                  "help_text": "Only where there are substantial grounds"},
    }


class TransferFactsForm(KindFactsForm):
    kind = "transfer"
    title = "Transfer of sentenced persons"
    question = "May the sentenced person be transferred?"
    SECTIONS = (
        ("The transfer", ("sentencing_state", "administering_state", "purpose", "date")),
        ("The person", ("nationalities", "consent", "age_at_offence")),
        ("The offence and the sentence", ("description", "list_category", "committed_in", "max_penalty_months",
                                          "sentence_months", "remaining_months", "criminal_in_requested",
                                          "time_barred_requested", "final_judgment_in_requested", "in_absentia")),
        ("Risks and assurances", ("risks", "assurances")),
    )
    OVERRIDES: ClassVar[dict[str, dict[str, Any]]] = {
        "purpose": {"label": "The judgment", "initial": "enforcement",
                    "choices": [("enforcement", "final (being served)"), ("prosecution", "not final yet")]},
        "consent": {"tri": True, "label": "Does the sentenced person consent?"},
        "description": {"required": False},
        "max_penalty_months": {"help_text": "In the sentencing State"},
        "criminal_in_requested": {"label": "Also an offence in the administering State?"},
        "time_barred_requested": {"label": "Enforcement time-barred in the administering State"},
        "final_judgment_in_requested": {"label": "Already judged in the administering State"},
        "risks": {"codes": ("torture_or_inhuman_treatment", "detention_conditions"),
                  "help_text": "In the administering State; only where there are substantial grounds"},
        "assurances": {"codes": ("detention_conditions", "retrial"),
                       "labels": {"retrial": "A retrial (or an appeal with a full re-examination) is assured",
                                  "detention_conditions": "The administering State gives an individual assurance "
                                                          "on the conditions of detention"}},
    }


FORMS: dict[str, type[KindFactsForm]] = {f.kind: f for f in (ExtraditionFactsForm, MlaFactsForm, RedNoticeFactsForm,
                                                            TransferFactsForm)}

# --- pre-filling from a request and its case -------------------------------------------------------------

#: The question a request asks by default (an asset-freezing request is assistance).
KIND_OF_REQUEST = {"extradition": "extradition", "mla": "mla", "asset_recovery": "mla", "notice": "red_notice",
                   "transfer": "transfer"}
#: Roles in a case that are not the person the request is about.
_NOT_CONCERNED = ("witness", "victim", "expert", "complainant", "interpreter", "counsel", "lawyer", "officer")


def default_kind(req) -> str:
    return KIND_OF_REQUEST.get(req.kind, "extradition")


def _person_concerned(req) -> tuple[list[str] | None, str]:
    """The nationalities of the person the request concerns, from the case's Person entities, and a note. None
    when no person, or several with different nationalities (we do not guess)."""
    people = [e for e in req.case.entities.all() if e.schema == "Person"
              and not any(w in (e.role or "").lower() for w in _NOT_CONCERNED)]
    known = [e for e in people if e.properties.get("nationality") or e.properties.get("citizenship")]
    if not known:
        return None, ""
    codes = [list(dict.fromkeys(c.upper() for c in e.properties.get("nationality", [])
                                + e.properties.get("citizenship", []))) for e in known]
    if len({frozenset(c) for c in codes}) > 1:
        return None, "Nationalities not filled in: the case has several persons; type those of the person concerned."
    role = known[0].role or "person"
    return codes[0], f"nationalities of the case's {role}"


def initial_for(kind: str, req) -> tuple[dict, list[str]]:
    """Initial values for the ``kind`` form on request ``req``, and notes saying where each came from or why a
    field was left empty. Only what the request says for this question is filled in."""
    initial: dict[str, Any] = {"date": timezone.localdate()}
    filled, notes = [], []
    pair = f"{state_name(req.requesting_state)} and {state_name(req.requested_state)}"
    own = KIND_OF_REQUEST.get(req.kind) == kind
    if kind in ("extradition", "mla") and own:
        initial.update(requesting_state=req.requesting_state, requested_state=req.requested_state)
        filled.append("requesting and requested States")
    elif kind == "red_notice":
        if req.kind == "extradition" or (req.kind == "notice" and req.notice_action != "ccf_challenge"):
            initial["requesting_state"] = req.requesting_state
            filled.append("requesting State")
        elif req.kind == "notice":
            notes.append(f"Requesting State not filled in: this challenge is between {pair}; choose the State "
                         "whose National Central Bureau asked for the notice.")
    nationalities, why = (None, "")
    if kind in ("extradition", "transfer"):
        nationalities, why = _person_concerned(req)
        if nationalities:
            initial["nationalities"] = nationalities
            filled.append(why)
        elif why:
            notes.append(why)
    if kind == "transfer" and own:
        # Either State may ask for a transfer: the administering State is the person's State of nationality.
        ours = [s for s in (req.requesting_state, req.requested_state) if s in (nationalities or [])]
        if len(ours) == 1:
            administering = ours[0]
            initial["administering_state"] = administering
            initial["sentencing_state"] = (req.requested_state if administering == req.requesting_state
                                           else req.requesting_state)
            filled.append("sentencing and administering States (the person is a national of "
                          f"{state_name(administering)})")
        else:
            notes.append(f"Sentencing and administering States not filled in: this request is between {pair}; say "
                         "which sentenced the person.")
    elif kind == "transfer":
        notes.append("States not filled in: a transfer is a different question from this request's.")
    if filled:
        notes.insert(0, f"Filled in from request {req.reference}: " + "; ".join(filled) + ". Check them.")
    return initial, notes


def initial_from_request(req) -> dict:
    """Pre-fill the form of the request's own kind (kept for callers outside the web views)."""
    return initial_for(default_kind(req), req)[0]
