"""Shipped data, installed as the package ``monitor.seed`` (pyproject.toml maps it to this folder).

The reviewed seed (briefing.yaml, with its source text in source/), the example refresh sources and the
sample inbox file are read through importlib.resources (``monitor.files.catalog``'s seed loader, the refresh
example), so a checkout and an installed wheel find them alike. Everything else in this folder (the
store, the inbox, backups, sources.toml) is the user's and is not shipped.
"""
