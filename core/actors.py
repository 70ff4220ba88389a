"""Who made a change. Every state-changing service takes `actor=` and writes `actor_fields(actor)` into its
history row, in the same transaction as the change (Zulip's `acting_user`).

An actor is who acted and through which face: "alice (admin)", "alice (dashboard)", "API token cp_ab12… (api)",
"provision_numbers (command)", "Long calls (rule)" (an automation rule), "rules engine". Faces build one with `Actor.person`, `Actor.token` or
`Actor.process`; `None` is the rules engine (the scheduler and the worker act on no one's behalf).
`actor_label` is the one place the label is spelled.
"""

from dataclasses import dataclass
from typing import Any

LABEL_MAX = 60  # the history tables' actor_label column
RULES_ENGINE = "rules engine"
RULE_VIA = "rule"  # an automation rule (automation app): the face through which it acted


@dataclass(frozen=True)
class Actor:
    user: Any = None  # the person answerable (a User), when there is one
    name: str = ""  # who: a username, "API token cp_ab12…", a command's name
    via: str = ""  # the face: admin, dashboard, api, command

    @classmethod
    def person(cls, user, *, via: str) -> "Actor":
        """A signed-in person (admin, dashboard)."""
        return cls(user=user if getattr(user, "pk", None) else None, name=user.get_username(), via=via)

    @classmethod
    def token(cls, *, key_hint: str, user=None) -> "Actor":
        """An API token: named by its key's first characters; `user` is the person who created it."""
        return cls(user=user, name=f"API token {key_hint}…", via="api")

    @classmethod
    def rule(cls, name: str) -> "Actor":
        """An automation rule acting on a call: labelled "<rule name> (rule)"."""
        return cls(name=name, via=RULE_VIA)

    @classmethod
    def process(cls, name: str, *, via: str = "command") -> "Actor":
        """A management command or another process acting on no one's behalf."""
        return cls(name=name, via=via)


def as_actor(actor) -> Actor:
    """`None` is the rules engine; a bare user (tests, shells) is that person with no face named."""
    if isinstance(actor, Actor):
        return actor
    if actor is None:
        return Actor(name=RULES_ENGINE)
    if isinstance(actor, str):
        return Actor(name=actor)
    return Actor(user=actor if getattr(actor, "pk", None) else None, name=actor.get_username())


def actor_label(actor) -> str:
    """The one spelling of who acted, as history rows store and pages show it."""
    actor = as_actor(actor)
    suffix = f" ({actor.via})" if actor.via else ""
    name = actor.name[: LABEL_MAX - len(suffix)] if actor.name else ""
    return (name + suffix if name else actor.via)[:LABEL_MAX] or RULES_ENGINE


def is_rule_label(label: str) -> bool:
    """Whether a history row's actor_label names an automation rule (usernames and token names have no " (")."""
    return label.endswith(f" ({RULE_VIA})")


def actor_fields(actor) -> dict:
    """The `actor` (user or None) and `actor_label` columns of a history row."""
    actor = as_actor(actor)
    return {"actor": actor.user, "actor_label": actor_label(actor)}
