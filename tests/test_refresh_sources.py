"""The sources file: strict validation, secrets from the environment, where the file is looked for."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.errors import ConfigError, NotFound
from monitor.refresh.sources import (
    EnvHeader,
    crontab_weekdays,
    load_config,
    parse_duration,
    resolve_sources_path,
    safe_url,
)
from refresh_helpers import write_sources

REPO = Path(__file__).resolve().parent.parent

GOOD = """
timezone = "Asia/Shanghai"
lang = "en"

[[sources]]
name = "stats"
kind = "csv"
url = "https://stats.example.org/open/tourism.csv"
cron = "0 9 * * 1-5"
timeout = "20s"
retries = 2
backoff = 0.5
[sources.columns]
"统计期" = "period_end"
[sources.defaults]
indicator_id = "tourist-visits"
value = "1"
[sources.headers]
Authorization = { env = "STATS_TOKEN", prefix = "Bearer " }
Accept = "text/csv"

[[sources]]
name = "inbox"
kind = "xlsx"
path = "inbox"
every = "1h30m"

[[channels]]
name = "ding"
type = "dingtalk"
url_env = "DING_URL"
secret_env = "DING_SECRET"

[[channels]]
name = "log"
type = "log"
path = "alerts.log"
events = ["source_failed"]
"""


def test_a_valid_file_is_read_into_typed_sources(tmp_path: Path) -> None:
    config = load_config(write_sources(tmp_path, GOOD))
    assert config.timezone == "Asia/Shanghai" and config.lang == "en" and config.note is None
    stats, inbox = config.sources
    assert stats.url == "https://stats.example.org/open/tourism.csv" and stats.cron == "0 9 * * 1-5"
    assert stats.timeout == 20 and stats.retries == 2 and stats.backoff == 0.5
    assert stats.columns == {"统计期": "period_end"} and stats.defaults["indicator_id"] == "tourist-visits"
    assert stats.headers == {"Authorization": EnvHeader("STATS_TOKEN", "Bearer "), "Accept": "text/csv"}
    assert stats.uses_rows and not stats.is_inbox
    # Relative paths are relative to the sources file, not to the working directory.
    assert inbox.path == tmp_path.resolve() / "inbox" and inbox.is_inbox
    assert inbox.every == timedelta(hours=1, minutes=30) and inbox.schedule == "every 90m"
    ding, log = config.channels
    assert ding.url_env == "DING_URL" and ding.secret_env == "DING_SECRET"
    assert log.events == ("source_failed",) and log.path == tmp_path.resolve() / "alerts.log"
    with pytest.raises(NotFound, match="no source named 'nope'.*stats, inbox"):
        config.source("nope")


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ('urll = "https://x.org/a.csv"', "source 'bad': unknown key 'urll'"),
        ('url = "ftp://x.org/a.csv"', "source 'bad': 'url' must start with http:// or https://"),
        ('url = "https://user:pw@x.org/a.csv"', "must not contain a user name or password"),
        ('url = "https://x.org/a.csv?access_token=abc"', "carries a credential in its query (access_token)"),
        ('url = "https://x.org/a.csv"\npath = "inbox"', "give exactly one location"),
        ('url = "https://x.org/a.csv"\nevery = "soon"', "'every' 'soon' is not a duration"),
        ('url = "https://x.org/a.csv"\ncron = "0 9 * *"', "'cron' must have five fields"),
        ('url = "https://x.org/a.csv"\ncron = "0 9 * * 8"', "day of week 8 is out of range"),
        ('url = "https://x.org/a.csv"\ncron = "0 9 * * *"\nevery = "1h"', "'cron' or 'every', not both"),
        ('url = "https://x.org/a.csv"\ncolumns = { "数值" = "amount" }', "maps to 'amount', which is not one of"),
        ('url = "https://x.org/a.csv"\nheaders = { Authorization = "Bearer abc" }', "header 'Authorization' carries a credential"),
        ('url = "https://x.org/a.csv"\nheaders = { X-Api-Key = { env = "1BAD" } }', "'env' must name an environment variable"),
        ('url = "https://x.org/a.csv"\ntimeout = "-3s"', "'timeout'"),
        ('url = "https://x.org/a.csv"\nretries = 99', "'retries' must be at most 10"),
        ('url = "https://x.org/a.csv"\nrun_on_start = "yes"', "'run_on_start' must be true or false"),
        ('path = "inbox"\nrecords = "data.items"', "'records'"),
    ],
)
def test_an_invalid_source_is_an_error_naming_the_key_and_the_source(tmp_path: Path, snippet: str, message: str) -> None:
    text = f'[[sources]]\nname = "bad"\nkind = "csv"\n{snippet}\n'
    with pytest.raises(ConfigError) as caught:
        load_config(write_sources(tmp_path, text))
    assert message in str(caught.value)
    assert str(tmp_path / "sources.toml") in str(caught.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = """
colour = "blue"
[[sources]]
name = "a"
kind = "pdf"
path = "x"
[[sources]]
name = "a"
kind = "csv"
path = "y"
[[channels]]
name = "w"
type = "webhook"
url = "https://hooks.example.org/x?key=123"
"""
    with pytest.raises(ConfigError) as caught:
        load_config(write_sources(tmp_path, text))
    message = str(caught.value)
    assert "unknown top-level key 'colour'" in message
    assert "source 'a': 'kind' must be one of csv, json, xlsx" in message
    assert "channel 'w': 'url' carries a credential in its query (key)" in message


def test_robot_urls_with_their_key_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = '[[channels]]\nname = "wecom"\ntype = "wecom"\nurl_env = "WECOM_URL"\n'
    channel = load_config(write_sources(tmp_path, text)).channels[0]
    monkeypatch.delenv("WECOM_URL", raising=False)
    with pytest.raises(ConfigError, match="WECOM_URL .* is not set"):
        channel.resolved_url()
    monkeypatch.setenv("WECOM_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET-KEY")
    assert channel.resolved_url().endswith("key=SECRET-KEY")
    assert "SECRET-KEY" not in safe_url(channel.resolved_url())
    monkeypatch.setenv("WECOM_URL", "file:///etc/passwd")
    with pytest.raises(ConfigError, match="must start with http"):
        channel.resolved_url()


def test_channel_validation(tmp_path: Path) -> None:
    text = """
[[channels]]
name = "log"
type = "log"
url = "https://x.org/"
[[channels]]
name = "ding"
type = "dingtalk"
url = "https://x.org/robot"
events = ["everything"]
lang = "fr"
"""
    with pytest.raises(ConfigError) as caught:
        load_config(write_sources(tmp_path, text))
    message = str(caught.value)
    assert "channel 'log': a log channel needs 'path'" in message
    assert "channel 'log': 'url' does not apply to a log channel" in message
    assert "channel 'ding': 'events' must be a non-empty list" in message
    assert "channel 'ding': 'lang' must be 'zh' or 'en'" in message


def test_bad_toml_and_bad_timezone(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(write_sources(tmp_path, "[[sources]\n"))
    with pytest.raises(ConfigError, match="timezone: 'Mars/Olympus' is not an IANA time zone"):
        load_config(write_sources(tmp_path, 'timezone = "Mars/Olympus"\n'))


def test_durations_and_crontab_weekdays() -> None:
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("6h") == timedelta(hours=6)
    assert parse_duration("1d12h") == timedelta(hours=36)
    assert parse_duration(2.5) == timedelta(seconds=2.5)
    for bad in ("", "6", "6x", "h", "0s", True):
        with pytest.raises(ValueError):
            parse_duration(bad)
    # crontab counts from Sunday = 0 (and 7); APScheduler 3 from Monday = 0: spelled out as names.
    assert crontab_weekdays("*") == "*"
    assert crontab_weekdays("1-5") == "mon,tue,wed,thu,fri"
    assert crontab_weekdays("0") == crontab_weekdays("7") == "sun"
    assert crontab_weekdays("*/2") == "sun,tue,thu,sat"
    assert crontab_weekdays("mon-fri") == "mon-fri"


def test_where_the_sources_file_is_looked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    # Nothing here: the repository's example, with a note saying so.
    path, note = resolve_sources_path(None)
    assert path == REPO / "data" / "sources.example.toml" and note and "sources.example.toml" in note
    # data/sources.toml in the working directory wins over the example.
    (tmp_path / "data").mkdir()
    write_sources(tmp_path / "data", "", "sources.toml")
    assert resolve_sources_path(None) == (Path("data") / "sources.toml", None)
    # MONITOR_SOURCES wins over data/sources.toml, and --sources over both.
    env_file = write_sources(tmp_path, "", "env.toml")
    monkeypatch.setenv("MONITOR_SOURCES", str(env_file))
    assert resolve_sources_path(None)[0] == env_file
    cli_file = write_sources(tmp_path, "", "cli.toml")
    assert resolve_sources_path(str(cli_file))[0] == cli_file
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_sources_path(str(tmp_path / "missing.toml"))


def test_the_shipped_example_is_valid_and_has_an_enabled_inbox() -> None:
    config = load_config(REPO / "data" / "sources.example.toml")
    enabled = [s for s in config.sources if s.enabled]
    assert [s.name for s in enabled] == ["inbox"]
    inbox = enabled[0]
    assert inbox.is_inbox and inbox.path == REPO / "data" / "inbox" and inbox.run_on_start
    assert (REPO / "data" / "inbox" / ".gitkeep").exists()
    assert list((REPO / "data" / "inbox-sample").glob("*.csv"))
    assert config.timezone == "Asia/Shanghai"
