"""{% large_result_list cl %}: the admin's {% result_list %} for FastChangeList, whose
rows are made with what every row shares worked out once (moderation/paging.py)."""

from django import template
from django.contrib.admin.templatetags.admin_list import (
    result_headers,
    result_hidden_fields,
    results,
)

register = template.Library()


@register.inclusion_tag("admin/change_list_results.html")
def large_result_list(cl):
    """The same context as the admin's result_list(), with FastChangeList.rows()."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": cl.rows() if hasattr(cl, "rows") else list(results(cl)),
    }
