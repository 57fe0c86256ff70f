"""SMS through a provider speaking Twilio's REST API: the gateway, numbers, the request.

The gateway is one URL, ``AVISO_SMS_URL`` (or ``AVISO_SMS_URL_FILE``), like
``AVISO_EMAIL_URL`` for mail::

    https://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com/?from=%2B15005550006

(``messaging_service=MG...`` instead of ``from`` also works). The credentials
never reach the database: they are read from the environment when a message
is sent, travel in the Authorization header, and the URL in a delivery's
error has none. Each message is ``POST /2010-04-01/Accounts/{sid}/Messages.json``
with a form body (To, From or MessagingServiceSid, Body), basic auth.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from aviso.lib.env import envstr

# E.164: a plus and up to 15 digits, the first not zero.
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
CODE_DIGITS = 6
# The calling codes Statuspage's phone_country most often names; others give +<digits>.
CALLING_CODES = {
    "US": "1", "CA": "1", "GB": "44", "DE": "49", "FR": "33", "ES": "34", "IT": "39",
    "PT": "351", "BR": "55", "MX": "52", "AR": "54", "CL": "56", "CO": "57", "PE": "51",
    "EC": "593", "NL": "31", "BE": "32", "CH": "41", "AT": "43", "SE": "46", "NO": "47",
    "DK": "45", "FI": "358", "IE": "353", "PL": "48", "IN": "91", "JP": "81", "AU": "61",
    "NZ": "64", "ZA": "27", "SG": "65",
}  # fmt: skip


class SmsNotConfigured(Exception):
    """No gateway is set: SMS subscriptions are refused, queued messages wait."""


@dataclass(frozen=True)
class Gateway:
    base: str  # scheme://host[:port], no credentials
    account_sid: str
    auth_token: str
    sender: str  # a phone number, or a messaging service id (MG...)

    @property
    def messages_url(self) -> str:
        return f"{self.base}/2010-04-01/Accounts/{quote(self.account_sid, safe='')}/Messages.json"

    @property
    def authorization(self) -> str:
        pair = f"{self.account_sid}:{self.auth_token}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    def form(self, to: str, body: str) -> bytes:
        fields = {"To": to, "Body": body}
        if self.sender.startswith("MG"):
            fields["MessagingServiceSid"] = self.sender
        else:
            fields["From"] = self.sender
        return urlencode(fields).encode()


def parse_gateway(url: str) -> Gateway:
    """The gateway from ``AVISO_SMS_URL``; ValueError saying what to fix."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("AVISO_SMS_URL must be https://SID:TOKEN@host/?from=+NUMBER")
    if not parts.username or not parts.password:
        raise ValueError("AVISO_SMS_URL needs the account SID and auth token before the @")
    query = parse_qs(parts.query)
    sender = (query.get("from") or query.get("messaging_service") or [""])[0].strip()
    if not (E164.match(sender) or sender.startswith("MG")):
        raise ValueError("AVISO_SMS_URL needs ?from=+NUMBER (E.164) or ?messaging_service=MG...")
    port = f":{parts.port}" if parts.port else ""
    return Gateway(
        base=f"{parts.scheme}://{parts.hostname}{port}",
        account_sid=unquote(parts.username),
        auth_token=unquote(parts.password),
        sender=sender,
    )


def gateway() -> Gateway:
    url = getattr(settings, "NOTIFY_SMS_URL", None)
    if url is None:
        url = envstr("AVISO_SMS_URL")
    if not url:
        raise SmsNotConfigured("SMS is not set up (AVISO_SMS_URL).")
    try:
        return parse_gateway(url)
    except ValueError as exc:  # malformed: the error says what to fix
        raise SmsNotConfigured(str(exc)) from None


def configured() -> bool:
    try:
        gateway()
    except SmsNotConfigured:
        return False
    return True


def normalize_number(number: str, country: str = "") -> str:
    """An E.164 number from ``+...`` or a national number with an ISO country code.

    ValueError when it cannot be one.
    """
    digits = re.sub(r"[\s().-]", "", number or "")
    if not digits.startswith("+"):
        calling = CALLING_CODES.get((country or "").upper())
        if calling is None:
            raise ValueError(_("Give the number with its country code, like +15551234567."))
        digits = "+" + calling + digits.lstrip("0")
    if not E164.match(digits):
        raise ValueError(_("This is not a phone number (E.164: + and up to 15 digits)."))
    return digits


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def same_code(given: str, expected: str) -> bool:
    return hmac.compare_digest((given or "").strip().encode(), expected.encode())


def display_number(number: str) -> str:
    """What lists show: the country code and the last digits only."""
    return f"{number[:3]}…{number[-2:]}" if len(number) > 6 else number
