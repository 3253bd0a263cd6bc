"""gunicorn settings for the web process: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Every value can be overridden from the environment (GUNICORN_*), so the systemd unit, the
smoke test and an operator's shell all start it the same way.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# The usual 2 workers per core plus one, each running GUNICORN_THREADS request threads
# (gthread). With one thread a worker was held by any slow request, a moderator's action or
# a reader thread rendered after a decision (tens of ms, hundreds on a loaded machine), and
# every reader queued behind it; threads let a worker go on serving cached pages (a
# fraction of a millisecond, mostly waiting) meanwhile, and keep clients' connections open
# between requests (keepalive), which sync workers never do. Each worker holds one database
# connection per thread (DATABASE_CONN_MAX_AGE); the triage's models load in the task
# workers only (`manage.py db_worker`), never here (about 90 MB a web worker).
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A worker whose main loop has not been heard from for this many seconds is killed and
# restarted. With threads that loop goes on while a request runs, so this no longer
# bounds one request's time (sync workers, GUNICORN_WORKER_CLASS=sync, are killed mid
# request).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# What bounds a request instead: each SQL statement of the web process is cancelled after
# this many seconds (config/settings.py), and the request fails with a 500.
os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", "30")
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# gunicorn 27's control socket (for gunicornc) would be made in $HOME, which the systemd
# unit makes read-only (ProtectHome): nothing here uses it, and its error at every start
# would only hide real ones.
control_socket_disable = True
# Restart each worker after this many requests (with jitter, so not all at once), which
# bounds any slow leak. Not much more often: a new worker loads the app again (about a
# second of CPU on the 2-core test machine), and with cached reader pages at 1 ms or less
# each, the old 2,000 spent about half a millisecond of start-up per request, and
# restarted a worker every few seconds while a story was viral.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = 5000
# The app trusts X-Forwarded-Proto only through SECURE_PROXY_SSL_HEADER; gunicorn's own
# handling of forwarded headers is for the proxy on this machine.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs: the access log is one JSON line per request, errors one JSON line each, both to
# standard error (journald keeps them under the unit's name).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
    "handlers": {
        "access": {"class": "logging.StreamHandler", "formatter": "json",
                   "stream": "ext://sys.stderr"},
        "error": {"class": "logging.StreamHandler", "formatter": "json",
                  "stream": "ext://sys.stderr"},
    },
    "root": {"handlers": ["error"], "level": "INFO"},
    "loggers": {
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "gunicorn.error": {"handlers": ["error"], "level": loglevel.upper(),
                           "propagate": False},
    },
}
