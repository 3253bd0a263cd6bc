"""PostgreSQL's indexes for the queue's and the admin's text filters (nothing on SQLite,
whose fallback scans): a GIN index on the bodies' full-text document (the generated
column search_document, which CommentQuerySet.search() matches), and trigram GIN indexes under
by_author()'s case-insensitive substring match (`icontains` compiles to UPPER(col::text)
LIKE UPPER(...), which pg_trgm serves)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "comment_body_search_idx": "USING gin (search_document)",
    "comment_author_name_trgm_idx": "USING gin (UPPER(author_name::text) gin_trgm_ops)",
    "comment_author_email_trgm_idx": "USING gin (UPPER(author_email::text) gin_trgm_ops)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON moderation_comment {definition}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("moderation", "0006_queue_state"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create, drop),
    ]
