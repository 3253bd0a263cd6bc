"""The 500 handler: a database or shared cache that cannot be reached gets its own page,
and a 503."""

import sys

from django.db import Error as DatabaseError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# What a request meets when a service every process shares is away: the database, or
# Redis (the cache that holds the rate limits, the login lockout and the reader pages'
# versions, which no process may answer on its own).
SERVICE_DOWN = (DatabaseError, RedisConnectionError, RedisTimeoutError)


def _service_down() -> bool:
    error = sys.exc_info()[1]
    while error is not None:
        if isinstance(error, SERVICE_DOWN):
            return True
        error = error.__cause__ or error.__context__
    return False


@requires_csrf_token
def server_error(request):
    """Render 500.html, or database_down.html (503, Retry-After) when the database or the
    shared cache failed.

    Both are rendered without the request's context, as Django's own handler does: the
    context processors read the user from the session, which may be what failed.
    """
    if _service_down():
        html = loader.get_template("database_down.html").render()
        return HttpResponse(html, status=503, headers={"Retry-After": "30"})
    return HttpResponseServerError(loader.get_template("500.html").render())
