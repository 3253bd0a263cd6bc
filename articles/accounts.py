"""Readers' accounts (django-allauth): the forms it is given, the display name page, and
what a verified email does to the reader's commenter record.

A reader signs up with a username, an email they must verify, a password and the name
shown with their comments (the account's first name, so the comment form needs no query
to show it). Once the email is verified, the account takes over a guest's record under
the same email: a banned guest stays banned after signing up.
"""

from __future__ import annotations

from allauth.account import app_settings
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.signals import email_confirmed
from allauth.account.views import LoginView as AllauthLoginView
from axes.decorators import axes_dispatch, axes_form_invalid
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods

from moderation import services

NAME_MAX = 100  # Comment.author_name


def display_name(user) -> str:
    """The name shown with an account's comments."""
    return (user.get_full_name() or user.get_username())[:NAME_MAX]


def _name_field() -> forms.CharField:
    return forms.CharField(
        label="Display name", max_length=NAME_MAX,
        help_text="Shown with your comments. Your email never is.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        error_messages={"required": "Give the name to show with your comments."},
    )


class SignupForm(AllauthSignupForm):
    display_name = _name_field()

    def custom_signup(self, request, user):
        super().custom_signup(request, user)
        user.first_name, user.last_name = self.cleaned_data["display_name"], ""
        user.save(update_fields=["first_name", "last_name"])
        # The commenter comes with the verified email (on_email_confirmed): it may be a
        # guest's record already.


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The login field keeps the id the login page has always had ("id_username"), so
        # that scripts, password managers and tests that fill it keep working.
        self.fields["login"].widget.attrs["id"] = "id_username"
        self.fields["login"].label = "Username or email"

    def _login_with_password(self, request, redirect_url, credentials):
        # Verification proves a self-registered reader owns their email. Staff accounts
        # (moderators, admins) are made by an admin, often without an email, and must not
        # be locked out by it.
        if self._login.user is not None and self._login.user.is_staff:
            self._login.email_verification = app_settings.EmailVerificationMethod.NONE
        return super()._login_with_password(request, redirect_url, credentials)

    def user_credentials(self) -> dict:
        # django-axes (issue 12) reads the username from the credentials passed to
        # authenticate(); allauth names them "username" or "email", so "login" is added
        # (axes' documented allauth integration; see axes_username below).
        credentials = super().user_credentials()
        credentials["login"] = self.cleaned_data["login"]
        return credentials


def axes_username(request, credentials=None) -> str:
    """AXES_USERNAME_CALLABLE for both login pages: allauth's form sends "login", the
    admin's "username"."""
    credentials = credentials or {}
    for name in ("login", "username", "email"):
        if credentials.get(name):
            return str(credentials[name])
    return request.POST.get("login") or request.POST.get("username") or ""


@method_decorator(axes_dispatch, name="dispatch")
class LoginView(AllauthLoginView):
    """allauth's login page, refused by django-axes while the username or address is
    locked out: allauth checks the password in its form, where axes' middleware alone
    would not answer with the lockout page (axes' documented allauth integration)."""

    @method_decorator(axes_form_invalid)
    def form_invalid(self, form):
        return super().form_invalid(form)


login = LoginView.as_view()


class DisplayNameForm(forms.Form):
    display_name = _name_field()


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def change_display_name(request):
    user = request.user
    form = DisplayNameForm(request.POST or None, initial={"display_name": display_name(user)})
    if request.method == "POST" and form.is_valid():
        user.first_name, user.last_name = form.cleaned_data["display_name"], ""
        with transaction.atomic():  # the account and its commenter record, or neither
            user.save(update_fields=["first_name", "last_name"])
            services.rename_commenter(user=user, display_name=display_name(user))
        messages.success(request, "Your display name is changed. New comments show it; "
                                  "earlier ones keep the name they were posted with.")
        return redirect("account_display_name")
    return render(request, "account/display_name.html", {"form": form})


def on_email_confirmed(sender, request, email_address, **kwargs):
    services.link_verified_email(user=email_address.user, email=email_address.email)


email_confirmed.connect(on_email_confirmed, dispatch_uid="articles.accounts.email_confirmed")
