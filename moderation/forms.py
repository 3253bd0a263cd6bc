"""Forms of the moderator's workspace. They validate, and the log's says which audit rows
its filters keep; the services make the changes."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from articles.models import Article
from config.converters import is_id

from .models import Comment, Commenter, ModerationEvent, Reason
from .queues import DEFAULT_QUEUE, DEFAULT_SORT, QUEUES, SORTS

Status = Comment.Status

# A bulk request acts on at most this many comments, about four pages of a queue.
MAX_BULK = 100

STALE_FORM = "This form is out of date; reload the page and try again."


def _reason_field(required_message: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=Reason.choices,
        error_messages={
            "required": required_message,
            "invalid_choice": "Choose one of the listed reasons.",
        },
    )


def _day_field(label: str) -> forms.DateField:
    # A day the log can hold: 9999-12-31 and the day after it overflow Python's dates.
    return forms.DateField(required=False, label=label, validators=[
        MinValueValidator(datetime.date(2000, 1, 1), "Choose a day from 2000 on."),
        MaxValueValidator(datetime.date(2999, 12, 31), "Choose a day before 3000."),
    ])


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _note_field() -> forms.CharField:
    return forms.CharField(required=False, max_length=1000, strip=True)


class _Filters(forms.Form):
    """A GET form whose bad values are dropped (and reported) instead of failing the page."""

    defaults: dict = {}

    def values(self) -> dict:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            name: cleaned.get(name) or self.defaults.get(name, self._empty(field))
            for name, field in self.fields.items()
        }

    @staticmethod
    def _empty(field):
        if isinstance(field, forms.ModelChoiceField):
            return None
        return "" if isinstance(field, forms.CharField | forms.ChoiceField) else None

    def problems(self) -> list[str]:
        return [
            f"{self.fields[name].label or name}: {' '.join(errors)} The filter was ignored."
            for name, errors in self.errors.items()
        ]


class QueueFilterForm(_Filters):
    defaults = {"tab": DEFAULT_QUEUE, "sort": DEFAULT_SORT}

    tab = forms.ChoiceField(
        required=False, choices=[(key, queue.label) for key, queue in QUEUES.items()]
    )
    article = forms.ModelChoiceField(queryset=Article.objects.all(), required=False,
                                     label="Article")
    reason = forms.ChoiceField(required=False, choices=[("", "Any reason"), *Reason.choices],
                               label="Reason")
    author = forms.CharField(required=False, max_length=100, label="Author")
    q = forms.CharField(required=False, max_length=200, label="Text")
    commenter = forms.ModelChoiceField(queryset=Commenter.objects.all(), required=False,
                                       label="Commenter")
    sort = forms.ChoiceField(
        required=False, choices=[(key, sort.label) for key, sort in SORTS.items()], label="Sort"
    )


class LogFilterForm(_Filters):
    moderator = forms.ModelChoiceField(queryset=get_user_model().objects.all(), required=False,
                                       label="Moderator")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *ModerationEvent.Action.choices],
        label="Action",
    )
    article = forms.ModelChoiceField(queryset=Article.objects.all(), required=False,
                                     label="Article")
    commenter = forms.ModelChoiceField(queryset=Commenter.objects.all(), required=False,
                                       label="Commenter")
    date_from = _day_field("From")
    date_to = _day_field("To")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filter(self, events):
        """The audit rows the valid filters keep (a bad one is dropped, see values())."""
        values = self.values()
        for name, lookup in (("moderator", "actor"), ("action", "action"),
                             ("article", "comment__article"),
                             ("commenter", "comment__commenter")):
            if values[name]:
                events = events.filter(**{lookup: values[name]})
        # Whole days in the site's time zone, both ends included.
        if values["date_from"]:
            events = events.filter(created_at__gte=_day_start(values["date_from"]))
        if values["date_to"]:
            events = events.filter(
                created_at__lt=_day_start(values["date_to"] + datetime.timedelta(days=1)))
        return events


class DecisionForm(forms.Form):
    """What every action on one comment carries: the status the moderator saw."""

    expected_status = forms.ChoiceField(
        choices=Status.choices,
        error_messages={"required": STALE_FORM, "invalid_choice": STALE_FORM},
    )
    note = _note_field()


class ApproveForm(DecisionForm):
    pass


class HideForm(DecisionForm):
    reason = _reason_field("Choose why the comment is hidden.")


class FlagForm(DecisionForm):
    reason = _reason_field("Choose a reason for the flag.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == Reason.OTHER and not cleaned.get("note"):
            self.add_error("note", "Say what is wrong when the reason is “other”.")
        return cleaned


class FeatureForm(forms.Form):
    """Feature or unfeature a comment: nothing to choose but an optional note."""

    note = _note_field()


class UndoForm(forms.Form):
    expected_event_id = forms.IntegerField(
        min_value=1, error_messages={"required": STALE_FORM, "invalid": STALE_FORM}
    )


class SelectionField(forms.Field):
    """Checked cards, each sent as "<comment id>:<status the moderator saw>"."""

    default_error_messages = {
        "required": "Select at least one comment.",
        "invalid": "The selection is not understood; reload the page and try again.",
        "too_many": f"Select at most {MAX_BULK} comments at a time.",
    }
    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> dict[int, str]:
        if not value:
            return {}
        selection: dict[int, str] = {}
        for item in value:
            pk, _, status = str(item).partition(":")
            if not is_id(pk) or status not in Status.values:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            selection[int(pk)] = status
        if len(selection) > MAX_BULK:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")
        return selection


class BulkApproveForm(forms.Form):
    selected = SelectionField()
    note = _note_field()


class BulkHideForm(BulkApproveForm):
    reason = _reason_field("Choose why the comments are hidden.")


class BulkUndoForm(forms.Form):
    events = forms.TypedMultipleChoiceField(coerce=int, error_messages={
        "required": "There is nothing to undo.",
    })

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any whole numbers: which events may be undone is the service's call.
        values = self.data.getlist("events") if hasattr(self.data, "getlist") else []
        self.fields["events"].choices = [(v, v) for v in values if is_id(str(v))][:MAX_BULK]
