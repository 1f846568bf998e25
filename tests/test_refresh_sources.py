"""The sources file: strict validation, secrets from the environment, where the file is looked for."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import pytest

from monitor.errors import ConfigError, NotFound
from monitor.services.refresh.sources import (
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


def test_the_example_standing_in_for_a_missing_sources_file_writes_under_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No sources file: the shipped example is used as if copied to data/sources.toml. Its inbox and
    # alert log are in the user's data/ folder, never in the package's folder (site-packages in a wheel).
    from monitor.services.refresh.sources import EXAMPLE_SOURCES

    monkeypatch.chdir(tmp_path)
    config = load_config(None)
    assert config.path == EXAMPLE_SOURCES and config.note and str(tmp_path / "data") in config.note
    (inbox,) = [s for s in config.sources if s.enabled]
    (log,) = [c for c in config.channels if c.type == "log"]
    assert inbox.path == tmp_path / "data" / "inbox"
    assert log.path == tmp_path / "data" / "alerts.log"
    assert config.allowed_base == (tmp_path / "data",)
    package = EXAMPLE_SOURCES.resolve().parent
    for path in (inbox.path, log.path):
        assert package not in path.parents and "site-packages" not in path.parts
    # Given by name, the same file keeps the rule of every sources file: paths start in its own folder.
    named = load_config(EXAMPLE_SOURCES)
    assert next(s for s in named.sources if s.enabled).path == package / "inbox"


def test_the_shipped_example_is_valid_and_has_an_enabled_inbox() -> None:
    config = load_config(REPO / "data" / "sources.example.toml")
    enabled = [s for s in config.sources if s.enabled]
    assert [s.name for s in enabled] == ["inbox"]
    inbox = enabled[0]
    assert inbox.is_inbox and inbox.path == REPO / "data" / "inbox" and inbox.run_on_start
    assert (REPO / "data" / "inbox" / ".gitkeep").exists()
    assert list((REPO / "data" / "inbox-sample").glob("*.csv"))
    assert config.timezone == "Asia/Shanghai"


# ---------------------------------------------------------------- issue 14: paths, patterns, hosts, schedules


def inbox_at(path: str, extra: str = "") -> str:
    return f'[[sources]]\nname = "drop"\nkind = "csv"\npath = {path!r}\nevery = "1m"\n{extra}'.replace("'", '"')


def refusal(tmp_path: Path, text: str, store: Path | str | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(write_sources(tmp_path, text), store=store)
    return str(caught.value)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        # System folders, refused on the path as written: nothing there is looked at.
        ("/", "is the root of the filesystem"),
        ("/etc", "is a system folder (/etc)"),
        ("../../../../../../../../etc", "is a system folder (/etc)"),
        ("/etc/monitor-inbox", "is inside a system folder (/etc)"),
        ("/usr/local/share/drops", "is inside a system folder (/usr)"),
        ("/proc/self/cwd", "is inside a system folder (/proc)"),
        ("/var/log", "is a system folder (/var/log)"),
        ("/home", "is a system or home folder itself"),
        ("/tmp", "is a system or home folder itself"),
        ("~", "is a system or home folder itself"),
    ],
)
def test_an_inbox_in_a_system_folder_is_refused_when_the_file_is_loaded(tmp_path: Path, path: str, message: str) -> None:
    text = refusal(tmp_path, inbox_at(path))
    assert text.startswith(f"{tmp_path / 'sources.toml'}: source 'drop': 'path' ") and message in text


def test_an_inbox_that_holds_the_store_or_a_parent_of_it_is_refused(tmp_path: Path) -> None:
    """The reproduction: path = "." next to the store moved the live store into failed/."""
    db = tmp_path / "data" / "monitor.duckdb"
    db.parent.mkdir()
    (tmp_path / "data" / "drops").mkdir()
    for path in (".", "./", "drops/..", str(db.parent)):
        text = refusal(tmp_path / "data", inbox_at(path), store=db)
        assert "holds the store" in text and "give the inbox a folder of its own" in text
    # A parent of the store's folder, inside an explicitly widened base.
    text = refusal(tmp_path / "data", f'allowed_base = "{tmp_path}"\n' + inbox_at(".."), store=db)
    assert "is a parent of the store's folder" in text
    # A symlink that leads to the store's folder is that folder.
    (tmp_path / "data" / "link").symlink_to(db.parent, target_is_directory=True)
    assert "holds the store" in refusal(tmp_path / "data", inbox_at("link"), store=db)
    # A folder of its own below the store's folder is the usual inbox (data/inbox).
    assert load_config(write_sources(tmp_path / "data", inbox_at("drops")), store=db).sources[0].is_inbox


def test_an_inbox_of_the_store_named_by_the_environment_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_DB", str(tmp_path / "monitor.duckdb"))
    assert "holds the store" in refusal(tmp_path, inbox_at("."))


def test_an_inbox_overlapping_a_ducklake_data_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_DATA_PATH", str(tmp_path / "lake"))
    for path in ("lake", "lake/inbox", "."):
        text = refusal(tmp_path, inbox_at(path), store="ducklake:postgres:dbname=x")
        assert "overlaps the DuckLake's data folder" in text


def test_paths_must_lie_inside_the_allowed_base(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "elsewhere").mkdir()
    conf = tmp_path / "conf"
    text = refusal(conf, inbox_at("../elsewhere/inbox"))
    assert f"is outside the allowed base ({conf})" in text and "allowed_base" in text
    # A symlink inside the base that leads out of it is outside.
    (conf / "escape").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert "is outside the allowed base" in refusal(conf, inbox_at("escape"))
    # A file source and a log channel too.
    assert "is outside the allowed base" in refusal(conf, inbox_at("../elsewhere/figures.csv"))
    log = '[[channels]]\nname = "log"\ntype = "log"\npath = "../elsewhere/alerts.log"\n'
    assert "channel 'log': 'path' '../elsewhere/alerts.log' is outside the allowed base" in refusal(conf, log)
    assert "is inside a system folder (/etc)" in refusal(conf, log.replace("../elsewhere/alerts.log", "/etc/passwd"))
    # Widened by an explicit setting only (a folder or a list, relative to the sources file).
    for setting in ('"../elsewhere"', f'["{tmp_path / "elsewhere"}", "."]'):
        config = load_config(write_sources(conf, f"allowed_base = {setting}\n" + inbox_at("../elsewhere/inbox")))
        assert config.sources[0].path.resolve() == (tmp_path / "elsewhere" / "inbox").resolve()
    assert "allowed_base: must be a folder path" in refusal(conf, "allowed_base = 3\n")


def test_a_file_source_is_a_reading_file_and_never_the_store(tmp_path: Path) -> None:
    db = tmp_path / "monitor.duckdb"
    db.write_bytes(b"")
    assert "a file source must be a .csv, .tsv, .txt, .json, .xlsx file" in refusal(tmp_path, inbox_at("figures.dat"))
    (tmp_path / "drops.v2").mkdir()  # an existing folder with a dot in its name is an inbox
    assert "holds" not in str(load_config(write_sources(tmp_path, inbox_at("drops.v2"))).sources[0].path)
    log = '[[channels]]\nname = "log"\ntype = "log"\npath = "monitor.duckdb.wal"\n'
    assert "is the store or one of its files" in refusal(tmp_path, log, store=db)


def test_inbox_patterns_default_to_the_kind_and_name_reading_files_only(tmp_path: Path) -> None:
    text = "".join(
        f'[[sources]]\nname = "{kind}"\nkind = "{kind}"\npath = "in-{kind}"\n' for kind in ("csv", "json", "xlsx")
    )
    config = load_config(write_sources(tmp_path, text))
    assert [s.pattern for s in config.sources] == [("*.csv", "*.tsv"), ("*.json",), ("*.xlsx",)]
    mixed = load_config(write_sources(tmp_path, inbox_at("in", 'pattern = ["*.CSV", "report-*.xlsx"]\n')))
    assert mixed.sources[0].pattern == ("*.CSV", "report-*.xlsx")
    for pattern, message in [
        ('"*"', "must end with the extension of a reading file"),
        ('"*.duckdb"', "must end with the extension of a reading file"),
        ('"*.csv.wal"', "must end with the extension of a reading file"),
        ('".*.csv"', "not a hidden name"),
        ('"../*.csv"', "no folder"),
        ('"sub/*.csv"', "no folder"),
        ("[]", "must be a file-name pattern"),
        ("3", "must be a file-name pattern"),
    ]:
        assert message in refusal(tmp_path, inbox_at("in", f"pattern = {pattern}\n")), pattern
    url = '[[sources]]\nname = "u"\nkind = "csv"\nurl = "https://x.org/a.csv"\npattern = "*.csv"\n'
    assert "'pattern' applies to inbox folders only" in refusal(tmp_path, url)


@pytest.mark.parametrize(
    ("host", "written"),
    [("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("127.1", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
     ("[::ffff:127.0.0.1]", "127.0.0.1"), ("2852039166", "169.254.169.254"), ("0xa9fea9fe", "169.254.169.254")],
)
def test_an_address_spelled_otherwise_than_plainly_is_refused(tmp_path: Path, host: str, written: str) -> None:
    text = refusal(tmp_path, f'[[sources]]\nname = "u"\nkind = "csv"\nurl = "http://{host}/a.csv"\n')
    assert f"source 'u': 'url' spells the address {written}" in text and f"write {written}" in text


def test_allow_hosts_names_hosts_of_url_sources(tmp_path: Path) -> None:
    base = '[[sources]]\nname = "u"\nkind = "csv"\nurl = "https://x.org/a.csv"\n'
    config = load_config(write_sources(tmp_path, base + 'allow_hosts = ["Files.Example.org", "cdn.example.org:8443"]\n'))
    assert config.sources[0].allow_hosts == ("files.example.org", "cdn.example.org:8443")
    for value, message in [
        ('["https://files.example.org/"]', "is not a host name"),
        ('["*.example.org"]', "is not a host name"),
        ('["x.org:99999"]', "has an invalid port"),
        ('["2130706433"]', "spells the address 127.0.0.1"),
        ('"files.example.org"', "must be a list of host names"),
    ]:
        assert message in refusal(tmp_path, base + f"allow_hosts = {value}\n"), value
    assert "'allow_hosts' applies to url sources only" in refusal(tmp_path, inbox_at("in", 'allow_hosts = ["x.org"]\n'))


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ('cron = "61 * * * *"', "'cron' minute field '61': the last value (61) is higher than the maximum value (59)"),
        ('cron = "*/0 * * * *"', "'cron' minute field '*/0': Increment must be higher than 0"),
        ('cron = "*/99 * * * *"', "'cron' minute field '*/99': the step value (99) is higher than the total range"),
        ('cron = "0 24 * * *"', "'cron' hour field '24'"),
        ('cron = "0 0 0 * *"', "'cron' day field '0'"),
        ('cron = "0 0 * 13 *"', "'cron' month field '13'"),
        ('cron = "0 0 * foo *"', "'cron' month field 'foo'"),
        ('cron = "0 0 31 2 *"', "'cron' '0 0 31 2 *' never fires"),
        ('cron = "0 0 30 2 *"', "never fires"),
        ('cron = "0 0 31 4,6,9,11 *"', "never fires"),
        ('cron = "0 9 13 * 5"', "restricts both the day of the month and the weekday"),
        ('every = "99999999999999w"', "'every' is too long (at most 3660d)"),
        ('every = "367d"', "'every' must be at most 366d"),
        ('every = "0.5s"', "'every' must be at least 1s"),
        ('every = "' + "9" * 5000 + 's"', "'every' is too long"),
        ('timeout = "99999999999999w"', "'timeout' is too long"),
        ("timeout = inf", "'timeout' is not a duration"),
        ("timeout = nan", "'timeout' is not a duration"),
        ('settle = "2h"', "'settle' is too long (at most 1h)"),
        ("backoff = 1e300", "'backoff' is too long"),
    ],
)
def test_a_schedule_the_scheduler_cannot_run_is_one_located_error(tmp_path: Path, schedule: str, message: str) -> None:
    """The loader validates with APScheduler's own triggers: what passes here, `monitor scheduler` runs."""
    text = refusal(tmp_path, f'[[sources]]\nname = "feed"\nkind = "csv"\nurl = "https://x.org/a.csv"\n{schedule}\n')
    assert text.startswith(f"{tmp_path / 'sources.toml'}: source 'feed': ") and message in text
    assert "(and" not in text  # one error for one mistake


def test_every_accepted_schedule_builds_a_trigger_that_fires(tmp_path: Path) -> None:
    from datetime import datetime

    from monitor.services.refresh import load_scheduler_module

    schedules = ['cron = "0 9 * * 1-5"', 'cron = "*/15 * * * *"', 'cron = "0 0 29 2 *"', 'cron = "0 0 last * *"',
                 'cron = "0 9 1 1 *"', 'cron = "30 2 * * sun"', 'every = "1s"', 'every = "366d"', 'every = "1h30m"']
    text = "".join(f'[[sources]]\nname = "s{n}"\nkind = "csv"\nurl = "https://x.org/a.csv"\n{s}\n'
                   for n, s in enumerate(schedules))
    config = load_config(write_sources(tmp_path, text))
    times = load_scheduler_module().next_run_times(config, datetime(2026, 12, 4, tzinfo=UTC))
    assert all(times[s.name] is not None for s in config.sources), times


def test_durations_are_bounded() -> None:
    for bad in ("99999999999999w", "9" * 400 + "s", float("inf"), float("nan"), 1e300):
        with pytest.raises(ValueError):
            parse_duration(bad)
