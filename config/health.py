"""/healthz: is this process able to serve? Each part answers for itself.

settings.HEALTH_CHECKS maps a part's name to a function (dotted path) that returns a
short detail when the part works and raises when it does not. The response is JSON:
{"status": "ok", "checks": {"database": {"ok": true, "detail": "...", "ms": 1.2}, ...}},
and 503 with "failing": ["database"] when any part fails.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache

HEALTH_PATH = "/healthz"


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_cache() -> str:
    # A write and a read, as the rate limits do; a random key so that two probes at once
    # cannot pass on each other's value.
    key, value = f"healthz:{get_random_string(12)}", get_random_string(12)
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache did not return what was written")
    finally:
        cache.delete(key)
    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def _checks() -> tuple[tuple[str, object], ...]:
    return tuple((name, import_string(path)) for name, path in settings.HEALTH_CHECKS.items())


def run_checks() -> dict:
    results = {}
    for name, check in _checks():
        started = time.perf_counter()
        try:
            detail, ok = str(check()), True
        except Exception as error:  # any failure of a part means "not healthy"
            detail, ok = f"{type(error).__name__}: {error}"[:300], False
        results[name] = {
            "ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)
        }
    return results


@never_cache
def healthz(request):
    if request.method not in ("GET", "HEAD"):
        return JsonResponse({"status": "error", "detail": "GET only"}, status=405,
                            headers={"Allow": "GET, HEAD"})
    results = run_checks()
    failing = [name for name, result in results.items() if not result["ok"]]
    body = {"status": "fail" if failing else "ok", "checks": results}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)
