"""The reader's forms: a comment or reply, and a report. They only validate; the views
call the moderation services to act on them."""

import hashlib
import time

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from formguard import checks as formguard_checks
from formguard.checks import TokenCheck
from formguard.forms import GuardedFormMixin

from moderation.models import Reason


class SingleUseTokenCheck(TokenCheck):
    """formguard's signed timestamp, good for one form sent.

    A bot that waited once could otherwise send the same token with every post until it
    expires. The used tokens are remembered in the shared cache until they would expire
    anyway; `add` is atomic, so of two posts with one token sent at once, one is refused.
    """

    # Unlike formguard's own checks, a cache that cannot be reached refuses the form
    # rather than letting the replay through.
    fail_open = False

    def check(self, form):
        failure = super().check(form)
        if failure:
            return failure
        token = form.cleaned_data.get("fg_token", "")
        key = "formguard:used:" + hashlib.sha256(token.encode()).hexdigest()
        if not cache.add(key, 1, timeout=self.get_setting("MAX_SECONDS")):
            return "token already used"
        return None

    @classmethod
    def loaded_at(cls, token: str) -> float | None:
        """When the form was first shown (a Unix time), from a token this site signed and
        that has not expired; None otherwise."""
        try:
            loaded = signing.loads(token, salt=formguard_checks._SIGNING_SALT,
                                   max_age=cls().get_setting("MAX_SECONDS"))
        except (signing.BadSignature, TypeError):
            return None
        return float(loaded) if isinstance(loaded, int | float) else None


class GuardedForm(GuardedFormMixin, forms.Form):
    """A form with django-formguard's honeypot field and signed timestamp.

    The JavaScript and interaction checks are left out: the forms must work without
    JavaScript, and a screen-reader or keyboard user must never be taken for a bot.
    A failed check is one generic form error, so a bot learns nothing from it.
    """

    guard_checks = ["formguard.checks.FieldTrapCheck", "articles.forms.SingleUseTokenCheck"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        # The honeypot stylesheet is linked once in the page head, not with every form.
        self.helper.include_media = False

    def refresh_guard_token(self) -> None:
        """Re-render the form with a token signed anew, for the time it was first shown.

        A bound form shows the token it was sent with; after an error, a form left open
        too long would then be refused as expired however often it is sent again, and a
        used token is refused anyway. The time it was first shown is kept, so that a
        reader who typed for minutes, was sent back for their name and sent it again at
        once is not taken for one who pasted the text (seconds_since_shown()).
        """
        if self.is_bound and "fg_token" in self.fields:
            shown = SingleUseTokenCheck.loaded_at(self.data.get("fg_token", ""))
            self.data = self.data.copy()
            self.data["fg_token"] = TokenCheck._make_token(
                age=time.time() - shown if shown is not None else 0)

    def seconds_since_shown(self) -> int | None:
        """Whole seconds from the form first being shown to now; None without a valid
        token (a form the guard checks did not pass, or one without them)."""
        shown = SingleUseTokenCheck.loaded_at(self.data.get("fg_token", ""))
        return max(0, int(time.time() - shown)) if shown is not None else None


def body_length(body: str) -> int:
    # Browsers send a line break as CR LF; the reader typed one character.
    return len(body.replace("\r\n", "\n"))


class CommentForm(GuardedForm):
    author_name = forms.CharField(
        label="Name",
        max_length=100,
        error_messages={
            "required": "Give the name to show with your comment.",
            "max_length": "Keep the name to %(limit_value)d characters (it has %(show_value)d).",
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    author_email = forms.EmailField(
        label="Email",
        required=False,
        max_length=254,
        help_text="Optional. Never shown; a moderator may use it to reach you.",
        error_messages={"invalid": "Enter a whole email address, like name@example.org."},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    body = forms.CharField(
        label="Comment",
        # Stored exactly as typed: leading spaces and blank lines are the writer's.
        strip=False,
        error_messages={"required": "Write your comment before sending it."},
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    notify_replies = forms.BooleanField(
        label="Email me when someone replies", required=False,
        help_text="Needs your email; one message per reply, sent once it is published.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.COMMENTS_BODY_MAX_LENGTH
        self.fields["body"].help_text = f"Up to {limit:,} characters. Plain text; links work."
        fields = ["author_name", "author_email", "body", "notify_replies"]
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated:
            # An account posts under its display name and verified email (its account
            # page changes them), so they are not on the form.
            del self.fields["author_name"], self.fields["author_email"]
            fields = fields[2:]
        if not settings.COMMENTERS_EMAIL_REPLIES:
            del self.fields["notify_replies"]
            fields.remove("notify_replies")
        self.helper.layout = Layout(*(Field(name) for name in fields))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("notify_replies") and "author_email" in self.fields and not cleaned.get(
            "author_email"
        ):
            self.add_error("author_email", "Give your email to be told about replies.")
        return cleaned

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write your comment before sending it; it is only spaces.")
        limit = settings.COMMENTS_BODY_MAX_LENGTH
        length = body_length(body)
        if length > limit:
            raise forms.ValidationError(
                f"Keep your comment to {limit:,} characters; it has {length:,}."
            )
        return body


class ReportForm(GuardedForm):
    # No minimum time: a report is a click or two, and fast readers are not bots.
    guard_checks = ["formguard.checks.FieldTrapCheck"]

    reason = forms.ChoiceField(
        label="What is wrong with this comment?",
        choices=Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what is wrong with the comment."},
    )
    note = forms.CharField(
        label="Tell the moderators more",
        required=False,
        max_length=1000,
        help_text="Needed when you choose “Other”.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(Field("reason"), Field("note"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == Reason.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", "Say what is wrong when you choose “Other”.")
        return cleaned
