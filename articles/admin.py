from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from moderation.paging import LargeTableAdminMixin

from . import importers
from .importers import uploads
from .importers.forms import ImportUploadForm
from .models import Article

# The preview lists this many articles; the totals above it count them all.
PREVIEW_ROWS = 500


@admin.register(Article)
class ArticleAdmin(LargeTableAdminMixin, admin.ModelAdmin):
    list_display = ["title", "outlet", "published_at", "comment_policy"]
    list_filter = ["comment_policy", "outlet"]
    search_fields = ["title", "byline", "outlet", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    readonly_fields = ["import_source", "import_id", "created_at", "updated_at"]
    change_list_template = "admin/articles/article/change_list.html"

    def get_urls(self):
        def upload(request):
            # Count the upload's bytes as they arrive, before CSRF checking reads the body,
            # so an oversized file is cut off rather than spooled to disk in full.
            request.upload_handlers.insert(0, uploads.SizeLimitHandler(request))
            if request.method == "POST":
                try:
                    request.FILES  # noqa: B018  (read the body now, to catch a full disk here)
                except OSError as error:
                    # Django spools a large upload to a temporary file, which a full disk
                    # cuts short. Nothing is changed by showing the form again, so this
                    # answer needs no CSRF check; its temporary file is already gone.
                    return self.import_storage_failed(request, uploads.storage_message(error))
            return csrf_protect(self.import_upload_view)(request)

        upload = csrf_exempt(upload)  # checked inside, once the handler is in place
        return [
            path("import/", self.admin_site.admin_view(upload),
                 name="articles_article_import"),
            path("import/<str:token>/", self.admin_site.admin_view(self.import_preview_view),
                 name="articles_article_import_preview"),
            *super().get_urls(),
        ]

    def _check_import_permission(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "has_view_permission": self.has_view_permission(request),
            **extra,
        }

    @staticmethod
    def _changelist_url():
        return reverse("admin:articles_article_changelist")

    @staticmethod
    def _upload_url():
        return reverse("admin:articles_article_import")

    @method_decorator(require_http_methods(["GET", "POST"]))
    def import_upload_view(self, request):
        """Step 1: the file and its format. A file that cannot be imported is refused here."""
        self._check_import_permission(request)
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        limit = next((h for h in request.upload_handlers
                      if isinstance(h, uploads.SizeLimitHandler)), None)
        if request.method == "POST":
            if limit is not None and limit.exceeded:
                form = ImportUploadForm(request.POST)
                form.is_valid()
                form.errors.pop("file", None)
                try:
                    importers.check_size(limit.received)
                except importers.ImportFailed as error:
                    form.add_error("file", str(error))
            elif form.is_valid():
                preview_url = self._store_and_preview(request, form)
                if preview_url:
                    return HttpResponseRedirect(preview_url)
        return TemplateResponse(request, "admin/articles/article/import_upload.html",
                                self._context(request, title="Import articles", form=form,
                                              size_limit=importers.size_limit()))

    def import_storage_failed(self, request, message: str):
        self._check_import_permission(request)
        form = ImportUploadForm({"format": "auto"})
        form.is_valid()
        form.errors["file"] = form.error_class([message])
        return TemplateResponse(request, "admin/articles/article/import_upload.html",
                                self._context(request, title="Import articles", form=form,
                                              size_limit=importers.size_limit()))

    def _store_and_preview(self, request, form) -> str | None:
        try:
            upload = uploads.save(form.cleaned_data["file"], request=request,
                                  fmt=form.cleaned_data["format"],
                                  repair_cycles=form.cleaned_data["repair_cycles"])
        except uploads.StorageFailed as error:
            form.add_error("file", str(error))
            return None
        try:
            with open(upload.path, "rb") as fileobj:
                plan = importers.read_plan(fileobj, upload.format, filename=upload.name)
            summary = importers.preview(plan, repair_cycles=upload.repair_cycles)
            uploads.set_preview(upload, summary.to_dict())
        except importers.ImportFailed as error:
            uploads.discard(upload.token, request=request)
            form.add_error("file", f"{upload.name} cannot be imported. {error}")
            return None
        except uploads.StorageFailed as error:
            uploads.discard(upload.token, request=request)
            form.add_error("file", str(error))
            return None
        return reverse("admin:articles_article_import_preview", args=[upload.token])

    @method_decorator(require_http_methods(["GET", "POST"]))
    def import_preview_view(self, request, token):
        """Step 2: what the import would do; confirming runs it, cancelling forgets the file."""
        self._check_import_permission(request)
        try:
            upload = uploads.load(token, request=request)
        except uploads.UploadGone:
            messages.error(request, "That import has expired or was already finished or "
                                    "cancelled (or was uploaded by someone else). Upload the "
                                    "file again.")
            return HttpResponseRedirect(self._upload_url())
        if not upload.meta.get("preview"):
            # Saved but never previewed (the upload request failed midway): start again.
            uploads.discard(token, request=request)
            messages.error(request, "That upload was not previewed; upload the file again.")
            return HttpResponseRedirect(self._upload_url())
        summary = importers.Summary.from_dict(upload.meta["preview"])
        error = None
        if request.method == "POST":
            if "cancel" in request.POST:
                uploads.discard(token, request=request)
                messages.info(request, f"Import of {upload.name} cancelled; nothing was "
                                       "written.")
                return HttpResponseRedirect(self._changelist_url())
            try:
                with open(upload.path, "rb") as fileobj:
                    plan = importers.read_plan(fileobj, upload.format, filename=upload.name)
                done = importers.apply(plan, repair_cycles=upload.repair_cycles)
            except importers.ImportFailed as failure:
                error = f"Nothing was imported. {failure}"
            else:
                uploads.discard(token, request=request)
                self.message_user(request, done.headline(), messages.SUCCESS)
                if done.warnings or done.articles_with_warnings:
                    self.message_user(
                        request,
                        f"{len(done.warnings)} warnings about the file and "
                        f"{done.articles_with_warnings} articles with warnings; run "
                        "manage.py import_articles --dry-run on the file to list them again.",
                        messages.WARNING,
                    )
                return HttpResponseRedirect(self._changelist_url())
        return TemplateResponse(
            request, "admin/articles/article/import_preview.html",
            self._context(
                request, title=f"Import {upload.name}: preview", upload=upload,
                summary=summary, rows=summary.articles[:PREVIEW_ROWS],
                more_rows=max(0, len(summary.articles) - PREVIEW_ROWS),
                policy=importers.POLICY, error=error,
            ),
        )

