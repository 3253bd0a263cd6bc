"""The housekeeping worker removes what has expired, and nothing else."""

import os
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_it_removes_expired_sessions_old_login_failures_and_stale_uploads(
        import_upload_dir, settings, capsys):
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
    import_upload_dir.mkdir(parents=True, exist_ok=True)
    stale = import_upload_dir / "x.upload"
    stale.write_text("old")
    fresh = import_upload_dir / "y.upload"
    fresh.write_text("new")
    old = (now - timedelta(seconds=settings.IMPORT_UPLOAD_MAX_AGE + 60)).timestamp()
    os.utime(stale, (old, old))

    call_command("housekeeping")

    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["recent"]
    assert sorted(p.name for p in import_upload_dir.iterdir()) == ["y.upload"]
    assert capsys.readouterr().out.strip() == "1 sessions, 1 login_failures, 1 upload_files"
