"""System checks for what a deployment must configure and Django does not check."""

from django.conf import settings
from django.core import checks

CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"


@checks.register(checks.Tags.security, deploy=True)
def check_email(app_configs, **kwargs):
    if settings.DEBUG or settings.EMAIL_BACKEND != CONSOLE_EMAIL:
        return []
    return [
        checks.Warning(
            "No email is configured: password reset emails are only printed to the log.",
            hint="Set EMAIL_URL (smtp://user:password@host:587) or EMAIL_HOST and friends.",
            id="site.W001",
        )
    ]

