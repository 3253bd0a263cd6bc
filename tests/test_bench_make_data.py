"""bench/make_data.py's people: who writes each comment, the same in both of its modes."""

import json
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db.models import F

from bench.make_data import GUEST_SHARE, PROLIFIC_SHARE, People, write_json
from moderation.models import Comment, Commenter


def test_make_data_gives_every_comment_one_writer_in_its_shape():
    people = People(7, 20_000)
    guests = people.writers.count(-1)
    assert len(people.writers) == 20_000
    assert guests == round(20_000 * GUEST_SHARE)
    assert sum(people.counts) == 20_000 - guests
    assert people.counts[0] == round(20_000 * PROLIFIC_SHARE) == max(people.counts)
    assert sum(k <= 3 for k in people.counts) / len(people.counts) > 0.75
    # Emails as the app keys them: one person each.
    assert len(set(people.emails)) == len(people.emails)
    assert all(email == email.strip().lower() for email in people.emails)
    assert People(7, 20_000).writers == people.writers


@pytest.mark.django_db
def test_make_data_json_imports_as_one_commenter_per_email(tmp_path, capsys):
    path = tmp_path / "bench.json"
    write_json(SimpleNamespace(seed=7, comments=400, viral=100, articles=3, json=str(path)))
    call_command("import_articles", str(path), "--brief", stdout=StringIO(), stderr=StringIO())
    written = [c for a in json.loads(path.read_text())["articles"] for c in a["comments"]]
    assert Comment.objects.count() == len(written) == 400
    assert not Comment.objects.filter(commenter=None).exclude(author_email="").exists()
    assert not Comment.objects.filter(author_email="").exclude(commenter=None).exists()
    assert set(Commenter.objects.values_list("email_key", flat=True)) == {
        c["author_email"] for c in written if c["author_email"]}
    # One name per person: every comment is signed as its commenter is named.
    assert not Comment.objects.exclude(commenter=None).exclude(
        author_name=F("commenter__display_name")).exists()
