"""`monitor up`: the whole product (the refresh scheduler and the dashboard) as two child processes.

The children are `python -m scheduler` and `python -m streamlit run dashboards/app.py`; both get the
store's location through MONITOR_DB in their environment (not their arguments: a lake's may hold a
password, and any local user can read a process's arguments). Ctrl-C stops both.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from monitor.cli.app import main, setting_option, store
from monitor.cli.output import echo
from monitor.errors import MonitorError


def _dashboard_command(db: str, address: str, port: int) -> list[str]:
    # The app is the installed `dashboards` package's entry, found by import (a checkout and a wheel alike);
    # Streamlit takes a script path, not a module name.
    import importlib.util

    spec = importlib.util.find_spec("dashboards.app")
    if spec is None or spec.origin is None:
        raise MonitorError("the dashboard is not installed (the dashboards package is missing): reinstall indicator-monitor")
    return [
        sys.executable, "-m", "streamlit", "run", spec.origin,
        "--server.address", address, "--server.port", str(port),
        # What .streamlit/config.toml says, on the command line, so that an installed copy started from any
        # folder behaves alike: no e-mail prompt, no browser to open on a server, no usage statistics sent,
        # no developer menu for viewers, an error's type without its stack, the upload limit the import
        # page states.
        "--server.headless", "true", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
        "--client.showErrorDetails", "type", "--server.maxUploadSize", "20", "--server.runOnSave", "false",
    ]


def _sleep(seconds: float) -> None:
    import time

    time.sleep(seconds)


@main.command()
@click.option("--address", default="127.0.0.1", show_default=True, help="Address the dashboard listens on.")
@click.option("--port", default=8501, show_default=True, type=int)
@setting_option("MONITOR_SOURCES", "sources", type=click.Path(dir_okay=False))
@click.option("--no-scheduler", is_flag=True, help="Serve the dashboard only.")
@click.pass_context
def up(ctx: click.Context, address: str, port: int, sources: str | None, no_scheduler: bool) -> None:
    """Run the whole product: the refresh scheduler and the dashboard, until Ctrl-C stops both."""
    import os
    import subprocess

    from monitor.files.catalog import init_store

    target = store(ctx)
    created = not target.exists
    if created:
        result = init_store(target)
        echo(f"Created {result['database']} with {result['indicators_new']} indicators from the catalogue.")
    from monitor.store.connection import is_lake

    # What the children open: the file's absolute path, or the ducklake: location as given.
    location = target.location if is_lake(target.location) else str(Path(target.location).resolve())
    env = dict(os.environ, MONITOR_DB=location)
    children: list[subprocess.Popen[bytes]] = []
    scheduler: subprocess.Popen[bytes] | None = None
    if not no_scheduler:
        from monitor.services.refresh.run import stage_example_samples
        from monitor.services.refresh.sources import load_config

        config = load_config(sources)
        if sources:
            env["MONITOR_SOURCES"] = str(Path(sources).resolve())
        if created:
            stage_example_samples(config)
        scheduler = subprocess.Popen(
            # The location goes by MONITOR_DB in the environment, not the command line: a lake's may
            # hold a password, and any local user can read a process's arguments.
            [sys.executable, "-m", "scheduler", *(["--sources", sources] if sources else [])], env=env
        )
        children.append(scheduler)
    dashboard = subprocess.Popen(_dashboard_command(location, address, port), env=env)
    children.append(dashboard)
    echo(f"Dashboard: http://{address}:{port}  (database {target.path}; Ctrl-C stops everything)")
    try:
        while dashboard.poll() is None:
            if scheduler is not None and scheduler.poll() is not None:
                echo(f"The scheduler stopped (exit code {scheduler.returncode}); see its messages above.", err=True)
                scheduler = None
            _sleep(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
    sys.exit(0)
