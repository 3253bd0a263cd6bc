import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import BaseCommand, call_command
from django.db import connections

from articles.models import Article


class Command(BaseCommand):
    help = (
        "Prepare a demo: a fresh SQLite database (unless --keep-database), migrations, "
        "the seed articles and comments, and a moderator login with a new random password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-database",
            action="store_true",
            help="Do not delete the SQLite file; load the seed only into an empty database.",
        )
        parser.add_argument("--username", default="moderator")

    def handle(self, *args, keep_database, username, **options):
        db = settings.DATABASES["default"]
        if not keep_database and db["ENGINE"] == "django.db.backends.sqlite3":
            connections["default"].close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                path = settings.BASE_DIR / f"{db['NAME']}{suffix}"
                path.unlink(missing_ok=True)
            self.stdout.write(f"Fresh SQLite database at {db['NAME']}")

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
