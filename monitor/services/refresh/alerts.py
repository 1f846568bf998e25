"""Alerts: events sent to the configured channels, each (event, channel) at most once.

Channels: a generic JSON webhook (payload in docs/alerts.md), WeCom (企业微信) and DingTalk (钉钉)
group robots (markdown messages; DingTalk's optional signed secret), and a log file. A message names
the goal, the old and new status, the evidence (report.explanation) and the reading behind it, in the
channel's language (else the sources file's ``lang``).

Exactly-once, as far as a network allows: before sending, the (event, channel) pair is claimed in
the store under the exclusive write lock (a delivery row 'sending'); after the attempt it becomes
'sent' or 'failed'. A sent or in-flight pair is never claimed again, so two refreshes (or a refresh
and the scheduler) never send the same event twice; a failed one is tried again by later runs, up to
``max_attempts`` attempts. A process killed between claiming and recording leaves 'sending': that
event is not sent again (at most once rather than maybe twice).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from monitor import clock
from monitor.errors import MonitorError
from monitor.services.refresh.fetch import RETRY_STATUS, backoff_delay, request_headers
from monitor.services.refresh.sources import Channel, RefreshConfig, safe_url

log = logging.getLogger("monitor.services.refresh.alerts")

SCHEMA = "indicator-monitor/alert-v1"
WECOM_MAX_BYTES = 4096  # WeCom rejects markdown content longer than this
DINGTALK_MAX_BYTES = 18000
# Events about a source's run, not a goal: they carry the source, its location and an error text.
SOURCE_EVENTS = ("source_failed", "values_held", "readings_uncounted")

TEXT = {
    "zh": {
        "status_changed": "目标状态变化",
        "became_stale": "数据逾期",
        "source_failed": "数据源刷新失败",
        "values_held": "数值异常跳变，已暂扣",
        "held_rows": "{n} 个数值与上期相比跳变过大，已暂扣（用 monitor rejected 查看；确认无误后以 --accept-jumps 重新导入）",
        "uncounted_rows": "{n} 条数据已存入，但不计入任何目标",
        "more_rejected": "另有 {n} 条（见 monitor rejected）",
        "more_check": "另有 {n} 条（见 monitor check）",
        "readings_uncounted": "已存数据不计入任何目标",
        "why": "依据",
        "reading": "最新数据",
        "reading_from": "来源 {source}，第 {revision} 版",
        "target": "目标",
        "freshness": "数据时效",
        "overdue": "应于 {due} 前更新，已逾期 {days} 天",
        "status_now": "当前状态",
        "error": "错误",
        "location": "位置",
        "when": "时间",
        "run": "刷新任务 {source}（运行 {run}）",
        "workspace": "监测",
        "none": "无",
        "withdrawn_reading": "{by} 撤回了 {start}..{end} 的数据（{value}），原因：{reason}",
        "withdrawn_target": "{by} 撤回了目标 {target} 的第 {version} 版，原因：{reason}",
        "withdrawal": "撤回",
        "due_soon": "数据报送提醒",
        "office": "责任单位",
        "period": "数据期",
        "due": "应报日期",
        "due_in": "{due}（{days} 天后）",
        "due_today": "{due}（今天）",
        "reminder_job": "报送提醒（提前 {days} 天）",
    },
    "en": {
        "status_changed": "Goal status changed",
        "became_stale": "Data overdue",
        "source_failed": "Source refresh failed",
        "values_held": "Values held as implausible jumps",
        "held_rows": "{n} value(s) held as implausible jumps and quarantined (see monitor rejected; import them "
                     "again with --accept-jumps if right)",
        "uncounted_rows": "{n} reading(s) stored that count for no target",
        "more_rejected": "and {n} more (see monitor rejected)",
        "more_check": "and {n} more (see monitor check)",
        "readings_uncounted": "Readings stored that count for no target",
        "why": "Why",
        "reading": "Latest reading",
        "reading_from": "source {source}, revision {revision}",
        "target": "Target",
        "freshness": "Freshness",
        "overdue": "due by {due}, {days} days overdue",
        "status_now": "Status now",
        "error": "Error",
        "location": "Location",
        "when": "When",
        "run": "refresh of {source} (run {run})",
        "workspace": "Monitor",
        "none": "none",
        "withdrawn_reading": "{by} withdrew the reading of {start}..{end} ({value}), because: {reason}",
        "withdrawn_target": "{by} withdrew version {version} of target {target}, because: {reason}",
        "withdrawal": "withdrawal",
        "due_soon": "Reading due soon",
        "office": "Office",
        "period": "Period",
        "due": "Due",
        "due_in": "{due} (in {days} days)",
        "due_today": "{due} (today)",
        "reminder_job": "submission reminder ({days} days ahead)",
    },
}


def _payload(event: dict[str, Any]) -> dict[str, Any]:
    payload = event["payload"]
    return json.loads(payload) if isinstance(payload, str) else dict(payload)


def _occurred(event: dict[str, Any]) -> datetime:
    when = event["occurred_at"]
    if isinstance(when, str):
        when = datetime.fromisoformat(when.rstrip("Z"))
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _status(status: str | None, lang: str) -> str:
    from monitor.present.i18n import status_text

    return status_text(status, lang) if status else TEXT[lang]["none"]


def render(event: dict[str, Any], lang: str, config: RefreshConfig | None = None) -> tuple[str, str, str]:
    """(title, markdown, plain text) of an event in ``lang``.

    Every text that comes from the store, a source or a response (names, units, sources, errors,
    locations) is escaped in the markdown with monitor.present.i18n.escape_markdown, so that a reading's
    ``![p](http://host/pixel.png)`` reaches WeCom or DingTalk as those characters, never as an image
    or a link; the title and the plain text carry it as written.
    """
    from monitor.present.i18n import escape_markdown

    title = _title(event, lang)
    markdown = f"### {escape_markdown(title)}\n" + "\n".join(_lines(event, lang, config, escape_markdown, markdown=True))
    plain = title + "\n" + "\n".join(_lines(event, lang, config, str, markdown=False))
    return title, markdown, plain


def _title(event: dict[str, Any], lang: str) -> str:
    tx = TEXT[lang]
    p = _payload(event)
    kind = event["kind"]
    subject = p["source"] if kind in SOURCE_EVENTS else p["name"][lang]
    return f"{tx[kind]}：{subject}" if lang == "zh" else f"{tx[kind]}: {subject}"


def _source_error(p: dict[str, Any], kind: str, lang: str, esc: Callable[[Any], str]) -> str:
    """A source event's error in the message's language: held and uncounted rows are counted in this
    module's words, each located row as the import wrote it (escaped); a failure, or an event stored
    before payloads carried ``rows``, shows its error text as it is."""
    tx = TEXT[lang]
    rows = p.get("rows")
    if kind == "source_failed" or not isinstance(rows, list):
        return esc(p.get("error"))
    held = kind == "values_held"
    head = tx["held_rows" if held else "uncounted_rows"].format(n=esc(p.get("held" if held else "uncounted")))
    items = [esc(row) for row in rows]
    if p.get("more"):
        items.append(tx["more_rejected" if held else "more_check"].format(n=esc(p["more"])))
    sep, joint = ("：", "；") if lang == "zh" else (": ", "; ")
    return head + sep + joint.join(items)


def _lines(
    event: dict[str, Any], lang: str, config: RefreshConfig | None, esc: Callable[[Any], str], markdown: bool
) -> list[str]:
    """The message's lines, with ``esc`` applied to every value that is not this module's own text."""
    tx = TEXT[lang]
    p = _payload(event)
    kind = event["kind"]
    # The workspace's zone (monitor.clock), named, as every time shown; payloads keep UTC ('Z').
    when = _occurred(event).astimezone(clock.zone())
    zone = esc(clock.zone_name())
    when_text = f"{when:%Y-%m-%d %H:%M}（{zone}）" if lang == "zh" else f"{when:%Y-%m-%d %H:%M} ({zone})"
    colon = "：" if lang == "zh" else ": "
    lines: list[str] = []
    if kind == "due_soon":
        # A reminder (monitor.services.refresh.reminders): the office, the period it owes and when.
        days = p.get("days_left")
        due_line = tx["due_today" if days == 0 else "due_in"].format(due=esc(p.get("due")), days=esc(days))
        lines += [f"- {tx['office']}{colon}{esc(p.get('office'))}",
                  f"- {tx['period']}{colon}{esc(p['period'][lang])}",
                  f"- {tx['due']}{colon}{due_line}",
                  f"- {tx['when']}{colon}{when_text}{'，' if lang == 'zh' else ', '}"
                  f"{tx['reminder_job'].format(days=esc(p.get('days_before')))}"]
        if isinstance(p.get("workspace"), dict) and p["workspace"].get(lang):
            lines.append(f"- {tx['workspace']}{colon}{esc(p['workspace'][lang])}")
        return lines
    if kind in SOURCE_EVENTS:
        lines += [f"- {tx['error']}{colon}{_source_error(p, kind, lang, esc)}", f"- {tx['location']}{colon}{esc(p['location'])}"]
    else:
        if kind == "status_changed":
            change = f"{_status(p['old_status'], lang)} → {_status(p['new_status'], lang)}"
            lines.append(f"**{change}**" if markdown else change)
            w = p.get("withdrawal")
            if isinstance(w, dict):  # the change was a withdrawal's (monitor.services.withdraw): say so
                if w.get("what") == "target":
                    said = tx["withdrawn_target"].format(by=esc(w.get("by")), target=esc(w.get("target_id")),
                                                         version=esc(w.get("version")), reason=esc(w.get("reason")))
                else:
                    said = tx["withdrawn_reading"].format(by=esc(w.get("by")), start=esc(w.get("period_start")),
                                                          end=esc(w.get("period_end")), value=esc(w.get("value")),
                                                          reason=esc(w.get("reason")))
                lines.append(f"- {said}")
        else:
            lines.append(f"- {tx['status_now']}{colon}{_status(p['new_status'], lang)}")
            due, days = p.get("next_due"), p.get("days_overdue")
            if due and days is not None:
                lines.append(f"- {tx['freshness']}{colon}{tx['overdue'].format(due=esc(due), days=esc(days))}")
        lines.append(f"- {tx['why']}{colon}{esc(p['explanation'][lang])}")
        reading = p.get("reading")
        latest = esc(p["latest"][lang])
        if reading:
            latest += "，" if lang == "zh" else ", "
            latest += tx["reading_from"].format(
                source=esc(reading.get("source") or "—"), revision=esc(reading.get("revision")),
            )
        lines.append(f"- {tx['reading']}{colon}{latest}")
        lines.append(f"- {tx['target']}{colon}{esc(p['target'][lang])}")
    comma = "，" if lang == "zh" else ", "
    if event.get("run_id") is None and isinstance(p.get("withdrawal"), dict):
        run = tx["withdrawal"]
    else:
        run = tx["run"].format(source=esc(event.get("source") or p.get("run_source")), run=esc(event.get("run_id")))
    lines.append(f"- {tx['when']}{colon}{when_text}{comma}{run}")
    if isinstance(p.get("workspace"), dict) and p["workspace"].get(lang):
        # The workspace's title (the catalogue's, so user text: escaped like every other value).
        lines.append(f"- {tx['workspace']}{colon}{esc(p['workspace'][lang])}")
    return lines


def webhook_payload(event: dict[str, Any], lang: str, config: RefreshConfig | None = None) -> dict[str, Any]:
    """The generic webhook's JSON body (documented in docs/alerts.md)."""
    p = _payload(event)
    title, markdown, plain = render(event, lang, config)
    goal = None
    if event["kind"] not in SOURCE_EVENTS:
        goal = {"indicator_id": p["indicator_id"], "target_id": p["target_id"], "name": p["name"][lang],
                "name_zh": p["name"]["zh"], "name_en": p["name"]["en"], "unit": p["unit"]}
    return {
        "schema": SCHEMA,
        "event_id": event["id"],
        "kind": event["kind"],
        "occurred_at": _occurred(event).isoformat().replace("+00:00", "Z"),
        "run_id": event.get("run_id"),
        "source": event.get("source"),
        "lang": lang,
        "title": title,
        "text": plain,
        "markdown": markdown,
        "goal": goal,
        "old_status": p.get("old_status"),
        "new_status": p.get("new_status"),
        "old_status_text": _status(p.get("old_status"), lang) if goal else None,
        "new_status_text": _status(p.get("new_status"), lang) if goal else None,
        "stale": p.get("stale"),
        "explanation": p["explanation"][lang] if goal and "explanation" in p else None,
        "target": p["target"][lang] if goal and "target" in p else None,
        "ratio": p.get("ratio"),
        "margin": p.get("margin"),
        "evidence": p.get("evidence"),
        "reading": p.get("reading"),
        "error": p.get("error"),
        # due_soon only (else null): the office reminded, the period it owes and its due date.
        "office": p.get("office"),
        "period_start": p.get("period_start"),
        "period_end": p.get("period_end"),
        "due": p.get("due"),
    }


def _clip(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[: max_bytes - 3].decode("utf-8", errors="ignore") + "…"


def wecom_payload(event: dict[str, Any], lang: str, config: RefreshConfig | None = None) -> dict[str, Any]:
    _, markdown, _ = render(event, lang, config)
    return {"msgtype": "markdown", "markdown": {"content": _clip(markdown, WECOM_MAX_BYTES)}}


def dingtalk_payload(event: dict[str, Any], lang: str, config: RefreshConfig | None = None) -> dict[str, Any]:
    title, markdown, _ = render(event, lang, config)
    return {"msgtype": "markdown", "markdown": {"title": title, "text": _clip(markdown, DINGTALK_MAX_BYTES)}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")), URL-encoded (DingTalk's rule)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


# ---------------------------------------------------------------- sending


class SendError(Exception):
    def __init__(self, message: str, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


def _post(client: Any, url: str, body: dict[str, Any], headers: dict[str, str], shown: str, robot: bool) -> None:
    import httpx

    from monitor.services.refresh.transport import AddressRefused

    try:
        response = client.post(url, json=body, headers=headers)
    except AddressRefused as e:
        raise SendError(f"refused to connect to {shown}: {e}", retry=False) from None
    except httpx.TimeoutException:
        raise SendError(f"no response from {shown}", retry=True) from None
    except httpx.HTTPError as e:
        raise SendError(f"{type(e).__name__} from {shown}", retry=True) from None
    if response.status_code >= 300:
        raise SendError(f"HTTP {response.status_code} from {shown}", retry=response.status_code in RETRY_STATUS)
    if robot:
        # WeCom and DingTalk answer 200 with {"errcode": 0, "errmsg": "ok"}; anything else failed.
        try:
            answer = response.json()
        except ValueError:
            raise SendError(f"{shown} did not answer with JSON", retry=True) from None
        if not isinstance(answer, dict) or answer.get("errcode", 0) != 0:
            errmsg = answer.get("errmsg") if isinstance(answer, dict) else answer
            raise SendError(f"{shown} refused the message: errcode {answer.get('errcode') if isinstance(answer, dict) else '?'} {errmsg}", retry=True)


def _send_once(channel: Channel, event: dict[str, Any], lang: str, config: RefreshConfig, client: Any) -> None:
    if channel.type == "log":
        assert channel.path is not None
        _, _, plain = render(event, lang, config)
        line = f"{_occurred(event).isoformat().replace('+00:00', 'Z')} {event['kind']} {event['id']} " + " | ".join(plain.splitlines())
        try:
            channel.path.parent.mkdir(parents=True, exist_ok=True)
            with channel.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as e:
            raise SendError(f"cannot write {channel.path}: {e.strerror}", retry=False) from e
        return
    url = channel.resolved_url()
    shown = safe_url(url)
    headers: dict[str, str] = {}
    if channel.type == "webhook":
        headers, _ = request_headers(channel.headers, f"channel '{channel.name}'")
        body = webhook_payload(event, lang, config)
    elif channel.type == "wecom":
        body = wecom_payload(event, lang, config)
    else:
        body = dingtalk_payload(event, lang, config)
        secret = channel.secret()
        if secret:
            url = dingtalk_signed_url(url, secret, int(time.time() * 1000))
    _post(client, url, body, headers, shown, robot=channel.type in ("wecom", "dingtalk"))


def send(
    channel: Channel,
    event: dict[str, Any],
    config: RefreshConfig,
    client: Any = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bool, int, str | None]:
    """Send one event with the channel's retries; (sent, attempts made, last error)."""
    lang = channel.lang or config.lang
    attempts = 0
    error: str | None = None
    while attempts <= channel.retries:
        attempts += 1
        try:
            _send_once(channel, event, lang, config, client)
            return True, attempts, None
        except SendError as e:
            error = str(e)
            if not e.retry:
                break
        except MonitorError as e:  # a missing environment variable: retrying will not help
            error = str(e)
            break
        if attempts <= channel.retries:
            sleep(backoff_delay(channel.backoff, attempts))
    return False, attempts, error


def deliver_pending(
    store: Any,
    config: RefreshConfig,
    *,
    sleep: Callable[[float], None] = time.sleep,
    transport: Any = None,
    clock: Callable[[], datetime] | None = None,
) -> list[dict[str, Any]]:
    """Send every event not yet delivered to each channel; one result dict per attempt made.

    ``clock`` (naive UTC; default: now) stamps the deliveries and dates a channel's ``max_age``.
    """
    import httpx

    from monitor.services.refresh.run import utc_now
    from monitor.store import refresh_queries

    clock = clock or utc_now
    results = []
    for channel in config.channels:
        claim = uuid.uuid4().hex
        now = clock()
        with store.write() as con:
            events = refresh_queries.claim_deliveries(
                con, channel=channel.name, channel_type=channel.type, kinds=channel.events,
                since=now - channel.max_age, max_attempts=channel.max_attempts, claim=claim, now=now,
                offices=channel.offices,
            )
        if not events:
            continue
        if transport is None:  # the channel's timeout bounds each delivery as a whole (transport.py)
            from monitor.services.refresh.transport import GuardedTransport, environment_proxy

            url = channel.url or os.environ.get(channel.url_env or "", "")
            guarded = GuardedTransport(channel.timeout, per_request=True, proxy=environment_proxy(url))
        with httpx.Client(timeout=channel.timeout, transport=transport or guarded, trust_env=False) as client:
            for event in events:
                sent, attempts, error = send(channel, event, config, client, sleep)
                with store.write() as con:
                    refresh_queries.finish_delivery(
                        con, event_id=event["id"], channel=channel.name, claim=claim, sent=sent,
                        attempts=attempts, error=error, now=clock(),
                    )
                if sent:
                    log.info("alert %s sent to %s", event["id"], channel.name)
                else:
                    log.warning("alert %s to %s failed after %d attempts: %s", event["id"], channel.name, attempts, error)
                results.append({"event_id": event["id"], "kind": event["kind"], "channel": channel.name,
                                "sent": sent, "attempts": attempts, "error": error})
    return results
