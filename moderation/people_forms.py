"""Forms for the actions on a person. They only validate; services/people.py acts."""

from __future__ import annotations

from django import forms

from .models import Reason
from .services.people import MAX_SUSPENSION_DAYS


def _reason_field(required: bool, message: str = "") -> forms.CharField:
    return forms.CharField(required=required, max_length=1000, strip=True,
                           error_messages={"required": message})


class _Standing(forms.Form):
    """The person's standing as the moderator's page showed it (Commenter.standing_key)."""

    expected_standing = forms.CharField(required=False, max_length=100)


class BanForm(_Standing):
    reason = _reason_field(True, "Say why the commenter is banned; they are told.")
    hide_all = forms.BooleanField(required=False)
    hide_reason = forms.ChoiceField(
        required=False, choices=Reason.choices,
        error_messages={"invalid_choice": "Choose one of the listed reasons."},
    )

    def clean_hide_reason(self):
        return self.cleaned_data["hide_reason"] or Reason.OTHER


class SuspendForm(_Standing):
    days = forms.IntegerField(
        min_value=1, max_value=MAX_SUSPENSION_DAYS,
        error_messages={
            "required": "Say for how many days.",
            "invalid": "Give the number of days as a whole number.",
            "min_value": "Suspend for at least 1 day.",
            "max_value": f"Suspend for at most {MAX_SUSPENSION_DAYS} days; a ban is for longer.",
        },
    )
    reason = _reason_field(True, "Say why the commenter is suspended; they are told.")


class StandingForm(_Standing):
    """Pre-moderate or trust: an optional reason, for the log."""

    reason = _reason_field(False)


class NoteForm(forms.Form):
    note = forms.CharField(max_length=4000, strip=True,
                           error_messages={"required": "Write the note first."})


class CommenterSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, strip=True, label="Name or email")
