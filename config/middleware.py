"""Middleware of the project's own: the health probe, Permissions-Policy, NUL bytes."""

from django.conf import settings
from django.core.exceptions import BadRequest

from .health import HEALTH_PATH, healthz


class HealthCheckMiddleware:
    """Answer /healthz before any other middleware sees the request.

    The load balancer probes each backend by its IP address and over plain HTTP: Django's
    host validation (ALLOWED_HOSTS, in CommonMiddleware and CSRF) would answer 400 and
    SecurityMiddleware would redirect to HTTPS. The probe reads no cookie or header, so
    answering it here trusts nothing the host check protects.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH:
            return healthz(request)
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Send Permissions-Policy from settings.PERMISSIONS_POLICY ({feature: [origins]})."""

    def __init__(self, get_response):
        self.get_response = get_response
        policy = getattr(settings, "PERMISSIONS_POLICY", {})
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})" for feature, origins in policy.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class RejectNulBytesMiddleware:
    """Answer 400 to a query string with a NUL byte in a name or value.

    No page needs one, PostgreSQL refuses them in text ("A string literal cannot contain
    NUL"), and the admin's filters and search pass query values straight to the database:
    refusing them here covers every changelist and every later page at once. Form bodies
    are left to the forms, which already say what is wrong with a field.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in name or any("\x00" in value for value in values)
            for name, values in request.GET.lists()
        ):
            raise BadRequest("A NUL byte in the query string")
        return self.get_response(request)
