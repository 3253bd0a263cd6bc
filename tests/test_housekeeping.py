"""The housekeeping worker removes what has expired, and nothing else."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from articles.models import ImportChunk, ImportJob

pytestmark = pytest.mark.django_db


def test_it_removes_expired_sessions_old_login_failures_and_stale_uploads(
        settings, capsys):
    live, dead = SessionStore(), SessionStore()
    live.create()
    dead.set_expiry(-10)
    dead.create()
    now = timezone.now()
    for minutes, username in ((5, "recent"), (60, "old")):
        attempt = AccessAttempt.objects.create(username=username, ip_address="203.0.113.1",
                                               failures_since_start=3, get_data="",
                                               post_data="", http_accept="", path_info="/")
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=now - timedelta(minutes=minutes))
    old = now - timedelta(seconds=settings.IMPORT_UPLOAD_MAX_AGE + 60)
    for token, created_at in (("stale-upload-token-0000", old), ("fresh-upload-token-0000", now)):
        job = ImportJob.objects.create(token=token, name=f"{token}.xml", format="wxr",
                                       created_at=created_at)
        ImportChunk.objects.create(job=job, index=0, data=b"<rss/>")

    call_command("housekeeping")

    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["recent"]
    assert list(ImportJob.objects.values_list("token", flat=True)) == ["fresh-upload-token-0000"]
    assert ImportChunk.objects.count() == 1
    assert capsys.readouterr().out.strip() == "1 sessions, 1 login_failures, 1 uploads"
