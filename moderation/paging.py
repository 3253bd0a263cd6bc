"""A paginator, a changelist and a delete page for the admin's tables that grow to millions
of rows."""

from __future__ import annotations

import datetime
from html import escape as html_escape

from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import ResultList, results
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    get_deleted_objects,
    lookup_field,
    quote,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import connections, models, router
from django.db.models import CASCADE, PROTECT, RESTRICT, ExpressionWrapper, F, QuerySet, Value
from django.db.models.deletion import get_candidate_relations_to_delete
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext

from .models import estimated_rows


def first_pks(queryset: QuerySet, limit: int) -> list:
    """The primary keys of up to `limit` rows of `queryset`, in no particular order,
    read through the plan for all of its rows.

    Asked for a few rows, the planner bets on meeting them early in a sequential scan, as
    if matches were spread evenly through the table; a word common only in the newest
    comments (a breaking story's) then has it read most of the table first. On PostgreSQL
    the query is a materialised CTE, planned for every row it could return (the text
    search's GIN index, a queue's partial index) and still read only as far as `limit`.
    """
    pks = queryset.order_by().values_list("pk", flat=True)
    connection = connections[pks.db]
    if connection.vendor != "postgresql":
        return list(pks[:limit])
    sql, params = pks.query.get_compiler(using=pks.db).as_sql()
    with connection.cursor() as cursor:
        # The ORM's own SQL, its values still parameters.
        cursor.execute(f"WITH found AS MATERIALIZED ({sql}) SELECT * FROM found LIMIT %s",  # noqa: S608
                       [*params, limit])
        return [pk for (pk,) in cursor.fetchall()]


# A long filtered list is first looked for among this many of the unfiltered list's first
# rows in its order, which also tell how densely its matches start out.
WINDOW = 500
# Beyond this many rows read to fill a page (by the window's density), the matches are
# gathered and sorted instead.
WALK_LIMIT = 50_000


def first_rows(matching: QuerySet, base: QuerySet, order: tuple, needed: int) -> QuerySet:
    """`matching` (`base` filtered) in `order`, narrowed to what reaching its first
    `needed` rows takes, for a long list (more matches than are counted).

    Asked for a few rows of a long filtered list, the planner walks an index in `order`
    and tests each row, betting that matches are spread evenly through the table. They
    cluster in time: at 10^6 comments, a word found only in the newest 40,000 had the
    queue's oldest-first list read most of the table (1.0-1.45 s), and the admin's
    newest-first list did the same for a word of the oldest. So two bounded queries first
    test `base`'s first WINDOW rows in `order`. If they hold the first `needed` matches,
    those are read by their ids. If the matches among them are dense enough that walking
    on would get there within WALK_LIMIT rows, the walk is left to the planner. If not
    (none at all, as for that word from the oldest end), every match is gathered
    (gathered()), which costs what the matches number.
    """
    window = list(base.order_by(*order).values_list("pk", flat=True)[:WINDOW])
    hits = _matches_among(matching, window)
    found = [pk for pk in window if pk in hits]
    if len(found) >= needed or len(window) < WINDOW:
        return matching.filter(pk__in=found[:needed])
    if found and needed * WINDOW / len(found) <= WALK_LIMIT:
        return matching
    return gathered(matching, order, needed)


def _matches_among(matching: QuerySet, pks: list) -> set:
    """Those of `pks` that `matching` holds, each row tested on its own (a probe by
    primary key, in a LATERAL subquery, which the planner cannot turn into anything
    else). Asked as an EXISTS beside the window's ids, the test was planned as a hash
    of every match (345 ms for a common word at 10^6, 34 ms for the admin's pending
    comments); asked as "matches and among these ids", as the match's index intersected
    with the ids' (10 ms, more for a commoner word)."""
    ids = matching.order_by().values_list("pk", flat=True)
    sql, params = ids.query.get_compiler(using=ids.db).as_sql()
    with connections[ids.db].cursor() as cursor:
        cursor.execute(  # the ORM's own SQL, its values still parameters
            "SELECT w.pk FROM unnest(%s::bigint[]) AS w(pk) CROSS JOIN LATERAL "  # noqa: S608
            f"(SELECT 1 FROM ({sql}) AS m(pk) WHERE m.pk = w.pk LIMIT 1) AS hit",
            [pks, *params])
        return {pk for (pk,) in cursor.fetchall()}


def gathered(matching: QuerySet, order: tuple, needed: int) -> QuerySet:
    """`matching` narrowed to its first `needed` rows in `order`, found by reading every
    match through the filters' own indexes and sorting them, rather than by walking an
    index in `order` in the hope of meeting matches soon. The sort is of ids and sort
    keys alone: of whole rows, 40,000 comments spilled to disk. Unchanged if `order`'s
    first key is not a column whose order an expression can keep (_sorted_not_walked())."""
    unwalked = _sorted_not_walked(matching.model, order)
    if unwalked is None:
        return matching
    # Read first: as a subquery beside the filters, the planner took the page for 1 row
    # of 25 and joined each comment to a scan of the articles (85 ms instead of 1).
    first = list(matching.order_by(*unwalked).values_list("pk", flat=True)[:needed])
    return matching.filter(pk__in=first)


def _sorted_not_walked(model, order: tuple) -> tuple | None:
    """`order` with its first key, a number or date column of `model`, made an expression
    no index is sorted by (the same values), so that the planner gathers the rows through
    their own indexes, then sorts them; None for any other first key."""
    first, *rest = order
    if not isinstance(first, str):
        return None
    name = first.lstrip("-")
    try:
        field = model._meta.get_field("id" if name == "pk" else name)
    except FieldDoesNotExist:
        return None
    if isinstance(field, models.DateTimeField):
        zero = Value(datetime.timedelta(0))
    elif isinstance(field, (models.IntegerField, models.FloatField, models.AutoField)):
        zero = Value(0)
    else:
        return None
    key = ExpressionWrapper(F(name) + zero, output_field=field.__class__())
    return (key.desc() if first.startswith("-") else key.asc(), *rest)


# The deepest page a list offers. A page is read from the list's start (OFFSET), so page
# N costs N pages of rows, and past a few thousand rows the planner gives up the index for
# a scan and sort of the whole table: at 10^6 comments the queue's page 40,000 took 7.3 s,
# the log's page 32,000 11 s. Nobody reads a queue 2,500 comments deep; a filter, another
# sort or the queue's own refill (decided cards leave it) reaches the rest.
MAX_PAGES = 100


class ShallowPaginator(Paginator):
    """A paginator that offers at most MAX_PAGES pages; a page number past them is the
    last one offered, as a number past the end is for get_page()."""

    @property
    def num_pages(self) -> int:
        return min(super().num_pages, MAX_PAGES)

    @property
    def stops_early(self) -> bool:
        """Are there rows past the last page offered?"""
        return super().num_pages > MAX_PAGES

    def _get_page(self, *args, **kwargs):
        return ShallowPage(*args, **kwargs)


class ShallowPage(Page):
    def end_index(self) -> int:
        # Django's last page ends at the count; the last one offered ends where it ends.
        if self.paginator.stops_early:
            return self.number * self.paginator.per_page
        return super().end_index()


class LargeTablePaginator(ShallowPaginator):
    """Count at most COUNT_LIMIT rows, so that no list (the admin's changelists, the
    moderation log) counts a whole table.

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
            estimate = estimated_rows(queryset.model, using=queryset.db)
            if estimate is not None and estimate > self.COUNT_LIMIT:
                self.estimated = True
                return estimate
        found = len(first_pks(queryset, self.COUNT_LIMIT + 1))
        self.at_least = found > self.COUNT_LIMIT
        return min(found, self.COUNT_LIMIT)

    def page(self, number):
        """The page, its rows read as first_rows() finds best when the list is long and
        filtered (on PostgreSQL, whose planner makes the bet first_rows() is about)."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        if self.at_least and connections[rows.db].vendor == "postgresql":
            order = tuple(rows.query.order_by or rows.model._meta.ordering)
            rows = first_rows(rows, rows.model._default_manager.all(), order, top)
        return self._get_page(rows[bottom:top], number, self)


class FastChangeList(ChangeList):
    """A changelist that reverses the change URL once per page, not once per row, reads
    only the columns its rows show (the model admin's `list_only`, if set), and sorts only
    by the columns its admin's `sortable_by` names."""

    def get_ordering_field(self, field_name):
        # The admin leaves the other columns' headers without a sort link but still sorts
        # by them when a URL asks (?o=3): at 10^6 comments a scan of the whole table and a
        # top-N sort for every page (0.35-0.45 s by the comments' author or status, 1.2 s
        # by the audit rows' comment).
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)

    def get_results(self, request):
        super().get_results(request)
        only = getattr(self.model_admin, "list_only", None)
        if only and isinstance(self.result_list, QuerySet):
            self.result_list = self.result_list.only(*only)

    # A placeholder pk, replaced per row: the change URL's pattern takes any string there.
    MARKER = "0000000000"

    def _change_url(self) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                       args=(self.MARKER,), current_app=self.model_admin.admin_site.name)

    def url_for_result(self, result):
        template = getattr(self, "_change_url_template", None)
        if template is None:
            template = self._change_url_template = self._change_url().replace(
                self.MARKER, "{}", 1)
        return template.format(quote(getattr(result, self.pk_attname)))

    def rows(self) -> list[ResultList]:
        """The rows' cells, as the admin's items_for_result() makes them, with what every
        row shares worked out once per page: how each column reads its value, which one
        links to the change page, that link with the page's filters (a URL parsed and
        resolved per row in the admin), the empty value's text. A tenth of the comment
        changelist's time at 100 rows, a third of it before. Editable and popup lists,
        which this project does not have, are left to the admin."""
        if getattr(self, "formset", None) or self.is_popup or self.to_field:
            return list(results(self))
        columns = self._columns()
        return [ResultList(None, [cell(result) for cell in columns])
                for result in self.result_list]

    def _link(self):
        """The change link's HTML before and after the (quoted) pk, or None."""
        try:
            url = add_preserved_filters(
                {"preserved_filters": self.preserved_filters, "opts": self.opts},
                self._change_url())
        except NoReverseMatch:
            return None
        before, _marker, after = url.partition(self.MARKER)
        return f'<a href="{escape(before)}', f'{escape(after)}">'

    def _columns(self) -> list:
        model_admin, opts = self.model_admin, self.lookup_opts
        empty = model_admin.get_empty_value_display()
        links = self.list_display_links
        link = None
        first = True
        columns = []
        for index, name in enumerate(self.list_display):
            linked = links is not None and ((first and not links) or name in links)
            tag = "th" if linked and first else "td"
            if linked:
                first = False
                link = link or self._link() or ("", "")
            columns.append(self._column(index, name, opts, model_admin, empty,
                                        link if linked else None, tag))
        return columns

    @staticmethod
    def _read(name, opts, model_admin):
        """How column `name` reads a row: (field, attr, value) as lookup_field() says."""
        try:
            field = _get_non_gfk_field(opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            field = None
        if field is not None:
            return lambda obj: (field, None, getattr(obj, name))
        if not callable(name) and name != "__str__" and hasattr(model_admin, name):
            method = getattr(model_admin, name)
            return lambda obj: (None, method, method(obj))
        if name == "__str__" and hasattr(model_admin.model, "__str__"):
            method = model_admin.model.__str__
            return lambda obj: (None, method, obj.__str__())
        return lambda obj: lookup_field(name, obj, model_admin)

    def _column(self, index, name, opts, model_admin, empty, link, tag):
        """One column's cell maker: items_for_result()'s steps for one field_name."""
        read = self._read(name, opts, model_admin)
        field_class = f"field-{name.__name__ if callable(name) else name}"
        if callable(name) and name.__name__ == "<lambda>":
            field_class = f"field-lambda{index}"
        pk = self.lookup_opts.pk.attname

        def cell(result):
            classes = field_class
            try:
                f, attr, value = read(result)
            except ObjectDoesNotExist:
                text = empty
            else:
                shown_empty = getattr(attr, "empty_value_display", empty)
                if isinstance(value, str) and value.strip() == "":
                    value = ""
                if f is None or f.auto_created:
                    if name == "action_checkbox":
                        classes = "action-checkbox"
                    boolean = getattr(attr, "boolean", False)
                    if isinstance(attr, property) and hasattr(attr, "fget"):
                        boolean = getattr(attr.fget, "boolean", False)
                    text = display_for_value(value, shown_empty, boolean)
                    if isinstance(value, (datetime.date, datetime.time)):
                        classes += " nowrap"
                else:
                    if isinstance(f.remote_field, models.ManyToOneRel):
                        text = getattr(result, f.name)
                        if text is None:
                            text = shown_empty
                    else:
                        text = display_for_field(value, f, shown_empty,
                                                 avoid_link=link is not None)
                    if isinstance(f, (models.DateField, models.TimeField, models.ForeignKey)):
                        classes += " nowrap"
            # conditional_escape(), without its check for lazy arguments in every cell.
            text = text.__html__() if hasattr(text, "__html__") else html_escape(str(text))
            if link is not None and link[0]:
                href = html_escape(str(quote(getattr(result, pk))))
                text = f"{link[0]}{href}{link[1]}{text}</a>"
            return mark_safe(f'<{tag} class="{classes}">{text}</{tag}>')  # noqa: S308

        return cell


class LargeTableAdminMixin:
    """What a changelist over a big table needs: no full count, a bounded paginator, a
    sort only by an index (the columns named in `sortable_by`, none unless the admin
    names some; otherwise its `ordering`), and rows that cost little to render (a page
    shows 100; the model's change_list.html extends admin/large_change_list.html, whose
    {% large_result_list %} asks FastChangeList.rows() for them)."""

    paginator = LargeTablePaginator
    show_full_result_count = False
    sortable_by = ()

    def get_changelist(self, request, **kwargs):
        return FastChangeList

    def action_checkbox(self, obj):
        """The row's checkbox, as the admin's CheckboxInput renders it, without rendering
        a widget template per row (a third of the page's time at 100 rows), nor two
        format_html() calls (a tenth of what was left)."""
        label = gettext("Select this object for an action - {}").format(escape(str(obj)))
        return mark_safe(  # noqa: S308 - the label's text is escaped; the rest is ours
            f'<input type="checkbox" name="{helpers.ACTION_CHECKBOX_NAME}" '
            f'value="{escape(str(obj.pk))}" class="action-select" aria-label="{label}">')


class _CascadeTooDeep(Exception):
    """Cascades deeper than CountedDeletionMixin.DEPTH_LIMIT: Django's page is shown."""


class CountedDeletionMixin:
    """A delete page that counts the related rows a delete would remove, or that refuse
    it, one capped COUNT per relation, rather than loading and listing every one.

    Django's page loads every related row, protected ones included, to list each with a
    link: at 10^6 comments, an article's 10,000 comments took 0.7 s to say it cannot be
    deleted, a moderator's 96,849 audit rows 6.8 s. As on Django's page, relations that
    keep their rows (SET_NULL and the like) are not shown. For models without generic
    relations, which Django's collector follows and this does not."""

    # Each relation is counted up to this many rows.
    COUNT_LIMIT = 100_000
    # Cascades are followed this many levels down; beyond, Django's own page is shown.
    DEPTH_LIMIT = 5
    # The objects to delete named one by one (with a link); the rest are counted.
    NAMED = 100

    def get_deleted_objects(self, objs, request):
        using = router.db_for_write(self.model)
        if isinstance(objs, QuerySet):  # "Delete selected", perhaps with "Select all"
            rows = objs.using(using).order_by()
            named = list(rows[: self.NAMED])
            total = rows.count() if len(named) == self.NAMED else len(named)
        else:  # one object's delete page
            named = list(objs)
            total = len(named)
            rows = self.model._base_manager.using(using).filter(pk__in=[o.pk for o in named])
        if not named:
            return [], {}, set(), []
        try:
            related = list(self._related_rows(self.model, rows, using, depth=0))
        except _CascadeTooDeep:
            return get_deleted_objects(objs, request, self.admin_site)
        protected = [self._counted(field, count) for field, count, kept in related if kept]
        deleted = [(field, count) for field, count, kept in related if not kept]
        to_delete = [self._link(obj) for obj in named]
        if total > len(named):
            to_delete.append(f"and {total - len(named):,} more")
        to_delete += [self._counted(field, count) for field, count in deleted]
        return to_delete, self._model_count(total, deleted), self._perms_needed(
            request, deleted), protected

    def _related_rows(self, model, rows, using, depth):
        """(field, count, kept) for each relation to `rows` that has any: a PROTECT or
        RESTRICT one keeps its rows and refuses the delete; a CASCADE one is deleted with
        them, and its own relations are followed in turn (by subquery, nothing loaded)."""
        if depth >= self.DEPTH_LIMIT:
            raise _CascadeTooDeep
        for relation in get_candidate_relations_to_delete(model._meta):
            field = relation.field
            on_delete = field.remote_field.on_delete
            if on_delete not in (CASCADE, PROTECT, RESTRICT):
                continue
            # Unordered: a capped count's subquery would sort by the model's ordering.
            related = relation.related_model._base_manager.using(using).filter(
                **{f"{field.name}__in": rows}).order_by()
            count = related[: self.COUNT_LIMIT + 1].count()
            if not count:
                continue
            yield field, count, on_delete is not CASCADE
            if on_delete is CASCADE:
                yield from self._related_rows(relation.related_model, related, using,
                                              depth + 1)

    def _shown(self, count: int) -> str:
        return f"more than {self.COUNT_LIMIT:,}" if count > self.COUNT_LIMIT else f"{count:,}"

    def _counted(self, field, count: int) -> str:
        plural = capfirst(field.model._meta.verbose_name_plural)
        return f"{plural} ({field.verbose_name}): {self._shown(count)}"

    def _model_count(self, total: int, deleted) -> dict:
        counts = {self.model._meta.verbose_name_plural: total}
        for field, count in deleted:
            name = field.model._meta.verbose_name_plural
            counts[name] = counts.get(name, 0) + count
        return {name: self._shown(count) for name, count in counts.items()}

    def _perms_needed(self, request, deleted) -> set:
        """What Django's page asks too: the delete permission of every registered model
        whose rows the delete would remove (here per model, not per row)."""
        site = self.admin_site
        return {field.model._meta.verbose_name for field, _count in deleted
                if site.is_registered(field.model)
                and not site.get_model_admin(field.model).has_delete_permission(request)}

    def _link(self, obj):
        """The object as Django's page names it, linked to its change page."""
        opts = obj._meta
        try:
            url = reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                          args=[quote(obj.pk)])
        except NoReverseMatch:
            return f"{capfirst(opts.verbose_name)}: {obj}"
        return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, obj)
