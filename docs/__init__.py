"""The methodology ships with the dashboard as the package ``dashboards.docs`` (pyproject.toml maps it here).

docs/methodology.md and docs/methodology.zh.md stay the single source; the Methodology page reads them
through importlib.resources, so a checkout (an editable install) and an installed wheel find them alike.
Nothing else in this folder is shipped.
"""
