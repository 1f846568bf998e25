"""A refresh run end to end: a real HTTP server on 127.0.0.1, real inbox folders, real DuckDB files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.services.refresh.run import run_sources
from monitor.services.refresh.sources import load_config
from monitor.store import queries, refresh_queries
from monitor.store.connection import Store
from refresh_helpers import LoopbackServer, Reply, csv_bytes, make_old, write_sources, xlsx_bytes

ROWS = (
    "compute-racks,,2025-12-31,24000,,",
    "good-air-days-ratio,,2025-07-31,95.2,,",
    "tourist-visits,,2025-06-30,250.5,,万人次",
)


def url_source(server: LoopbackServer, path: str, kind: str = "csv", extra: str = "", timeout: str = "1s") -> str:
    return f"""
[[sources]]
name = "feed"
kind = "{kind}"
url = "{server.url(path)}"
every = "1h"
timeout = "{timeout}"
retries = 2
backoff = "0.05s"
{extra}
"""


def refresh(store: Store, sources: Path, **kwargs: Any) -> Any:
    results = run_sources(store, load_config(sources), **kwargs)
    assert len(results) == 1
    return results[0]


def readings(store: Store, history: bool = True) -> list[tuple[Any, ...]]:
    with store.read() as con:
        return [(r.indicator_id, r.period_start, r.period_end, r.revision, r.value)
                for r in queries.list_readings(con, history=history)]


def runs(store: Store) -> list[dict[str, Any]]:
    with store.read() as con:
        return refresh_queries.list_runs(con)


def counts(store: Store) -> dict[str, int]:
    with store.read() as con:
        return queries.count_rows(con)


# ---------------------------------------------------------------- CSV, JSON, XLSX over HTTP


def test_csv_over_http_is_imported_and_the_run_recorded(fresh_db: Store, tmp_path: Path) -> None:
    before = len(readings(fresh_db))
    with LoopbackServer() as server:
        server.route("/stats.csv", Reply(body=csv_bytes(*ROWS)))
        result = refresh(fresh_db, write_sources(tmp_path, url_source(server, "/stats.csv")))
    assert result.outcome == "ok" and result.error is None
    assert (result.rows_seen, result.rows_new, result.rows_revised, result.rows_unchanged, result.rows_rejected) == (3, 3, 0, 0, 0)
    stored = readings(fresh_db)
    assert len(stored) == before + 3
    assert ("tourist-visits", date(2025, 6, 1), date(2025, 6, 30), 1, 2505000.0) in stored
    assert ("good-air-days-ratio", date(2025, 7, 1), date(2025, 7, 31), 1, 95.2) in stored
    [run] = runs(fresh_db)
    assert run["source"] == "feed" and run["outcome"] == "ok" and run["trigger"] == "cli"
    assert (run["rows_seen"], run["rows_new"], run["rows_rejected"], run["files"], run["attempts"]) == (3, 3, 0, 1, 1)
    assert run["started_at"] <= run["finished_at"] and run["error"] is None
    assert run["location"] == server.url("/stats.csv")


def test_json_over_http_with_a_records_path_and_a_column_mapping(fresh_db: Store, tmp_path: Path) -> None:
    document = {"code": 0, "data": {"items": [
        {"月份": "2025-07-31", "优良天数比例": "95.2%", "备注": "ignored"},
        {"月份": "2025-08-31", "优良天数比例": 96.1, "备注": "ignored"},
    ]}}
    extra = 'records = "data.items"\ncolumns = { "月份" = "period_end", "优良天数比例" = "value" }\n' \
            'defaults = { indicator_id = "good-air-days-ratio", source = "air-api" }'
    with LoopbackServer() as server:
        server.route("/air", Reply(body=json.dumps(document, ensure_ascii=False).encode(), content_type="application/json"))
        result = refresh(fresh_db, write_sources(tmp_path, url_source(server, "/air", "json", extra)))
    assert result.outcome == "ok" and result.rows_new == 2
    with fresh_db.read() as con:
        got = {(r.period_end, r.value, r.source) for r in queries.list_readings(con, "good-air-days-ratio")}
    assert {(date(2025, 7, 31), 95.2, "air-api"), (date(2025, 8, 31), 96.1, "air-api")} <= got


def test_xlsx_over_http(fresh_db: Store, tmp_path: Path) -> None:
    body = xlsx_bytes(["indicator_id", "period_end", "value", "unit"],
                      [["compute-racks", "2025-12-31", 2.6, "万架"], ["tourist-visits", "2025-06-30", 250.5, "万人次"]])
    with LoopbackServer() as server:
        server.route("/racks.xlsx", Reply(body=body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        result = refresh(fresh_db, write_sources(tmp_path, url_source(server, "/racks.xlsx", "xlsx")))
    assert result.outcome == "ok" and result.rows_new == 2
    assert ("compute-racks", date(2025, 12, 31), date(2025, 12, 31), 1, 26000.0) in readings(fresh_db)


def test_secret_headers_come_from_the_environment_and_are_never_stored(
    fresh_db: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = 'headers = { Authorization = { env = "FEED_TOKEN", prefix = "Bearer " }, Accept = "text/csv" }'
    with LoopbackServer() as server:
        server.route("/private.csv", lambda r: Reply(body=csv_bytes(*ROWS)) if r.headers.get("Authorization") == "Bearer s3cr3t-token"
                     else Reply(401, b"no", "text/plain"))
        sources = write_sources(tmp_path, url_source(server, "/private.csv", extra=extra))
        monkeypatch.delenv("FEED_TOKEN", raising=False)
        missing = refresh(fresh_db, sources)
        assert missing.failed and "FEED_TOKEN" in missing.error and not server.requests
        monkeypatch.setenv("FEED_TOKEN", "wrong-token")
        refused = refresh(fresh_db, sources)
        assert refused.failed and "HTTP 401" in refused.error
        assert len(server.hits("/private.csv")) == 1  # a 401 is not retried
        monkeypatch.setenv("FEED_TOKEN", "s3cr3t-token")
        assert refresh(fresh_db, sources).outcome == "ok"
        assert server.hits("/private.csv")[-1].headers["Accept"] == "text/csv"
    dumped = json.dumps(runs(fresh_db), default=str)
    assert "s3cr3t-token" not in dumped and "wrong-token" not in dumped


# ---------------------------------------------------------------- failures leave the store unchanged


@pytest.mark.parametrize(
    ("reply", "attempts", "message"),
    [
        (Reply(500, b"oops", "text/plain"), 3, "HTTP 500"),
        (Reply(503, b"busy", "text/plain"), 3, "HTTP 503"),
        (Reply(404, b"gone", "text/plain"), 1, "HTTP 404"),
        (Reply(body=csv_bytes(*ROWS), hold=True), 3, "within 0.3 s (after 3 attempts)"),  # answers only after the test
    ],
    ids=["500", "503", "404-not-retried", "timeout"],
)
def test_a_failing_server_fails_the_run_after_bounded_retries(
    fresh_db: Store, tmp_path: Path, reply: Reply, attempts: int, message: str
) -> None:
    before = counts(fresh_db)
    with LoopbackServer() as server:
        server.route("/stats.csv", reply)
        result = refresh(fresh_db, write_sources(tmp_path, url_source(server, "/stats.csv", timeout="0.3s")))
        assert len(server.hits("/stats.csv")) == attempts
    assert result.outcome == "failed" and message in result.error and result.attempts == attempts
    assert counts(fresh_db) == before  # no reading, no quarantined row
    [run] = runs(fresh_db)
    assert run["outcome"] == "failed" and message in run["error"] and run["attempts"] == attempts
    with fresh_db.read() as con:
        [event] = refresh_queries.list_events(con)
    assert event["kind"] == "source_failed" and message in json.loads(event["payload"])["error"]


def test_a_server_that_recovers_within_the_retries_gives_an_ok_run(fresh_db: Store, tmp_path: Path) -> None:
    with LoopbackServer() as server:
        server.route("/stats.csv", Reply(500), Reply(502), Reply(body=csv_bytes(*ROWS)))
        result = refresh(fresh_db, write_sources(tmp_path, url_source(server, "/stats.csv")))
        assert len(server.hits("/stats.csv")) == 3
    assert result.outcome == "ok" and result.attempts == 3 and result.rows_new == 3


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("csv", b"<html><body>Maintenance</body></html>"),
        ("csv", csv_bytes("compute-racks,2025-12-31", header="indicator_id,period_end")),  # no value column
        ("json", b'{"readings": [1, 2'),
        ("xlsx", b"PK\x03\x04 not really a workbook"),
    ],
    ids=["html-instead-of-csv", "missing-column", "truncated-json", "broken-xlsx"],
)
def test_malformed_content_fails_the_whole_run_and_writes_nothing(fresh_db: Store, tmp_path: Path, kind: str, body: bytes) -> None:
    before = counts(fresh_db)
    with LoopbackServer() as server:
        server.route("/feed", Reply(body=body))
        result = refresh(fresh_db, write_sources(tmp_path, url_source(server, "/feed", kind)))
        assert len(server.hits("/feed")) == 1  # content errors are not retried
    assert result.outcome == "failed" and result.error
    assert counts(fresh_db) == before


def test_the_same_refresh_twice_adds_nothing_and_a_changed_figure_is_a_revision(fresh_db: Store, tmp_path: Path) -> None:
    with LoopbackServer() as server:
        server.route("/stats.csv", Reply(body=csv_bytes(*ROWS)))
        sources = write_sources(tmp_path, url_source(server, "/stats.csv"))
        first = refresh(fresh_db, sources)
        after_first = readings(fresh_db)
        second = refresh(fresh_db, sources)
        assert readings(fresh_db) == after_first
        assert (second.outcome, second.rows_new, second.rows_revised, second.rows_unchanged) == ("ok", 0, 0, 3)
        server.route("/stats.csv", Reply(body=csv_bytes("compute-racks,,2025-12-31,24500,,", *ROWS[1:])))
        third = refresh(fresh_db, sources)
    assert first.rows_new == 3 and (third.rows_new, third.rows_revised, third.rows_unchanged) == (0, 1, 2)
    racks = [r for r in readings(fresh_db) if r[0] == "compute-racks" and r[2] == date(2025, 12, 31)]
    assert racks == [("compute-racks", date(2025, 12, 31), date(2025, 12, 31), 1, 24000.0),
                     ("compute-racks", date(2025, 12, 31), date(2025, 12, 31), 2, 24500.0)]
    assert [r["outcome"] for r in runs(fresh_db)] == ["ok", "ok", "ok"]


def test_invalid_rows_make_a_partial_run_and_are_quarantined(fresh_db: Store, tmp_path: Path) -> None:
    body = csv_bytes(ROWS[0], "good-air-days-ratio,,2025-07-31,130,,", "no-such-indicator,,2025-07-31,1,,")
    with LoopbackServer() as server:
        server.route("/stats.csv", Reply(body=body))
        result = refresh(fresh_db, write_sources(tmp_path, url_source(server, "/stats.csv")))
    assert result.outcome == "partial" and (result.rows_new, result.rows_rejected) == (1, 2)
    assert counts(fresh_db)["rejected_row"] == 2
    problems = result.reports[0]["problems"]
    assert any("plausible maximum" in p for p in problems) and any("unknown indicator" in p for p in problems)


# ---------------------------------------------------------------- inbox folders


def inbox_sources(tmp_path: Path, settle: str = "0.3s", extra: str = "") -> Path:
    return write_sources(tmp_path, f'[[sources]]\nname = "drop"\nkind = "csv"\npath = "inbox"\nevery = "1m"\nsettle = "{settle}"\n{extra}')


def test_inbox_files_are_imported_once_and_moved_with_their_report(fresh_db: Store, tmp_path: Path) -> None:
    sources = inbox_sources(tmp_path, extra='pattern = ["*.csv", "*.json"]\n')
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good, bad = inbox / "july.csv", inbox / "broken.json"
    good.write_bytes(csv_bytes(*ROWS))
    bad.write_text('{"readings": [', encoding="utf-8")
    (inbox / "~$july.xlsx").write_bytes(b"office lock file")  # never picked up
    for f in (good, bad):
        make_old(f)
    before = counts(fresh_db)
    result = refresh(fresh_db, sources)
    assert result.outcome == "partial" and result.files == 2 and result.rows_new == 3
    assert "broken.json" in result.error
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == ["~$july.xlsx"]
    report = json.loads((inbox / "processed" / "july.csv.report.json").read_text(encoding="utf-8"))
    assert (report["new"], report["rows"], report["source"], report["run_id"]) == (3, 3, "drop", result.id)
    assert (inbox / "processed" / "july.csv").read_bytes() == csv_bytes(*ROWS)
    failed = json.loads((inbox / "failed" / "broken.json.report.json").read_text(encoding="utf-8"))
    assert "not valid JSON" in failed["error"]
    assert counts(fresh_db)["reading"] == before["reading"] + 3
    # The next run finds nothing new; the same file dropped again is imported again, unchanged,
    # and kept beside the first copy.
    assert refresh(fresh_db, sources).files == 0
    again = inbox / "july.csv"
    again.write_bytes(csv_bytes(*ROWS))
    make_old(again)
    third = refresh(fresh_db, sources)
    assert (third.files, third.rows_unchanged, third.rows_new) == (1, 3, 0)
    assert len(list((inbox / "processed").glob("*july.csv"))) == 2
    assert counts(fresh_db)["reading"] == before["reading"] + 3


def test_an_inbox_of_only_unreadable_files_fails_the_run(fresh_db: Store, tmp_path: Path) -> None:
    sources = inbox_sources(tmp_path)
    (tmp_path / "inbox").mkdir()
    bad = tmp_path / "inbox" / "x.csv"
    bad.write_text("just,some\ntext,here\n", encoding="utf-8")
    make_old(bad)
    result = refresh(fresh_db, sources)
    # The header is the file's own text: the run log names the file, the row and the reason only.
    assert result.outcome == "failed" and result.error.startswith("x.csv, row 1: unknown column")
    assert "just" not in result.error
    assert (tmp_path / "inbox" / "failed" / "x.csv").exists()


def test_a_file_still_being_written_is_not_picked_up(fresh_db: Store, tmp_path: Path) -> None:
    sources = inbox_sources(tmp_path, settle="0.4s")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    target = inbox / "slow.csv"
    body = csv_bytes(*ROWS)
    half = len(body) // 2
    waits: list[float] = []
    with target.open("wb") as f:
        f.write(body[:half])
        f.flush()

        def writer_goes_on(seconds: float) -> None:
            # The inbox looks at the file twice, waiting ``settle`` in between; the writer meanwhile
            # writes more of it.
            waits.append(seconds)
            f.write(body[half : half + 10])
            f.flush()

        during = refresh(fresh_db, sources, sleep=writer_goes_on)
    assert waits == [0.4]
    assert during.files == 0 and during.outcome == "ok" and target.exists()
    # Finished (here: the rest written at once) and unchanged across the two looks: picked up whole.
    target.write_bytes(body)
    make_old(target)
    after = refresh(fresh_db, sources, sleep=waits.append)
    assert waits == [0.4, 0.4]
    assert after.files == 1 and after.rows_new == 3 and not target.exists()


# ---------------------------------------------------------------- statuses and events


def test_status_change_and_staleness_become_events_once(fresh_db: Store, tmp_path: Path) -> None:
    with LoopbackServer() as server:
        # The first half of 2025 revised from 91.7% to 93.5%: the ≥ 93% goal goes from not met to met.
        server.route("/air.csv", Reply(body=csv_bytes("good-air-days-ratio,2025-01-01,2025-06-30,93.5,,")))
        sources = write_sources(tmp_path, url_source(server, "/air.csv"))
        first = refresh(fresh_db, sources, as_of=date(2025, 7, 15))
        second = refresh(fresh_db, sources, as_of=date(2025, 7, 15))
        # A year later nothing new has come: the half-yearly compute goals are overdue.
        later = refresh(fresh_db, sources, as_of=date(2026, 7, 15))
        again = refresh(fresh_db, sources, as_of=date(2026, 7, 20))
    [change] = first.events
    assert (change["kind"], change["indicator_id"], change["old_status"], change["new_status"]) == (
        "status_changed", "good-air-days-ratio", "not_met", "met")
    payload = json.loads(change["payload"])
    assert payload["reading"]["value"] == 93.5 and payload["reading"]["revision"] == 2
    assert "93.5%" in payload["latest"]["en"] and "→" in payload["explanation"]["zh"]
    assert second.events == [] and again.events == []
    stale = {e["indicator_id"] for e in later.events if e["kind"] == "became_stale"}
    assert {"compute-racks", "compute-capacity", "green-power-share"} <= stale
    assert all(e["kind"] == "became_stale" for e in later.events)
    with fresh_db.read() as con:
        assert len(refresh_queries.list_events(con)) == 1 + len(later.events)
        assert len(refresh_queries.goal_statuses(con)) == 9  # one row per goal, however many runs


# ---------------------------------------------------------------- the CLI


def test_cli_refresh_runs_and_events(fresh_db: Store, db_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    with LoopbackServer() as server:
        server.route("/stats.csv", Reply(body=csv_bytes(*ROWS)))
        server.route("/down.csv", Reply(500))
        text = url_source(server, "/stats.csv") + url_source(server, "/down.csv").replace('name = "feed"', 'name = "down"')
        sources = str(write_sources(tmp_path, text))
        ok = runner.invoke(main, ["--db", str(db_path), "refresh", "--sources", sources, "--source", "feed"])
        assert ok.exit_code == 0, ok.output
        assert "feed: ok — 1 file(s), 3 rows: 3 new" in ok.output
        failed = runner.invoke(main, ["--db", str(db_path), "refresh", "--sources", sources])
        assert failed.exit_code == 1
        assert "down: failed" in failed.output and "HTTP 500" in failed.output
        unknown = runner.invoke(main, ["--db", str(db_path), "refresh", "--sources", sources, "--source", "nope"])
        assert unknown.exit_code == 3 and "no source named 'nope'" in unknown.output
    listed = runner.invoke(main, ["--db", str(db_path), "runs", "--sources", sources, "--json"])
    assert listed.exit_code == 0
    rows = json.loads(listed.output)
    assert [(r["source"], r["outcome"]) for r in rows] == [("down", "failed"), ("feed", "ok"), ("feed", "ok")]
    assert all(r["started_at"].endswith("Z") and "+08:00" in r["started_local"] for r in rows)
    table = runner.invoke(main, ["--db", str(db_path), "runs", "--sources", sources])
    assert "failed" in table.output and "error: source 'down': HTTP 500" in table.output
    events = runner.invoke(main, ["--db", str(db_path), "events", "--sources", sources, "--json", "--lang", "en"])
    assert events.exit_code == 0
    listed_events = json.loads(events.output)
    [failure] = [e for e in listed_events if e["kind"] == "source_failed"]
    assert failure["title"] == "Source refresh failed: down" and "HTTP 500" in failure["message"]
    # The feed's new compute-racks figure changed that goal's status: an event with its reading.
    [racks] = [e for e in listed_events if e["indicator_id"] == "compute-racks"]
    assert racks["kind"] == "status_changed" and racks["payload"]["reading"]["value"] == 24000.0


def test_cli_refresh_needs_an_initialised_database(db_path: Path, tmp_path: Path) -> None:
    sources = str(inbox_sources(tmp_path))
    result = CliRunner().invoke(main, ["--db", str(db_path), "refresh", "--sources", sources])
    assert result.exit_code == 4 and "run `monitor init` first" in result.output
    assert not db_path.exists()
    assert CliRunner().invoke(main, ["--db", str(db_path), "runs", "--sources", sources]).output.startswith("No refresh runs")


# ---------------------------------------------------------------- the dashboard page


def test_the_refresh_page_lists_sources_and_runs_one_now(
    fresh_db: Store, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    sources = inbox_sources(tmp_path)
    (tmp_path / "inbox").mkdir()
    dropped = tmp_path / "inbox" / "july.csv"
    dropped.write_bytes(csv_bytes(*ROWS))
    make_old(dropped)
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    monkeypatch.setenv("MONITOR_SOURCES", str(sources))
    page = Path(__file__).resolve().parent.parent / "dashboards" / "refresh_page.py"
    app = AppTest.from_file(str(page), default_timeout=30)
    app.run()
    assert not app.exception
    assert app.dataframe[0].value.iloc[0, 0] == "drop"
    assert any("尚无运行记录" in i.value for i in app.info)
    app.button(key="refresh_run_now").click().run()
    assert not app.exception
    assert any("drop: ok" in s.value for s in app.success)
    assert runs(fresh_db)[0]["trigger"] == "dashboard"
    assert not dropped.exists()


def test_the_example_inbox_sample_restates_the_briefing(fresh_db: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What `monitor up` does on a fresh clone, in a copy of the example so the repository stays clean.
    from monitor.services.refresh import run as run_module
    from monitor.services.refresh.fetch import stage_samples

    repo = Path(__file__).resolve().parent.parent
    assert run_module.stage_example_samples(load_config(write_sources(tmp_path, "", "other.toml"))) == []
    sample_dir = repo / "data" / "inbox-sample"
    staged = stage_samples(sample_dir, tmp_path / "inbox")
    assert [p.name for p in staged] == sorted(p.name for p in sample_dir.glob("*.csv"))
    assert not list((tmp_path / "inbox").glob(".*.tmp"))
    result = refresh(fresh_db, inbox_sources(tmp_path))
    # Every sample row is a figure of the briefing: a working refresh that invents nothing.
    assert (result.outcome, result.rows_new, result.rows_revised, result.rows_rejected) == ("ok", 0, 0, 0)
    assert result.rows_unchanged == result.rows_seen == 6
    assert stage_samples(sample_dir, tmp_path / "inbox", skip={p.name for p in staged}) == []
