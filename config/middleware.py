"""Middleware of the project's own: the health probe, Permissions-Policy, bad numbers and
NUL bytes."""

from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import BadRequest

from .converters import is_id
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


# The admin's date hierarchy builds datetime(year, month, day) and the next day, month or
# year from them: a year past 9998 overflows (a 500 in Django 5.2). Its own check catches
# only what datetime() refuses.
DATE_PART_BOUNDS = {"__year": (1, 9998), "__month": (1, 12), "__day": (1, 31)}


# Ids and page numbers fit in 64 bits; a longer number would reach SQLite as an
# OverflowError. The search box ("q") may hold any digits.
INT64 = range(-(2**63), 2**63)


def _bad_number(name: str, values: list[str]) -> bool:
    if name == "q":
        return False
    for value in values:
        stripped = value.strip()
        if stripped.lstrip("+-").isdecimal() and (len(stripped) > 25 or int(stripped) not in INT64):
            return True
    return False


def _bad_date_part(name: str, values: list[str]) -> bool:
    for suffix, (low, high) in DATE_PART_BOUNDS.items():
        if name.endswith(suffix):
            for value in values:
                try:
                    number = int(value)
                except ValueError:
                    return True
                if not low <= number <= high:
                    return True
    return False


class RejectBadQueryMiddleware:
    """Answer 400 to a query string no page can use: a NUL byte in a name or value, a
    date-hierarchy part (`created__year=99999`) out of range, or a number past 64 bits;
    and an admin action's selected rows that are not ids.

    No page needs a NUL, PostgreSQL refuses them in text ("A string literal cannot contain
    NUL"), and the admin's filters and search pass query values straight to the database:
    refusing them here covers every changelist, the third-party ones included. Form
    bodies are left to the forms, which say what is wrong with a field.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                raise BadRequest("A NUL byte in the query string")
            if _bad_date_part(name, values) or _bad_number(name, values):
                raise BadRequest(f"{name} is out of range")
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The admin's actions run on the rows checked (`_selected_action`), filtered by
        # those values before any form sees them, in every ModelAdmin, Django's own too.
        # The body is read only where CsrfViewMiddleware reads it: a csrf_exempt view
        # (an upload that sets its own upload handlers) reads it itself.
        if (request.method == "POST" and not getattr(view_func, "csrf_exempt", False)
                and not all(map(is_id, request.POST.getlist(ACTION_CHECKBOX_NAME)))):
            raise BadRequest("The selected rows are not ids")
        return None
