"""Issue 14, items 1, 5, 6 and 8 end to end: inbox folders that could take what is not theirs, files
that break a reader, servers that answer slowly, redirects to hosts nobody configured.

Real DuckDB files, real folders under tmp_path, real HTTP servers on 127.0.0.1 (refresh_helpers).
System folders are never touched: their refusal is tested when the sources file is loaded
(test_refresh_sources.py); here, "outside" is another tmp folder.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.errors import StoreBusy
from monitor.services.refresh import run as refresh_run
from monitor.services.refresh.fetch import fetch_url
from monitor.services.refresh.run import run_sources
from monitor.services.refresh.sources import load_config
from monitor.store import queries, refresh_queries
from monitor.store.connection import Store
from monitor.store.maintenance import checksums
from refresh_helpers import DripServer, LoopbackServer, Reply, csv_bytes, make_old, wait_for, write_sources

ROW = "compute-racks,,2025-12-31,24000,,"
SECRET = "S3CRET-7f3a"  # stands for /etc/shadow's hashes: must never reach a run, an event or an alert


def refresh(store: Store, sources: Path, **kwargs: Any) -> Any:
    (result,) = run_sources(store, load_config(sources, store=store.path), **kwargs)
    return result


def reading_count(store: Store) -> int:
    with store.read() as con:
        return queries.count_rows(con)["reading"]


def leaks(text: str) -> bool:
    return SECRET.lower() in text.lower()  # a header is compared lower-cased: it may come back so


def logged_text(store: Store) -> str:
    """Everything the run log and the events hold, as one text."""
    with store.read() as con:
        runs = refresh_queries.list_runs(con, limit=1000)
        events = refresh_queries.list_events(con, 1000)
    return json.dumps([runs, events], default=str, ensure_ascii=False)


def inbox_config(tmp_path: Path, extra: str = "", path: str = "inbox") -> Path:
    return write_sources(tmp_path, f'[[sources]]\nname = "drop"\nkind = "csv"\npath = "{path}"\nsettle = "0.1s"\n{extra}')


def drop(inbox: Path, name: str, content: bytes | str) -> Path:
    inbox.mkdir(exist_ok=True)
    path = inbox / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    make_old(path)
    return path


# ---------------------------------------------------------------- item 1: what an inbox may take


def test_an_inbox_holding_the_store_is_refused_before_anything_moves(fresh_db: Store, tmp_path: Path) -> None:
    """The reproduction: path = "." next to the store moved the live store into failed/."""
    sources = inbox_config(tmp_path, path=".")
    drop(tmp_path, "july.csv", csv_bytes(ROW))
    before = checksums(fresh_db)
    done = CliRunner().invoke(main, ["--db", str(fresh_db.path), "refresh", "--sources", str(sources)])
    assert done.exit_code == 2 and "'path' '.' holds the store" in done.output
    # Loaded for another store (library use, or the file edited after loading), the run refuses the
    # folder itself before looking into it.
    config = load_config(sources, store=tmp_path.parent / f"{tmp_path.name}-other" / "other.duckdb")
    (result,) = run_sources(fresh_db, config)
    assert result.failed and "holds the store" in result.error and "nothing was read or moved" in result.error
    assert fresh_db.path.exists() and not (tmp_path / "failed").exists() and (tmp_path / "july.csv").exists()
    assert {k: v for k, v in checksums(fresh_db).items() if k in ("reading", "indicator")} == \
        {k: v for k, v in before.items() if k in ("reading", "indicator")}


def test_an_inbox_takes_only_regular_files_that_match_its_pattern(fresh_db: Store, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "secret.csv"
    target.write_bytes(csv_bytes("compute-racks,,2024-12-31,1,,"))
    drop(inbox, "good.csv", csv_bytes(ROW))
    others = {
        "notes.docx": b"not a reading file", "README.txt": b"read me", "data.json": b"[]",
        ".hidden.csv": csv_bytes(ROW), "~$lock.csv": b"lock", "copying.csv.part": csv_bytes(ROW),
        "monitor.duckdb": b"not a store", "monitor.duckdb.wal": b"wal",
    }
    for name, content in others.items():
        drop(inbox, name, content)
    (inbox / "link.csv").symlink_to(target)  # a symlink: never followed, never moved
    os.mkfifo(inbox / "pipe.csv")  # a FIFO: never opened (it would block the run)
    (inbox / "folder.csv").mkdir()
    before = reading_count(fresh_db)
    result = refresh(fresh_db, inbox_config(tmp_path))
    assert (result.outcome, result.files, result.rows_new) == ("ok", 1, 1)
    assert reading_count(fresh_db) == before + 1
    left = {p.name for p in inbox.iterdir()} - {"processed", "failed"}
    assert left == set(others) | {"link.csv", "pipe.csv", "folder.csv"}
    assert (inbox / "link.csv").is_symlink() and target.read_bytes() == csv_bytes("compute-racks,,2024-12-31,1,,")
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["good.csv", "good.csv.report.json"]
    # A declared pattern takes other reading files (matched case-insensitively), still no more.
    drop(inbox, "JULY.CSV", csv_bytes(ROW))
    drop(inbox, "air.JSON", json.dumps({"readings": []}))
    result = refresh(fresh_db, inbox_config(tmp_path, 'pattern = ["*.csv"]\n'))
    assert result.files == 1 and not (inbox / "JULY.CSV").exists() and (inbox / "air.JSON").exists()


def test_processed_and_failed_must_be_folders_of_the_inbox(fresh_db: Store, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    drop(inbox, "good.csv", csv_bytes(ROW))
    (inbox / "failed").symlink_to(elsewhere, target_is_directory=True)
    result = refresh(fresh_db, inbox_config(tmp_path))
    assert result.failed and "is not a folder of its own" in result.error
    assert list(elsewhere.iterdir()) == [] and (inbox / "good.csv").exists()


def test_an_inbox_symlinked_out_of_the_base_after_loading_is_refused_at_run_time(fresh_db: Store, tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    conf.mkdir()
    outside = tmp_path / "outside"
    drop(outside, "victim.csv", csv_bytes(ROW))
    (conf / "inbox").mkdir()
    config = load_config(inbox_config(conf), store=fresh_db.path)
    (conf / "inbox").rmdir()
    (conf / "inbox").symlink_to(outside, target_is_directory=True)  # swapped after the file was loaded
    (result,) = run_sources(fresh_db, config)
    assert result.failed and "is outside the allowed base" in result.error
    assert sorted(p.name for p in outside.iterdir()) == ["victim.csv"]


def test_the_content_of_an_unreadable_file_never_reaches_runs_events_or_alerts(fresh_db: Store, tmp_path: Path) -> None:
    """The reproduction stored lines of /etc/shadow in the run log. Here: files shaped like it."""
    inbox = tmp_path / "inbox"
    drop(inbox, "shadow.csv", f"root:$6${SECRET}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n")
    drop(inbox, "quoted.csv", f'indicator_id,period_end,value,"{SECRET}"\n')
    drop(inbox, "binary.xlsx", b"PK\x03\x04" + SECRET.encode() + b"\x00" * 50)
    drop(inbox, "garbage.json", f"{{{SECRET}")
    drop(inbox, "encoding.csv", SECRET.encode() + b"\xff\xfe\xfa\n")
    drop(inbox, "good.csv", csv_bytes(ROW))
    sources = inbox_config(tmp_path, 'pattern = ["*.csv", "*.json", "*.xlsx"]\n'
                                     '[[channels]]\nname = "log"\ntype = "log"\npath = "alerts.log"\n')
    result = refresh(fresh_db, sources)
    assert result.outcome == "partial" and result.rows_new == 1
    for name in ("shadow.csv", "quoted.csv", "binary.xlsx", "garbage.json", "encoding.csv"):
        assert name in result.error or "more (see the run's reports)" in result.error
        assert (inbox / "failed" / name).exists() and (inbox / "failed" / f"{name}.report.json").exists()
    assert "shadow.csv, row 1: unknown column" in result.error  # located: the file, the row, the reason
    assert not leaks(logged_text(fresh_db))
    assert not leaks((tmp_path / "alerts.log").read_text(encoding="utf-8"))
    assert not leaks(CliRunner().invoke(main, ["--db", str(fresh_db.path), "runs", "--sources", str(sources)]).output)
    # The full problems stay beside the file they quote.
    beside = json.loads((inbox / "failed" / "quoted.csv.report.json").read_text(encoding="utf-8"))
    assert any(leaks(p) for p in beside["problems"])


# ---------------------------------------------------------------- item 5: one bad file never blocks the others


def test_a_file_that_breaks_a_reader_goes_to_failed_and_the_others_are_imported(fresh_db: Store, tmp_path: Path) -> None:
    """The reproduction: a JSON integer of 5000 digits failed every run and never left the inbox."""
    inbox = tmp_path / "inbox"
    drop(inbox, "big.json", '[{"indicator_id": "compute-racks", "period_end": "2025-12-31", "value": ' + "9" * 5000 + "}]")
    drop(inbox, "good.csv", csv_bytes(ROW))
    sources = inbox_config(tmp_path, 'pattern = ["*.csv", "*.json"]\n')
    before = reading_count(fresh_db)
    result = refresh(fresh_db, sources)
    assert result.outcome == "partial" and result.rows_new == 1 and reading_count(fresh_db) == before + 1
    assert "big.json" in result.error
    assert (inbox / "failed" / "big.json").exists() and (inbox / "processed" / "good.csv").exists()
    report = json.loads((inbox / "failed" / "big.json.report.json").read_text(encoding="utf-8"))
    assert report["error"].startswith("big.json") and report["run_id"] == result.id
    # The next tick finds the inbox empty instead of failing again.
    again = refresh(fresh_db, sources)
    assert again.outcome == "ok" and again.files == 0


@pytest.mark.parametrize("error", [RuntimeError(SECRET), KeyError(SECRET), MemoryError(), RecursionError(SECRET),
                                   ValueError(SECRET), OverflowError(SECRET), UnicodeDecodeError("utf-8", SECRET.encode(), 0, 1, SECRET)])
def test_any_exception_of_a_reader_is_confined_to_its_file(
    fresh_db: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    """A reader bug of any kind (here injected for one file name) fails that file only, with a located
    reason and without the exception's message, which may quote the file."""
    import monitor.files.ingest

    real = monitor.files.ingest.import_file

    def flaky(store: Any, path: Path, *args: Any, **kwargs: Any) -> Any:
        if path.name == "bad.csv":
            raise error
        return real(store, path, *args, **kwargs)

    monkeypatch.setattr(monitor.files.ingest, "import_file", flaky)
    inbox = tmp_path / "inbox"
    drop(inbox, "bad.csv", csv_bytes(ROW))
    drop(inbox, "good.csv", csv_bytes("compute-racks,,2024-12-31,5,,"))
    result = refresh(fresh_db, inbox_config(tmp_path))
    assert result.outcome == "partial" and result.rows_new == 1
    assert f"bad.csv: could not be read (unexpected {type(error).__name__} in " in result.error
    assert (inbox / "failed" / "bad.csv").exists() and (inbox / "processed" / "good.csv").exists()
    assert not leaks(logged_text(fresh_db))


def test_a_busy_store_leaves_the_file_in_the_inbox_for_the_next_run(
    fresh_db: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import monitor.files.ingest

    real = monitor.files.ingest.import_file

    def busy_once(store: Any, path: Path, *args: Any, **kwargs: Any) -> Any:
        if path.name == "later.csv":
            raise StoreBusy(str(fresh_db.path), 15.0)
        return real(store, path, *args, **kwargs)

    monkeypatch.setattr(monitor.files.ingest, "import_file", busy_once)
    inbox = tmp_path / "inbox"
    drop(inbox, "later.csv", csv_bytes(ROW))
    drop(inbox, "now.csv", csv_bytes("compute-racks,,2024-12-31,5,,"))
    result = refresh(fresh_db, inbox_config(tmp_path))
    assert result.outcome == "partial" and "database busy" in result.error
    assert (inbox / "later.csv").exists() and not (inbox / "failed" / "later.csv").exists()
    monkeypatch.setattr(monitor.files.ingest, "import_file", real)
    assert refresh(fresh_db, inbox_config(tmp_path)).rows_new == 1 and not (inbox / "later.csv").exists()


# ---------------------------------------------------------------- item 6: a deadline on the whole fetch


def url_config(tmp_path: Path, url: str, timeout: str = "1s", extra: str = "", retries: int = 0) -> Path:
    return write_sources(tmp_path, f'[[sources]]\nname = "feed"\nkind = "csv"\nurl = "{url}"\ntimeout = "{timeout}"\n'
                                   f'retries = {retries}\nbackoff = "0.05s"\n{extra}')


@pytest.mark.parametrize(("phase", "interval"), [("body", 0.05), ("headers", 0.2)])
def test_a_server_that_drips_its_answer_is_cut_off_at_the_timeout(fresh_db: Store, tmp_path: Path, phase: str, interval: float) -> None:
    """One byte every 50-200 ms never trips a per-read timeout of 1 s; the answer (a valid file) would
    take 20 s and be imported. The deadline ends the fetch at 1 s: failed, nothing imported."""
    before = reading_count(fresh_db)
    with DripServer(phase, interval) as server:
        result = refresh(fresh_db, url_config(tmp_path, server.url()))
        wait_for(server.closed.is_set, 30, "the server to see the client go")
        assert server.completed == 0
    assert result.failed and "no complete response from" in result.error and "within 1 s" in result.error
    assert reading_count(fresh_db) == before


def test_sigterm_during_a_fetch_removes_the_temporary_files(fresh_db: Store, tmp_path: Path) -> None:
    """The reproduction left /tmp/monitor-refresh-* behind after a SIGTERM."""
    temp = tmp_path / "temp"
    temp.mkdir()
    with DripServer("body", 0.05, size=4000) as server:
        sources = url_config(tmp_path, server.url(), timeout="60s")
        env = {**{k: v for k, v in os.environ.items() if k not in ("MONITOR_DB", "MONITOR_SOURCES")}, "TMPDIR": str(temp)}
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", "--db", str(fresh_db.path), "refresh", "--sources", str(sources)],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            wait_for(server.connected.is_set, 30, "the fetch to start")
            wait_for(lambda: list(temp.glob("monitor-refresh-*")), 10, "the run's temporary folder")
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "Error: stopped by SIGTERM" in stderr and "Traceback" not in stderr
    assert list(temp.iterdir()) == []


def test_a_killed_runs_temporary_folder_is_removed_by_the_next_run(
    fresh_db: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    orphan = temp / f"monitor-refresh-{dead.stdout.strip()}-feed-abc123"
    orphan.mkdir()
    (orphan / "feed.csv").write_bytes(b"half a download")
    alive = temp / f"monitor-refresh-{os.getppid()}-feed-def456"  # a live process's folder stays
    alive.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    monkeypatch.setattr(refresh_run, "_ORPHANS_CHECKED", False)
    drop(tmp_path / "inbox", "good.csv", csv_bytes(ROW))
    refresh(fresh_db, inbox_config(tmp_path))
    assert not orphan.exists() and alive.exists()
    assert [p for p in temp.iterdir() if p != alive] == []


def test_an_alert_receiver_that_drips_its_answer_is_cut_off_at_the_channel_timeout(fresh_db: Store, tmp_path: Path) -> None:
    drop(tmp_path / "inbox", "bad.csv", "just,text\n")  # a failed source: one source_failed event
    with DripServer("body", 0.05) as server:
        channel = (f'[[channels]]\nname = "hook"\ntype = "webhook"\nurl = "{server.url("/hook")}"\n'
                   'timeout = "1s"\nretries = 0\nevents = ["source_failed"]\n')
        result = refresh(fresh_db, inbox_config(tmp_path, channel))
        assert server.completed == 0
    [delivery] = result.deliveries
    assert not delivery["sent"] and "no response from" in delivery["error"]


# ---------------------------------------------------------------- item 8: redirects and addresses


def test_a_redirect_to_a_port_the_source_does_not_name_is_refused(fresh_db: Store, tmp_path: Path) -> None:
    """The reproduction: a 302 from a configured host to an internal one was followed, and the internal
    file's content appeared in runs and events."""
    with LoopbackServer() as internal, LoopbackServer() as public:
        internal.route("/secret.csv", Reply(body=f"root:{SECRET}\n".encode()))
        public.route("/feed.csv", Reply(302, headers={"Location": internal.url("/secret.csv")}))
        result = refresh(fresh_db, url_config(tmp_path, public.url("/feed.csv"), retries=2))
        assert internal.hits("/secret.csv") == [] and len(public.hits("/feed.csv")) == 1  # not retried
    assert result.failed and "which the source does not name" in result.error and "allow_hosts" in result.error
    assert not leaks(logged_text(fresh_db))


def test_a_redirect_to_an_allowed_host_is_followed_without_the_sources_credentials(
    fresh_db: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEED_TOKEN", "t0ken-value")
    with LoopbackServer() as files, LoopbackServer() as public:
        files.route("/export.csv", Reply(body=csv_bytes(ROW)))
        public.route("/feed.csv", Reply(302, headers={"Location": public.url("/moved.csv")}))
        public.route("/moved.csv", Reply(307, headers={"Location": files.url("/export.csv")}))
        host = files.base.removeprefix("http://")
        extra = (f'allow_hosts = ["{host}"]\n[sources.headers]\nAuthorization = {{ env = "FEED_TOKEN" }}\n'
                 'X-Api-Token = { env = "FEED_TOKEN" }\nAccept = "text/csv"\n')
        result = refresh(fresh_db, url_config(tmp_path, public.url("/feed.csv"), extra=extra))
        [first] = public.hits("/feed.csv")
        [arrived] = files.hits("/export.csv")
    assert result.outcome == "ok" and result.rows_new == 1
    assert first.headers.get("Authorization") == "t0ken-value" and first.headers.get("X-Api-Token") == "t0ken-value"
    assert "Authorization" not in arrived.headers and "X-Api-Token" not in arrived.headers
    assert arrived.headers.get("Accept") == "text/csv"


@pytest.mark.parametrize(
    ("location", "message"),
    [("file:///etc/passwd", "a redirect to a file: URL is never followed"),
     ("http://2130706433/x.csv", "2130706433, which the source does not name"),
     ("http://[::ffff:127.0.0.1]/x.csv", "::ffff:127.0.0.1, which the source does not name"),
     ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, which the source does not name"),
     ("/loop.csv", "redirected more than 5 times")],
)
def test_redirects_nobody_configured_are_refused(fresh_db: Store, tmp_path: Path, location: str, message: str) -> None:
    with LoopbackServer() as server:
        server.route("/loop.csv", Reply(302, headers={"Location": location}))
        result = refresh(fresh_db, url_config(tmp_path, server.url("/loop.csv")))
    assert result.failed and message in result.error


def test_names_resolving_to_loopback_follow_the_configured_urls_category(tmp_path: Path) -> None:
    """A configured name that resolves to this machine may redirect to another allowed name of it; a
    name it does not list is refused by the host rule before anything is resolved."""
    with LoopbackServer() as server:
        port = server.httpd.server_address[1]
        server.route("/a.csv", Reply(302, headers={"Location": f"http://files.test:{port}/b.csv"}))
        server.route("/b.csv", Reply(body=csv_bytes(ROW)))
        resolved: list[str] = []

        def resolve(host: str, p: int) -> list[str]:
            resolved.append(host)
            return ["127.0.0.1"]

        base = f'[[sources]]\nname = "feed"\nkind = "csv"\nurl = "http://feed.test:{port}/a.csv"\ntimeout = "5s"\n'
        refused = load_config(write_sources(tmp_path, base)).sources[0]
        with pytest.raises(Exception, match="files.test:.*which the source does not name"):
            fetch_url(refused, tmp_path, resolve=resolve)
        assert resolved == ["feed.test"]
        allowed = load_config(write_sources(tmp_path, base + f'allow_hosts = ["files.test:{port}"]\n')).sources[0]
        fetched = fetch_url(allowed, tmp_path, resolve=resolve)
        assert fetched.path.read_bytes() == csv_bytes(ROW)


def test_what_a_server_says_reaches_an_error_only_escaped_and_short(fresh_db: Store, tmp_path: Path) -> None:
    noise = "\x1b]0;PWNED\x07\x1b[2J" + "A" * 5000
    with LoopbackServer() as server:
        server.route("/err.csv", Reply(500, body=f"{SECRET} {noise}".encode(), content_type="text/plain"))
        server.route("/text.csv", Reply(body=f"{noise},x\n1,2\n".encode()))
        failed = refresh(fresh_db, url_config(tmp_path, server.url("/err.csv")))
        unreadable = refresh(fresh_db, url_config(tmp_path, server.url("/text.csv")))
    assert failed.failed and "HTTP 500" in failed.error and SECRET not in failed.error
    assert unreadable.failed and len(unreadable.error) <= 400
    for result in (failed, unreadable):
        assert "\x1b" not in result.error and "\x07" not in result.error
    assert not leaks(logged_text(fresh_db))
    with fresh_db.read() as con:
        for run in refresh_queries.list_runs(con):
            assert "\x1b" not in (run["error"] or "") + (run["detail"] or "")


def test_a_proxy_from_the_environment_is_used_through_the_guarded_transport(
    fresh_db: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY still works (with the deadline): the proxy here answers the request itself."""
    with LoopbackServer() as proxy:
        proxy.route("/figures.csv", Reply(body=csv_bytes(ROW)))
        monkeypatch.setenv("HTTP_PROXY", proxy.base)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        result = refresh(fresh_db, url_config(tmp_path, "http://stats.example.invalid/figures.csv", timeout="5s"))
        [request] = proxy.hits("/figures.csv")
    assert result.outcome == "ok" and result.rows_new == 1
    assert request.headers.get("Host") == "stats.example.invalid"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_https_goes_through_the_guarded_transport(fresh_db: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """TLS is set up on the guarded connection (the deadline applies to the handshake too)."""
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = csv_bytes(ROW)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    try:
        result = refresh(fresh_db, url_config(tmp_path, f"https://127.0.0.1:{server.server_address[1]}/f.csv", timeout="10s"))
    finally:
        server.shutdown()
        server.server_close()
    assert result.outcome == "ok" and result.rows_new == 1
