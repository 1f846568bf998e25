"""Checks of option values the library does not see as such: a domain, a day, a point in time.

A bad value is a click usage error naming the option (exit code 2), as click's own checks are.
Options that override a setting are built by monitor.cli.app.setting_option, from the settings table.
"""

from __future__ import annotations

from datetime import date, datetime

import click

DOMAIN_HELP = "Only this domain (tourism, ecology, digital, ...)."


def check_domain(domain: str | None) -> None:
    """A usage error unless ``domain`` is None or one of the catalogue's domains."""
    from monitor.files.catalog import DOMAINS

    if domain is not None and domain not in DOMAINS:
        raise click.BadParameter(f"'{domain}' is not a domain; use one of {', '.join(DOMAINS)}", param_hint="--domain")


def parse_day(value: str | None, name: str) -> date | None:
    """A YYYY-MM-DD option value as a date (None stays None)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date YYYY-MM-DD", param_hint=name) from None


def parse_known_on(value: str | None) -> date | datetime | None:
    """--known-on: a date (through the end of that day, UTC) or an ISO date-time (UTC unless it has an offset)."""
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
