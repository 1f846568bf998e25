"""A throwaway PostgreSQL cluster for the DuckLake tests and benchmarks: initdb in a temporary folder,
the server as a child process on 127.0.0.1 and a free port, trust authentication, no system service.

PostgreSQL refuses to run as root; when this process is root (CI), initdb and the server run as the
``postgres`` user when it exists, else ``nobody``.

    python tests/pg_cluster.py            # starts one, prints the MONITOR_DB to use, stops on Ctrl-C
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SEARCH = ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/usr/pgsql-*/bin")
USER = "monitor"


class ClusterUnavailable(RuntimeError):
    """No PostgreSQL server binaries, or the cluster did not start."""


def find_bin_dir() -> Path:
    """The folder holding initdb and postgres: $PG_BIN, else on PATH, else Debian's versioned folders."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    on_path = shutil.which("initdb")
    if on_path and shutil.which("postgres"):
        return Path(on_path).parent
    for pattern in SEARCH:
        for folder in sorted(glob.glob(pattern), reverse=True):  # the newest version first
            if (Path(folder) / "initdb").exists() and (Path(folder) / "postgres").exists():
                return Path(folder)
    raise ClusterUnavailable("no PostgreSQL server binaries (initdb, postgres) found; apt-get install postgresql")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ClusterUnavailable("running as root and neither a 'postgres' nor a 'nobody' user exists")


class PgCluster:
    """One PostgreSQL server; ``create_database()`` gives each user its own database."""

    def __init__(self, durable: bool = False) -> None:
        self.bin = find_bin_dir()
        self.account = _run_as()
        # Not under pytest's tmp folder: that one is private to root, and the server may not be root.
        self.root = Path(tempfile.mkdtemp(prefix="monitor-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.host = "127.0.0.1"
        self.durable = durable
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.root / "server.log"

    def _child_args(self) -> dict:
        if self.account is None:
            return {}
        return {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}

    def start(self, timeout_s: float = 30) -> PgCluster:
        if self.account is not None:
            os.chown(self.root, self.account.pw_uid, self.account.pw_gid)
        init = subprocess.run(
            [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", USER, "-E", "UTF8",
             "--no-sync", "--locale", "C"],
            capture_output=True, cwd=self.root, **self._child_args(),
        )
        if init.returncode != 0:
            raise ClusterUnavailable(f"initdb failed: {init.stderr.decode(errors='replace')[-2000:]}")
        settings = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(self.root),
            "max_connections": "400",
            "shared_buffers": "64MB",
        }
        if not self.durable:  # tests: nothing needs to survive a power cut
            settings.update({"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"})
        args = [str(self.bin / "postgres"), "-D", str(self.data)]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        log = open(self.log, "wb")
        self.process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, cwd=self.root, start_new_session=True, **self._child_args()
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ClusterUnavailable(f"postgres exited: {self.log.read_text(errors='replace')[-2000:]}")
            if self.psql("SELECT 1", check=False).returncode == 0:
                return self
            time.sleep(0.1)
        self.stop()
        raise ClusterUnavailable(f"postgres did not accept connections within {timeout_s} s")

    def conninfo(self, dbname: str) -> str:
        return f"dbname={dbname} host={self.host} port={self.port} user={USER}"

    def location(self, dbname: str) -> str:
        """The MONITOR_DB of a DuckLake whose catalogue is the database ``dbname``."""
        return f"ducklake:postgres:{self.conninfo(dbname)}"

    def psql(self, sql: str, dbname: str = "postgres", check: bool = True) -> subprocess.CompletedProcess[bytes]:
        result = subprocess.run(
            [str(self.bin / "psql") if (self.bin / "psql").exists() else "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.host,
             "-p", str(self.port), "-U", USER, "-d", dbname, "-c", sql],
            capture_output=True,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"psql {sql!r}: {result.stderr.decode(errors='replace')}")
        return result

    def psql_value(self, sql: str, dbname: str = "postgres") -> str:
        result = subprocess.run(
            [str(self.bin / "psql") if (self.bin / "psql").exists() else "psql", "-X", "-A", "-t", "-h", self.host,
             "-p", str(self.port), "-U", USER, "-d", dbname, "-c", sql],
            capture_output=True, check=True,
        )
        return result.stdout.decode().strip()

    def create_database(self, name: str, template: str | None = None) -> str:
        extra = f" TEMPLATE {template}" if template else ""
        self.psql(f"CREATE DATABASE {name}{extra}")
        return name

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)


if __name__ == "__main__":
    cluster = PgCluster(durable=True).start()
    cluster.create_database("monitor")
    print(f"PostgreSQL {cluster.bin} on {cluster.host}:{cluster.port}, data in {cluster.data}")
    print(f"export MONITOR_DB='{cluster.location('monitor')}'")
    print("export MONITOR_DATA_PATH=/path/to/shared/lake-data/   # Ctrl-C stops the server and deletes it")
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
