"""The 500 handler: a database that cannot be reached gets its own page, and a 503."""

import sys

from django.db import Error as DatabaseError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


def _database_down() -> bool:
    error = sys.exc_info()[1]
    while error is not None:
        if isinstance(error, DatabaseError):
            return True
        error = error.__cause__ or error.__context__
    return False


@requires_csrf_token
def server_error(request):
    """Render 500.html, or database_down.html (503, Retry-After) when the database failed.

    Both are rendered without the request's context, as Django's own handler does: the
    context processors read the user from the session, which may be what failed.
    """
    if _database_down():
        html = loader.get_template("database_down.html").render()
        return HttpResponse(html, status=503, headers={"Retry-After": "30"})
    return HttpResponseServerError(loader.get_template("500.html").render())
