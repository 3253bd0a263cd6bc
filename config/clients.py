"""Which address a request comes from, the same for the rate limits and the lockout."""

from django.conf import settings


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind a proxy the header it overwrites.

    RATELIMIT_IP_META_KEY names that header (e.g. HTTP_X_REAL_IP, which the nginx example
    in deploy/ sets); django-ratelimit reads the same setting, django-axes calls this.
    """
    key = getattr(settings, "RATELIMIT_IP_META_KEY", None) or "REMOTE_ADDR"
    return request.META.get(key, "") or request.META.get("REMOTE_ADDR", "")
