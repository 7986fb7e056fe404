from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tracker.tokens import api_token_create


class Command(BaseCommand):
    help = "Make an API token for USERNAME and print it as the last line (it is not shown again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What or who uses the token.")

    def handle(self, *args, username: str, name: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user “{username}”.")
        if not user.is_active:
            raise CommandError(f"User “{username}” is not active.")
        if len(name) > 100:
            raise CommandError("--name may have at most 100 characters.")
        _token, secret = api_token_create(user=user, name=name)
        self.stdout.write(f"API token for “{username}” (send it as “Authorization: Token <token>”):")
        self.stdout.write(secret)
