"""Status names that notify's emails print, kept in notify's own Spanish catalog.

The status app defines these labels; listing them here lets ``makemessages``
for notify keep their translations beside the rest of the email wording.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

STATUS_LABELS = [
    _("Investigating"),
    _("Identified"),
    _("Monitoring"),
    _("Resolved"),
    _("Operational"),
    _("Degraded performance"),
    _("Partial outage"),
    _("Major outage"),
    _("Under maintenance"),
    _("Scheduled"),
    _("In progress"),
    _("Verifying"),
    _("Completed"),
    _("Cancelled"),
    _("Status"),
    _("Impact"),
]
