"""The admin's import as a task: Confirm queues it once and answers with a progress page;
the result keeps the preview's warnings; a failed import shows its error and wrote
nothing; the file is read back from the database."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import tasks
from articles.importers import ImportFailed, progress, uploads
from articles.models import Article, ImportChunk, ImportJob
from moderation import workers
from moderation.models import Comment, TaskWorker
from moderation.tasks import READER_PRIORITY
from tests.conftest import build_wxr

pytestmark = pytest.mark.django_db

UPLOAD = reverse("admin:articles_article_import")
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EXPORT = build_wxr([
    {"post_id": 1, "title": "Hello readers", "comments": [
        {"id": 1, "approved": "1", "content": "First!"},
        {"id": 2, "approved": "0", "parent": 9, "content": "An orphaned reply"},
        {"id": 3, "approved": "1", "type": "pingback"}]},
    {"post_id": 2, "title": "Second post", "comments": [
        {"id": 4, "approved": "1", "content": "Hello"}]},
]).encode()


def preview_url(token):
    return reverse("admin:articles_article_import_preview", args=[token])


def progress_url(token):
    return reverse("admin:articles_article_import_progress", args=[token])


@pytest.fixture
def token(client, admin_user):
    client.force_login(admin_user)
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("blog.xml", EXPORT),
                                    "format": "auto"})
    assert response.status_code == 302
    return re.search(r"/import/([A-Za-z0-9_-]+)/$", response["Location"]).group(1)


@override_settings(TASKS=DB_TASKS)
def test_confirm_queues_the_import_and_answers_with_its_progress(client, token):
    response = client.post(preview_url(token), {"confirm": "Confirm import"})

    assert response.status_code == 302 and response["Location"] == progress_url(token)
    job = ImportJob.objects.get(token=token)
    assert job.state == "queued" and not Article.objects.exists()
    task = DBTaskResult.objects.get()
    assert task.task_path == tasks.run_import.module_path
    assert task.args_kwargs["args"] == [job.pk]
    # Started ahead of the triage's backlog, behind a reader's own comment.
    assert task.priority == tasks.IMPORT_PRIORITY
    assert 0 < tasks.IMPORT_PRIORITY < READER_PRIORITY

    page = client.get(progress_url(token)).content.decode()
    assert "waiting for a worker to start the import" in page
    assert '<progress max="100" value="0">' in page
    assert f'hx-get="{progress_url(token)}"' in page and 'hx-trigger="every 2s"' in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    # No inline script, style attribute or event handler (a strict CSP forbids them).
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert not re.search(r"\sstyle=|\son[a-z]+=", page)


@override_settings(TASKS=DB_TASKS)
def test_confirming_twice_starts_one_import(client, token):
    first = client.post(preview_url(token), {"confirm": "Confirm import"})
    second = client.post(preview_url(token), {"confirm": "Confirm import"})
    assert first["Location"] == second["Location"] == progress_url(token)
    assert DBTaskResult.objects.count() == 1
    assert not tasks.confirm(ImportJob.objects.get(token=token))
    assert DBTaskResult.objects.count() == 1


@override_settings(TASKS=DB_TASKS)
def test_the_progress_fragment_counts_what_the_worker_has_written(client, token):
    client.post(preview_url(token), {"confirm": "Confirm import"})
    job = ImportJob.objects.get(token=token)
    ImportJob.objects.filter(pk=job.pk).update(state="running")
    reporter = progress.Reporter(job.pk, size=job.size)
    reporter.start_writing(3)
    reporter.wrote_articles(1)
    reporter.wrote_comments(2)
    reporter.flush()

    fragment = client.get(progress_url(token), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div class="import-progress"')
    assert "writing articles and comments" in fragment
    assert "1 article and 2 of 3 comments written so far" in fragment
    assert '<progress max="100" value="80">' in fragment  # 40 % reading + 2/3 of 60 %


def test_once_finished_the_polling_page_is_reloaded(client, token):
    client.post(preview_url(token), {"confirm": "Confirm import"})
    response = client.get(progress_url(token), HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Refresh"] == "true"


def test_the_result_keeps_the_previews_warnings(client, token):
    response = client.post(preview_url(token), {"confirm": "Confirm import"}, follow=True)
    page = response.content.decode()
    assert "Imported blog.xml: 2 articles created" in page
    assert "Replies whose parent is not in the file made top-level: comment 2" in page
    assert "Pingbacks and trackbacks skipped: comment 3" in page
    assert "3 created (1 pending, 2 approved)" in page
    assert "http-equiv" not in page  # finished: no more reloading
    assert Comment.objects.count() == 3
    # Said as done, not as the preview's plan.
    assert "Import articles</a> &rsaquo; Result" in page and "&rsaquo; Preview" not in page
    assert '<th scope="col">Was</th>' in page and "Will be" not in page
    assert "The new pending comments are queued for the automated triage." in page


def test_the_result_says_nothing_is_queued_for_the_triage_when_no_comment_is_pending(
        client, admin_user):
    client.force_login(admin_user)
    export = build_wxr([{"post_id": 1, "comments": [{"id": 1, "approved": "1"}]}]).encode()
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("blog.xml", export),
                                    "format": "auto"})
    token = re.search(r"/import/([A-Za-z0-9_-]+)/$", response["Location"]).group(1)
    page = client.post(preview_url(token), {"confirm": "Confirm import"},
                       follow=True).content.decode()
    assert "1 created (1 approved)" in page
    assert "queued for the automated triage" not in page


def test_a_failed_import_shows_its_error_and_has_written_nothing(client, token, monkeypatch):
    def fail_midway(self, n):
        raise ImportFailed("the disk filled up")  # after a batch was written

    monkeypatch.setattr(progress.Reporter, "wrote_comments", fail_midway)
    response = client.post(preview_url(token), {"confirm": "Confirm import"}, follow=True)

    page = response.content.decode()
    assert "Nothing was imported. the disk filled up" in page
    assert not Article.objects.exists() and not Comment.objects.exists()
    job = ImportJob.objects.get(token=token)
    assert job.state == "failed" and not ImportChunk.objects.exists()


@override_settings(TASKS=DB_TASKS)
def test_an_import_its_workers_died_on_three_times_ends_failed_and_its_file_goes(
        client, token):
    client.post(preview_url(token), {"confirm": "Confirm import"})
    job = ImportJob.objects.get(token=token)
    assert ImportChunk.objects.filter(job=job).exists()
    ImportJob.objects.filter(pk=job.pk).update(state="running")
    # Its third worker is dead (its process is gone) while it runs the import.
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now(),
                                worker_ids=["w1", "w2", "w3"])
    TaskWorker.objects.create(worker_id="w3", host=workers.HOST, pid=2**22 + 12345,
                              started_at=timezone.now(), seen_at=timezone.now())

    workers.requeue_orphans()

    job.refresh_from_db()
    assert job.state == "failed" and job.finished_at is not None
    assert "the task workers running it stopped 3 times" in job.error
    assert not ImportChunk.objects.filter(job=job).exists()
    page = client.get(progress_url(token), follow=True).content.decode()
    assert "Nothing was imported: the task workers running it stopped 3 times" in page


def test_running_the_import_task_again_after_it_finished_does_nothing(client, token):
    client.post(preview_url(token), {"confirm": "Confirm import"})
    job = ImportJob.objects.get(token=token)
    assert tasks.run_import.call(job.pk) == {"state": "done"}
    assert Comment.objects.count() == 3


def test_someone_else_cannot_watch_an_import(client, token, django_user_model):
    client.post(preview_url(token), {"confirm": "Confirm import"})
    other = django_user_model.objects.create_superuser("otto", "otto@example.org", "pw-o-1")
    client.force_login(other)
    response = client.get(progress_url(token), follow=True)
    assert "uploaded by someone else" in response.content.decode()


def test_the_stored_file_reads_back_whole_and_seeks_across_chunks(admin_user, rf,
                                                                  monkeypatch):
    monkeypatch.setattr(uploads, "CHUNK_BYTES", 7)
    request = rf.post("/")
    request.user = admin_user
    request.session = {}
    job = uploads.save(SimpleUploadedFile("blog.xml", EXPORT), request=request, fmt="auto")
    assert job.chunks.count() == -(-len(EXPORT) // 7)
    with uploads.open_file(job) as fileobj:
        assert fileobj.read() == EXPORT
        fileobj.seek(0, 2)
        assert fileobj.tell() == len(EXPORT)
        fileobj.seek(12)
        assert fileobj.read(20) == EXPORT[12:32]


def test_time_left_is_estimated_from_the_share_done():
    state = {"started": 100.0, "size": 1000, "bytes_read": 1000, "writing": True,
             "comments_total": 100, "comments_written": 50}
    assert progress.estimate(state, now=170.0) == {"percent": 70, "seconds_left": 30}
    assert progress.estimate({}, now=0) == {"percent": 0, "seconds_left": None}
