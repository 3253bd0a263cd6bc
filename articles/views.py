from django.db import connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from moderation.threads import thread_page

from .models import Article


@require_safe
def article_list(request):
    articles = Article.objects.with_comment_counts()
    return render(request, "articles/article_list.html", {"articles": articles})


def _page_number(request) -> int:
    try:
        return int(request.GET.get("page", "1"))
    except ValueError:
        return 1


@require_safe
def article_detail(request, slug):
    article = get_object_or_404(Article, slug=slug)
    page = thread_page(article, _page_number(request))
    return render(request, "articles/article_detail.html", {"article": article, "page": page})


@never_cache
@require_safe
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy", whatever its class
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
