"""Importing through the admin: upload, preview, confirm; who may, and what is kept where."""

import errno
import html
import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from articles.models import Article
from moderation.models import Comment, ModerationEvent
from tests.conftest import build_wxr

pytestmark = pytest.mark.django_db

UPLOAD = reverse("admin:articles_article_import")
CHANGELIST = reverse("admin:articles_article_changelist")


def preview_url(token):
    return reverse("admin:articles_article_import_preview", args=[token])


def wxr_upload(name="blog.xml", **options):
    content = build_wxr([
        {"post_id": 1, "title": "Hello readers", "comments": [
            {"id": 1, "approved": "1", "content": "First!"},
            {"id": 2, "approved": "0", "parent": 1, "content": "A pending reply"},
            {"id": 3, "approved": "1", "type": "pingback"}]},
    ], **options).encode()
    return SimpleUploadedFile(name, content, content_type="text/xml")


def upload(client, file=None, fmt="auto", **extra):
    return client.post(UPLOAD, {"file": file or wxr_upload(), "format": fmt, **extra})


def token_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return re.search(r"/import/([A-Za-z0-9_-]+)/$", response["Location"]).group(1)


def stored_files(directory):
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


@pytest.fixture
def editor(django_user_model):
    """Staff who may add articles (and so import them), but is no superuser."""
    user = django_user_model.objects.create_user("eddie", password="editor-pass-1",
                                                 is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        codename__in=["add_article", "view_article"]))
    return user


def test_the_article_list_offers_an_import_button_to_those_who_may_add(client, admin_user,
                                                                       django_user_model):
    client.force_login(admin_user)
    assert UPLOAD in client.get(CHANGELIST).content.decode()

    viewer = django_user_model.objects.create_user("vera", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(viewer)
    page = client.get(CHANGELIST)
    assert page.status_code == 200 and UPLOAD not in page.content.decode()


def test_staff_without_the_add_permission_get_403(client, outsider, import_upload_dir):
    client.force_login(outsider)
    assert client.get(UPLOAD).status_code == 403
    assert upload(client).status_code == 403
    assert client.get(preview_url("a" * 32)).status_code == 403
    assert stored_files(import_upload_dir) == []
    assert not Article.objects.exists()


def test_an_editor_uploads_previews_and_confirms(client, editor, import_upload_dir):
    client.force_login(editor)
    form = client.get(UPLOAD).content.decode()
    assert 'enctype="multipart/form-data"' in form and "Auto-detect" in form

    token = token_of(upload(client))

    # Kept on the server, readable by the server only, and not written to the database yet.
    assert stored_files(import_upload_dir) == [f"{token}.json", f"{token}.upload"]
    assert (import_upload_dir / f"{token}.upload").stat().st_mode & 0o777 == 0o600
    assert not Article.objects.exists()
    page = client.get(preview_url(token)).content.decode()
    assert "WordPress export (WXR) <strong>blog.xml</strong>" in page
    assert "1 to create, 0 to update" in page
    assert "2 to create (1 pending, 1 approved)" in page
    assert "pingbacks and trackbacks: 1" in page
    assert "Hello readers" in page and "Pingbacks and trackbacks skipped: comment 3" in page
    # The file never travels back to the browser: the only hidden field is the CSRF token.
    assert set(re.findall(r'type="hidden" name="(\w+)"', page)) == {"csrfmiddlewaretoken"}
    assert "First!" not in page

    response = client.post(preview_url(token), {"confirm": "Confirm import"}, follow=True)

    assert response.redirect_chain[-1][0] == CHANGELIST
    assert ("Imported blog.xml: 1 article created, 0 updated, 0 unchanged; 2 comments "
            "created") in response.content.decode()
    assert Comment.objects.count() == 2
    assert ModerationEvent.objects.filter(action="imported", actor_label="import: wxr"
                                          ).count() == 2
    assert stored_files(import_upload_dir) == []
    # The token is spent.
    again = client.post(preview_url(token), {"confirm": "Confirm import"}, follow=True)
    assert "has expired or was already finished" in again.content.decode()
    assert Comment.objects.count() == 2


def test_cancelling_forgets_the_file_and_writes_nothing(client, admin_user, import_upload_dir):
    client.force_login(admin_user)
    token = token_of(upload(client))
    response = client.post(preview_url(token), {"cancel": "Cancel"}, follow=True)
    assert "cancelled; nothing was written" in response.content.decode()
    assert stored_files(import_upload_dir) == []
    assert not Article.objects.exists()


def test_someone_elses_preview_cannot_be_confirmed(client, admin_user, django_user_model,
                                                  import_upload_dir):
    client.force_login(admin_user)
    token = token_of(upload(client))
    other = django_user_model.objects.create_superuser("otto", "otto@example.org", "pw-otto-1")
    intruder = Client()
    intruder.force_login(other)

    response = intruder.post(preview_url(token), {"confirm": "Confirm import"}, follow=True)

    assert response.redirect_chain[-1][0] == UPLOAD
    assert "uploaded by someone else" in response.content.decode()
    assert not Article.objects.exists()
    # The uploader can still go on.
    assert client.get(preview_url(token)).status_code == 200


def test_an_expired_or_unknown_preview_says_so(client, admin_user, import_upload_dir, settings):
    client.force_login(admin_user)
    token = token_of(upload(client))
    settings.IMPORT_UPLOAD_MAX_AGE = -1
    response = client.post(preview_url(token), {"confirm": "Confirm import"}, follow=True)
    assert "has expired" in response.content.decode()
    assert not Article.objects.exists()
    assert stored_files(import_upload_dir) == []
    assert "has expired" in client.get(preview_url("x" * 40), follow=True).content.decode()
    assert "has expired" in client.get(preview_url("..%2F..%2Fetc"), follow=True
                                       ).content.decode()


def test_a_broken_file_is_refused_on_the_form_and_not_kept(client, admin_user,
                                                           import_upload_dir, corpus):
    client.force_login(admin_user)
    broken = (corpus / "wxr" / "wordpress-importer" / "malformed.xml").read_bytes()
    response = upload(client, SimpleUploadedFile("malformed.xml", broken))
    assert response.status_code == 200
    assert ("malformed.xml cannot be imported. The file is not well-formed XML: mismatched "
            "tag at line 90, column 3.") in response.content.decode()
    assert stored_files(import_upload_dir) == []
    assert not Article.objects.exists()


def test_a_png_uploaded_as_wxr_is_refused(client, admin_user, import_upload_dir):
    client.force_login(admin_user)
    png = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    response = upload(client, png, fmt="wxr")
    assert "This is a PNG image, not an export file." in response.content.decode()
    assert stored_files(import_upload_dir) == []


@override_settings(IMPORT_MAX_BYTES=200)
def test_a_file_over_the_limit_is_refused_before_it_is_stored(client, admin_user,
                                                              import_upload_dir):
    client.force_login(admin_user)
    response = upload(client)
    assert response.status_code == 200
    page = response.content.decode()
    assert "imports are limited to 0.0 MB (the IMPORT_MAX_BYTES setting)" in page
    assert stored_files(import_upload_dir) == []


def test_a_parent_cycle_is_refused_unless_repair_is_ticked(client, admin_user,
                                                          import_upload_dir):
    client.force_login(admin_user)
    cyclic = build_wxr([{"post_id": 1, "comments": [
        {"id": 1, "approved": "1", "parent": 2}, {"id": 2, "approved": "1", "parent": 1}]}])
    refused = upload(client, SimpleUploadedFile("cycle.xml", cyclic.encode()))
    assert "parent cycle" in refused.content.decode()

    token = token_of(upload(client, SimpleUploadedFile("cycle.xml", cyclic.encode()),
                            repair_cycles="on"))
    client.post(preview_url(token), {"confirm": "Confirm import"})
    assert Comment.objects.filter(parent__isnull=True).count() == 1


def test_uploading_needs_the_csrf_token(admin_user, import_upload_dir):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert upload(client).status_code == 403
    assert stored_files(import_upload_dir) == []



# The server's disk: full or read-only


_fdopen = os.fdopen  # the real one; the tests put DiskFillsUp in its place


class DiskFillsUp:
    """The upload's file, on a disk that fills up after its first bytes."""

    written: list[Path] = []

    def __init__(self, fd, mode="wb"):
        self.file = _fdopen(fd, mode)
        DiskFillsUp.written.append(Path(f"/proc/self/fd/{fd}").resolve())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()

    def write(self, chunk):
        self.file.write(chunk[:10])
        self.file.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def read_only(*args, **kwargs):
    raise OSError(errno.EROFS, os.strerror(errno.EROFS))


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def test_a_disk_that_fills_up_during_the_upload_is_a_form_error_and_leaves_no_part(
        client, admin_user, import_upload_dir, monkeypatch):
    client.force_login(admin_user)
    DiskFillsUp.written = []
    monkeypatch.setattr("articles.importers.uploads.os.fdopen", DiskFillsUp)
    response = upload(client)
    assert response.status_code == 200
    assert "The file could not be stored: the server's disk is full. Nothing was imported" \
        in page_text(response)
    # Part of the file was on the disk, and is gone.
    assert [path.suffix for path in DiskFillsUp.written] == [".upload"]
    assert stored_files(import_upload_dir) == []
    assert Article.objects.count() == 0


def test_a_read_only_upload_folder_is_a_form_error(client, admin_user, import_upload_dir,
                                                   monkeypatch):
    client.force_login(admin_user)
    monkeypatch.setattr("articles.importers.uploads.os.open", read_only)
    response = upload(client)
    assert response.status_code == 200
    assert "the server's upload folder is read-only" in page_text(response)
    assert stored_files(import_upload_dir) == []


def test_a_full_disk_while_the_request_is_read_is_a_form_error_too(client, admin_user,
                                                                    import_upload_dir,
                                                                    monkeypatch):
    client.force_login(admin_user)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    # Django spools uploads over 2.5 MB to a temporary file before the view sees them.
    monkeypatch.setattr("django.core.files.uploadhandler.TemporaryUploadedFile", full)
    big = SimpleUploadedFile("big.xml", b"<rss>" + b" " * (3 * 1024 * 1024) + b"</rss>")
    response = upload(client, big)
    assert response.status_code == 200
    assert "the server's disk is full" in page_text(response)
    assert stored_files(import_upload_dir) == []
