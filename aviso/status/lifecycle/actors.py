from __future__ import annotations

from dataclasses import dataclass

from aviso.status.choices import ActorKind


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a person, an API token, automation or the system."""

    kind: ActorKind
    label: str
    user: object | None = None  # a django User for people and API tokens

    @classmethod
    def person(cls, user) -> Actor:
        return cls(ActorKind.PERSON, user.get_username(), user)

    @classmethod
    def api(cls, user, token_name: str) -> Actor:
        return cls(ActorKind.API, f"{user.get_username()} (token {token_name})", user)

    @classmethod
    def automation(cls, label: str) -> Actor:
        return cls(ActorKind.AUTOMATION, f"automation: {label}")

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(ActorKind.SYSTEM, label)

    @property
    def user_id(self):
        return getattr(self.user, "pk", None)
