"""Who owns what when several systems share one service: jobs and taught classifiers belong to the key
that made them.

Keys have names (``SENTIMENT_API_KEYS=crm:KEY1,shop:KEY2``; a bare key is named ``key-`` and the start
of its SHA-256, so the old form still works and its name survives a restart). A request's owner is its
key's name, or ``page`` for the page's session (staff share what they make on the page). A key named
``admin`` sees and changes everything. Without keys the service is open and everyone is admin.

Things made without an owner (a classifier taught with the CLI, jobs from before keys had names) are
shared: every key may see and use them, only admin may replace or delete them. Someone else's job or
classifier answers 404, as one that does not exist: its name or id says nothing about it.
"""
from __future__ import annotations

from flask import current_app, g

from sentiment.models.aspects.sets import AspectSet, UnknownAspectSet
from sentiment.models.custom.store import UnknownClassifier
from sentiment.models.custom.taught import TaughtClassifier

ADMIN = "admin"
PAGE = "page"


def set_owner(name: str | None) -> None:
    """Called once per request by ``security``: None when keys are off (everyone is admin)."""
    g.owner, g.admin = name, name is None or name == ADMIN


def owner() -> str | None:
    return g.get("owner")


def is_admin() -> bool:
    return g.get("admin", True)


def may_see(owner_of: str | None) -> bool:
    return is_admin() or owner_of is None or owner_of == owner()


def may_change(owner_of: str | None) -> bool:
    return is_admin() or (owner_of is not None and owner_of == owner())


def classifier(name: str) -> TaughtClassifier:
    """A taught classifier this request may use; ``UnknownClassifier`` for one it may not see."""
    store = current_app.extensions["classifiers"]
    found = store.get(name)
    if not may_see(found.report.get("owner")):
        raise UnknownClassifier(name)
    return found


def aspect_set(set_id: object) -> AspectSet:
    """A ready-made set, or a stored one this request may use; ``UnknownAspectSet`` for one it may not see."""
    found = current_app.extensions["aspect_sets"].get(set_id)
    if not may_see(found.owner):
        raise UnknownAspectSet(str(set_id))
    return found
