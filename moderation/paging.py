"""A paginator for the admin's changelists of tables that grow to millions of rows."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property


class LargeTablePaginator(Paginator):
    """Count at most COUNT_LIMIT rows, so that no changelist counts a whole table.

    Unfiltered on PostgreSQL, the planner's row estimate for the table (pg_class
    reltuples, kept by autovacuum) stands in for the count, marked `estimated`; filtered,
    the rows are counted up to COUNT_LIMIT, beyond which `at_least` is set. The admin's
    pagination template (templates/admin/pagination.html) says which.
    """

    # Ten pages of the admin's 100 rows; counting further costs a heap read per row.
    COUNT_LIMIT = 1000

    @cached_property
    def count(self) -> int:
        self.estimated = self.at_least = False
        queryset = self.object_list
        if not queryset.query.where:
            estimate = self._table_estimate(queryset)
            if estimate is not None and estimate > self.COUNT_LIMIT:
                self.estimated = True
                return estimate
        found = queryset.order_by()[: self.COUNT_LIMIT + 1].count()
        self.at_least = found > self.COUNT_LIMIT
        return min(found, self.COUNT_LIMIT)

    @staticmethod
    def _table_estimate(queryset) -> int | None:
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                           [connection.ops.quote_name(queryset.model._meta.db_table)])
            row = cursor.fetchone()
        return row[0] if row and row[0] >= 0 else None


class LargeTableAdminMixin:
    """What a changelist over a big table needs: no full count, a bounded paginator."""

    paginator = LargeTablePaginator
    show_full_result_count = False
