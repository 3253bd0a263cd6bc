"""Password reset, throttled: the same form and emails as Django's, limited per client
address and per email address entered, so nobody can flood a mailbox or our mail server."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django_ratelimit.core import is_ratelimited

GROUP = "accounts.password_reset"


def reset_rate(group, request):
    return settings.PASSWORD_RESET_RATE


def _email_key(group, request):
    return request.POST.get("email", "").strip().casefold()


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    @method_decorator(auth_views.csrf_protect)
    def post(self, request, *args, **kwargs):
        # Both counters move on every POST; either one over its rate refuses the request.
        limited = [
            is_ratelimited(request, group=GROUP, key=key, rate=reset_rate, method="POST",
                           increment=True)
            for key in ("ip", _email_key)
        ]
        if any(limited):
            response = render(request, "429.html", {
                "message": "Too many password reset requests. Please wait an hour and try "
                           "again, or ask an admin to reset your password.",
            }, status=429)
            response["Retry-After"] = "3600"
            return response
        return super().post(request, *args, **kwargs)
