"""Token scopes: each includes the ones below it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Write: incidents, updates, postmortems, maintenances, statuses")
    ADMIN = "admin", _("Admin: also pages, groups and components")

    @property
    def rank(self) -> int:
        return _RANK[self]

    def allows(self, needed: TokenScope) -> bool:
        return self.rank >= TokenScope(needed).rank


_RANK = {TokenScope.READ: 0, TokenScope.WRITE: 1, TokenScope.ADMIN: 2}
