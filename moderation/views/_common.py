"""What every workspace view shares: the permission gate, the way back, and rendering cards
(moderation/card_html.py)."""

from __future__ import annotations

from functools import wraps
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from articles.models import Article

from ..card_html import CardRenderer
from ..forms import QueueFilterForm
from ..models import Comment
from ..models.comments import MODERATE
from ..queues import DEFAULT_QUEUE, QUEUES, TabCount, cards, complete_cards, tab_counts

# How many articles the filter menus list: the newest that have comments, plus the chosen one.
ARTICLE_CHOICES = 100
ARTICLE_CHOICES_KEY = "moderation:article-choices"
ARTICLE_CHOICES_SECONDS = 30


def moderator_required(view):
    """Send anonymous visitors to log in; refuse (403) users without the permission.

    Superusers hold every permission, so they pass. Every answer is `no-store`, as the
    admin's are: the pages show readers' emails and hidden comments, which no shared
    cache, and no back button after logging out, may keep.
    """
    gated = login_required(permission_required(MODERATE, raise_exception=True)(view))
    return wraps(view)(never_cache(gated))


def safe_next(request, default: str | None = None) -> str:
    """The page the moderator acted from (POST `next`), if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    queue_url = reverse("moderation:queue")
    if (
        target.startswith(queue_url)
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default or queue_url


def queue_of(next_url: str) -> str | None:
    """The queue tab a `next` URL shows, or None if it is not the queue page."""
    parts = urlsplit(next_url)
    if parts.path != reverse("moderation:queue"):
        return None
    tab = parse_qs(parts.query).get("tab", [DEFAULT_QUEUE])[0]
    return tab if tab in QUEUES else DEFAULT_QUEUE


def card_renderer(request, *, next_url: str, queue: str | None) -> CardRenderer:
    """What renders cards for `request`: on a queue (`queue` not None) they are selectable."""
    return CardRenderer(request, next_url=next_url, selectable=queue is not None)


def load_cards(ids, *, queue: str | None) -> dict[int, Comment]:
    """Fetch comments as cards (fresh from the database), keyed by id."""
    comments = list(cards(Comment.objects.filter(pk__in=list(ids)), queue=queue or "all"))
    complete_cards(comments)
    return {c.pk: c for c in comments}


def first_error(form) -> str:
    """The first of an invalid form's errors, to say in the status line."""
    for errors in form.errors.values():
        return errors[0]
    return "The request was not understood."


def render_status(request, *, message: str, level: str = "success", undo=None,
                  next_url: str = "") -> str:
    """The status line (out of band, for htmx) with its Undo button, if any."""
    return render_to_string(
        "moderation/includes/status.html",
        {"status": {"message": message, "level": level, "undo": undo}, "oob": True,
         "next": next_url},
        request=request,
    )


def queue_filters(values: dict) -> dict:
    """The filter_comments() arguments from a QueueFilterForm's values."""
    return {"article": values["article"], "reason": values["reason"],
            "author": values["author"], "text": values["q"], "commenter": values["commenter"]}


def tabs(counts: dict[str, TabCount]) -> list[tuple]:
    return [(key, q.label, q.description, counts[key]) for key, q in QUEUES.items()]


def render_tabs(request, next_url: str) -> str:
    """The queue's tabs with fresh counts, out of band, for the queue `next_url` shows."""
    query = QueryDict(urlsplit(next_url).query)
    values = QueueFilterForm(query).values()
    counts = tab_counts(**queue_filters(values), tab=values["tab"])
    context = {"tabs": tabs(counts), "tab": values["tab"], "query": query, "oob": True}
    return render_to_string("moderation/includes/tabs.html", context, request=request)


def article_choices(selected: Article | None) -> list[tuple[int, str]]:
    """The article menu of the queue's and the log's filters: (id, title) of up to
    ARTICLE_CHOICES articles with comments, and `selected` first if it is not among them.

    From the shared cache for ARTICLE_CHOICES_SECONDS: a menu may be up to half a minute late
    to list a story's first comment, and reading it was a tenth of the queue page's time.
    """
    articles = cache.get(ARTICLE_CHOICES_KEY)
    if articles is None:
        has_comments = Exists(Comment.objects.filter(article=OuterRef("pk")))
        articles = list(Article.objects.filter(has_comments)
                        .values_list("id", "title")[:ARTICLE_CHOICES])
        cache.set(ARTICLE_CHOICES_KEY, articles, ARTICLE_CHOICES_SECONDS)
    if selected is not None and all(pk != selected.pk for pk, _title in articles):
        articles = [(selected.pk, selected.title), *articles]
    return articles
