"""Forms of the account pages that are Comity's own (allauth's pages keep allauth's forms)."""

from __future__ import annotations

from django import forms


class EnrolmentCodeForm(forms.Form):
    enrolment_code = forms.CharField(
        label="Enrolment code", max_length=40, strip=True,
        help_text="The one-time code your administrator gave you, like ABCD-EFGH-JKLM-NPQR (dashes and spaces "
                  "do not matter). It works once and expires.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false",
                                      "autocapitalize": "characters"}))


class IssueEnrolmentCodeForm(forms.Form):
    hours = forms.TypedChoiceField(
        label="Valid for", coerce=int, initial=72,
        choices=[(24, "1 day"), (72, "3 days"), (168, "7 days")],
        help_text="After this the code no longer works and you issue a new one.")
