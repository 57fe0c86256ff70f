"""Sign-in throttling: growing waits after failures, never a lock of the account.

Three counts, each allowing some failures before every further try must wait,
the wait doubling from one second up to a ceiling:

- this account from this address (``AVISO_LOGIN_MAX_FAILURES``): someone guessing
  one person's password;
- this address for any account (``AVISO_LOGIN_MAX_FAILURES_PER_ADDRESS``):
  someone trying many names;
- this account from everywhere (``AVISO_LOGIN_MAX_FAILURES_PER_ACCOUNT``): guessing
  spread over many addresses. Its ceiling is a minute, and it does not slow down
  an address the account already signed in from, so a stranger's guesses never
  keep the on-call person out during an incident.

While a count waits, tries are answered without checking the password and are
not counted. Counts live in the database, so every web process shares them.
The client address honours ``AVISO_TRUSTED_PROXIES``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from aviso.console.models import KnownSignInAddress, SignInThrottle
from aviso.lib.clientaddr import client_address

ACCOUNT_MAX_DELAY_SECONDS = 60
# An address stays "known" for an account this long after its last sign-in.
KNOWN_ADDRESS_DAYS = 90


def address_of(request: HttpRequest) -> str:
    return client_address(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        settings.TRUSTED_PROXIES,
    )


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _account(username: str) -> str:
    return _hash("account", username.strip().lower())


def _counts(request: HttpRequest, username: str) -> list[tuple[str, int, int]]:
    """(key, free failures, longest wait) for each count this try belongs to."""
    account, address = _account(username), address_of(request)
    ceiling = settings.CONSOLE_LOGIN_MAX_DELAY_SECONDS
    counts = [
        (_hash("pair", account, address), settings.CONSOLE_LOGIN_MAX_FAILURES, ceiling),
        (_hash("address", address), settings.CONSOLE_LOGIN_MAX_FAILURES_PER_ADDRESS, ceiling),
    ]
    if not _known(account, address):
        counts.append(
            (
                account,
                settings.CONSOLE_LOGIN_MAX_FAILURES_PER_ACCOUNT,
                min(ACCOUNT_MAX_DELAY_SECONDS, ceiling),
            )
        )
    return counts


def _known(account: str, address: str) -> bool:
    since = timezone.now() - dt.timedelta(days=KNOWN_ADDRESS_DAYS)
    return KnownSignInAddress.objects.filter(
        account=account, address=_hash("address", address), last_seen_at__gte=since
    ).exists()


def wait_seconds(request: HttpRequest, username: str) -> int:
    """How long this try must wait before it is checked (0: check it now)."""
    now = timezone.now()
    keys = [key for key, _free, _ceiling in _counts(request, username)]
    waits = SignInThrottle.objects.filter(key__in=keys, wait_until__gt=now).values_list(
        "wait_until", flat=True
    )
    return max((math.ceil((until - now).total_seconds()) for until in waits), default=0)


def _delay(failures: int, free: int, ceiling: int) -> int:
    over = failures - free
    return 0 if over <= 0 else min(ceiling, 2 ** min(over - 1, 30))


def record_failure(request: HttpRequest, username: str) -> None:
    now = timezone.now()
    window = dt.timedelta(seconds=settings.CONSOLE_LOGIN_WINDOW_SECONDS)
    # Counts past their window are worth nothing: guesses from many addresses
    # must not grow the table for ever.
    SignInThrottle.objects.filter(last_failure_at__lt=now - window).exclude(
        wait_until__gt=now
    ).delete()
    for key, free, ceiling in _counts(request, username):
        with transaction.atomic():
            row = SignInThrottle.objects.select_for_update().filter(key=key).first()
            if row is None:
                try:
                    with transaction.atomic():
                        row = SignInThrottle.objects.create(key=key, last_failure_at=now)
                except IntegrityError:  # another process made it meanwhile
                    row = SignInThrottle.objects.select_for_update().get(key=key)
            if now - row.last_failure_at > window:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            delay = _delay(row.failures, free, ceiling)
            row.wait_until = now + dt.timedelta(seconds=delay) if delay else None
            row.save(update_fields=["failures", "last_failure_at", "wait_until"])


def record_success(request: HttpRequest, username: str) -> None:
    """The person got in: their own count starts over and this address is known.

    The address count and the account's everywhere count stay: one success must
    not wipe out the record of a guesser elsewhere.
    """
    account, address = _account(username), address_of(request)
    SignInThrottle.objects.filter(key=_hash("pair", account, address)).delete()
    since = timezone.now() - dt.timedelta(days=KNOWN_ADDRESS_DAYS)
    KnownSignInAddress.objects.filter(account=account, last_seen_at__lt=since).delete()
    KnownSignInAddress.objects.update_or_create(
        account=account,
        address=_hash("address", address),
        defaults={"last_seen_at": timezone.now()},
    )
