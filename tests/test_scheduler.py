"""scheduler.py in real subprocesses: runs on schedule, stops cleanly on SIGTERM, one active per database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.services.refresh import load_scheduler_module
from monitor.services.refresh.sources import Source, load_config
from monitor.store.connection import Store
from refresh_helpers import LoopbackServer, Reply, csv_bytes, make_old, runs, wait_for, write_sources

REPO = Path(__file__).resolve().parent.parent
SCHEDULER = REPO / "scheduler.py"
UTC = UTC


def start(db: Path, sources: Path, *args: str, cli: bool = False, log: Path | None = None) -> subprocess.Popen[str]:
    """The scheduler in a subprocess; its log (stderr) in a pipe, or in ``log`` to be read while it runs."""
    command = ([sys.executable, "-m", "monitor.cli", "--db", str(db), "scheduler", "--sources", str(sources)] if cli
               else [sys.executable, str(SCHEDULER), "--db", str(db), "--sources", str(sources), *args])
    env = {k: v for k, v in os.environ.items() if k not in ("MONITOR_DB", "MONITOR_SOURCES")}
    if log is None:
        return subprocess.Popen(command, cwd=db.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with log.open("w") as out:
        return subprocess.Popen(command, cwd=db.parent, env=env, stdout=subprocess.DEVNULL, stderr=out, text=True)


def stop(process: subprocess.Popen[str], log: Path | None = None) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=20)
    return process.returncode, log.read_text() if log is not None else stderr


INBOX = '[[sources]]\nname = "drop"\nkind = "csv"\npath = "inbox"\nevery = "1s"\nsettle = "0.1s"\n'


def test_the_scheduler_runs_every_second_and_stops_cleanly_on_sigterm(fresh_db: Store, db_path: Path, tmp_path: Path) -> None:
    sources = write_sources(tmp_path, INBOX)
    (tmp_path / "inbox").mkdir()
    dropped = tmp_path / "inbox" / "racks.csv"
    dropped.write_bytes(csv_bytes("compute-racks,,2025-12-31,24000,,"))
    make_old(dropped)
    fresh_db.close()
    process = start(db_path, sources)
    try:
        wait_for(lambda: len(runs(db_path)) >= 3, 20, "three scheduled runs")
    finally:
        code, stderr = stop(process)
    assert code == 0, stderr
    assert "SIGTERM received: stopping after the running job" in stderr and "scheduler stopped" in stderr
    history = runs(db_path)
    assert all(r["source"] == "drop" and r["trigger"] == "scheduler" and r["outcome"] == "ok" for r in history)
    # The dropped file was imported by exactly one run; the later runs found nothing new.
    assert sorted(r["files"] for r in history)[-1] == 1 and sum(r["files"] for r in history) == 1
    assert (tmp_path / "inbox" / "processed" / "racks.csv").exists()
    # One after the other (the job runs every second: test_jobs_have_ids_coalesce_one_instance_and_run_late).
    spans = sorted((r["started_at"], r["finished_at"]) for r in history)
    assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False)), spans
    # The lock is released with the process: a new scheduler can start.
    again = start(db_path, sources)
    wait_for(lambda: len(runs(db_path)) > len(history), 20, "a run of the restarted scheduler")
    assert stop(again)[0] == 0


def test_sigterm_waits_for_the_running_job(fresh_db: Store, db_path: Path, tmp_path: Path) -> None:
    fresh_db.close()
    log = tmp_path / "scheduler.log"
    with LoopbackServer() as server:
        server.route("/slow.csv", Reply(body=csv_bytes("compute-racks,,2025-12-31,24000,,"), hold=True))
        sources = write_sources(tmp_path, f'[[sources]]\nname = "slow"\nkind = "csv"\nurl = "{server.url("/slow.csv")}"\n'
                                          'every = "1h"\nrun_on_start = true\ntimeout = "60s"\n')
        process = start(db_path, sources, log=log)
        try:
            assert server.received.wait(60), "the job never fetched"
            # The server holds its answer back until the scheduler has taken the signal.
            process.send_signal(signal.SIGTERM)
            wait_for(lambda: "SIGTERM received" in log.read_text(), 60, "the scheduler to take the signal")
        finally:
            server.release.set()
            code, stderr = stop(process, log)
    assert code == 0, stderr
    [run] = runs(db_path)
    assert run["outcome"] == "ok" and run["rows_new"] == 1 and run["finished_at"] is not None
    # In that order: the signal, the job's end, the scheduler's end.
    order = [stderr.index(s) for s in ("SIGTERM received", f"run {run['id']} slow: ok", "scheduler stopped")]
    assert order == sorted(order), stderr


def test_a_second_scheduler_for_the_same_database_waits_as_a_standby(fresh_db: Store, db_path: Path, tmp_path: Path) -> None:
    # One active scheduler per store through the lease (tests/test_leader.py has the takeovers).
    sources = write_sources(tmp_path, INBOX.replace('every = "1s"', 'every = "1h"'))
    fresh_db.close()
    first = start(db_path, sources)
    try:
        wait_for(lambda: load_scheduler_module().is_running(db_path), 20, "the first scheduler to lead")
        log = tmp_path / "second.log"
        second = start(db_path, sources, cli=True, log=log)  # through `monitor scheduler` this time
        wait_for(lambda: "standby:" in log.read_text(), 60, "the second scheduler to wait as a standby")
        assert second.poll() is None and first.poll() is None  # both up: a leader and a standby
        code, stderr = stop(second, log)
        assert code == 0 and "standby:" in stderr and "the scheduler lease is held by" in stderr, stderr
        assert f":{first.pid}:" in stderr and "holds the scheduler lease" not in stderr
    finally:
        code, stderr = stop(first)
    assert code == 0, stderr
    assert "holds the scheduler lease" in stderr and "released the scheduler lease" in stderr
    assert not load_scheduler_module().is_running(db_path)


def test_the_scheduler_needs_an_initialised_database(db_path: Path, tmp_path: Path) -> None:
    process = start(db_path, write_sources(tmp_path, INBOX))
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 4 and "run `monitor init` first" in stderr


def test_an_invalid_sources_file_stops_the_scheduler_with_the_reason(fresh_db: Store, db_path: Path, tmp_path: Path) -> None:
    process = start(db_path, write_sources(tmp_path, INBOX + 'colour = "red"\n'))
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2 and "source 'drop': unknown key 'colour'" in stderr


@pytest.mark.parametrize(
    ("schedule", "message"),
    [('cron = "61 * * * *"', "'cron' minute field '61'"), ('cron = "*/0 * * * *"', "'cron' minute field '*/0'"),
     ('cron = "0 0 31 2 *"', "'cron' '0 0 31 2 *' never fires"), ('every = "99999999999999w"', "'every' is too long")],
)
def test_a_schedule_the_scheduler_cannot_run_stops_it_at_start_with_one_located_error(
    fresh_db: Store, db_path: Path, tmp_path: Path, schedule: str, message: str
) -> None:
    """The reproduction: `monitor refresh` accepted these, then `monitor scheduler` died with ValueError."""
    sources = write_sources(tmp_path, f'[[sources]]\nname = "feed"\nkind = "csv"\nurl = "https://x.org/a.csv"\n{schedule}\n')
    process = start(db_path, sources, cli=True)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2 and f"{sources}: source 'feed': {message}" in stderr.replace("Error: ", "")
    assert "Traceback" not in stderr


# ---------------------------------------------------------------- triggers and time zones


def test_cron_is_read_in_the_configured_time_zone() -> None:
    scheduler = load_scheduler_module()
    daily = Source(name="s", kind="csv", url="https://x.org/a.csv", cron="0 9 * * *")
    now = datetime(2025, 7, 10, 23, 30, tzinfo=UTC)  # 07:30 on 11 July in Xining
    assert scheduler.next_run_time(daily, ZoneInfo("Asia/Shanghai"), now) == datetime(2025, 7, 11, 1, 0, tzinfo=UTC)
    assert scheduler.next_run_time(daily, ZoneInfo("UTC"), now) == datetime(2025, 7, 11, 9, 0, tzinfo=UTC)
    # After 09:00 Xining time the next run is the next day's.
    late = datetime(2025, 7, 11, 1, 0, 1, tzinfo=UTC)
    assert scheduler.next_run_time(daily, ZoneInfo("Asia/Shanghai"), late) == datetime(2025, 7, 12, 1, 0, tzinfo=UTC)
    # crontab weekdays: 1 = Monday (APScheduler 3 on its own would read it as Tuesday).
    monday = Source(name="m", kind="csv", url="https://x.org/a.csv", cron="30 8 * * 1")
    fire = scheduler.next_run_time(monday, ZoneInfo("Asia/Shanghai"), now)
    assert fire == datetime(2025, 7, 14, 0, 30, tzinfo=UTC)
    assert fire.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%A %H:%M") == "Monday 08:30"


def test_next_run_times_of_a_config_without_a_running_scheduler(tmp_path: Path) -> None:
    text = """
timezone = "Asia/Shanghai"
[[sources]]
name = "daily"
kind = "csv"
url = "https://x.org/a.csv"
cron = "0 9 * * *"
[[sources]]
name = "often"
kind = "csv"
path = "inbox"
every = "6h"
[[sources]]
name = "manual"
kind = "csv"
path = "file.csv"
[[sources]]
name = "off"
kind = "csv"
path = "inbox2"
every = "1m"
enabled = false
"""
    config = load_config(write_sources(tmp_path, text))
    now = datetime(2025, 7, 10, 23, 30, tzinfo=UTC)
    times = load_scheduler_module().next_run_times(config, now, {"often": datetime(2025, 7, 10, 22, 0)})
    assert times == {
        "daily": datetime(2025, 7, 11, 1, 0, tzinfo=UTC),
        "often": datetime(2025, 7, 11, 4, 0, tzinfo=UTC),  # six hours after its last run
        "manual": None,
        "off": None,
    }


def test_jobs_have_ids_coalesce_one_instance_and_run_late(fresh_db: Store, tmp_path: Path) -> None:
    scheduler_module = load_scheduler_module()
    text = INBOX + '[[sources]]\nname = "daily"\nkind = "csv"\nurl = "https://x.org/a.csv"\ncron = "0 9 * * *"\n'
    config = load_config(write_sources(tmp_path, text))
    scheduler = scheduler_module.build_scheduler(config, fresh_db.path)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == {"refresh:drop", "refresh:daily"}
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time is None
    assert jobs["refresh:drop"].trigger.interval == timedelta(seconds=1)  # every = "1s"
    assert str(scheduler.timezone) == "Asia/Shanghai"


def test_only_scheduler_py_imports_apscheduler() -> None:
    code = (
        "import json, sys\n"
        "import monitor.cli, monitor.cli.refresh, monitor.services.refresh.run, monitor.services.refresh.alerts, monitor.services.refresh.fetch\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('apscheduler', 'httpx', 'streamlit'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []  # httpx too is loaded only when a request is made
