"""Named users with roles (issue 17 item 4): the service, `monitor users`, the sign-in and the scope checks.

Real DuckDB files (the cat_db fixture: tests/fixtures/catalog.yaml), click's runner for the CLI and
Streamlit's AppTest for the dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.errors import ConfigError, NotAllowed, NotFound
from monitor.files.ingest import add_reading, import_file
from monitor.services import users
from monitor.services.auth import ENV_VAR, hash_password
from monitor.store import queries
from monitor.store.connection import Store
from tests.app_helpers import open_app

FAST = "pbkdf2_sha256"  # the same verification path, cheaper than scrypt in a test


def cli(db: Store, *args: str, input: str | None = None) -> Any:
    result = CliRunner().invoke(main, ["--db", str(db.path), *args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def readings_by(db: Store, indicator: str) -> list[str | None]:
    with db.read() as con:
        return [r.recorded_by for r in queries.list_readings(con, indicator, history=True)]


def test_roles_include_each_other_and_limits_follow_domain_and_office() -> None:
    from monitor.model import Indicator

    editor = users.User("ana", "editor", domains=("digital",))
    assert editor.may_write and not editor.may_review and not editor.may_edit_catalog
    assert users.User("bo", "reviewer").may_write and users.User("bo", "reviewer").may_review
    assert not users.User("vi", "viewer").may_write
    assert users.User("ad", "admin", domains=("digital",)).unlimited, "an admin has no limits"
    office = users.User("cy", "editor", offices=("市统计局",))
    assert office.covers_parts("tourism", "市文旅广电局、市统计局")
    assert not office.covers_parts("tourism", "市文旅广电局")
    assert not office.covers_parts("tourism", None)
    assert editor.covers_parts("digital", None) and not editor.covers_parts("tourism", None)
    fields = dict(name_zh="x", name_en="x", unit="个", display_unit="个", measure="stock", direction="up",
                  frequency="annual", publication_lag_days=0)
    with pytest.raises(NotAllowed, match="ana may not write readings of t1"):
        users.check_writes(editor, [Indicator(id="t1", domain="tourism", **fields)])  # type: ignore[arg-type]
    with pytest.raises(NotAllowed, match="viewer"):
        users.check_writes(users.User("vi", "viewer"), [])


def test_users_are_added_listed_changed_and_disabled(cat_db: Store) -> None:
    encoded = hash_password("ana's pass", method=FAST)
    users.add_user(cat_db, "ana", "editor", password_hash=encoded, domains=["digital"], by="admin")
    with pytest.raises(ConfigError, match="exists already"):
        users.add_user(cat_db, "ana", "editor", password_hash=encoded, by="admin")
    with pytest.raises(ConfigError, match="role 'boss'"):
        users.add_user(cat_db, "bo", "boss", password_hash=encoded, by="admin")
    with pytest.raises(ConfigError, match="unknown domain"):
        users.add_user(cat_db, "bo", "editor", password_hash=encoded, domains=["space"], by="admin")
    with pytest.raises(ConfigError, match="password, or an email"):
        users.add_user(cat_db, "bo", "editor", by="admin")
    assert users.authenticate(cat_db, "ana", "ana's pass") is not None
    assert users.authenticate(cat_db, "ana", "wrong") is None
    assert users.authenticate(cat_db, "nobody", "ana's pass") is None
    changed = users.set_role(cat_db, "ana", "reviewer", domains=[], by="admin")
    assert changed.role == "reviewer" and changed.unlimited
    users.set_disabled(cat_db, "ana", by="admin")
    assert users.authenticate(cat_db, "ana", "ana's pass") is None, "a disabled user cannot sign in"
    assert [u.name for u in users.list_users(cat_db)] == ["ana"], "kept: the history names them"
    with pytest.raises(NotFound):
        users.set_role(cat_db, "nobody", "editor", by="admin")
    # Once named users exist the old shared password signs nobody in: a disabled or office-limited person who
    # knows it would otherwise write everywhere as "editor" (the dashboard uses it only in a store without users).
    shared = hash_password("shared", method=FAST)
    assert users.authenticate(cat_db, "editor", "shared", shared) is None
    assert users.authenticate(cat_db, "editor", "nope", shared) is None
    # Single sign-on: matched by email, else a viewer.
    users.add_user(cat_db, "di", "editor", email="Di@example.org", by="admin")
    assert users.sso_user(cat_db, "di@example.org").name == "di"
    assert users.sso_user(cat_db, "stranger@example.org").role == "viewer"


def test_the_users_command_reads_the_password_at_a_prompt(cat_db: Store) -> None:
    added = cli(cat_db, "users", "add", "ana", "--role", "editor", "--domain", "digital", "--by", "root",
                input="s3cret pass\ns3cret pass\n")
    assert added.exit_code == 0, added.output
    assert "s3cret" not in added.stdout
    assert users.authenticate(cat_db, "ana", "s3cret pass") is not None
    listed = cli(cat_db, "users", "list")
    assert "ana  editor  domains digital  password" in listed.stdout
    assert "scrypt" not in cli(cat_db, "users", "list", "--json").stdout, "never the hash"
    assert cli(cat_db, "users", "set-role", "ana", "reviewer", "--no-limits").exit_code == 0
    assert users.get_user(cat_db, "ana").role == "reviewer"
    assert cli(cat_db, "users", "disable", "ana").exit_code == 0
    assert users.get_user(cat_db, "ana").disabled
    assert cli(cat_db, "users", "disable", "nobody").exit_code == 3
    assert cli(cat_db, "users", "add", "ana", "--role", "editor", input="x\nx\n").exit_code == 2
    assert cli(cat_db, "users", "add", "bo", "--role", "editor", "--no-password").exit_code == 2


def test_the_cli_records_by_or_the_operating_system_user(cat_db: Store) -> None:
    assert cli(cat_db, "add", "racks", "24000", "--period-end", "2024-06-30", "--by", "ana").exit_code == 0
    assert cli(cat_db, "add", "racks", "25000", "--period-end", "2024-09-30").exit_code == 0
    with cat_db.read() as con:
        who = {r.period_end.isoformat(): r.recorded_by for r in queries.list_readings(con, "racks", history=True)}
    assert who["2024-06-30"] == "ana" and who["2024-09-30"] == users.os_user()


def test_a_limited_editor_cannot_write_other_indicators_through_the_library(cat_db: Store, tmp_path: Path) -> None:
    ana = users.User("ana", "editor", domains=("digital",))

    def authorize(indicators: list[Any]) -> None:
        users.check_writes(ana, indicators)

    before = readings_by(cat_db, "visits")
    with pytest.raises(NotAllowed, match="visits"):
        add_reading(cat_db, "visits", "1200", "2024-12-31", recorded_by="ana", authorize=authorize)
    file = tmp_path / "mixed.csv"
    file.write_text("indicator_id,period_end,value\nracks,2024-06-30,24000\nvisits,2024-12-31,1200\n", encoding="utf-8")
    with pytest.raises(NotAllowed, match="visits"):
        import_file(cat_db, file, recorded_by="ana", authorize=authorize)
    assert readings_by(cat_db, "visits") == before, "nothing was written"
    assert "ana" not in readings_by(cat_db, "racks"), "not the racks row either"
    report = add_reading(cat_db, "racks", "24000", "2024-06-30", recorded_by="ana", authorize=authorize)
    assert report.new == 1 and "ana" in readings_by(cat_db, "racks")


@pytest.fixture
def app_db(cat_db: Store, backend: str, monkeypatch: pytest.MonkeyPatch) -> Store:
    if backend != "file":
        pytest.skip("the dashboard cases run on the file store")
    monkeypatch.setenv("MONITOR_DB", str(cat_db.path))
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    return cat_db


def sign_in(at: Any, name: str, password: str) -> None:
    at.sidebar.text_input(key="editor_user").set_value(name)
    at.sidebar.text_input(key="editor_password").set_value(password)
    at.sidebar.button[0].click().run()
    assert not at.exception, at.exception


def test_a_named_editor_signs_in_writes_under_their_name_within_their_limits(
    app_db: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, hash_password("shared", method=FAST))
    users.add_user(app_db, "ana", "editor", password_hash=hash_password("ana pass", method=FAST),
                   domains=["digital"], by="admin")
    add = open_app("add_reading.py", lang="en", indicator="racks")
    assert any("Sign-in required" in w.value for w in add.warning)
    sign_in(add, "ana", "wrong")
    assert any("Wrong user name or password" in e.value for e in add.sidebar.error)
    sign_in(add, "ana", "ana pass")
    assert any("Signed in as ana (editor)" in s.value for s in add.sidebar.success)
    assert add.selectbox(key="add_indicator").options == ["Standard racks · Digital economy"], "only her domain"
    add.selectbox(key="add_kind_racks").set_value("point").run()
    add.text_input(key="add_value").set_value("24000")
    add.button(key="add_submit").click().run()
    assert not add.exception and not add.error
    assert readings_by(app_db, "racks")[-1] == "ana"
    # A disabled user is signed out at once.
    users.set_disabled(app_db, "ana", by="admin")
    add.run()
    assert any("sign-in required" in w.value.lower() for w in add.warning)
    assert not any("Signed in" in s.value for s in add.sidebar.success)


def test_a_viewer_signs_in_but_cannot_write(app_db: Store) -> None:
    users.add_user(app_db, "vi", "viewer", password_hash=hash_password("vi pass", method=FAST), by="admin")
    add = open_app("add_reading.py", lang="en", indicator="racks")
    sign_in(add, "vi", "vi pass")
    assert any("can read but not write" in w.value for w in add.warning)
    assert not add.get("text_input") or all(w.key in ("editor_user", "editor_password") for w in add.text_input)
