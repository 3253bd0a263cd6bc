from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from moderation.paging import CountedDeletionMixin, LargeTableAdminMixin

from . import importers, tasks
from .importers import progress, uploads
from .importers.forms import ImportUploadForm
from .models import Article, ImportJob

# The preview lists this many articles; the totals above it count them all.
PREVIEW_ROWS = 500
# How often the progress page asks again.
POLL_SECONDS = 2


@admin.register(Article)
class ArticleAdmin(CountedDeletionMixin, LargeTableAdminMixin, admin.ModelAdmin):
    list_display = ["title", "outlet", "published", "comment_policy"]
    # What the rows show: not the articles' text (moderation/paging.py FastChangeList).
    list_only = ["title", "outlet", "published_at", "comment_policy"]
    list_filter = ["comment_policy", "outlet"]
    search_fields = ["title", "byline", "outlet", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    # Newest or oldest first, by published_at's index; no other column has one.
    sortable_by = ["published"]
    readonly_fields = ["import_source", "import_id", "created_at", "updated_at"]
    change_list_template = "admin/articles/article/change_list.html"

    @admin.display(description="published", ordering="published_at")
    def published(self, obj):
        # Local time as digits: Django's date format took a sixth of the page's time.
        return timezone.localtime(obj.published_at).strftime("%Y-%m-%d %H:%M")

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
            path("import/<str:token>/progress/",
                 self.admin_site.admin_view(self.import_progress_view),
                 name="articles_article_import_progress"),
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
            with uploads.open_file(upload) as fileobj:
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

    def _gone(self, request):
        messages.error(request, "That import has expired or was cancelled (or was uploaded "
                                "by someone else). Upload the file again.")
        return HttpResponseRedirect(self._upload_url())

    @staticmethod
    def _progress_url(token):
        return reverse("admin:articles_article_import_progress", args=[token])

    @method_decorator(require_http_methods(["GET", "POST"]))
    def import_preview_view(self, request, token):
        """Step 2: what the import would do; confirming queues it, cancelling forgets the
        file."""
        self._check_import_permission(request)
        try:
            upload = uploads.load(token, request=request, states=ImportJob.State.values)
        except uploads.UploadGone:
            return self._gone(request)
        if upload.state != ImportJob.State.PREVIEWED:
            # Confirmed already (a second click, the back button): one import, its page.
            return HttpResponseRedirect(self._progress_url(token))
        if not upload.preview:
            # Saved but never previewed (the upload request failed midway): start again.
            uploads.discard(token, request=request)
            messages.error(request, "That upload was not previewed; upload the file again.")
            return HttpResponseRedirect(self._upload_url())
        summary = importers.Summary.from_dict(upload.preview)
        if request.method == "POST":
            if "cancel" in request.POST:
                uploads.discard(token, request=request)
                messages.info(request, f"Import of {upload.name} cancelled; nothing was "
                                       "written.")
                return HttpResponseRedirect(self._changelist_url())
            tasks.confirm(upload)
            return HttpResponseRedirect(self._progress_url(token))
        return TemplateResponse(
            request, "admin/articles/article/import_preview.html",
            self._context(
                request, title=f"Import {upload.name}: preview", upload=upload,
                summary=summary, rows=summary.articles[:PREVIEW_ROWS],
                more_rows=max(0, len(summary.articles) - PREVIEW_ROWS),
                policy=importers.POLICY,
            ),
        )

    @method_decorator(require_http_methods(["GET"]))
    def import_progress_view(self, request, token):
        """Step 3: the queued or running import's progress (polled by htmx, or reloaded
        without JavaScript), then its result with the preview's warnings, or its error."""
        self._check_import_permission(request)
        try:
            job = uploads.load(token, request=request,
                               states=[s for s in ImportJob.State.values
                                       if s != ImportJob.State.PREVIEWED])
        except uploads.UploadGone:
            return self._gone(request)
        context = self._context(request, title=f"Import {job.name}", upload=job, job=job,
                                progress=None if job.finished else progress.read(job.pk),
                                progress_url=self._progress_url(token),
                                poll_seconds=POLL_SECONDS)
        if job.state == ImportJob.State.DONE:
            summary = importers.Summary.from_dict(job.result)
            context.update(summary=summary, rows=summary.articles[:PREVIEW_ROWS],
                           more_rows=max(0, len(summary.articles) - PREVIEW_ROWS),
                           title=f"Imported {job.name}")
        if request.htmx:
            if job.finished:
                # The whole page changes (result or error): have htmx load it.
                response = HttpResponse(status=204)
                response["HX-Refresh"] = "true"
                return response
            return TemplateResponse(request, "admin/articles/article/import_progress.html"
                                    "#progress", context)
        return TemplateResponse(request, "admin/articles/article/import_progress.html",
                                context)
