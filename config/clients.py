"""Which address a request comes from, the same for the rate limits and the lockout."""

from django.conf import settings


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind a proxy the header it overwrites.

    CLIENT_IP_META_KEY (from the RATELIMIT_IP_META_KEY environment variable) names that
    header as a request.META key, e.g. HTTP_X_REAL_IP, which the nginx example in deploy/
    sets. django-ratelimit (through RATELIMIT_IP_META_KEY), django-axes and the reader
    views all call this.
    """
    key = getattr(settings, "CLIENT_IP_META_KEY", "REMOTE_ADDR")
    return request.META.get(key) or request.META.get("REMOTE_ADDR", "")
