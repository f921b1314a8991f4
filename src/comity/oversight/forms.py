"""Forms render fields and carry errors; the rules live in comity.oversight.actions."""

from __future__ import annotations

from django import forms

from comity.audit.models import AuditEvent
from comity.oversight.models import (ProtectedPerson, RedressKind, RedressMatter, Regime, RequesterCapacity,
                                     RetentionUndertaking)

_DATE = forms.DateInput(attrs={"type": "date"})


class SearchForm(forms.Form):
    person = forms.CharField(required=False, help_text="Name of a person (or company) held in a case")
    case = forms.CharField(required=False, label="Case reference")
    user = forms.CharField(required=False, label="User (username)")
    purpose = forms.CharField(required=False, label="Stated purpose contains")
    event_type = forms.CharField(required=False, help_text="e.g. access, access.case_view, case.disposed")
    category = forms.ChoiceField(required=False, choices=[("", "any")] + AuditEvent.Category.choices)
    date_from = forms.CharField(required=False, widget=_DATE, label="From")
    date_to = forms.CharField(required=False, widget=_DATE, label="To")
    reason = forms.CharField(required=False, label="Your purpose for this search", max_length=500,
                             help_text="Recorded with your search (at least 10 characters)")


class RedressForm(forms.Form):
    requester_name = forms.CharField(label="Requester (counsel, data-protection officer or the person)")
    requester_capacity = forms.ChoiceField(choices=RequesterCapacity.choices)
    person_described = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Who the request is about: name, date of birth, nationality as given")
    kind = forms.ChoiceField(choices=RedressKind.choices)
    regime = forms.ChoiceField(choices=Regime.choices)
    received = forms.CharField(widget=_DATE, help_text="The day the request reached us")
    case_references = forms.CharField(required=False, label="Cases concerned (references, comma-separated)")
    details = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))


class RedressDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("", "—")] + RedressMatter.Decision.choices, required=False)
    reasons = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    decided_on = forms.CharField(widget=_DATE, required=False, help_text="Leave empty for today")


class RedressExtensionForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class UndertakingForm(forms.Form):
    kind = forms.ChoiceField(choices=RetentionUndertaking.Kind.choices)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           help_text="The undertaking as given, and where")
    months_after_proceedings = forms.CharField(required=False)
    dispose_by = forms.CharField(widget=_DATE, required=False)


class DisposalForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    confirm_early = forms.BooleanField(required=False, label="Dispose before the retention period has run out")


class ProtectedPersonForm(forms.Form):
    pseudonym = forms.CharField(required=False)
    role = forms.ChoiceField(choices=ProtectedPerson.Role.choices)
    true_identity = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                    help_text="Sealed at rest; readable only after a second person approves")


class UnsealRequestForm(forms.Form):
    purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class UnsealDecisionForm(forms.Form):
    approve = forms.ChoiceField(choices=[("yes", "Approve"), ("no", "Refuse")])
    reason = forms.CharField(required=False, max_length=500)
