"""The installable package: a wheel built from the checkout, installed into a new venv outside it, runs.

`monitor init` and `monitor up --no-scheduler` from an empty folder give a seeded store and a dashboard
that answers its health check and shows the overview in a real headless Chromium. Nothing from the
checkout is on that venv's path: its dependencies come from this test run's environment through a .pth
line (a directory, not an editable finder), and `monitor` only from the wheel.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from test_browser import CHROMIUM, CHROMIUM_ARGS, _free_port, _healthy, _require_chromium

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        capture_output=True, text=True, timeout=300, cwd=out,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (found,) = out.glob("indicator_monitor-*.whl")
    return found


def test_the_wheel_ships_the_apps_and_the_seed(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("monitor/cli/__init__.py", "monitor/store/base.py", "monitor/status/engine.py", "monitor/files/readers.py", "dashboards/app.py", "dashboards/overview.py",
                   "scheduler.py", "monitor/seed/briefing.yaml", "monitor/seed/sources.example.toml"):
        assert needed in names, needed
    assert not any(n.startswith(("tests/", "bench/")) or n.endswith(".duckdb") for n in names)
    # every module of the checkout's library ships (an explicit package list once left one out)
    for source in sorted(REPO.joinpath("monitor").rglob("*.py")) + sorted(REPO.joinpath("dashboards").rglob("*.py")):
        assert source.relative_to(REPO).as_posix() in names, source
    # the methodology page's text: docs/ is the one copy, shipped as dashboards.docs unchanged
    with zipfile.ZipFile(wheel) as z:
        for name in ("methodology.md", "methodology.zh.md"):
            assert z.read(f"dashboards/docs/{name}") == (REPO / "docs" / name).read_bytes(), name
    assert not any(n.startswith("dashboards/docs/") and not n.endswith(("methodology.md", "methodology.zh.md", "__init__.py"))
                   for n in names)


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120)
    (lib,) = (root / "lib").glob("python3*/site-packages")
    # This run's dependencies (duckdb, streamlit, ...) by directory; the editable finder of the
    # checkout is a .pth *in* that directory and is not processed from here, so `monitor` comes
    # only from the wheel below.
    (lib / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(root / "bin" / "python"), "install", "--no-deps", "-q", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    if installed.returncode != 0 and "no such option: --python" in installed.stderr:
        pytest.fail("pip too old for --python")
    assert installed.returncode == 0, installed.stderr[-3000:]
    return root


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.lower().endswith("_proxy") and k not in ("MONITOR_DB", "MONITOR_SOURCES", "PYTHONPATH")}
    return env


def test_monitor_comes_from_the_wheel(venv: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import monitor, dashboards, scheduler; print(monitor.__file__, dashboards.__file__, scheduler.__file__)"],
        capture_output=True, text=True, cwd=tmp_path, env=_env(), timeout=60,
    )
    assert where.returncode == 0, where.stderr
    for path in where.stdout.split():
        assert str(venv) in path and str(REPO) not in path, path


def test_the_installed_example_sources_write_under_the_users_data_folder(venv: Path, tmp_path: Path) -> None:
    # No sources file: the example shipped in site-packages stands in, with its inbox and alert log in
    # ./data (as if copied to data/sources.toml), never in the installed package's folder.
    code = ("from monitor.services.refresh.sources import EXAMPLE_SOURCES, load_config; c = load_config(None); "
            "print(EXAMPLE_SOURCES); print(next(s.path for s in c.sources if s.enabled)); print(c.channels[0].path)")
    shown = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, cwd=tmp_path,
                           env=_env(), timeout=120)
    assert shown.returncode == 0, shown.stderr[-3000:]
    example, inbox, log = (Path(line) for line in shown.stdout.split())
    assert str(venv) in str(example)
    assert (inbox, log) == (tmp_path.resolve() / "data" / "inbox", tmp_path.resolve() / "data" / "alerts.log")


# Run inside the wheel's venv: the installed app in Streamlit's AppTest, switched to the methodology page.
# The pages import their helpers as `dashboards.*` and the page reads its text from the package data.
_METHODOLOGY_IN_APPTEST = """
import sys
import dashboards.app
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(dashboards.app.__file__, default_timeout=120)
at.query_params["lang"] = sys.argv[1]
at.run()
assert not at.exception, at.exception
at.switch_page("methodology.py").run()
assert not at.exception, at.exception
assert not at.warning, [w.value for w in at.warning]
print("\\n".join(m.value for m in at.markdown))
"""


@pytest.mark.parametrize(("lang", "heading"), [("en", "Worked examples"), ("zh", "计算实例")])
def test_the_installed_dashboard_shows_the_methodology(venv: Path, tmp_path: Path, lang: str, heading: str) -> None:
    env = _env() | {"MONITOR_DB": str(tmp_path / "data" / "monitor.duckdb")}
    shown = subprocess.run([str(venv / "bin" / "python"), "-c", _METHODOLOGY_IN_APPTEST, lang],
                           capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert shown.returncode == 0, shown.stderr[-3000:]
    assert heading in shown.stdout and "1.8126" in shown.stdout


@pytest.mark.browser
def test_init_and_up_from_an_empty_folder(venv: Path, tmp_path: Path) -> None:
    _require_chromium()
    folder = tmp_path / "office"
    folder.mkdir()
    monitor = str(venv / "bin" / "monitor")
    init = subprocess.run([monitor, "init"], capture_output=True, text=True, cwd=folder, env=_env(), timeout=120)
    assert init.returncode == 0, init.stderr
    assert (folder / "data" / "monitor.duckdb").is_file()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "up.log").open("w")
    process = subprocess.Popen([monitor, "up", "--no-scheduler", "--port", str(port)], cwd=folder, env=_env(),
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90  # a hang guard, not a measurement
        while not _healthy(url):
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "up.log").read_text()[-3000:]
            time.sleep(0.25)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = chromium.new_page(locale="zh-CN")
                page.set_default_timeout(30_000)
                page.goto(f"{url}/?lang=en")
                page.locator(".ov-table").first.wait_for()
                page.get_by_text("Goals with a target").wait_for()
                assert page.locator('[data-testid="stException"]').count() == 0
            finally:
                chromium.close()
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(timeout=10)
        log.close()
