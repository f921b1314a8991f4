"""Forms render fields and carry errors; the rules themselves live in the actions."""

from __future__ import annotations

from django import forms

from comity.accounts.models import Unit
from comity.cases.ftm import SCHEMA_LABELS
from comity.cases.models import Direction, NoticeAction, RequestKind, RequestLink, Urgency
from comity.web.fields import StateField

_DATE = forms.DateInput(attrs={"type": "date"})


class CaseForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)


class RequestForm(forms.Form):
    kind = forms.ChoiceField(choices=RequestKind.choices)
    direction = forms.ChoiceField(choices=Direction.choices)
    notice_action = forms.ChoiceField(choices=[("", "— (notices only)")] + NoticeAction.choices, required=False)
    subject = forms.CharField(max_length=300)
    requesting_state = StateField(label="Requesting State")
    requested_state = StateField(label="Requested State")
    requesting_authority = forms.CharField(max_length=200, required=False)
    requested_authority = forms.CharField(max_length=200, required=False)
    urgency = forms.ChoiceField(choices=Urgency.choices, initial=Urgency.NORMAL)
    urgency_reason = forms.CharField(max_length=500, required=False)
    legal_basis_instrument = forms.CharField(
        max_length=60, required=False, label="Legal basis (instrument id)",
        help_text="Leave empty to use the first instrument that applies between the two States "
                  "(see the Law pages); you can choose another on the request page.")
    legal_basis = forms.CharField(max_length=300, required=False, label="Legal basis (text, optional)",
                                  help_text="How the request cites it, if you want to say more")


class TransitionForm(forms.Form):
    transition = forms.CharField(widget=forms.HiddenInput)
    effective_date = forms.DateField(required=False, widget=_DATE, help_text="The day it happened (default today)")
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    override_reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                      label="Reason to override the checks",
                                      help_text="A prosecutor or supervisor may take the step although checks fail")
    confirm = forms.BooleanField(required=False, label="I understand that this step cannot be undone")


class _PartyFields(forms.Form):
    """The party fields the case page shows, shared by adding and correcting a party."""

    name = forms.CharField(max_length=300, required=False)
    role = forms.CharField(max_length=100, required=False, help_text="e.g. suspect, witness, account holder")
    birthDate = forms.CharField(required=False, label="Birth date", help_text="YYYY-MM-DD (persons)")
    nationality = StateField(required=False, label="Nationality", help_text="Persons: choose the State from the list")
    country = StateField(required=False, label="Country", help_text="Choose the State from the list")
    iban = forms.CharField(required=False, max_length=40, label="IBAN", help_text="bank accounts")
    bankName = forms.CharField(required=False, max_length=200, label="Bank")
    full = forms.CharField(required=False, max_length=500, label="Full address", help_text="addresses")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    PROPS = ("name", "birthDate", "nationality", "country", "iban", "bankName", "full", "notes")


class EntityForm(_PartyFields):
    schema = forms.ChoiceField(choices=list(SCHEMA_LABELS.items()))

    field_order = ["schema"]


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class TaskForm(forms.Form):
    title = forms.CharField(max_length=200)
    due = forms.DateField(required=False, widget=_DATE)


class DocumentForm(forms.Form):
    file = forms.FileField()
    title = forms.CharField(max_length=200, required=False)


class PurposeForm(forms.Form):
    purpose = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="Why you need to open this case. It is recorded with every read.")


class LinkForm(forms.Form):
    to_request = forms.CharField(max_length=40, help_text="Reference of the other request, e.g. REQ-2026-000012")
    relation = forms.ChoiceField(choices=RequestLink.Relation.choices)


class MembershipForm(forms.Form):
    username = forms.CharField(max_length=150, label="Colleague (username)",
                               widget=forms.TextInput(attrs={"list": "colleagues", "autocomplete": "off"}))


class ReasonForm(forms.Form):
    """A stated reason (joining, closing or reopening a case)."""

    reason = forms.CharField(label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Recorded with the step (at least 10 characters)")


class CloseCaseForm(ReasonForm):
    confirm = forms.BooleanField(required=False, label="I confirm: the proceedings have ended, and the retention "
                                                       "period of the case's data starts today")


class JoinCaseForm(forms.Form):
    reason = forms.CharField(label="Why you join the case", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Recorded with your membership (at least 10 characters)")


class AskApprovalForm(forms.Form):
    message = forms.CharField(label="Message to the deciders (optional)", required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class DecideApprovalForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("return", "Return for changes")],
                                 widget=forms.HiddenInput)
    comment = forms.CharField(label="Comment", required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text="Required to return it: say what must change")
    override_reason = forms.CharField(label="Reason to override the checks", required=False, max_length=2000,
                                      widget=forms.Textarea(attrs={"rows": 2}))


class EntityCorrectionForm(_PartyFields):
    """The properties the case page edits; properties it does not show stay as they are."""

    reason = forms.CharField(required=False, max_length=2000, label="Reason for the correction (optional)")


class RemoveEntityForm(forms.Form):
    reason = forms.CharField(label="Why the party is removed", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}), help_text="At least 10 characters")
    confirm = forms.BooleanField(required=False, label="I confirm the removal (what it held is kept in the case's "
                                                       "history until disposal)")


class NoteCorrectionForm(forms.Form):
    text = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 4}))
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the correction (optional)")


class TaskCorrectionForm(forms.Form):
    title = forms.CharField(max_length=200, label="Task")
    due = forms.DateField(required=False, widget=_DATE, label="Due")
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the correction (optional)")


class UnitForm(forms.Form):
    name = forms.CharField(max_length=200, label="Unit name",
                           help_text="e.g. Central Authority, International Cooperation Unit")


class UserUnitForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), required=False, empty_label="(no unit)")


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    scope = forms.ChoiceField(choices=[("read", "Read"), ("write", "Read and write")])
    days = forms.IntegerField(min_value=1, max_value=366, initial=90)


class UserForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=[("caseworker", "Caseworker"), ("prosecutor", "Prosecutor / investigator"),
                                      ("supervisor", "Supervisor"), ("defence", "Defence counsel"),
                                      ("oversight", "Oversight body"), ("admin", "Administrator")])
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    organisation = forms.CharField(max_length=200, required=False)
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), required=False, empty_label="(no unit)",
                                  help_text="Supervisors see and may join the cases of their unit")
    password = forms.CharField(widget=forms.PasswordInput, help_text="At least 12 characters; the person sets up "
                                                                     "their second factor at first sign-in")
