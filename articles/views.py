import functools
import hashlib
import time
from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_ratelimit.core import get_usage, is_ratelimited
from django_ratelimit.decorators import ratelimit
from formguard.checks import TokenCheck

from config.clients import client_ip
from moderation import notify, services
from moderation.models import Comment, visible_per_article
from moderation.rendering import render_body
from moderation.services.findings import awaits_scores
from moderation.threads import (
    OLDEST,
    SORT_LABELS,
    SORTS,
    Links,
    page_of,
    permalink_page,
    replies_after,
    shown_comments,
    thread_page,
)

from . import accounts, freshness
from .forms import CommentForm, ReportForm
from .models import Article
from .thread_rows import render_rows

# The ids of the comments this browser posted, newest last; enough to show a reader
# their own comments that still await moderation.
OWN_COMMENTS_KEY = "articles.own_comments"
OWN_COMMENTS_KEPT = 50
# The name and email a reader gave last, to fill the next form.
AUTHOR_KEY = "articles.author"

POST_GROUP = "articles.post_comment"
REPLY_TARGET_GROUP = "articles.reply_per_comment"
REPORT_GROUP = "articles.report_comment"

AWAITING_NOTICE = (
    "Your comment is awaiting moderation. Only you can see it until a moderator approves it."
)
# On a post-moderated article (or from a trusted writer), until the triage has scored it.
CHECKING_NOTICE = (
    "Your comment is being checked: it appears in a moment, unless a moderator needs to read "
    "it first. Until then only you can see it."
)
PUBLISHED_NOTICE = "Your comment is published."
REPORTED_NOTICE = (
    "Thank you. A moderator will look at this comment; it stays up until they decide."
)
DUPLICATE_TEXT = (
    "You posted this same text a moment ago, so it was not posted again. "
    "Write something new, or wait a few minutes."
)
CLOSED = "Comments are closed on this article."
SIGN_IN_TO_COMMENT = "Log in or sign up to comment."
GONE = "This comment is no longer published."
# The comment form's signed timestamp (django-formguard's TokenCheck).
FORM_TIMESTAMP_FIELD = "fg_token"


def post_rate(group, request):
    return settings.COMMENTS_POST_RATE


def reply_target_rate(group, request):
    return settings.COMMENTS_REPLY_PER_COMMENT_RATE


def address_and_parent(group, request) -> str:
    """One client address under one comment: what a pile-on of replies aims at."""
    return f"{client_ip(request)}:{request.resolver_match.kwargs['pk']}"


def report_rate(group, request):
    return settings.COMMENTS_REPORT_RATE


ARTICLES_PER_PAGE = 20


@require_safe
def article_list(request):
    """The articles, newest first, a page at a time, each with how many comments readers
    see on it: from the queue counters, so a page reads 20 counter rows, never the
    comments (a count and the page: two queries whatever the size of the site)."""
    articles = Article.objects.order_by("-published_at", "-pk").annotate(
        approved_count=visible_per_article())
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "articles/article_list.html",
                  {"articles": page.object_list, "page": page})


def _page_number(request) -> int:
    try:
        return int(request.GET.get("page", "1"))
    except ValueError:
        return 1


def _comment_param(request) -> int | None:
    value = request.GET.get("comment", "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def _sort(request) -> str:
    sort = request.GET.get("sort", "")
    return sort if sort in SORTS else OLDEST


def _may_comment(request) -> bool:
    return settings.COMMENTS_ALLOW_GUESTS or request.user.is_authenticated


def _own_ids(request) -> list[int]:
    return request.session.get(OWN_COMMENTS_KEY, [])


def _own_user_id(request) -> int | None:
    return request.user.pk if request.user.is_authenticated else None


def _new_comment_form(request, **kwargs) -> CommentForm:
    initial = dict(request.session.get(AUTHOR_KEY, {}))
    return CommentForm(initial=initial, request=request, **kwargs)


def _author(request, data) -> tuple[str, str]:
    """The name and email a comment is posted with: an account's own, or the form's."""
    if request.user.is_authenticated:
        return accounts.display_name(request.user), request.user.email
    return data["author_name"], data["author_email"]


def _links(article) -> Links:
    # One reversal per page; every comment's URLs are formatted from it.
    return Links(
        article_url=article.get_absolute_url(),
        comments_url=reverse("comment_post", args=[article.slug]),
        accepts_replies=article.accepts_comments,
        # Replies to a comment this deep would pass the depth limit.
        reply_depth_limit=settings.COMMENTS_MAX_DEPTH - 1,
    )


def _thread(request, article, *, own_ids=(), own_user_id=None) -> tuple[str, int]:
    """Render the article's thread (the part of the page every anonymous reader shares):
    the page of comments, or a permalink's comment with its ancestors."""
    links = _links(article)
    sort = _sort(request)
    target_id = _comment_param(request)
    target = None
    if target_id is not None:
        target = shown_comments(article, own_ids, own_user_id).filter(pk=target_id).first()
    if target is not None:
        page = permalink_page(article, target, links=links, sort=sort, own_ids=own_ids,
                              own_user_id=own_user_id)
    else:
        page = thread_page(article, _page_number(request), links=links, sort=sort,
                           own_ids=own_ids, own_user_id=own_user_id)
    context = {"page": page, "rows": render_rows(page.items), "article_url": links.article_url,
               "sorts": list(SORT_LABELS.items()),
               "gone": target_id is not None and target is None}
    return render_to_string("articles/thread.html", context), page.approved_count


def has_no_session_or_message(request) -> bool:
    """Whether the reader has no session cookie and no message cookie: an anonymous reader
    with nothing of their own (a login lives in the session), told without loading one."""
    return (settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.COOKIES.get(CookieStorage.cookie_name))


def _is_personal(request) -> bool:
    """Whether this reader's article page differs from every other anonymous reader's:
    an account, comments of their own that may await moderation, a name to fill the form
    with, or a message to show."""
    if has_no_session_or_message(request):
        return False
    if request.user.is_authenticated:
        return True
    if request.COOKIES.get(CookieStorage.cookie_name):
        return True
    # Own comments, the name given last, a message waiting: anything in the session.
    return bool(list(request.session.keys()))


class _Marks(NamedTuple):
    csrf: str
    form_token: str
    heading: str
    thread: str


@functools.cache
def _marks() -> _Marks:
    """Stand-ins in the cached page: for the two values that are each reader's own (the
    CSRF token, the comment form's signed timestamp), and for the thread and its count,
    which are cached on their own. Made from SECRET_KEY, so every worker uses the same
    ones and no commenter can guess them."""
    d = salted_hmac("articles.page-marks", "reader page").hexdigest()
    return _Marks(csrf=f"csrfmark{d[:16]}", form_token=f"formtokenmark{d[16:32]}",
                  heading=f"headingmark{d[32:48]}", thread=f"threadmark{d[48:64]}")


def _heading(count: int) -> str:
    return f"{count} comment{'' if count == 1 else 's'}"


def _render_frame(request, article) -> str:
    """The article page around its thread, as every anonymous reader sees it, with
    _marks() where the reader's own values, the thread and its count go. It changes only
    when the article does (its key holds `updated_at`), so a moderator's decision costs
    the thread alone, never this (the comment form is most of a page's rendering)."""
    marks = _marks()
    form = None
    if article.accepts_comments and _may_comment(request):
        form = _new_comment_form(request)
        form.fields[FORM_TIMESTAMP_FIELD].initial = marks.form_token
    context = {"article": article, "form": form, "posted": None,
               "thread_html": mark_safe(marks.thread), "comments_heading": marks.heading,  # noqa: S308 - a constant
               "csrf_token": marks.csrf}
    return render_to_string("articles/article_detail.html", context, request=request)


def _shared_thread(request, article_id: int, load_article, found: dict, key: str,
                   version: int):
    """The thread for `version`: the cached entry if it is that version's, else rendered
    now. While another request renders the new version, the previous entry is served if
    the change that made the new version (a version is the time of its change) is younger
    than COMMENTS_PAGE_STALE_SECONDS, so that a burst of readers after a decision costs one
    rendering, not one each, and the decision still shows within it. Counted from the
    change, not from when the previous entry was rendered: a page that had not changed for
    an hour would otherwise be rendered by every reader of the burst."""
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return entry
    lock = f"{key}:rendering"
    young = (entry is not None
             and time.time() - version / 1e9 < settings.COMMENTS_PAGE_STALE_SECONDS)
    locked = cache.add(lock, 1, timeout=10)
    if young and not locked:
        return entry
    try:
        rendered_at = time.time()
        html, count = _thread(request, load_article())
        entry = (version, html, count, rendered_at)
        cache.set(key, entry, timeout=freshness.PAGE_TIMEOUT)
        freshness.forget(article_id)
    finally:
        if locked:
            cache.delete(lock)
    return entry


# Which article id each slug named when this worker last read it from the database. Only
# a hint: the cached frame names its article and stamp, and a page is served from the
# cache only if both are the article's current ones.
_ARTICLE_IDS: dict[str, int] = {}


def _shared_article_page(request, slug: str) -> HttpResponse:
    """The article page of an anonymous reader with nothing of their own, from the cache.

    The frame of the page (the article, the comment form) is cached per slug with the
    article's id and stamp (articles/freshness.py: its `updated_at`, recorded by each
    save); the thread per article, sort, page and permalink under the article's version,
    which every change a reader would see bumps on commit. A warm page is at most one
    cache round trip (get_many: the frame, the version, the stamp, the thread; none while
    the worker's copy of them is younger than COMMENTS_PAGE_RECHECK_SECONDS, see
    freshness.read_entries()) and no database query: the worker remembers which article
    id a slug named (_ARTICLE_IDS), which the frame's id and stamp check. A frame whose
    stamp is not the article's current one is made again from the database (the article
    was edited, renamed or deleted). The reader's own CSRF token (from their cookie, or a
    new one, set with the answer) and a fresh form timestamp replace the marks before the
    thread goes in, so no reader ever gets another's token. A request whose ETag matches
    gets 304.
    """
    frame_key = _frame_key(slug)
    pk = _ARTICLE_IDS.get(slug)
    if pk is not None:
        response = _shared_response(request, pk, frame_key=frame_key)
        if response is not None:
            return response
    article = get_object_or_404(Article, slug=slug)
    if len(_ARTICLE_IDS) > 10_000:
        _ARTICLE_IDS.clear()
    _ARTICLE_IDS[slug] = article.pk
    return _shared_response(request, article.pk, article=article, frame_key=frame_key)


def _frame_key(slug: str) -> str:
    return f"reader:frame:{slug}"


def cached_shared_page(request, slug: str) -> HttpResponse | None:
    """The shared article page if its frame is cached and this worker knows which article
    the slug names, without the database (the thread is rendered if its version is new);
    else None. For articles.middleware.SharedPageMiddleware, which asks before the
    session, authentication and messages middleware run, for readers who have neither a
    session nor a message (has_no_session_or_message())."""
    pk = _ARTICLE_IDS.get(slug)
    if pk is None:
        return None
    return _shared_response(request, pk, frame_key=_frame_key(slug))


def _shared_response(request, pk: int, *, frame_key: str, article=None
                     ) -> HttpResponse | None:
    """The shared page of article `pk`; None if, without `article` (read from the
    database), the cached frame is missing or not the article's current one (edited,
    renamed, deleted)."""
    vkey, skey = freshness.version_key(pk), freshness.stamp_key(pk)
    key = (f"reader:thread:{pk}:{_sort(request)}:{_page_number(request)}:"
           f"{_comment_param(request) or ''}")
    found = freshness.read_entries(pk, (frame_key, vkey, skey, key))
    frame = found.get(frame_key)  # (article id, stamp, html)
    if frame is not None and (frame[0] != pk or found.get(skey) != frame[1]):
        frame = None
    if frame is None and article is None:
        return None  # ask the database
    version = freshness.ensure_version(pk, found.get(vkey))
    etag = _etag(request, pk, version)
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        response["ETag"] = etag
        patch_cache_control(response, private=True, no_cache=True)
        return response

    def load_article():
        return article if article is not None else Article.objects.get(pk=pk)

    served_version, thread, count, _at = _shared_thread(request, pk, load_article, found,
                                                        key, version)
    if frame is None:
        if found.get(skey) is None:
            cache.add(skey, freshness.stamp(article), timeout=None)
        frame = (pk, freshness.stamp(article), _render_frame(request, article))
        cache.set(frame_key, frame, timeout=freshness.PAGE_TIMEOUT)
        freshness.forget(pk)
    marks = _marks()
    response = HttpResponse(
        frame[2].replace(marks.csrf, get_token(request))
        .replace(marks.form_token, TokenCheck._make_token())
        .replace(marks.heading, _heading(count))
        .replace(marks.thread, thread)
    )
    response["ETag"] = _etag(request, pk, served_version)
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _etag(request, article_id: int, version: int) -> str:
    # The page also holds the forms' CSRF token, made from the reader's CSRF cookie: a
    # reader with another cookie (or none yet) gets the page again, with their own token.
    cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    tag = hashlib.sha256(
        f"{article_id}:{version}:{request.GET.urlencode()}:{cookie}".encode()
    ).hexdigest()[:32]
    return f'"{tag}"'


def _article_page(request, article, form=None, posted=None, status=200):
    """The article page as this reader sees it, with their own comments (or `form`, a
    refused post with its errors); never cached."""
    html, count = _thread(request, article, own_ids=_own_ids(request),
                          own_user_id=_own_user_id(request))
    if form is None and article.accepts_comments and _may_comment(request):
        form = _new_comment_form(request)
    context = {
        "article": article, "form": form, "posted": posted,
        # A SafeString, from the thread template (escaped there).
        "thread_html": html,
        "comments_heading": _heading(count),
    }
    response = render(request, "articles/article_detail.html", context, status=status)
    # Readers' browsers ask again every time: a moderator's decision shows at once.
    patch_cache_control(response, private=True, no_cache=True)
    return response


@require_safe
def article_detail(request, slug):
    if not _is_personal(request):
        return _shared_article_page(request, slug)
    article = get_object_or_404(Article, slug=slug)
    return _article_page(request, article)


@require_safe
@vary_on_headers("HX-Request")
def replies(request, slug, pk):
    """The next replies under a comment ("show N more replies"): rows for htmx to put in
    place of the link, or a page of them without JavaScript."""
    article = get_object_or_404(Article, slug=slug)
    try:
        after_id = int(request.GET.get("after", pk))
    except ValueError:
        after_id = pk
    nodes = {
        c.pk: c for c in Comment.objects.filter(article=article, pk__in={pk, after_id})
        .only("id", "path", "depth")
    }
    root, after = nodes.get(pk), nodes.get(after_id)
    if root is None or after is None or not after.path.startswith(root.path):
        raise Http404("No such replies.")
    items = replies_after(article, root, after, links=_links(article),
                          own_ids=_own_ids(request), own_user_id=_own_user_id(request))
    if request.htmx:
        return HttpResponse(render_rows(items))
    back_url = f"{article.get_absolute_url()}?comment={root.pk}#c{root.pk}"
    return render(request, "articles/replies_page.html",
                  {"article": article, "rows": render_rows(items), "back_url": back_url})


def _refuse(request, message: str, status: int, article=None):
    """Answer a refused request with its reason: a fragment for htmx, else a page."""
    template = "articles/refusal.html" if request.htmx else "articles/refused_page.html"
    return render(request, template, {"message": message, "article": article}, status=status)


def _too_many(request, group: str, rate, key="ip") -> HttpResponse:
    usage = get_usage(request, group=group, key=key, rate=rate, method="POST")
    wait = max(1, usage["time_left"]) if usage else 60
    template = "articles/refusal.html" if request.htmx else "429.html"
    message = (
        "You have sent too much in a short time. "
        f"Please wait {wait} second{'s' if wait != 1 else ''} and try again."
    )
    response = render(request, template, {"message": message, "wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


# Duplicate text is recognised per client, by its IP address and by its session, so
# neither a new session nor a new address alone gets the same text through again.
def _client_keys(request) -> list[str]:
    keys = [f"ip:{client_ip(request)}"]
    if request.session.session_key:
        keys.append(f"session:{request.session.session_key}")
    if request.user.is_authenticated:
        keys.append(f"user:{request.user.pk}")
    return keys


def _text_keys(request, body: str) -> list[str]:
    text = " ".join(body.split()).casefold()
    return [
        "articles:text:" + hashlib.sha256(f"{client}\n{text}".encode()).hexdigest()
        for client in _client_keys(request)
    ]


def _is_duplicate(request, body: str) -> bool:
    return bool(cache.get_many(_text_keys(request, body)))


def _remember_post(request, comment: Comment, form: CommentForm) -> None:
    own = [pk for pk in _own_ids(request) if pk != comment.pk] + [comment.pk]
    request.session[OWN_COMMENTS_KEY] = own[-OWN_COMMENTS_KEPT:]
    if not request.user.is_authenticated:
        request.session[AUTHOR_KEY] = {
            "author_name": form.cleaned_data["author_name"],
            "author_email": form.cleaned_data["author_email"],
        }
    # The session key is made on save; remember the text under it as well.
    request.session.save()
    cache.set_many(
        dict.fromkeys(_text_keys(request, comment.body), comment.pk),
        timeout=settings.COMMENTS_DUPLICATE_SECONDS,
    )


def _save_comment(request, article, form: CommentForm, parent=None) -> Comment | None:
    """Post the form's comment through the moderation service, or put why not on the form."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    if _is_duplicate(request, data["body"]):
        form.add_error("body", DUPLICATE_TEXT)
        return None
    author_name, author_email = _author(request, data)
    try:
        comment = services.post_comment(
            article=article, parent=parent, author_name=author_name,
            author_email=author_email, body=data["body"],
            user=request.user if request.user.is_authenticated else None,
            notify_replies=data.get("notify_replies", False),
            seconds_to_post=form.seconds_since_shown(),
        )
    except services.ModerationError as error:
        form.add_error(None, str(error))
        return None
    except ValidationError as error:  # a reply nested too deep
        form.add_error(None, error.messages)
        return None
    _remember_post(request, comment, form)
    return comment


def _posted_notice(comment: Comment) -> str:
    if comment.is_visible:
        return PUBLISHED_NOTICE
    posted = comment.events.order_by("-created_at", "-id").first()
    return CHECKING_NOTICE if awaits_scores(posted) else AWAITING_NOTICE


def _posted_context(request, comment: Comment) -> dict:
    return {
        "comment": comment,
        "html": render_body(comment.body, comment.body_format),
        "notice": _posted_notice(comment),
        "url": _comment_url(request, comment),
    }


def _comment_url(request, comment: Comment) -> str:
    """Where a reader sees `comment` after posting or reporting: a top-level comment on its
    page of the thread, a reply at its permalink (with its ancestors: in the page's first
    view it may be behind "show more"). Always with the page or comment: from a page the
    htmx post left as it was, a bare "#c12" would only scroll, and the new comment is not on
    it yet."""
    if comment.depth:
        return comment.get_absolute_url()
    page = page_of(comment, _own_ids(request), _own_user_id(request))
    return f"{comment.article.get_absolute_url()}?page={page}#c{comment.pk}"


def _after_post(request, comment: Comment) -> HttpResponse:
    context = _posted_context(request, comment)
    messages.success(request, context["notice"])
    return HttpResponseRedirect(context["url"])


def _posting_limited(request, *, reply: bool = False) -> HttpResponse | None:
    """Count a post against its address, and a reply against its address under that one
    comment too; answer 429 if either is over its rate. The counts are in the shared
    cache and keyed by address, so neither a fresh session nor another worker resets them.
    """
    if request.method != "POST":
        return None
    limits = [(POST_GROUP, "ip", post_rate)]
    if reply:
        limits.append((REPLY_TARGET_GROUP, address_and_parent, reply_target_rate))
    for group, key, rate in limits:
        if is_ratelimited(request, group=group, key=key, rate=rate, method="POST",
                          increment=True):
            return _too_many(request, group, rate, key=key)
    return None


@require_POST
def post_comment(request, slug):
    article = get_object_or_404(Article, slug=slug)
    if limited := _posting_limited(request):
        return limited
    if not article.accepts_comments:
        return _refuse(request, CLOSED, 403, article)
    if not _may_comment(request):
        return _refuse(request, SIGN_IN_TO_COMMENT, 403, article)
    form = CommentForm(request.POST, request=request)
    comment = _save_comment(request, article, form)
    if comment is None:
        form.refresh_guard_token()
        if request.htmx:
            return render(request, "articles/comment_form_area.html",
                          {"article": article, "form": form}, status=422)
        return _article_page(request, article, form=form, status=422)
    if not request.htmx:
        return _after_post(request, comment)
    context = {"article": article, "form": _new_comment_form(request),
               "posted": _posted_context(request, comment)}
    return render(request, "articles/comment_form_area.html", context)


def _published_comment(article, pk: int) -> Comment | None:
    return Comment.objects.visible().filter(article=article, pk=pk).first()


@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def reply(request, slug, pk):
    """Show the reply form under a comment (GET) or post the reply (POST)."""
    article = get_object_or_404(Article, slug=slug)
    if limited := _posting_limited(request, reply=True):
        return limited
    if not article.accepts_comments:
        return _refuse(request, CLOSED, 403, article)
    # Only a published parent, for a POST too: the form sent back with an error quotes
    # its parent, and would show a hidden or pending comment to whoever guessed its id.
    parent = _published_comment(article, pk)
    if parent is None:
        return _refuse(request, GONE, 404, article)
    if not _may_comment(request):
        return _refuse(request, SIGN_IN_TO_COMMENT, 403, article)
    if request.method != "POST":
        form = _new_comment_form(request, auto_id=f"id_reply{parent.pk}_%s")
        return _reply_response(request, article, parent, form)
    form = CommentForm(request.POST, request=request, auto_id=f"id_reply{parent.pk}_%s")
    comment = _save_comment(request, article, form, parent=parent)
    if comment is None:
        form.refresh_guard_token()
        return _reply_response(request, article, parent, form, status=422)
    if not request.htmx:
        return _after_post(request, comment)
    return render(request, "articles/posted_reply.html", _posted_context(request, comment))


def _reply_response(request, article, parent, form, status=200):
    context = {
        "article": article, "parent": parent, "form": form,
        "parent_html": render_body(parent.body, parent.body_format),
    }
    template = "articles/reply_form.html" if request.htmx else "articles/reply_page.html"
    return render(request, template, context, status=status)


def reporter_key(request) -> str:
    """Tell one reader from another for "one report per reader per comment".

    A logged-in reader is their account; anyone else is their address, not their session:
    a new session costs a bot nothing, a new address does. Readers who share an address
    (an office, a campus) share one report per comment, which loses the moderators nothing:
    the comment is in the Reported queue after the first.
    """
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    # Keyed with SECRET_KEY: the stored value cannot be turned back into an address.
    return salted_hmac("articles.reporter", f"ip:{client_ip(request)}",
                       algorithm="sha256").hexdigest()


@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
@ratelimit(group=REPORT_GROUP, key="ip", rate=report_rate, method="POST", block=False)
def report(request, slug, pk):
    """Show the report form for a comment (GET) or file the reader's report (POST)."""
    article = get_object_or_404(Article, slug=slug)
    if request.limited:
        return _too_many(request, REPORT_GROUP, report_rate)
    comment = _published_comment(article, pk)
    if comment is None:
        return _refuse(request, GONE, 404, article)
    if request.method != "POST":
        form = ReportForm(request=request, auto_id=f"id_report{comment.pk}_%s")
        return _report_response(request, article, comment, form)
    form = ReportForm(request.POST, request=request, auto_id=f"id_report{comment.pk}_%s")
    if not form.is_valid():
        return _report_response(request, article, comment, form, status=422)
    try:
        services.report(
            comment=comment, user=request.user if request.user.is_authenticated else None,
            reason=form.cleaned_data["reason"], note=form.cleaned_data["note"],
            reporter_key=reporter_key(request),
        )
    except services.AlreadyReported as error:
        return _reported(request, comment, str(error), status=409)
    except services.ModerationError as error:
        form.add_error(None, str(error))
        return _report_response(request, article, comment, form, status=422)
    return _reported(request, comment, REPORTED_NOTICE)


def _report_response(request, article, comment, form, status=200):
    context = {
        "article": article, "comment": comment, "form": form,
        "comment_html": render_body(comment.body, comment.body_format),
    }
    template = "articles/report_form.html" if request.htmx else "articles/report_page.html"
    return render(request, template, context, status=status)


def _reported(request, comment, message: str, status: int = 200):
    if request.htmx:
        return render(request, "articles/reported.html",
                      {"message": message, "ok": status == 200}, status=status)
    (messages.success if status == 200 else messages.info)(request, message)
    return HttpResponseRedirect(_comment_url(request, comment))


@require_http_methods(["GET", "HEAD", "POST"])
def stop_replies(request, token):
    """A reply email's link: the page to stop them (GET), and stopping them (POST; a link
    opened by a mail scanner changes nothing)."""
    comment = notify.comment_of_stop_token(token)
    if comment is None:
        raise Http404("No such link.")
    stopped = request.method == "POST" and notify.stop_replies(comment)
    if stopped:
        comment.notify_replies = False
    return render(request, "articles/stop_replies.html",
                  {"comment": comment, "stopped": stopped})

