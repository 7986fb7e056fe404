from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker.models import TokenScope
from tracker.tokens import api_token_create


class Command(BaseCommand):
    help = "Make an API token for USERNAME and print it as the last line (it is not shown again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What or who uses the token.")
        parser.add_argument(
            "--scope",
            choices=TokenScope.values,
            default=TokenScope.READ,
            help="read (the default): only GET; read_write: also what the user may change.",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Days until it expires (default API_TOKEN_DAYS, at most API_TOKEN_MAX_DAYS).",
        )

    def handle(self, *args, username: str, name: str, scope: str, days: int | None, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user “{username}”.")
        if not user.is_active:
            raise CommandError(f"User “{username}” is not active.")
        if len(name) > 100:
            raise CommandError("--name may have at most 100 characters.")
        if days is not None and not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
            raise CommandError(f"--days must be from 1 to {settings.API_TOKEN_MAX_DAYS} (API_TOKEN_MAX_DAYS).")
        expires_at = timezone.now() + timedelta(days=days) if days is not None else None
        try:
            token, secret = api_token_create(user=user, name=name, scope=scope, expires_at=expires_at)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"API token for “{username}”, {token.get_scope_display().lower()}, until "
            f"{token.expires_at:%Y-%m-%d %H:%M} UTC (send it as “Authorization: Token <token>”):"
        )
        self.stdout.write(secret)
