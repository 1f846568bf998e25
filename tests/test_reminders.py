"""Submission reminders (issue 18 item 2): a job of the refresh service that tells an office's alert channel
N days before one of its readings falls due, each due date once, to real HTTP receivers on 127.0.0.1."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from monitor.errors import ConfigError
from monitor.services.refresh.reminders import remind
from monitor.services.refresh.sources import load_config
from monitor.store.connection import Store
from refresh_helpers import LoopbackServer, Reply, write_sources

ECOLOGY = "市生态环境局"
DATA = "市数据局"
# The seeded air series ends with June 2025; monthly, published 30 days after: July 2025 is due on 30 August.
DAY = date(2025, 8, 25)


def channels(base: str, days: int = 7) -> str:
    return f"""
lang = "zh"
[reminders]
days_before = {days}
cron = "0 9 * * *"

[[channels]]
name = "eco"
type = "webhook"
url = "{base}/eco"
lang = "en"
offices = ["{ECOLOGY}"]
backoff = "0.05s"

[[channels]]
name = "data-robot"
type = "wecom"
url = "{base}/data"
offices = ["{DATA}"]
backoff = "0.05s"

[[channels]]
name = "ops"
type = "webhook"
url = "{base}/ops"
backoff = "0.05s"
"""


@pytest.fixture
def receivers() -> Any:
    with LoopbackServer() as server:
        server.route("/eco", Reply(204))
        server.route("/ops", Reply(204))
        server.route("/data", Reply(body=b'{"errcode":0,"errmsg":"ok"}', content_type="application/json"))
        yield server


def test_an_office_channel_is_reminded_once_per_due_date(fresh_db: Store, tmp_path: Path, receivers: LoopbackServer) -> None:
    config = load_config(write_sources(tmp_path, channels(receivers.base)))
    first = remind(fresh_db, config, today=DAY, sleep=lambda s: None)
    eco = [r.json() for r in receivers.hits("/eco", "POST")]
    assert first["recorded"] >= 2 and len(eco) >= 2
    assert {p["kind"] for p in eco} == {"due_soon"} and {p["office"] for p in eco} == {ECOLOGY}
    air = next(p for p in eco if p["goal"]["indicator_id"] == "good-air-days-ratio")
    assert (air["period_start"], air["period_end"], air["due"]) == ("2025-07-01", "2025-07-31", "2025-08-30")
    assert air["title"] == "Reading due soon: Share of days with good air quality"
    assert "30 Aug" not in air["text"] and "2025-08-30 (in 5 days)" in air["text"] and ECOLOGY in air["text"]
    assert receivers.hits("/ops", "POST") == [], "a channel naming no office gets no reminder"
    for hit in receivers.hits("/data", "POST"):  # the other office's robot: only its own office's readings
        assert ECOLOGY not in hit.json()["markdown"]["content"]

    # The next runs (the same day again, the next day) record nothing and send nothing more.
    again = remind(fresh_db, config, today=DAY, sleep=lambda s: None)
    later = remind(fresh_db, config, today=date(2025, 8, 26), sleep=lambda s: None)
    assert again["recorded"] == 0 and later["recorded"] == 0
    assert again["deliveries"] == [] and later["deliveries"] == []
    assert len(receivers.hits("/eco", "POST")) == len(eco)


def test_no_reminder_outside_the_window_or_for_overdue_readings(fresh_db: Store, tmp_path: Path, receivers: LoopbackServer) -> None:
    config = load_config(write_sources(tmp_path, channels(receivers.base, days=3)))
    early = remind(fresh_db, config, today=DAY, sleep=lambda s: None)  # 5 days ahead, 3 days' notice
    overdue = remind(fresh_db, config, today=date(2025, 9, 5), sleep=lambda s: None)  # July is overdue then
    assert [r.json()["due"] for r in receivers.hits("/eco", "POST")] == [], (early, overdue)
    # Within the three days' notice: reminded, "in 2 days".
    notice = remind(fresh_db, config, today=date(2025, 8, 28), sleep=lambda s: None)
    sent = [r.json() for r in receivers.hits("/eco", "POST")]
    assert notice["recorded"] == 2 and [p["due"] for p in sent] == ["2025-08-30", "2025-08-30"]
    assert all("(in 2 days)" in p["text"] for p in sent)


def test_the_refresh_service_schedules_the_reminder_job(tmp_path: Path, fresh_db: Store) -> None:
    import scheduler

    with_offices = load_config(write_sources(tmp_path, channels("http://127.0.0.1:9")))
    jobs = {j.id for j in scheduler.build_scheduler(with_offices, str(fresh_db.path)).get_jobs()}
    assert jobs == {"reminders"}
    trigger = scheduler.build_reminder_trigger(with_offices)
    assert trigger is not None and "hour='9'" in str(trigger)
    plain = load_config(write_sources(tmp_path, '[[channels]]\nname = "ops"\ntype = "webhook"\nurl = "http://127.0.0.1:9/x"\n'))
    assert scheduler.build_reminder_trigger(plain) is None


@pytest.mark.parametrize(("text", "message"), [
    ("[reminders]\ndays_before = -1\n", "'days_before' must be a whole number of days"),
    ("[reminders]\ncron = \"61 * * * *\"\n", "reminders: 'cron' minute field"),
    ("[reminders]\nevery = \"1d\"\n", "reminders: unknown key 'every'"),
    ('[[channels]]\nname = "x"\ntype = "webhook"\nurl = "http://127.0.0.1:9/x"\noffices = "one"\n', "'offices' must be a list"),
])
def test_bad_reminder_settings_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write_sources(tmp_path, text))
