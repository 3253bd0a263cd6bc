"""Forms for saved queues. They only validate; services/saved.py acts.

Unlike the queue page's own filter form, which drops a bad value and shows the rest, a
save is refused whole on any bad value: a queue saved without the filter its owner meant
would show the wrong comments under a trusted name.
"""

from __future__ import annotations

from django import forms

from articles.models import Article

from .models import Commenter, Reason, SavedQueue
from .queues import QUEUES, SORTS

NAME_LENGTH = SavedQueue._meta.get_field("name").max_length


def _name_field() -> forms.CharField:
    return forms.CharField(max_length=NAME_LENGTH, strip=True, error_messages={
        "required": "Give the queue a name.",
        "max_length": f"Keep the name under {NAME_LENGTH} characters.",
    })


class SaveQueueForm(forms.Form):
    name = _name_field()
    shared = forms.BooleanField(required=False)
    # The queue page's parameters, as its filter form names them.
    tab = forms.ChoiceField(choices=[(key, q.label) for key, q in QUEUES.items()])
    sort = forms.ChoiceField(choices=[(key, s.label) for key, s in SORTS.items()])
    article = forms.ModelChoiceField(queryset=Article.objects.all(), required=False)
    reason = forms.ChoiceField(required=False, choices=[("", "Any reason"), *Reason.choices])
    author = forms.CharField(required=False, max_length=100)
    q = forms.CharField(required=False, max_length=200)
    commenter = forms.ModelChoiceField(queryset=Commenter.objects.all(), required=False)

    def filters(self) -> dict:
        """The services.save_queue() filters of a valid form."""
        data = self.cleaned_data
        return {"tab": data["tab"], "sort": data["sort"], "article": data["article"],
                "reason": data["reason"], "author": data["author"], "text": data["q"],
                "commenter": data["commenter"]}


class RenameQueueForm(forms.Form):
    name = _name_field()
