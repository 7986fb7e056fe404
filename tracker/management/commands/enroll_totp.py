from base64 import b32encode

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Give USERNAME a TOTP authenticator for two-factor sign-in and print its otpauth:// address "
        "and secret, once (scan the address as a QR code, or type the secret into the app)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="authenticator", help="What the device is called in the admin.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Remove the user's other TOTP authenticators first (a lost or replaced phone).",
        )

    def handle(self, *args, username: str, name: str, replace: bool, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user “{username}”.")
        if not user.is_active:
            raise CommandError(f"User “{username}” is not active.")
        if not 1 <= len(name) <= 64:
            raise CommandError("--name must have 1 to 64 characters.")
        with transaction.atomic():
            removed = TOTPDevice.objects.filter(user=user).delete()[0] if replace else 0
            # Confirmed at once: the person enrolling is the administrator running this command.
            device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        if removed:
            self.stdout.write(f"Removed {removed} earlier authenticator(s) of “{username}”.")
        if not user.is_staff:
            self.stderr.write(f"Note: “{username}” is not staff, so cannot sign in to the staff site yet.")
        self.stdout.write(f"Authenticator “{name}” for “{username}” — keep it secret:")
        self.stdout.write(f"secret: {b32encode(device.bin_key).decode()}")
        self.stdout.write(device.config_url)
