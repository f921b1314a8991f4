"""From a request and a form to the facts the assessment engine reads (comity.law.assess contract)."""

from __future__ import annotations

import json

from django import forms

from comity.web.fields import StateField, StatesField
from django.utils import timezone

from comity.law import offence_categories
from comity.law.assess import vocabulary

KIND_OF_REQUEST = {"extradition": "extradition", "mla": "mla", "transfer": "transfer"}
TRI = [("", "not known"), ("yes", "yes"), ("no", "no")]
CHARACTERISTICS = [("private_dispute", "private dispute"), ("family_matter", "family matter"),
                   ("behavioural_or_cultural_norm", "behavioural or cultural norm"),
                   ("administrative_breach", "administrative or regulatory breach")]


def _choices(key):
    v = vocabulary()
    return [(x["code"], x.get("label", x["code"])) if isinstance(x, dict) else (x, x.replace("_", " "))
            for x in v.get(key, [])]


def _codes(text: str) -> list[str]:
    return [c.strip().upper() for c in (text or "").replace(";", ",").split(",") if c.strip()]


class FactsForm(forms.Form):
    """The facts a caseworker or counsel fills in. Unticked boxes mean "not asserted" (not known)."""

    kind = forms.ChoiceField(choices=[("extradition", "Extradition"), ("mla", "Mutual legal assistance"),
                                      ("red_notice", "Red Notice"), ("transfer", "Transfer of sentenced persons")])
    requesting_state = StateField(required=False, label="Requesting State")
    requested_state = StateField(required=False, label="Requested State", help_text="Not for Red Notices")
    sentencing_state = StateField(required=False, label="Sentencing State", help_text="Transfers only")
    administering_state = StateField(required=False, label="Administering State", help_text="Transfers only")
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                           help_text="Law in force on this day (default today)")
    purpose = forms.ChoiceField(choices=[("prosecution", "prosecution"), ("enforcement", "enforcement of a sentence")])
    nationalities = StatesField(required=False, label="Nationalities",
                                help_text="The person's nationalities, e.g. France, Algeria")
    age_at_offence = forms.IntegerField(required=False, min_value=0, max_value=120)
    consent = forms.BooleanField(required=False, label="The person consents")
    naturalised_in = StatesField(required=False, label="Nationality acquired by naturalisation",
                                 help_text="Of the nationalities above, those acquired by naturalisation, e.g. Brazil "
                                           "(some States never extradite a national by birth)")
    naturalisation_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                          label="Date of naturalisation", help_text="In the requested State")
    refugee_status_granted_by = StatesField(required=False, label="Refugee status granted by",
                                            help_text="States that granted refugee status")
    description = forms.CharField(max_length=500, label="Offence", help_text="What the person is accused or convicted of")
    list_category = forms.ChoiceField(required=False, label="EAW/EIO list category")
    max_penalty_months = forms.IntegerField(required=False, min_value=0, max_value=2400,
                                            help_text="Maximum penalty in the requesting State, in months")
    criminal_in_requested = forms.ChoiceField(choices=TRI, required=False, label="Also an offence in the requested State?")
    max_penalty_months_requested = forms.IntegerField(required=False, min_value=0, max_value=2400)
    sentence_months = forms.IntegerField(required=False, min_value=0, max_value=2400, help_text="Sentence imposed")
    remaining_months = forms.IntegerField(required=False, min_value=0, max_value=2400, help_text="Still to serve")
    committed_in = StateField(required=False, label="Committed in", help_text="The State where it was committed")
    committed_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                   label="Date of the offence", help_text="Its last act")
    political = forms.BooleanField(required=False, label="Political offence")
    military = forms.BooleanField(required=False, label="Purely military offence")
    fiscal = forms.BooleanField(required=False, label="Fiscal (tax, customs) offence")
    time_barred_requesting = forms.BooleanField(required=False, label="Time-barred in the requesting State")
    time_barred_requested = forms.BooleanField(required=False, label="Time-barred in the requested State")
    final_judgment_in_requested = forms.BooleanField(required=False, label="Final judgment already in the requested State")
    pending_proceedings_in_requested = forms.BooleanField(required=False, label="Proceedings pending in the requested State")
    death_penalty_possible = forms.BooleanField(required=False, label="Death penalty possible")
    irreducible_life_possible = forms.BooleanField(required=False, label="Life sentence without review possible")
    characteristics = forms.MultipleChoiceField(choices=CHARACTERISTICS, required=False,
                                                widget=forms.CheckboxSelectMultiple)
    in_absentia = forms.BooleanField(required=False, label="Convicted in absentia")
    assurances = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    risks = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple,
                                      help_text="Only where there are substantial grounds")
    measures = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple,
                                         help_text="MLA: the assistance sought")
    facts_json = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), label="Advanced: facts as JSON",
                                 help_text="If given, used instead of the fields above (the `comity assess` format)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["list_category"].choices = [("", "—")] + [(c.code, c.label) for c in offence_categories("eaw_art2_2")]
        self.fields["assurances"].choices = _choices("assurances")
        self.fields["risks"].choices = _choices("risks")
        self.fields["measures"].choices = _choices("measures")

    def facts(self) -> dict:
        d = self.cleaned_data
        if d.get("facts_json"):
            try:
                return json.loads(d["facts_json"])
            except ValueError as e:
                return {"__invalid_json__": str(e)}
        kind = d["kind"]
        facts: dict = {"kind": kind, "date": (d.get("date") or timezone.localdate()).isoformat(),
                       "purpose": d["purpose"]}
        if kind == "transfer":
            facts["sentencing_state"] = (d.get("sentencing_state") or "").upper()
            facts["administering_state"] = (d.get("administering_state") or "").upper()
        else:
            facts["requesting_state"] = (d.get("requesting_state") or "").upper()
            if kind != "red_notice":
                facts["requested_state"] = (d.get("requested_state") or "").upper()
        person = {}
        if d.get("nationalities"):
            person["nationalities"] = list(d["nationalities"])
        if d.get("age_at_offence") is not None:
            person["age_at_offence"] = d["age_at_offence"]
        if d.get("consent"):
            person["consent"] = True
        if d.get("refugee_status_granted_by"):
            person["refugee_status_granted_by"] = list(d["refugee_status_granted_by"])
        if d.get("naturalised_in"):
            person["naturalised_in"] = list(d["naturalised_in"])
        if d.get("naturalisation_date"):
            person["naturalisation_date"] = d["naturalisation_date"].isoformat()
        if person:
            facts["person"] = person
        off: dict = {"description": d["description"]}
        for k in ("list_category", "committed_in"):
            if d.get(k):
                off[k] = d[k].upper() if k == "committed_in" else d[k]
        if d.get("committed_on"):
            off["committed_on"] = d["committed_on"].isoformat()
        for k in ("max_penalty_months", "max_penalty_months_requested", "sentence_months", "remaining_months"):
            if d.get(k) is not None:
                off[k] = d[k]
        if d.get("criminal_in_requested"):
            off["criminal_in_requested"] = d["criminal_in_requested"] == "yes"
        for k in ("political", "military", "fiscal", "time_barred_requesting", "time_barred_requested",
                  "final_judgment_in_requested", "pending_proceedings_in_requested", "death_penalty_possible",
                  "irreducible_life_possible"):
            if d.get(k):
                off[k] = True
        if d.get("characteristics"):
            off["characteristics"] = list(d["characteristics"])
        facts["offences"] = [off]
        if d.get("in_absentia"):
            facts["in_absentia"] = True
        if d.get("assurances"):
            facts["assurances"] = list(d["assurances"])
        if d.get("risks"):
            facts["risks"] = {r: True for r in d["risks"]}
        if d.get("measures") and kind == "mla":
            facts["measures"] = list(d["measures"])
        return facts


def initial_from_request(req) -> dict:
    """Pre-fill the form from the request and the case's parties."""
    kind = "red_notice" if req.kind == "notice" else KIND_OF_REQUEST.get(req.kind, "extradition")
    initial = {"kind": kind, "requesting_state": req.requesting_state, "requested_state": req.requested_state,
               "sentencing_state": req.requested_state, "administering_state": req.requesting_state,
               "date": timezone.localdate(), "purpose": "prosecution", "description": req.subject}
    person = next((e for e in req.case.entities.all() if e.schema == "Person" and e.properties.get("nationality")), None)
    if person:
        initial["nationalities"] = [n.upper() for n in person.properties["nationality"]]
    return initial
