"""Every URL pattern of the site, read from the resolver, so that the security tests
(CSRF, the permission matrix) fail when a pattern is added without its row."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Pattern:
    name: str  # "namespace:name" in a namespace
    route: str
    callback: Any


def _walk(resolver: URLResolver, prefix: str, namespace: str | None) -> Iterator[Pattern]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = entry.name or ""
            yield Pattern(
                name=f"{namespace}:{name}" if namespace else name,
                route=prefix + str(entry.pattern),
                callback=entry.callback,
            )


def site_patterns() -> list[Pattern]:
    """Every pattern of the site. A pattern without a name fails here: the tests name
    their rows by it."""
    patterns = list(_walk(get_resolver(), "", None))
    # The admin's unnamed patterns are its redirects of old change URLs (GET only).
    unnamed = [p.route for p in patterns if not p.name or p.name.endswith(":")]
    assert [r for r in unnamed if not r.startswith("admin/")] == [], unnamed
    return [p for p in patterns if p.name and not p.name.endswith(":")]


def site_names(*, admin: bool = False) -> set[str]:
    """The names of the site's patterns (Django admin's own ones only if ``admin``)."""
    return {p.name for p in site_patterns() if admin or not p.name.startswith("admin:")}
