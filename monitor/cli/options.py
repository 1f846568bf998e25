"""Checks of option values the library does not see as such: a domain, a day, a point in time.

A bad value is a click usage error naming the option (exit code 2), as click's own checks are.
Options that override a setting are built by monitor.cli.app.setting_option, from the settings table.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click

DOMAIN_HELP = "Only this domain (an id the catalogue declares; `monitor status` lists them)."


def check_domain(domain: str | None, store: Any = None) -> None:
    """A usage error unless ``domain`` is None or one of the store's domains (the catalogue's, in its
    order; the default domains when the store declares none or does not exist yet)."""
    if domain is None:
        return
    from monitor.files.catalog import read_profile
    from monitor.model import Profile

    profile = read_profile(store) if store is not None and store.exists else Profile()
    ids = [d.id for d in profile.domains]
    if domain not in ids and store is not None and store.exists:
        from monitor.present.views import indicator_rows

        # an undeclared domain indicators still use (a later catalogue replaced the domains) is one too
        ids += [d for d in dict.fromkeys(r["domain"] for r in indicator_rows(store)) if d not in ids]
    if domain not in ids:
        raise click.BadParameter(f"'{domain}' is not a domain; use one of {', '.join(ids)}", param_hint="--domain")


def check_source(source: str | None, store: Any) -> None:
    """A usage error unless ``source`` is None or the id of one of the store's source documents (listed)."""
    if source is None:
        return
    from monitor.files.catalog import read_profile

    ids = [s.id for s in read_profile(store).sources] if store is not None and store.exists else []
    if source not in ids:
        shown = ", ".join(ids) if ids else "none (the catalogue declares no `sources:`)"
        raise click.BadParameter(f"'{source}' is not a source document; use one of {shown}", param_hint="--source")


def parse_day(value: str | None, name: str) -> date | None:
    """A YYYY-MM-DD option value as a date (None stays None)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date YYYY-MM-DD", param_hint=name) from None


def parse_known_on(value: str | None) -> date | datetime | None:
    """--known-on: a date (through the end of that day in the workspace's zone) or an ISO date-time (UTC unless it has an offset)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date YYYY-MM-DD or a UTC time YYYY-MM-DDTHH:MM",
                                 param_hint="--known-on") from None
