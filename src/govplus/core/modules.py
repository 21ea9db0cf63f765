"""Module registration: each module declares what it adds to the platform; `config/` composes it.

A module (a Django app under `govplus/`) describes itself in `<module>/module.py` with one
`MODULE = ModuleSpec(...)`: its API routers, its page URL patterns, its navigation entries and its OAuth
scopes. `config/urls.py` builds the JSON API and the URL map from the specs of the installed apps (in
`INSTALLED_APPS` order), `config/settings.py` builds `OAUTH2_PROVIDER["SCOPES"]` from them, and the
shell's context processor (`portal/context.py`) builds the navigation. So adding a module is: write the
module with its `module.py`, add it to `INSTALLED_APPS`; no other module's file changes.

Routers and URL patterns are named by dotted path ("govplus.cases.api:router", "govplus.portal.urls"),
not imported here: settings read the scopes before Django's apps are loaded, and a `module.py` must be
importable then (it imports nothing but this file and `gettext_noop`).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal


def gettext_noop(message: str) -> str:
    """Marks a label for translation (found by `makemessages` by this name) without touching Django's
    translation machinery, which needs the settings that `module.py` files help to build."""
    return message


Audience = Literal["anonymous", "citizen", "staff"]
EVERYONE: frozenset[Audience] = frozenset({"anonymous", "citizen", "staff"})
SIGNED_IN: frozenset[Audience] = frozenset({"citizen", "staff"})

# Page URLs of every module share one namespace, so names stay `portal:<name>` wherever the page lives.
PAGE_NAMESPACE = "portal"


@dataclass(frozen=True)
class ApiRouter:
    """A django-ninja router mounted under /api/v1/<prefix>; `tags` (if given) replace the router's own."""

    router: str  # "package.module:attribute"
    prefix: str = "/"
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class NavEntry:
    """A link in the site's main navigation.

    `label` is marked with `gettext_noop` and translated when the page renders. `audience` says who sees
    it: anonymous visitors, signed-in citizens/businesses, staff; `staff_roles` (role codes) narrows the
    staff to those holding one of these roles somewhere. `badge` names a template context value shown
    as a count next to the label (e.g. "unread_count"). Entries are ordered by `order`, then by module.
    """

    label: str
    url_name: str
    audience: frozenset[Audience] = EVERYONE
    staff_roles: tuple[str, ...] = ()
    order: int = 100
    badge: str = ""

    def visible_to(self, *, audience: Audience, roles: frozenset[str] | None = None) -> bool:
        if audience not in self.audience:
            return False
        if audience == "staff" and self.staff_roles:
            return bool(roles and roles.intersection(self.staff_roles))
        return True


@dataclass(frozen=True)
class OAuthScope:
    """An OAuth scope a client may ask for, with the description shown on the consent page."""

    name: str
    description: str  # Chinese
    description_en: str

    @property
    def consent_text(self) -> str:
        return f"{self.description} / {self.description_en}"


@dataclass(frozen=True)
class ModuleSpec:
    """What one module adds to the platform (see the module docstring)."""

    name: str
    api_routers: tuple[ApiRouter, ...] = ()
    urls: str = ""  # dotted path of a module with `urlpatterns`, included under `url_namespace`
    url_namespace: str = PAGE_NAMESPACE
    navigation: tuple[NavEntry, ...] = ()
    scopes: tuple[OAuthScope, ...] = field(default_factory=tuple)


def _spec_of(app_name: str) -> ModuleSpec | None:
    """The app's `module.py` spec, if it has one. Third-party apps are not imported to find out (their
    packages may read Django's settings on import, and this runs while the settings are being built)."""
    try:
        package = importlib.util.find_spec(app_name)  # imports the parent packages only
    except ModuleNotFoundError:  # the app's package itself is missing: Django will say so
        return None
    locations = package.submodule_search_locations if package is not None else None
    if not locations or not any((Path(location) / "module.py").is_file() for location in locations):
        return None
    module_name = f"{app_name}.module"
    spec = getattr(importlib.import_module(module_name), "MODULE", None)
    if not isinstance(spec, ModuleSpec):
        raise TypeError(f"{module_name}.MODULE must be a govplus.core.modules.ModuleSpec")
    return spec


@lru_cache(maxsize=8)
def _specs_for(app_names: tuple[str, ...]) -> tuple[ModuleSpec, ...]:
    specs = tuple(spec for name in app_names if (spec := _spec_of(name)) is not None)
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise ValueError(f"two installed apps declare the module {spec.name!r}")
        seen.add(spec.name)
    return specs


def module_specs(app_names: Iterable[str] | None = None) -> tuple[ModuleSpec, ...]:
    """The specs of the installed apps that declare one, in `INSTALLED_APPS` order."""
    if app_names is None:
        from django.conf import settings

        app_names = settings.INSTALLED_APPS
    return _specs_for(tuple(app_names))


def module_scopes(app_names: Iterable[str]) -> dict[str, str]:
    """`OAUTH2_PROVIDER["SCOPES"]`: every module's scopes with their consent text; a name used twice is an error."""
    scopes: dict[str, str] = {}
    for spec in module_specs(app_names):
        for scope in spec.scopes:
            if scope.name in scopes:
                raise ValueError(f"OAuth scope {scope.name!r} is declared twice (module {spec.name})")
            scopes[scope.name] = scope.consent_text
    return scopes


def resolve_dotted(path: str) -> Any:
    """ "package.module:attribute" → the attribute (a router); "package.module" → the module."""
    module_name, _, attribute = path.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


def navigation_entries(specs: Iterable[ModuleSpec] | None = None) -> list[NavEntry]:
    """Every module's navigation entries, ordered for display."""
    specs = module_specs() if specs is None else tuple(specs)
    indexed = [(entry.order, position, entry) for position, spec in enumerate(specs) for entry in spec.navigation]
    return [entry for _, _, entry in sorted(indexed, key=lambda item: (item[0], item[1]))]
