from django.contrib import admin

from .models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "outlet", "published_at", "comment_policy"]
    list_filter = ["comment_policy", "outlet"]
    search_fields = ["title", "byline", "outlet", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    readonly_fields = ["import_source", "import_id", "created_at", "updated_at"]
