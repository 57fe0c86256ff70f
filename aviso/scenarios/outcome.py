"""What a scenario hands back: its incident, its timeline figures and the count of
what each subscriber received."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from aviso.notify.choices import DeliveryState
from aviso.notify.models import Delivery
from aviso.status.models import Incident


@dataclass
class Outcome:
    scenario: str
    title: str
    incident: Incident
    status_during: str
    notices_expected: int
    notices_per_subscriber: dict[str, int]
    slack_messages: int
    durations: dict[str, float]
    extra: dict = field(default_factory=dict)

    def as_json(self, timeline) -> str:
        return json.dumps(
            {
                "scenario": self.scenario,
                "incident": {
                    "code": self.incident.code,
                    "name": self.incident.name,
                    "status": self.incident.status,
                    "updates": [
                        u.status for u in self.incident.updates.order_by("display_at", "id")
                    ],
                },
                "status_during": self.status_during,
                "notices_expected": self.notices_expected,
                "notices_per_subscriber": self.notices_per_subscriber,
                "slack_messages": self.slack_messages,
                "steps": [
                    {"name": s.name, "at": s.at.isoformat(), "detail": s.detail}
                    for s in timeline.steps
                ],
                "durations": {k: round(v, 2) for k, v in self.durations.items()},
                **self.extra,
            },
            indent=2,
        )


def notices_per_subscriber(harness, incident: Incident, addresses: list[str]):
    """``(expected, {address: emails received})`` once every email delivery of the
    incident has left and each subscriber has at least the expected count; else None.

    Expected = the incident's updates that notify subscribers (one email each)."""
    expected = incident.updates.filter(deliver_notifications=True).count()
    # The sandbox holds this scenario's page only: any pending email is one of its own.
    pending = Delivery.objects.filter(transport="email", state=DeliveryState.PENDING).exists()
    received = harness.smtp.per_recipient()
    counts = {a: received.get(a, 0) for a in addresses}
    if pending or min(counts.values()) < expected:
        return None
    return expected, counts
