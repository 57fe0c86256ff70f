"""``aviso token create|list|revoke``: API tokens for automation."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from aviso.api.auth import ROLE_CEILING
from aviso.api.choices import TokenScope
from aviso.api.models import ApiToken
from aviso.console.roles import role_of


class Command(BaseCommand):
    help = "Create, list or revoke management API tokens. A new token is printed once."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True)
        create = verbs.add_parser("create", help="Issue a token and print it (once).")
        create.add_argument("--user", required=True, help="The username the token acts for.")
        create.add_argument("--scope", required=True, choices=TokenScope.values)
        create.add_argument("--name", default="", help="What the token is for (default: cli).")
        listing = verbs.add_parser("list", help="List tokens (never their values).")
        listing.add_argument("--user", help="Only this user's tokens.")
        revoke = verbs.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix", help="The prefix shown by `aviso token list`.")
        revoke.add_argument(
            "--all", dest="revoke_all", action="store_true", help="Revoke every token with it."
        )

    def handle(self, *args, verb: str, **options):
        getattr(self, f"_{verb}")(**options)

    def _create(self, *, user: str, scope: str, name: str, **_):
        User = get_user_model()  # noqa: N806
        account = User.objects.filter(**{User.USERNAME_FIELD: user}).first()
        if account is None:
            raise CommandError(f"No user {user!r}; create one first (aviso createadmin).")
        if not account.is_active:
            raise CommandError(f"User {user!r} is inactive.")
        # A token never does more than its owner may in the console (checked again at each use).
        role = role_of(account)
        if role is None:
            raise CommandError(f"User {user!r} has no console role; give them one first.")
        if not ROLE_CEILING[role].allows(scope):
            raise CommandError(
                f"User {user!r} is a {role.value}, whose tokens go up to "
                f"{ROLE_CEILING[role].value}; {scope} is more."
            )
        name = (name or "cli").strip()[:100]
        _, raw = ApiToken.issue(account, name=name, scope=scope)
        # The only time the value is shown: stdout alone, so scripts can capture it.
        self.stdout.write(raw)
        self.stderr.write(f"Token {name!r} ({scope}) for {user}. Store it now: it is not kept.")

    def _list(self, *, user: str | None, **_):
        tokens = ApiToken.objects.select_related("user")
        if user:
            tokens = tokens.filter(user__username=user)
        for token in tokens:
            state = "revoked" if token.revoked_at else "active"
            used = token.last_used_at.isoformat() if token.last_used_at else "never"
            self.stdout.write(
                f"{token.prefix}\t{token.user.get_username()}\t{token.scope}\t{state}\t"
                f"last used {used}\t{token.name}"
            )

    def _revoke(self, *, prefix: str, revoke_all: bool = False, **_):
        matches = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True))
        if not matches:
            raise CommandError(f"No active token with prefix {prefix!r}.")
        if len(matches) > 1 and not revoke_all:
            raise CommandError(
                f"{len(matches)} tokens share prefix {prefix!r}; add --all to revoke them all."
            )
        for token in matches:
            token.revoke()
        self.stdout.write(f"Revoked {prefix}.")
