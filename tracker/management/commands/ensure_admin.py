import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create the staff login ADMIN_USERNAME (default admin) with ADMIN_PASSWORD if it is missing. "
        "With no ADMIN_PASSWORD a password is generated and printed this once."
    )

    def handle(self, *args, **options) -> None:
        username = os.environ.get("ADMIN_USERNAME", "").strip() or "admin"
        password = os.environ.get("ADMIN_PASSWORD", "")
        users = get_user_model()
        if users.objects.filter(username=username).exists():
            self.stdout.write(f"Admin login “{username}” exists; left unchanged.")
            return
        if not username.isprintable() or len(username) > 150:
            raise CommandError("ADMIN_USERNAME must be printable and at most 150 characters.")
        generated = not password
        password = password or secrets.token_urlsafe(16)
        users.objects.create_superuser(username=username, email="", password=password)
        if generated:
            self.stdout.write(
                self.style.WARNING(
                    f"Created admin login “{username}” with password: {password}\n"
                    "It is shown only now; set ADMIN_PASSWORD to choose your own."
                )
            )
        else:
            self.stdout.write(f"Created admin login “{username}” with the password from ADMIN_PASSWORD.")
