"""The settings spine: one declared table, read in one place, the docs generated from it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from monitor import settings
from monitor.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
# Variables whose NAME is chosen by the user per source or channel (sources file): read where a request is made.
PER_SOURCE_READERS = {"monitor/services/refresh/sources.py", "monitor/services/refresh/fetch.py", "monitor/services/refresh/alerts.py"}
# Facts of the operating system, not settings of the product: where Windows keeps its system folders.
OS_FACTS = {"monitor/services/refresh/policy.py": "_WINDOWS_TREES"}


def _environ_reads(path: Path) -> list[int]:
    """Lines of ``path`` that read os.environ / os.getenv (a subscript, .get, or getenv call)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                lines.append(node.lineno)
    return sorted(lines)


def test_only_the_settings_module_reads_the_environment() -> None:
    offenders = {}
    for folder in ("monitor", "dashboards"):
        for path in sorted((REPO / folder).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            if rel == "monitor/settings.py" or rel in PER_SOURCE_READERS:
                continue
            found = _environ_reads(path)
            if rel in OS_FACTS:
                text = path.read_text(encoding="utf-8").splitlines()
                found = [n for n in found if OS_FACTS[rel] not in text[n - 1]]
            # `monitor up` passes the environment on to its children (a copy, not a read of a setting).
            if rel == "monitor/cli.py" or rel.startswith("monitor/cli/"):
                text = path.read_text(encoding="utf-8").splitlines()
                found = [n for n in found if "dict(os.environ" not in text[n - 1]]
            if found:
                offenders[rel] = found
    assert offenders == {}


def test_the_check_itself_finds_a_read(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import os\nA = os.environ.get('X')\nB = os.getenv('Y')\n")
    assert _environ_reads(sample) == [2, 3]


def test_defaults_and_values_are_typed() -> None:
    assert settings.get("MONITOR_LOCK_TIMEOUT", {}) == 15.0
    assert settings.get("MONITOR_LOCK_TIMEOUT", {"MONITOR_LOCK_TIMEOUT": " 2.5 "}) == 2.5
    assert settings.get("MONITOR_DB", {}) == "data/monitor.duckdb"
    assert settings.get("MONITOR_SOURCES", {"MONITOR_SOURCES": ""}) is None


@pytest.mark.parametrize(("env", "value"), [
    ("MONITOR_LOCK_TIMEOUT", "soon"), ("MONITOR_LOCK_TIMEOUT", "-1"), ("MONITOR_LOCK_TIMEOUT", "nan"),
    ("MONITOR_SCHEDULER_LEASE", "1e400"), ("MONITOR_IMPORT_MEMORY", "lots"), ("MONITOR_LANG", "fr"),
])
def test_a_bad_value_names_the_variable(env: str, value: str) -> None:
    with pytest.raises(ConfigError, match=env):
        settings.get(env, {env: value})


def test_a_secret_is_never_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        settings.SETTINGS["MONITOR_EDITOR_PASSWORD_HASH"].__class__(
            "X_SECRET", "hash", None, "test", parse=lambda _t: (_ for _ in ()).throw(ValueError("bad")), secret=True
        ).read({"X_SECRET": "hunter2"})
    assert "hunter2" not in str(caught.value)


def test_the_store_reads_its_timeout_when_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.store.connection import Store

    monkeypatch.setenv("MONITOR_LOCK_TIMEOUT", "3.5")
    assert Store(tmp_path / "a.duckdb").timeout_s == 3.5
    monkeypatch.delenv("MONITOR_LOCK_TIMEOUT")
    assert Store(tmp_path / "a.duckdb").timeout_s == 15.0
    assert Store(tmp_path / "a.duckdb", timeout_s=1).timeout_s == 1


def test_docs_hold_the_generated_table() -> None:
    doc = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    assert settings.markdown_table() in doc, "run: python -m monitor.settings, and paste into docs/settings.md"


def test_both_backends_implement_the_store_interface(tmp_path: Path) -> None:
    import inspect

    from monitor.store.base import Store
    from monitor.store.connection import FileStore
    from monitor.store.lake import LakeStore

    for backend in (FileStore, LakeStore):
        assert issubclass(backend, Store) and not inspect.isabstract(backend), backend
    assert Store.__abstractmethods__ >= {"read", "write", "read_copy", "exclusive", "scratch", "init", "close", "exists", "path"}
    built = Store(tmp_path / "a.duckdb")
    assert type(built) is FileStore and built.backend == "file"
    lake = Store("ducklake:postgres:dbname=x host=127.0.0.1", data_path=tmp_path)
    assert type(lake) is LakeStore and lake.backend == "lake"  # built without connecting


# ---------------------------------------------------------------- the CLI: options and `monitor settings`

import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import click  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from monitor.cli import main  # noqa: E402
from monitor.cli.app import setting_help  # noqa: E402

# `monitor events --lang` picks the language of stored event messages (default: the sources file's),
# which MONITOR_LANG does not set: the one option named like a setting's that is not that setting's.
NOT_THE_SETTING = {("events", "--lang")}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for env in settings.SETTINGS:
        monkeypatch.delenv(env, raising=False)
    return monkeypatch


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = [(prefix or group.name or "", group)]
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # loads every command's module (monitor.cli.app.COMMAND_MODULES)
        command = group.get_command(ctx, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix} {name}".strip())
        else:
            found.append((f"{prefix} {name}".strip(), command))
    return found


def test_options_that_override_a_setting_take_name_and_help_from_the_table() -> None:
    by_option = {s.option: s for s in settings.SETTINGS.values() if s.option}
    assert set(by_option) == {"--db", "--sources", "--lease", "--lang"}
    seen = set()
    for name, command in _commands(main):
        for param in command.params:
            # click never reads the environment itself: monitor.settings is its one reader (and validator).
            assert param.envvar is None, (name, param.name)
            for opt in param.opts:
                if opt in by_option and (name, opt) not in NOT_THE_SETTING:
                    assert isinstance(param, click.Option) and param.help == setting_help(by_option[opt].env), (name, opt)
                    assert by_option[opt].env in param.help and by_option[opt].description in param.help
                    seen.add((name, opt))
    assert {("main", "--db"), ("status", "--db"), ("status", "--lang"), ("readings", "--lang"), ("up", "--sources"),
            ("refresh", "--sources"), ("scheduler", "--lease"), ("catalog import", "--db")} <= seen, seen


def test_an_option_absent_reads_the_setting_and_a_given_one_wins(runner: CliRunner, tmp_path: Path,
                                                                 clean_env: pytest.MonkeyPatch) -> None:
    db = tmp_path / "m.duckdb"
    assert runner.invoke(main, ["--db", str(db), "init", "--no-seed"]).exit_code == 0
    status = ["--db", str(db), "status", "--known-on", "2026-01-01"]
    assert "截至 2026-01-01" in runner.invoke(main, status).stdout  # the table's default: zh
    clean_env.setenv("MONITOR_LANG", "en")
    assert "As known on 2026-01-01" in runner.invoke(main, status).stdout
    assert "截至 2026-01-01" in runner.invoke(main, [*status, "--lang", "zh"]).stdout
    clean_env.setenv("MONITOR_LANG", "fr")  # validated by the table, not by click's Choice
    bad = runner.invoke(main, status)
    assert bad.exit_code == 2
    assert bad.stderr.splitlines() == ["Error: environment variable MONITOR_LANG='fr': must be zh or en"]


def test_settings_command_lists_every_setting_with_value_origin_and_description(runner: CliRunner,
                                                                               clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("MONITOR_LOCK_TIMEOUT", " 2.5 ")
    result = runner.invoke(main, ["settings"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0::2] == [
        "MONITOR_DB = data/monitor.duckdb  (default)",
        "MONITOR_DATA_PATH = (none)  (default)",
        "MONITOR_LOCK_TIMEOUT = 2.5  (environment)",
        "MONITOR_IMPORT_MEMORY = 160MB  (default)",
        "MONITOR_SOURCES = (none)  (default)",
        "MONITOR_SCHEDULER_LEASE = 15  (default)",
        "MONITOR_EDITOR_PASSWORD_HASH = (none)  (default)",
        "MONITOR_TIMEZONE = Asia/Shanghai  (default)",
        "MONITOR_LANG = zh  (default)",
        "MONITOR_JUMP_FACTOR = 5  (default)",
        "MONITOR_JUMP_POINTS = 20  (default)",
        "MONITOR_REVIEW = 0  (default)",
        "MONITOR_DEBUG = 0  (default)",
    ]
    assert lines[1::2] == [f"    {s.text}" for s in settings.SETTINGS.values()]


def test_settings_command_hides_secrets(runner: CliRunner, tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("MONITOR_EDITOR_PASSWORD_HASH", "scrypt$32768$8$1$c2FsdA$aHVudGVyMg")
    clean_env.setenv("MONITOR_DB", "ducklake:postgres:dbname=m host=127.0.0.1 password=hunter2")
    result = runner.invoke(main, ["settings"])
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output and "aHVudGVyMg" not in result.output
    assert "MONITOR_DB = (hidden)  (environment)" in result.stdout
    assert "MONITOR_EDITOR_PASSWORD_HASH = (hidden)  (environment)" in result.stdout
    given = runner.invoke(main, ["--db", str(tmp_path / "secret-name.duckdb"), "settings"])
    assert "MONITOR_DB = (hidden)  (option --db)" in given.stdout and "secret-name" not in given.output
    after = runner.invoke(main, ["settings", "--db", str(tmp_path / "secret-name.duckdb")])  # the option last
    assert "MONITOR_DB = (hidden)  (option --db)" in after.stdout


def test_settings_command_reports_a_malformed_value_as_the_usual_error(runner: CliRunner,
                                                                      clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("MONITOR_SCHEDULER_LEASE", "soon")
    result = runner.invoke(main, ["settings"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Error: environment variable MONITOR_SCHEDULER_LEASE='soon': could not convert string to float: 'soon'"]
    clean_env.setenv("MONITOR_SCHEDULER_LEASE", "4")
    assert runner.invoke(main, ["settings"]).exit_code == 0


def test_settings_command_json_in_a_real_process(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in settings.SETTINGS}
    env.update(MONITOR_SCHEDULER_LEASE="4", MONITOR_DEBUG="1", MONITOR_EDITOR_PASSWORD_HASH="pbkdf2_sha256$1$s$h")
    done = subprocess.run([sys.executable, "-m", "monitor.cli", "settings", "--json"], capture_output=True,
                          text=True, timeout=60, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["variable"] for r in rows] == list(settings.SETTINGS)
    by_name = {r["variable"]: r for r in rows}
    assert by_name["MONITOR_SCHEDULER_LEASE"] == {
        "variable": "MONITOR_SCHEDULER_LEASE", "value": 4.0, "from": "environment", "secret": False,
        "type": "seconds", "default": 15.0, "option": "--lease", "description": settings.SETTINGS["MONITOR_SCHEDULER_LEASE"].text,
    }
    assert by_name["MONITOR_DEBUG"]["value"] is True and by_name["MONITOR_LANG"]["value"] == "zh"
    assert by_name["MONITOR_EDITOR_PASSWORD_HASH"]["value"] == "(hidden)" and "pbkdf2" not in done.stdout
    assert (by_name["MONITOR_DB"]["value"], by_name["MONITOR_DB"]["from"]) == ("data/monitor.duckdb", "default")
    bad = subprocess.run([sys.executable, "-m", "monitor.cli", "settings", "--json"], capture_output=True, text=True,
                         timeout=60, env={**env, "MONITOR_LOCK_TIMEOUT": "-1", "MONITOR_DEBUG": "0"}, cwd=tmp_path)
    assert bad.returncode == 2 and bad.stdout == "" and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("Error: environment variable MONITOR_LOCK_TIMEOUT='-1': must be a number of seconds above 0")
