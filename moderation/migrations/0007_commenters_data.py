"""Commenters for the comments already here, and the trigram indexes of the Commenters
list's search on PostgreSQL.

Accounts' comments go to one commenter per account (with the account's email, if no one
else has it); guests' comments with an email to one commenter per normalised email. The
counters are then computed from the comments, as services.recount_commenters() does.
"""

from collections import defaultdict

from django.conf import settings
from django.db import migrations
from django.db.models import Count, Max, Min, Q

BATCH = 1000


def _normalise(email):
    # As moderation.models.normalise_email, frozen here.
    return (email or "").strip().lower()


def create_commenters(apps, schema_editor):
    db = schema_editor.connection.alias
    Comment = apps.get_model("moderation", "Comment")
    Commenter = apps.get_model("moderation", "Commenter")
    Flag = apps.get_model("moderation", "Flag")
    User = apps.get_model(settings.AUTH_USER_MODEL)

    comments = Comment.objects.using(db)
    # Who wrote what: accounts by user, guests by email; each named by their latest comment.
    by_user, by_email = defaultdict(list), defaultdict(list)
    names = {}
    rows = (comments.filter(Q(user__isnull=False) | ~Q(author_email=""))
            .order_by("created", "pk")
            .values_list("pk", "user_id", "author_email", "author_name"))
    for pk, user_id, email, name in rows.iterator(chunk_size=5000):
        key = ("user", user_id) if user_id else ("email", _normalise(email))
        (by_user if user_id else by_email)[key[1]].append(pk)
        names[key] = name
    emails = dict(User.objects.using(db).filter(pk__in=list(by_user))
                  .values_list("pk", "email"))

    taken = set()
    commenters = []
    for user_id in by_user:
        email = _normalise(emails.get(user_id))
        if email in taken:
            email = ""
        taken.add(email)
        commenters.append(Commenter(user_id=user_id, display_name=names["user", user_id][:100],
                                    email_key=email))
    for email in by_email:
        if email not in taken:
            taken.add(email)
            commenters.append(Commenter(email_key=email, display_name=names["email", email][:100]))
    Commenter.objects.using(db).bulk_create(commenters, batch_size=BATCH)
    of_user = dict(Commenter.objects.using(db).filter(user__isnull=False)
                   .values_list("user_id", "pk"))
    of_email = dict(Commenter.objects.using(db).exclude(email_key="")
                    .values_list("email_key", "pk"))

    links = [(pk, of_user[user_id]) for user_id, pks in by_user.items() for pk in pks]
    links += [(pk, of_email[email]) for email, pks in by_email.items() for pk in pks]
    for start in range(0, len(links), BATCH):
        batch = [Comment(pk=pk, commenter_id=c) for pk, c in links[start:start + BATCH]]
        comments.bulk_update(batch, ["commenter"])

    counts = {
        row["commenter_id"]: row for row in comments.filter(commenter__isnull=False)
        .order_by().values("commenter_id").annotate(
            approved=Count("pk", filter=Q(status="approved")),
            pending=Count("pk", filter=Q(status="pending")),
            hidden=Count("pk", filter=Q(status="hidden")),
            first=Min("created"), last=Max("created"),
            last_hidden=Max("created", filter=Q(status="hidden")),
        )
    }
    reports = {
        row["comment__commenter_id"]: row for row in Flag.objects.using(db)
        .filter(comment__commenter__isnull=False, source="reader")
        .order_by().values("comment__commenter_id").annotate(n=Count("pk"), last=Max("created_at"))
    }
    everyone = list(Commenter.objects.using(db).all())
    for c in everyone:
        row, report = counts.get(c.pk, {}), reports.get(c.pk, {})
        c.approved_count, c.pending_count = row.get("approved", 0), row.get("pending", 0)
        c.hidden_count, c.reported_count = row.get("hidden", 0), report.get("n", 0)
        c.first_seen, c.last_seen = row.get("first"), row.get("last")
        troubles = [t for t in (row.get("last_hidden"), report.get("last")) if t]
        c.trouble_at = max(troubles) if troubles else None
    Commenter.objects.using(db).bulk_update(
        everyone, ["approved_count", "pending_count", "hidden_count", "reported_count",
                   "first_seen", "last_seen", "trouble_at"], batch_size=BATCH,
    )


def forget_commenters(apps, schema_editor):
    db = schema_editor.connection.alias
    apps.get_model("moderation", "Comment").objects.using(db).update(commenter=None)
    apps.get_model("moderation", "Commenter").objects.using(db).all().delete()


# The Commenters list searches names with icontains (UPPER(name) LIKE '%…%') and emails
# with contains: trigram GIN indexes serve both on PostgreSQL. SQLite has no such index;
# the commenter table is small next to the comments, and a scan of it is what remains.
PG_INDEXES = [
    # The Commenters list's order (CommenterQuerySet.troublesome_first()).
    "CREATE INDEX IF NOT EXISTS commenter_trouble_idx ON moderation_commenter "
    "(trouble_at DESC NULLS LAST, last_seen DESC)",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS commenter_name_trgm ON moderation_commenter "
    "USING gin ((UPPER(display_name::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS commenter_email_trgm ON moderation_commenter "
    "USING gin ((email_key::text) gin_trgm_ops)",
]
DROP_PG_INDEXES = [
    "DROP INDEX IF EXISTS commenter_trouble_idx",
    "DROP INDEX IF EXISTS commenter_name_trgm",
    "DROP INDEX IF EXISTS commenter_email_trgm",
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0006_commenters"),
    ]

    operations = [
        migrations.RunPython(create_commenters, forget_commenters),
        migrations.RunPython(_on_postgresql(PG_INDEXES),
                             _on_postgresql(DROP_PG_INDEXES)),
    ]
