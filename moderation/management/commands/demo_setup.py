import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import BaseCommand, CommandError, call_command
from django.db import connections

from articles.models import Article

# Written beside a SQLite file this command made: only such a file is ever deleted.
MARKER_SUFFIX = ".demo-setup"
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def reset_sqlite(path: Path) -> str:
    """Delete the demo's SQLite database if this command made it; say what was done.

    A file without the marker (made by hand, by `migrate`, or holding someone's work) is
    kept. The marker is written before migrate creates the file, so the next run may
    delete it again.
    """
    marker = path.with_name(path.name + MARKER_SUFFIX)
    if path.exists() and not marker.exists():
        return (f"Kept {path}: demo_setup did not create it, so it is migrated and the seed "
                "is loaded only if it has no articles. Delete it yourself for a fresh one.")
    for suffix in SQLITE_SUFFIXES:
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    marker.write_text("This SQLite database was made by manage.py demo_setup, which may "
                      "delete and remake it.\n")
    return f"Fresh SQLite database at {path}"


class Command(BaseCommand):
    help = (
        "Prepare a development demo (DJANGO_DEBUG=true only): a fresh SQLite database if "
        "this command made the last one (unless --keep-database; other databases are never "
        "dropped), migrations, the seed, and a moderator login with a new random password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-database",
            action="store_true",
            help="Do not delete the SQLite file; load the seed only into an empty database.",
        )
        parser.add_argument("--username", default="moderator")

    def handle(self, *args, keep_database, username, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_setup is for development only (it resets a moderator's password and "
                "may delete the demo database) and DJANGO_DEBUG is off. For a deployment, "
                "follow the README: migrate, createsuperuser, create_moderator."
            )
        db = settings.DATABASES["default"]
        if not keep_database and db["ENGINE"] == "django.db.backends.sqlite3":
            connections["default"].close()
            self.stdout.write(reset_sqlite(settings.BASE_DIR / db["NAME"]))

        call_command("migrate", interactive=False, verbosity=0)
        if not Article.objects.exists():
            call_command("loaddata", "seed", verbosity=0)
            # A fixture bypasses the services, so score the seed here: the moderators'
            # priority sort and the automatic flags are there from the first look.
            if settings.TRIAGE_ENABLED:
                call_command("triage_comments", verbosity=0)
        self.stdout.write(f"{Article.objects.count()} articles in the database")

        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.is_staff = True
        user.set_password(password)
        user.save()
        group = Group.objects.filter(name="Moderators").first()
        if group:
            user.groups.add(group)
        self.stdout.write(
            self.style.SUCCESS(
                "\nModerator login (shown only now, a new one each run):\n"
                f"  username: {username}\n  password: {password}\n"
            )
        )
