"""``aviso createadmin --username NAME --email ADDRESS``: no prompt, ever.

The password comes from ``AVISO_ADMIN_PASSWORD``; without it one is generated
and printed once.
"""

from __future__ import annotations

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext


def ensure_admin(
    username: str, email: str, password: str | None = None
) -> tuple[object, str | None]:
    """Create (or reset) an admin. Returns the user and the password when generated."""
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    User = get_user_model()  # noqa: N806 - Django's convention
    user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
    user.email = email
    user.is_staff = True
    user.is_superuser = True
    user.set_password(password)
    user.save()
    return user, generated


class Command(BaseCommand):
    help = "Create an administrator (password from AVISO_ADMIN_PASSWORD, else generated)."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)

    def handle(self, *args, username: str, email: str, **options):
        if not username.strip():
            raise CommandError(gettext("--username must not be empty"))
        if "@" not in email:
            raise CommandError(
                gettext("--email %(email)r is not an email address") % {"email": email}
            )
        _, generated = ensure_admin(username, email, os.environ.get("AVISO_ADMIN_PASSWORD"))
        if generated:
            self.stdout.write(
                gettext("Admin %(username)s created. Password (shown once): %(password)s")
                % {"username": username, "password": generated}
            )
        else:
            self.stdout.write(
                gettext("Admin %(username)s created with the password from AVISO_ADMIN_PASSWORD.")
                % {"username": username}
            )
