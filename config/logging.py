"""Structured logs: one JSON object a line, for the app and for gunicorn alike.

Django's loggers (a server error is one line, its traceback in "exc_info") and gunicorn's
access log (one line per request, its fields from gunicorn's atoms) share this formatter;
deploy/gunicorn.conf.py installs it for gunicorn.
"""

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

# gunicorn's access-log atoms (gunicorn.glogging.Logger.atoms) under the names we log.
ACCESS_FIELDS = {
    "h": "remote_addr", "m": "method", "U": "path", "q": "query", "s": "status",
    "B": "bytes", "M": "duration_ms", "a": "user_agent", "f": "referer", "p": "pid",
    "{x-real-ip}i": "client_ip", "{x-forwarded-proto}i": "forwarded_proto",
}
NUMERIC = {"status", "bytes", "duration_ms", "pid"}


class JsonFormatter(_JsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "asctime": "time"})
        super().__init__(*args, **kwargs)

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            for atom, name in ACCESS_FIELDS.items():
                value = record.args.get(atom)
                if value in (None, "-", ""):
                    continue
                if name in NUMERIC:
                    try:
                        value = int(str(value).strip("<>"))  # pid is "<1234>"
                    except (TypeError, ValueError):
                        continue
                log_record[name] = value
        # Django's request logger attaches the request object itself; its path is enough.
        request = log_record.pop("request", None)
        if request is not None and hasattr(request, "path"):
            log_record["path"] = request.path
            log_record["method"] = request.method
        log_record.pop("server_time", None)
        log_record.pop("color_message", None)


def init_sentry(dsn: str, *, debug: bool) -> None:
    """Report errors to Sentry (or a compatible service). Only called when SENTRY_DSN is set."""
    import os

    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "development" if debug else "production"),
        release=os.environ.get("SENTRY_RELEASE") or None,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE") or 0),
        # Reader comments carry names, emails and addresses: never send them along.
        send_default_pii=False,
    )
