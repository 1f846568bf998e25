"""Editor sign-in: a password form in the sidebar, and the check the writing pages make.

When an editor password hash is configured (monitor/services/auth.py: MONITOR_EDITOR_PASSWORD_HASH, else the
Streamlit secret editor_password_hash), adding a reading, importing a file and running a refresh
now require the editor to be signed in; reading stays open to everyone. Without a hash, the writing
pages say that the dashboard is meant for a trusted network. The signed-in flag lives in the
server-side session state only; the browser never holds a token.
"""

from __future__ import annotations

import math
import secrets
import time

import streamlit as st

from monitor.errors import ConfigError
from monitor.present.i18n import escape_markdown, t
from monitor.services.auth import Throttle, configured_hash, verify_password

SIGNED_IN = "editor_signed_in"
CLIENT_KEY = "editor_client"


@st.cache_resource(show_spinner=False)
def _throttle() -> Throttle:
    # One per server process: failures are counted per session and per address across sessions.
    return Throttle()


def _client() -> tuple[str, str | None]:
    """(session token, address): the address when Streamlit knows it, None for a local connection."""
    token = st.session_state.get(CLIENT_KEY)
    if not token:
        # Not Streamlit's session id: a random token per browser session, kept server-side only.
        token = st.session_state[CLIENT_KEY] = secrets.token_hex(16)
    try:
        address = st.context.ip_address
    except Exception:  # no client context (a script run outside a browser session)  # noqa: BLE001
        address = None
    return str(token), address or None


def _secrets() -> object | None:
    try:
        return st.secrets
    except Exception:  # no secrets file  # noqa: BLE001
        return None


def editor_hash() -> str | None:
    """The configured hash, None when editing is open; ConfigError when it is set but malformed."""
    return configured_hash(_secrets())  # type: ignore[arg-type]


def signed_in() -> bool:
    return bool(st.session_state.get(SIGNED_IN))


def _sign_in(encoded: str, lang: str) -> None:
    password = st.session_state.get("editor_password", "")
    st.session_state["editor_password"] = ""  # never kept in the session
    throttle = _throttle()
    session, address = _client()
    wait = throttle.wait_s(session, address)
    if wait > 0:
        # This client has failed too often; other clients are not affected.
        st.session_state["editor_message"] = t("auth.throttled", lang, seconds=math.ceil(wait))
        return
    # Above the global ceiling every attempt waits its turn (at most Throttle.max_delay_s), never refused.
    time.sleep(throttle.turn_s())
    if verify_password(password, encoded):
        throttle.succeeded(session)
        st.session_state[SIGNED_IN] = True
        st.session_state.pop("editor_message", None)
    else:
        throttle.failed(session, address)
        st.session_state["editor_message"] = t("auth.wrong", lang)


def _sign_out() -> None:
    st.session_state[SIGNED_IN] = False


def sidebar(lang: str) -> None:
    """The sign-in form (or who is signed in) in the sidebar; nothing when editing is open."""
    try:
        encoded = editor_hash()
    except ConfigError:
        with st.sidebar:
            st.error(t("auth.bad_hash", lang), icon=":material/lock:")
        return
    if encoded is None:
        return
    with st.sidebar:
        if signed_in():
            st.success(t("auth.signed_in", lang), icon=":material/lock_open:")
            st.button(t("auth.sign_out", lang), key="editor_sign_out", on_click=_sign_out)
            return
        st.markdown(f"**{t('auth.sign_in', lang)}**")
        with st.form("editor_sign_in", border=False):
            st.text_input(t("auth.password", lang), type="password", key="editor_password", max_chars=1024)
            st.form_submit_button(t("auth.submit", lang), on_click=_sign_in, args=(encoded, lang))
        message = st.session_state.get("editor_message")
        if message:
            st.error(message)
        st.caption(t("auth.why", lang))


def editing_allowed() -> bool:
    """Whether this session may write, without saying anything: editing open (no hash configured) or the
    editor signed in. A malformed hash allows nothing (may_edit says why on the writing pages)."""
    try:
        encoded = editor_hash()
    except ConfigError:
        return False
    return encoded is None or signed_in()


def editor_name() -> str:
    """Who the change log records for this session's changes. There is one shared editor password and no
    editor names yet: "dashboard" (the name the app has always recorded)."""
    return "dashboard"


def may_edit(lang: str, *, note: bool = True) -> bool:
    """Whether this session may write. Shows why not (or, with editing open, the trusted-network note)."""
    try:
        encoded = editor_hash()
    except ConfigError as e:
        st.error(escape_markdown(t("auth.bad_hash_detail", lang, reason=str(e))), icon=":material/lock:")
        return False
    if encoded is None:
        if note:
            st.caption(t("auth.open", lang))
        return True
    if signed_in():
        return True
    st.warning(t("auth.required", lang), icon=":material/lock:")
    return False
