"""The project's cache backends: Django's Redis cache with its client kept, and, without
Redis, Django's database cache with an atomic incr().

Rate limits count in the default cache, and every process on the machine must see the
same count. Django's DatabaseCache is shared, but its incr() is a get and then a set, so
two workers that count the same request at once both write the same number and one
request goes uncounted. This incr() locks the row (SELECT ... FOR UPDATE on PostgreSQL;
SQLite's writers are serialised by the IMMEDIATE transactions the settings ask for).
Its set() is one upsert, and counts the table for culling only now and then.
"""

import base64
import datetime
import pickle
import random
from contextlib import nullcontext

from django.conf import settings
from django.core.cache.backends import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import DatabaseError, connections, models, router, transaction
from django.utils.timezone import now


class AtomicDatabaseCache(DatabaseCache):
    # Django's set() counts the whole table to see whether it is over MAX_ENTRIES (a scan
    # of up to 50,000 rows, and every moderator's decision sets its article's page
    # version), then reads the key, then writes it: three queries. Here a set is one
    # upsert, and one set in CULL_CHECK_EVERY, at random, counts: the table may overrun
    # MAX_ENTRIES by about that many rows before it is culled.
    CULL_CHECK_EVERY = 20

    def _base_set(self, mode, key, value, timeout=DEFAULT_TIMEOUT):
        if mode != "set":
            return super()._base_set(mode, key, value, timeout)
        timeout = self.get_backend_timeout(timeout)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, key_column = quote(self._table), quote("cache_key")
        value_column, expires_column = quote("value"), quote("expires")
        if timeout is None:
            expires = datetime.datetime.max
        else:
            expires = datetime.datetime.fromtimestamp(
                timeout, tz=datetime.UTC if settings.USE_TZ else None)
        pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        # Like Django's set, a failed write is a cache miss, not an error; inside a
        # transaction a savepoint keeps the failure from spoiling it.
        guard = transaction.atomic(using=db) if connection.in_atomic_block else nullcontext()
        try:
            with guard, connection.cursor() as cursor:
                if random.randrange(self.CULL_CHECK_EVERY) == 0:  # noqa: S311 (not a secret)
                    cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
                    count = cursor.fetchone()[0]
                    if count > self._max_entries:
                        self._cull(db, cursor, now().replace(microsecond=0), count)
                cursor.execute(
                    f"INSERT INTO {table} ({key_column}, {value_column}, {expires_column}) "  # noqa: S608
                    f"VALUES (%s, %s, %s) ON CONFLICT ({key_column}) DO UPDATE SET "
                    f"{value_column} = EXCLUDED.{value_column}, "
                    f"{expires_column} = EXCLUDED.{expires_column}",
                    [key, pickled,
                     connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))],
                )
        except DatabaseError:
            return False
        return True

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, key_column = quote(self._table), quote("cache_key")
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {table} "  # noqa: S608
                f"WHERE {key_column} = %s{lock}",
                [key],
            )
            row = cursor.fetchone()
            if row is None or self._expiry(connection, row[1]) < now():
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode()))  # noqa: S301
            value += delta
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s WHERE {key_column} = %s",  # noqa: S608
                [pickled, key],
            )
        return value

    @staticmethod
    def _expiry(connection, expires):
        # The same conversion DatabaseCache.get_many() makes (aware or naive datetimes).
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(expression) + \
                expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return expires


class _KeptClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    """Django's RedisCache with one redis-py client per connection pool, made once.

    Django's makes a new redis.Redis for every operation, and making one (it fills a table
    of response callbacks) took about as long as the round trip to Redis that follows it
    (190 µs against 260 µs for a four-key get_many, measured here): a warm reader's page
    is one get_many. A client is safe to share between threads: each command takes its
    own connection from the pool.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _KeptClient
