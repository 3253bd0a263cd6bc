"""Shared start-up for the benchmark scripts: a scratch database and Django."""

import os
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(database_url: str | None = None) -> str:
    """Point Django at a fresh scratch database, migrate it and return its URL.

    SQLite in a new temporary directory unless `database_url` (or BENCH_DATABASE_URL)
    names a PostgreSQL database, which is dropped and created anew first.
    """
    # Benchmarks serve no static files; whitenoise's warning about STATIC_ROOT is noise.
    warnings.filterwarnings("ignore", message="No directory at")
    url = database_url or os.environ.get("BENCH_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    if url.startswith(("postgres://", "postgresql://")):
        _recreate_postgres_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    return url


def _recreate_postgres_database(url: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    cfg = dj_database_url.parse(url)
    with psycopg.connect(host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"],
                         password=cfg["PASSWORD"] or None, dbname="postgres",
                         autocommit=True) as conn:
        name = sql.Identifier(cfg["NAME"])
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
