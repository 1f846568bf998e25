"""Alerts: a receiver on 127.0.0.1 records what each channel sends; every event is sent exactly once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from monitor.services.refresh.alerts import deliver_pending, dingtalk_signed_url, render
from monitor.services.refresh.run import run_sources
from monitor.services.refresh.sources import load_config
from monitor.store import refresh_queries
from monitor.store.connection import Store
from refresh_helpers import LoopbackServer, Reply, Request, csv_bytes, wait_for, write_sources

AIR_REVISED = csv_bytes("good-air-days-ratio,2025-01-01,2025-06-30,93.5,,")  # 91.7% → 93.5%: not met → met
DING_SECRET = "SECtest0123456789abcdef"
OK_JSON = Reply(body=b'{"errcode":0,"errmsg":"ok"}', content_type="application/json")


def dingtalk_receiver(secret: str) -> Any:
    """Answers like DingTalk: checks timestamp and sign against the secret on its own."""

    def answer(request: Request) -> Reply:
        query = parse_qs(request.query)
        timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
        expected = base64.b64encode(
            hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
        fresh = timestamp.isdigit() and abs(time.time() * 1000 - int(timestamp)) < 3_600_000
        if query.get("access_token") != ["robot-token"] or not fresh or sign != expected:
            return Reply(body=b'{"errcode":310000,"errmsg":"sign not match"}', content_type="application/json")
        return OK_JSON

    return answer


def config_text(server: LoopbackServer, tmp_path: Path, channels: str, feed: str = "/air.csv") -> str:
    return f"""
lang = "zh"
[[sources]]
name = "air"
kind = "csv"
url = "{server.url(feed)}"
every = "1h"
timeout = "1s"
retries = 1
backoff = "0.05s"
{channels}
"""


ALL_CHANNELS = """
[[channels]]
name = "hook"
type = "webhook"
url = "{base}/hook"
lang = "en"
headers = {{ Authorization = {{ env = "HOOK_TOKEN", prefix = "Bearer " }} }}
backoff = "0.05s"

[[channels]]
name = "wecom"
type = "wecom"
url = "{base}/wecom"
backoff = "0.05s"

[[channels]]
name = "ding"
type = "dingtalk"
url_env = "DING_URL"
secret_env = "DING_SECRET"
backoff = "0.05s"

[[channels]]
name = "file"
type = "log"
path = "alerts.log"
"""


@pytest.fixture
def robots(monkeypatch: pytest.MonkeyPatch) -> Any:
    with LoopbackServer() as server:
        server.route("/air.csv", Reply(body=AIR_REVISED))
        server.route("/hook", Reply(204))
        server.route("/wecom", OK_JSON)
        server.route("/ding/robot/send", dingtalk_receiver(DING_SECRET))
        monkeypatch.setenv("HOOK_TOKEN", "hook-secret")
        monkeypatch.setenv("DING_URL", server.url("/ding/robot/send?access_token=robot-token"))
        monkeypatch.setenv("DING_SECRET", DING_SECRET)
        yield server


def posts(server: LoopbackServer, path: str) -> list[Request]:
    return server.hits(path, "POST")


def test_each_channel_gets_the_event_once_in_its_own_shape(fresh_db: Store, tmp_path: Path, robots: LoopbackServer) -> None:
    sources = write_sources(tmp_path, config_text(robots, tmp_path, ALL_CHANNELS.format(base=robots.base)))
    [first] = run_sources(fresh_db, load_config(sources), as_of=date(2025, 7, 15))
    [event] = first.events
    assert event["kind"] == "status_changed"
    assert sorted((d["channel"], d["sent"]) for d in first.deliveries) == [
        ("ding", True), ("file", True), ("hook", True), ("wecom", True)]

    # Generic webhook: the documented JSON, in the channel's language, with the token from the environment.
    [hook] = posts(robots, "/hook")
    assert hook.headers["Authorization"] == "Bearer hook-secret"
    body = hook.json()
    assert body["schema"] == "indicator-monitor/alert-v1" and body["event_id"] == event["id"]
    assert body["kind"] == "status_changed" and body["lang"] == "en"
    assert body["goal"]["indicator_id"] == "good-air-days-ratio"
    assert body["goal"]["name"] == "Share of days with good air quality"
    assert (body["old_status"], body["new_status"]) == ("not_met", "met")
    assert body["old_status_text"].endswith("Not met") and body["new_status_text"].endswith("Met")
    assert body["reading"]["value"] == 93.5 and body["reading"]["revision"] == 2
    assert body["reading"]["period_end"] == "2025-06-30"
    assert body["explanation"].startswith("margin +0.5 pp")
    assert "93.5%" in body["text"] and body["occurred_at"].endswith("Z")

    # WeCom: {"msgtype": "markdown", "markdown": {"content": ...}}, in the file's language (zh).
    [wecom] = posts(robots, "/wecom")
    message = wecom.json()
    assert set(message) == {"msgtype", "markdown"} and message["msgtype"] == "markdown"
    content = message["markdown"]["content"]
    assert set(message["markdown"]) == {"content"}
    for part in ("空气质量优良天数比例", "未达标 → ✔ 达标", "与目标相差 +0.5个百分点", "93.5%", "第 2 版", "≥ 93%"):
        assert part in content, part

    # DingTalk: markdown with a title, signed (the receiver checked the signature on its own).
    [ding] = posts(robots, "/ding/robot/send")
    message = ding.json()
    assert message["msgtype"] == "markdown" and set(message["markdown"]) == {"title", "text"}
    assert message["markdown"]["title"] == "目标状态变化：空气质量优良天数比例"
    assert "93.5%" in message["markdown"]["text"]
    assert {"access_token", "timestamp", "sign"} <= set(parse_qs(ding.query))

    # The log file: one line naming the event.
    lines = (tmp_path / "alerts.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and event["id"] in lines[0] and "空气质量优良天数比例" in lines[0]

    # The same refresh again, and a delivery pass on its own: nothing is sent twice.
    [second] = run_sources(fresh_db, load_config(sources), as_of=date(2025, 7, 15))
    assert second.events == [] and second.deliveries == []
    assert deliver_pending(fresh_db, load_config(sources)) == []
    assert [len(posts(robots, p)) for p in ("/hook", "/wecom", "/ding/robot/send")] == [1, 1, 1]
    assert len((tmp_path / "alerts.log").read_text(encoding="utf-8").splitlines()) == 1
    with fresh_db.read() as con:
        deliveries = refresh_queries.list_deliveries(con)
    assert sorted((d["channel"], d["status"], d["attempts"]) for d in deliveries) == [
        ("ding", "sent", 1), ("file", "sent", 1), ("hook", "sent", 1), ("wecom", "sent", 1)]
    # A new event (the feed breaks) is sent, and only it.
    robots.route("/air.csv", Reply(500))
    [third] = run_sources(fresh_db, load_config(sources), as_of=date(2025, 7, 15))
    assert [e["kind"] for e in third.events] == ["source_failed"]
    assert [len(posts(robots, p)) for p in ("/hook", "/wecom", "/ding/robot/send")] == [2, 2, 2]
    assert posts(robots, "/hook")[-1].json()["error"].startswith("source 'air': HTTP 500")


def test_a_wrong_dingtalk_secret_is_refused_and_recorded_as_failed(
    fresh_db: Store, tmp_path: Path, robots: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DING_SECRET", "SECsomething-else")
    channel = '[[channels]]\nname = "ding"\ntype = "dingtalk"\nurl_env = "DING_URL"\nsecret_env = "DING_SECRET"\nretries = 1\nbackoff = "0.01s"\n'
    [run] = run_sources(fresh_db, load_config(write_sources(tmp_path, config_text(robots, tmp_path, channel))), as_of=date(2025, 7, 15))
    [delivery] = run.deliveries
    assert not delivery["sent"] and delivery["attempts"] == 2 and "errcode 310000" in delivery["error"]
    assert "robot-token" not in delivery["error"]  # the robot's URL is never shown with its token
    assert len(posts(robots, "/ding/robot/send")) == 2


def test_a_failing_receiver_is_retried_and_the_event_still_sent_once(fresh_db: Store, tmp_path: Path, robots: LoopbackServer) -> None:
    robots.route("/hook", Reply(500), Reply(503), Reply(200))
    channel = f'[[channels]]\nname = "hook"\ntype = "webhook"\nurl = "{robots.base}/hook"\nretries = 3\nbackoff = "0.01s"\n'
    sources = write_sources(tmp_path, config_text(robots, tmp_path, channel))
    [run] = run_sources(fresh_db, load_config(sources), as_of=date(2025, 7, 15))
    assert [(d["sent"], d["attempts"]) for d in run.deliveries] == [(True, 3)]
    assert len(posts(robots, "/hook")) == 3
    assert deliver_pending(fresh_db, load_config(sources)) == []
    assert len(posts(robots, "/hook")) == 3


def test_a_delivery_that_ran_out_of_retries_is_taken_again_by_the_next_pass(
    fresh_db: Store, tmp_path: Path, robots: LoopbackServer
) -> None:
    robots.route("/hook", Reply(502))
    channel = f'[[channels]]\nname = "hook"\ntype = "webhook"\nurl = "{robots.base}/hook"\nretries = 1\nbackoff = "0.01s"\n'
    sources = write_sources(tmp_path, config_text(robots, tmp_path, channel))
    [run] = run_sources(fresh_db, load_config(sources), as_of=date(2025, 7, 15))
    assert [(d["sent"], d["attempts"]) for d in run.deliveries] == [(False, 2)]
    robots.route("/hook", Reply(200))
    [again] = deliver_pending(fresh_db, load_config(sources))
    assert again["sent"] and again["event_id"] == run.events[0]["id"]
    assert deliver_pending(fresh_db, load_config(sources)) == []
    assert len(posts(robots, "/hook")) == 3
    with fresh_db.read() as con:
        [row] = refresh_queries.list_deliveries(con)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, None)


def test_two_senders_at_once_send_each_event_once(fresh_db: Store, tmp_path: Path, robots: LoopbackServer) -> None:
    robots.route("/hook", Reply(200, hold=True))  # the receiver holds each message until released
    channel = f'[[channels]]\nname = "hook"\ntype = "webhook"\nurl = "{robots.base}/hook"\n'
    sources = write_sources(tmp_path, config_text(robots, tmp_path, channel))
    config = load_config(sources)
    # Record events without delivering them, then race two delivery passes (two Store objects, as
    # two processes would have).
    from monitor.services.refresh.run import ensure_schema, run_source

    ensure_schema(fresh_db)
    run_source(fresh_db, config, config.source("air"), deliver=False, as_of=date(2025, 7, 15))
    robots.route("/air.csv", Reply(404))
    run_source(fresh_db, config, config.source("air"), deliver=False, as_of=date(2025, 7, 15))
    results: list[list[dict[str, Any]]] = []

    def sender() -> list[dict[str, Any]]:
        store = Store(fresh_db.path)
        try:
            return deliver_pending(store, config)
        finally:
            store.close()

    first = threading.Thread(target=lambda: results.append(sender()), daemon=True)
    first.start()
    try:
        # The first sender has claimed the events and its first message is in flight: the second
        # sender runs now, while the first one is sending.
        wait_for(lambda: posts(robots, "/hook"), 60, "the first sender's message")
        second = sender()
    finally:
        robots.release.set()
        first.join(60)
    assert second == []  # nothing left to claim: the first sender's events are not sent twice
    [batch] = results
    sent = [r["event_id"] for r in batch if r["sent"]]
    assert len(sent) == 2 and len(set(sent)) == 2
    assert sorted(r.json()["event_id"] for r in posts(robots, "/hook")) == sorted(sent)


def test_events_older_than_max_age_are_not_sent_to_a_new_channel(fresh_db: Store, tmp_path: Path, robots: LoopbackServer) -> None:
    plain = write_sources(tmp_path, config_text(robots, tmp_path, ""), "plain.toml")
    [run] = run_sources(fresh_db, load_config(plain), as_of=date(2025, 7, 15))
    assert len(run.events) == 1
    occurred = run.events[0]["occurred_at"]
    channel = f'[[channels]]\nname = "late"\ntype = "webhook"\nurl = "{robots.base}/hook"\nmax_age = "1h"\n'
    config = load_config(write_sources(tmp_path, config_text(robots, tmp_path, channel)))
    # Delivered on a clock two hours later: older than the channel's max_age, not sent ...
    assert deliver_pending(fresh_db, config, clock=lambda: occurred + timedelta(hours=2)) == []
    assert posts(robots, "/hook") == []
    # ... while within it, the same event is sent.
    [sent] = deliver_pending(fresh_db, config, clock=lambda: occurred + timedelta(minutes=59))
    assert sent["sent"] and sent["event_id"] == run.events[0]["id"] and len(posts(robots, "/hook")) == 1


def test_messages_in_both_languages_name_goal_statuses_evidence_and_reading(fresh_db: Store, tmp_path: Path, robots: LoopbackServer) -> None:
    config = load_config(write_sources(tmp_path, config_text(robots, tmp_path, "")))
    [run] = run_sources(fresh_db, config, as_of=date(2025, 7, 15))
    [event] = run.events
    title, markdown, plain = render(event, "en", config)
    assert title == "Goal status changed: Share of days with good air quality"
    assert "✖ Not met → ✔ Met" in plain and "**" in markdown and "**" not in plain
    assert "Why: margin +0.5 pp" in plain and "Latest reading: 93.5% (Jan–Jun 2025), source air.csv, revision 2" in plain
    assert "Target: ≥ 93% every year" in plain and "(Asia/Shanghai)" in plain
    title_zh, _, plain_zh = render(event, "zh", config)
    assert title_zh == "目标状态变化：空气质量优良天数比例"
    assert "最新数据：93.5%（2025年1—6月），来源 air.csv，第 2 版" in plain_zh


def test_dingtalk_signed_url_appends_timestamp_and_url_encoded_sign() -> None:
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc", "SECabc", 1700000000000)
    digest = hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
    expected = base64.b64encode(digest).decode().replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    assert url == f"https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000&sign={expected}"


def test_secrets_never_reach_the_database(fresh_db: Store, tmp_path: Path, robots: LoopbackServer) -> None:
    sources = write_sources(tmp_path, config_text(robots, tmp_path, ALL_CHANNELS.format(base=robots.base)))
    robots.route("/hook", Reply(401))
    run_sources(fresh_db, load_config(sources), as_of=date(2025, 7, 15))
    with fresh_db.read() as con:
        dumped = json.dumps([refresh_queries.list_deliveries(con), refresh_queries.list_events(con),
                             refresh_queries.list_runs(con)], default=str)
    for secret in ("hook-secret", "robot-token", DING_SECRET):
        assert secret not in dumped
    assert "HTTP 401" in dumped


HOSTILE_CHANNELS = """
[[channels]]
name = "hook"
type = "webhook"
url = "{base}/hook"
lang = "en"

[[channels]]
name = "wecom"
type = "wecom"
url = "{base}/wecom"

[[channels]]
name = "ding"
type = "dingtalk"
url = "{base}/ding"
lang = "en"

[[channels]]
name = "file"
type = "log"
path = "{log}"
"""


def test_stored_text_reaches_every_alert_format_as_text(cat_db: Store, tmp_path: Path) -> None:
    """Issue 14 item 7: a reading's source `![p](http://host/pixel.png)` went into the WeCom and
    DingTalk markdown as an image. Every name, unit, source, note, error and location is now escaped
    in each markdown format, and carried as written in the plain ones."""
    from markup_helpers import commonmark_html, flat, hostile_lines, hostile_rendering, rendered_text, seed_hostile

    log = tmp_path / "alerts.log"
    with LoopbackServer() as trap, LoopbackServer() as feed, LoopbackServer() as robots:
        robots.route("/hook", Reply(204))
        robots.route("/wecom", OK_JSON)
        robots.route("/ding", OK_JSON)
        channels = HOSTILE_CHANNELS.format(base=robots.base, log=log)
        sources = seed_hostile(cat_db, tmp_path, trap.base, feed, channels)
        deliver_pending(cat_db, load_config(sources))  # the event written directly, after the runs
        lines = hostile_lines(trap.base)
        bodies = {path: [json.loads(r.body) for r in posts(robots, path)] for path in ("/hook", "/wecom", "/ding")}
        assert all(len(b) >= 4 for b in bodies.values()), {k: len(v) for k, v in bodies.items()}
        markdowns = [b["markdown"] for b in bodies["/hook"]] + [b["markdown"]["content"] for b in bodies["/wecom"]]
        markdowns += [b["markdown"]["text"] for b in bodies["/ding"]]
        for markdown in markdowns:
            assert hostile_rendering(markdown) is None, markdown
        shown = " ".join(rendered_text(commonmark_html(m)) for m in markdowns)
        for line in lines:
            assert flat(line) in shown, f"{line!r} is in the alerts, as text"
        plain = " ".join(b["text"] + b["title"] for b in bodies["/hook"])
        titles = [b["markdown"]["title"] for b in bodies["/ding"]]
        assert all(line in plain for line in lines[:3]) and lines[0] in " ".join(titles), "plain text as written"
        written = log.read_text(encoding="utf-8")
        assert lines[0] in written and "HEAD2-MARK" in written
        assert trap.requests == []
