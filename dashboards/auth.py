"""Sign-in: named users with roles, single sign-on, or the old shared editor password; the checks the pages make.

Who may write (monitor/services/users.py has the roles and their limits):

- with users in the store (`monitor users add`), each signs in with their own name and password in the
  sidebar, or, where the organisation's single sign-on is configured (an ``[auth]`` section in Streamlit's
  secrets), through Streamlit's OIDC login (``st.login``), matched to a user by email;
- with no users but the shared hash (monitor/services/auth.py: MONITOR_EDITOR_PASSWORD_HASH, else the
  Streamlit secret editor_password_hash), the password field alone signs in the account named ``editor``,
  as before;
- with neither, the dashboard is open: the writing pages say it is meant for a trusted network.

Adding a reading, importing a file, running a refresh now, withdrawing and editing the catalogue require
a signed-in user whose role allows it; reading stays open to everyone. Only the signed-in name lives in
the server-side session state (the browser never holds a token); the user is read again from the store
on every run, so a disabled user or a changed role takes effect at once. The writes themselves check the
user again (monitor.services.users.check_writes), whatever a page showed.
"""

from __future__ import annotations

import math
import secrets
import time

import streamlit as st

from monitor.errors import ConfigError, NotAllowed
from monitor.present.i18n import escape_markdown, t
from monitor.services import review, users
from monitor.services.auth import Throttle, configured_hash, verify_password
from monitor.services.users import OPEN, SHARED, User

SIGNED_IN = "editor_signed_in"
SIGNED_IN_AS = "signed_in_as"  # the name of the user signed in with a password (server-side only)
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


def _store():  # type: ignore[no-untyped-def]
    from dashboards import state

    return state.store(state.db_path())


def sso_configured() -> bool:
    """Whether Streamlit's OIDC login is configured (an [auth] section in the secrets)."""
    found = _secrets()
    try:
        return found is not None and "auth" in found  # type: ignore[operator]
    except Exception:  # noqa: BLE001 - an unreadable secrets file: no single sign-on
        return False


def _sso_email() -> tuple[str, str | None] | None:
    if not sso_configured():
        return None
    try:
        if not st.user.is_logged_in:
            return None
        email = st.user.get("email")
        name = st.user.get("name")
    except Exception:  # noqa: BLE001 - no user context (a script run outside a browser session)
        return None
    return (str(email), str(name) if name else None) if email else None


def has_users() -> bool:
    return users.has_users(_store())


def current_user() -> User | None:
    """Who this session acts as: a signed-in user, the shared editor account, OPEN when no sign-in is
    configured, or None (nobody signed in, or a malformed hash: then nobody may write)."""
    try:
        encoded = editor_hash()
    except ConfigError:
        return None
    sso = _sso_email()
    if sso is not None:
        return users.sso_user(_store(), *sso)
    name = st.session_state.get(SIGNED_IN_AS)
    if name == SHARED.name and st.session_state.get(SIGNED_IN) == "shared":
        # Only while the store has no named users (an admin adding one ends the shared sign-in).
        return SHARED if encoded is not None and not has_users() else None
    if name:
        try:
            user = users.get_user(_store(), str(name))
        except Exception:  # noqa: BLE001 - removed meanwhile, or the store unreadable: signed out
            return None
        return None if user.disabled else user
    if encoded is None and not sso_configured() and not has_users():
        return OPEN
    return None


def signed_in() -> bool:
    user = current_user()
    return user is not None and user is not OPEN


def _sign_in(encoded: str | None, lang: str) -> None:
    password = st.session_state.get("editor_password", "")
    st.session_state["editor_password"] = ""  # never kept in the session
    name = str(st.session_state.get("editor_user", "") or "").strip()
    named = has_users()
    throttle = _throttle()
    session, address = _client()
    wait = throttle.wait_s(session, address)
    if wait > 0:
        # This client has failed too often; other clients are not affected.
        st.session_state["editor_message"] = t("auth.throttled", lang, seconds=math.ceil(wait))
        return
    # Above the global ceiling every attempt waits its turn (at most Throttle.max_delay_s), never refused.
    time.sleep(throttle.turn_s())
    if named:
        user = users.authenticate(_store(), name, password, encoded)
    else:
        user = SHARED if encoded is not None and verify_password(password, encoded) else None
    if user is not None:
        throttle.succeeded(session)
        st.session_state[SIGNED_IN_AS] = user.name
        st.session_state[SIGNED_IN] = "shared" if user is SHARED else "user"
        st.session_state.pop("editor_message", None)
    else:
        throttle.failed(session, address)
        st.session_state["editor_message"] = t("auth.wrong_user" if named else "auth.wrong", lang)


def _sign_out() -> None:
    st.session_state[SIGNED_IN] = False
    st.session_state.pop(SIGNED_IN_AS, None)


def limits_text(user: User, lang: str) -> str:
    parts = []
    if user.domains:
        parts.append(t("auth.domains", lang, names="、".join(user.domains) if lang == "zh" else ", ".join(user.domains)))
    if user.offices:
        parts.append(t("auth.offices", lang, names="、".join(user.offices) if lang == "zh" else ", ".join(user.offices)))
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def sidebar(lang: str) -> None:
    """The sign-in form (or who is signed in) in the sidebar; nothing when editing is open."""
    try:
        encoded = editor_hash()
    except ConfigError:
        with st.sidebar:
            st.error(t("auth.bad_hash", lang), icon=":material/lock:")
        return
    user = current_user()
    if user is OPEN:
        return
    with st.sidebar:
        if user is not None:
            if user is SHARED:
                st.success(t("auth.signed_in", lang), icon=":material/lock_open:")
            else:
                st.success(escape_markdown(t("auth.signed_in_as", lang, name=user.label, role=t(f"role.{user.role}", lang))),
                           icon=":material/lock_open:")
                if not user.unlimited:
                    st.caption(escape_markdown(t("auth.limits", lang, limits=limits_text(user, lang))))
            if user.how == "sso":
                if user.role == "viewer" and user.email:
                    st.caption(escape_markdown(t("auth.sso_viewer", lang, email=user.email)))
                st.button(t("auth.sign_out", lang), key="editor_sign_out", on_click=st.logout)
            else:
                st.button(t("auth.sign_out", lang), key="editor_sign_out", on_click=_sign_out)
            return
        named = has_users()
        st.markdown(f"**{t('auth.sign_in', lang)}**")
        if sso_configured():
            st.button(t("auth.sso", lang), key="editor_sso", on_click=st.login)
        if named or encoded is not None:
            with st.form("editor_sign_in", border=False):
                if named:
                    st.text_input(t("auth.user", lang), key="editor_user", max_chars=users.NAME_MAX)
                label = t("auth.user_password" if named else "auth.password", lang)
                st.text_input(label, type="password", key="editor_password", max_chars=1024)
                st.form_submit_button(t("auth.submit", lang), on_click=_sign_in, args=(encoded, lang))
        message = st.session_state.get("editor_message")
        if message:
            st.error(message)
        st.caption(t("auth.why", lang))


def editing_allowed() -> bool:
    """Whether this session may write, without saying anything: editing open or a signed-in user whose role
    writes. A malformed hash allows nothing (may_edit says why on the writing pages)."""
    user = current_user()
    return user is not None and user.may_write


def catalog_allowed() -> bool:
    """Whether this session may edit the catalogue: a writer without domain or office limits."""
    user = current_user()
    return user is not None and user.may_edit_catalog


def reviewing_allowed() -> bool:
    user = current_user()
    return user is not None and user.may_review


def editor_name() -> str:
    """Who the history records for this session's changes: the signed-in user's name, "editor" for the
    shared password, "dashboard" when editing is open (the name the app has always recorded)."""
    user = current_user()
    return user.name if user is not None else OPEN.name


def may_edit(lang: str, *, note: bool = True) -> bool:
    """Whether this session may write. Shows why not (or, with editing open, the trusted-network note)."""
    try:
        editor_hash()
    except ConfigError as e:
        st.error(escape_markdown(t("auth.bad_hash_detail", lang, reason=str(e))), icon=":material/lock:")
        return False
    user = current_user()
    if (user is OPEN or user is SHARED) and review.enabled():
        # With review on, an entry waits for a reviewer who is not its author: an open dashboard (everyone is
        # "dashboard") or the shared "editor" account has none, so its entries could never be approved here.
        st.warning(t("auth.review_needs_users", lang), icon=":material/lock:")
        return False
    if user is OPEN:
        if note:
            st.caption(t("auth.open", lang))
        return True
    if user is None:
        st.warning(t("auth.required_user" if has_users() else "auth.required", lang), icon=":material/lock:")
        return False
    if not user.may_write:
        st.warning(escape_markdown(t("auth.no_write", lang, role=t(f"role.{user.role}", lang))), icon=":material/lock:")
        return False
    if note and not user.unlimited:
        st.caption(escape_markdown(t("auth.scope_note", lang, limits=limits_text(user, lang))))
    return True


def acting_user() -> User | None:
    """The user the library's checks are given: None (no check) when editing is open, else the signed-in user
    (or, signed out meanwhile, a viewer, whom every write refuses)."""
    user = current_user()
    if user is OPEN:
        return None
    return user if user is not None else User(name="anonymous", role="viewer", how="none")


def authorize():  # type: ignore[no-untyped-def]
    """The check the writes make for this session's user (monitor.files.ingest's ``authorize``): raises
    NotAllowed for an indicator outside the user's limits. None (no check) when editing is open."""
    user = current_user()
    if user is OPEN:
        return None

    def check(indicators: list) -> None:  # type: ignore[type-arg]
        if user is None:  # signed out (or disabled) since the page was drawn
            raise NotAllowed("sign in to write; nothing was written")
        users.check_writes(user, indicators)

    return check
