"""The default cache without Redis: a table in the database, made by migrate, whose
increments are atomic so the rate limits are exact with any number of workers; and with
Redis, Django's backend keeping its client."""

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django_ratelimit.core import is_ratelimited

from config.cache import AtomicDatabaseCache, RedisCache


@pytest.fixture
def db_cache(db):
    cache = AtomicDatabaseCache("django_cache", {})
    cache.clear()
    return cache


def test_migrate_makes_the_cache_table(db):
    """pytest-django ran migrate for the test database; config/apps.py's hook did this."""
    assert "django_cache" in connection.introspection.table_names()


def test_incr_adds_to_a_stored_number_and_keeps_its_expiry(db_cache):
    db_cache.set("hits", 5, timeout=60)
    assert db_cache.incr("hits") == 6
    assert db_cache.incr("hits", 4) == 10
    assert db_cache.get("hits") == 10


def test_incr_of_a_missing_or_expired_key_is_a_value_error(db_cache):
    with pytest.raises(ValueError):
        db_cache.incr("never-set")
    db_cache.set("gone", 1, timeout=-1)
    with pytest.raises(ValueError):
        db_cache.incr("gone")


def test_set_replaces_a_value_and_its_expiry_in_one_statement(db_cache):
    db_cache.set("page", "old", timeout=-1)
    db_cache.CULL_CHECK_EVERY = 10**9  # this test is about the write, not the cull
    with CaptureQueriesContext(connection) as queries:
        db_cache.set("page", "new", timeout=60)
    # (and the savepoint that keeps a failed write from spoiling the test's transaction)
    assert [q["sql"].split()[0] for q in queries if "SAVEPOINT" not in q["sql"]] == ["INSERT"]
    assert db_cache.get("page") == "new"
    db_cache.set("forever", 1, timeout=None)
    assert db_cache.get("forever") == 1


def test_a_set_now_and_then_culls_a_table_over_its_limit(db):
    cache = AtomicDatabaseCache("django_cache", {"OPTIONS": {"MAX_ENTRIES": 10,
                                                             "CULL_FREQUENCY": 2}})
    cache.clear()
    cache.CULL_CHECK_EVERY = 1  # every set counts
    cache.set_many({f"k{i}": i for i in range(11)}, timeout=60)
    assert _rows() == 11
    cache.set("one-more", 0, timeout=60)
    assert _rows() == 7  # half of the 11 culled, then the new key


@pytest.mark.postgres
def test_a_failed_set_inside_a_transaction_is_a_miss_that_leaves_it_usable(db_cache):
    too_long = "k" * 300  # longer than the cache_key column (varchar 255)
    assert db_cache._base_set("set", too_long, 1) is False
    db_cache.set("after", 1)  # the test's transaction still works
    assert db_cache.get("after") == 1


def _rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_cache")
        return cursor.fetchone()[0]


def test_the_rate_limit_counts_in_the_database_cache(db, rf, settings):
    settings.CACHES = {"default": {"BACKEND": "config.cache.AtomicDatabaseCache",
                                   "LOCATION": "django_cache"}}
    request = rf.post("/", REMOTE_ADDR="203.0.113.4")
    results = [is_ratelimited(request, group="t", key="ip", rate="3/m", increment=True)
               for _ in range(5)]
    assert results == [False, False, False, True, True]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_increments_are_all_counted():
    """Eight threads (each its own connection, as workers are) add 25 each: 200, exactly."""
    cache = AtomicDatabaseCache("django_cache", {})
    cache.set("concurrent", 0, timeout=60)
    start = threading.Barrier(8)
    errors = []

    def work():
        try:
            start.wait()
            for _ in range(25):
                cache.incr("concurrent")
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cache.get("concurrent") == 200


def test_the_redis_cache_makes_its_client_once_not_per_call():
    """Making a redis-py client costs about as much as a round trip; no server is needed
    to see that one is kept (a client connects only when it sends a command)."""
    cache = RedisCache("redis://127.0.0.1:6379/15", {})
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client
    assert cache._cache.get_client(write=True) is client
