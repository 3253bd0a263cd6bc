import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create a moderator (staff, in the Moderators group) and print a random password once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, email, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        group = Group.objects.filter(name="Moderators").first()
        if group is None:
            raise CommandError("The Moderators group is missing: run `manage.py migrate` first.")
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(username, email, password, is_staff=True)
        user.groups.add(group)
        self.stdout.write(
            f"Moderator {username} created. Password (shown only now): {password}\n"
        )
