"""Named users with roles, and what each may write or review (docs/workflow.md, "Users and roles").

Roles, each including the one before it:

- ``viewer``: reads everything, writes nothing;
- ``editor``: enters readings (form, import, refresh now), withdraws them, edits the catalogue;
- ``reviewer``: besides, approves or rejects pending readings (never their own entry);
- ``admin``: besides, everything whatever their limits (the CLI manages users: `monitor users`).

A user may be limited to domains and/or responsible offices (责任单位, the indicator's ``responsible``,
which may name several offices separated by 、 , ， ; ； or /): they then write and review only the
indicators of those domains (when domains are given) that name one of those offices (when offices
are given). The catalogue (indicators and target versions) is for users without limits.

Who is signed in (the dashboard, monitor.services.auth hashes the passwords):

- the users of the store's ``app_user`` table (schema migration 8), each with their own password, or
  through the organisation's single sign-on (Streamlit's OIDC login), matched by email; a person
  signed in by single sign-on without a row here is a viewer;
- else, when only the old shared MONITOR_EDITOR_PASSWORD_HASH is configured, one account named
  ``editor`` (:data:`SHARED`), an editor without limits, so that existing deployments keep working;
- else nobody signs in and the dashboard is open (:data:`OPEN`, recorded as "dashboard"), as before.

The rules are enforced here, by the functions that write (:func:`check_writes`), not only by the pages
that hide a button: a limited editor's import of another office's indicator is refused with the rows
named, whatever the page showed.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.errors import ConfigError, NotAllowed, NotFound
from monitor.model import Indicator
from monitor.store import user_queries

ROLES = ("viewer", "editor", "reviewer", "admin")
_RANK = {r: n for n, r in enumerate(ROLES)}
NAME_MAX = 64
_OFFICE_SPLIT = re.compile(r"[、,，;；/]")
# A password check against this (never matching) hash when the name is unknown, so that a wrong name
# costs the same time as a wrong password and does not tell which names exist.
_DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


@dataclass(frozen=True)
class User:
    """A person as the rules see them. ``how``: password, sso, shared (the old editor password), open
    (no sign-in configured) or cli."""

    name: str
    role: str
    display_name: str | None = None
    email: str | None = None
    domains: tuple[str, ...] = ()
    offices: tuple[str, ...] = ()
    disabled: bool = False
    how: str = "password"
    password_hash: str | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return self.display_name or self.name

    def at_least(self, role: str) -> bool:
        return _RANK.get(self.role, -1) >= _RANK[role]

    @property
    def may_write(self) -> bool:
        return self.at_least("editor")

    @property
    def may_review(self) -> bool:
        return self.at_least("reviewer")

    @property
    def unlimited(self) -> bool:
        return self.role == "admin" or (not self.domains and not self.offices)

    @property
    def may_edit_catalog(self) -> bool:
        return self.may_write and self.unlimited

    def covers(self, indicator: Indicator) -> bool:
        """Whether the user's domains and offices include ``indicator`` (always, without limits)."""
        return self.covers_parts(indicator.domain, indicator.responsible)

    def covers_parts(self, domain: str, responsible: str | None) -> bool:
        """covers, given an indicator's domain and responsible offices (a page's row)."""
        if self.unlimited:
            return True
        if self.domains and domain not in self.domains:
            return False
        if self.offices:
            named = {o.strip() for o in _OFFICE_SPLIT.split(responsible or "") if o.strip()}
            if not named & set(self.offices):
                return False
        return True

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "display_name": self.display_name, "email": self.email, "role": self.role,
                "domains": list(self.domains), "offices": list(self.offices), "disabled": self.disabled,
                "password": self.password_hash is not None}


OPEN = User("dashboard", "admin", how="open")  # no sign-in configured: the name recorded as before
SHARED = User("editor", "editor", how="shared")  # the old shared editor password


def os_user() -> str:
    """Who acts on the command line when --by does not say: the operating-system user, else "cli"."""
    try:
        return getpass.getuser() or "cli"
    except Exception:  # no user name in the environment (a container without an /etc/passwd entry)  # noqa: BLE001
        return "cli"


def check_name(name: str, what: str = "user name") -> str:
    text = (name or "").strip()
    if not text or len(text) > NAME_MAX or not text.isprintable() or any(c.isspace() for c in text):
        raise ConfigError(f"{what} {name!r}: give 1 to {NAME_MAX} printable characters without spaces")
    return text


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ConfigError(f"role {role!r}: use one of {', '.join(ROLES)}")
    return role


def _names(values: Iterable[str], what: str) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        text = v.strip()
        if not text or not text.isprintable():
            raise ConfigError(f"{what} {v!r}: give printable text")
        if text not in out:
            out.append(text)
    return tuple(out)


def _user(row: dict[str, Any], how: str = "password") -> User:
    return User(name=row["name"], role=row["role"], display_name=row["display_name"], email=row["email"],
                domains=tuple(row["domains"]), offices=tuple(row["offices"]), disabled=bool(row["disabled"]),
                how=how, password_hash=row["password_hash"])


def _check_domains(con: Any, domains: Sequence[str]) -> None:
    from monitor.store import queries

    known = {i.domain for i in queries.list_indicators(con)}
    unknown = [d for d in domains if d not in known]
    if unknown and known:
        raise ConfigError(f"unknown domain(s) {', '.join(unknown)}; the catalogue's are {', '.join(sorted(known))}")


def add_user(store: Any, name: str, role: str, *, password_hash: str | None = None, email: str | None = None,
             display_name: str | None = None, domains: Sequence[str] = (), offices: Sequence[str] = (),
             by: str, now: datetime | None = None) -> User:
    """Add a user; ConfigError when the name is taken, the role unknown or neither a password nor an email
    (for single sign-on) is given."""
    name = check_name(name)
    check_role(role)
    if password_hash is None and not email:
        raise ConfigError(f"user {name}: give a password, or an email to sign in through single sign-on")
    if password_hash is not None:
        from monitor.services.auth import check_hash  # hashlib and OpenSSL: not on every command's path

        check_hash(password_hash)
    row = {"name": name, "role": role, "password_hash": password_hash, "email": (email or "").strip() or None,
           "display_name": (display_name or "").strip() or None, "domains": _names(domains, "domain"),
           "offices": _names(offices, "office"), "disabled": False, "updated_by": by}
    with store.write() as con:
        if user_queries.get_user(con, name) is not None:
            raise ConfigError(f"user {name} exists already; change it with `monitor users set-role`")
        _check_domains(con, tuple(_names(domains, "domain")))
        user_queries.put_user(con, row, now or datetime.utcnow())
    return _user(row)


def list_users(store: Any) -> list[User]:
    with store.read() as con:
        return [_user(r) for r in user_queries.list_users(con)]


def get_user(store: Any, name: str) -> User:
    with store.read() as con:
        row = user_queries.get_user(con, name)
    if row is None:
        raise NotFound(f"no user named {name}; see `monitor users list`")
    return _user(row)


def _change(store: Any, name: str, by: str, now: datetime | None, **changes: Any) -> User:
    with store.write() as con:
        row = user_queries.get_user(con, name)
        if row is None:
            raise NotFound(f"no user named {name}; see `monitor users list`")
        if "domains" in changes:
            _check_domains(con, changes["domains"])
        row.update(changes, updated_by=by)
        user_queries.put_user(con, row, now or datetime.utcnow())
    return _user(row)


def set_role(store: Any, name: str, role: str, *, domains: Sequence[str] | None = None,
             offices: Sequence[str] | None = None, by: str, now: datetime | None = None) -> User:
    """Change a user's role and, when given, their domains and offices (an empty list: no limit)."""
    changes: dict[str, Any] = {"role": check_role(role)}
    if domains is not None:
        changes["domains"] = _names(domains, "domain")
    if offices is not None:
        changes["offices"] = _names(offices, "office")
    return _change(store, name, by, now, **changes)


def set_disabled(store: Any, name: str, disabled: bool = True, *, by: str, now: datetime | None = None) -> User:
    """Disable a user (kept, so that the history still names them; they can no longer sign in), or enable."""
    return _change(store, name, by, now, disabled=disabled)


def set_password(store: Any, name: str, password_hash: str, *, by: str, now: datetime | None = None) -> User:
    from monitor.services.auth import check_hash

    check_hash(password_hash)
    return _change(store, name, by, now, password_hash=password_hash)


def has_users(store: Any) -> bool:
    """Whether any user may sign in (a store written before migration 8 has none)."""
    if not store.exists:
        return False
    with store.read() as con:
        try:
            return user_queries.active_user_count(con) > 0
        except Exception:  # no app_user table: a store not yet migrated  # noqa: BLE001
            return False


def authenticate(store: Any, name: str, password: str, shared_hash: str | None = None) -> User | None:
    """The user whose name and password these are, None otherwise (also for a disabled user). The old
    shared hash signs nobody in here: it is the dashboard's sign-in of a store without named users only
    (dashboards/auth.py); ``shared_hash`` is kept for callers of the earlier signature."""
    from monitor.services.auth import verify_password

    name = (name or "").strip()
    row = None
    if name and store.exists:
        with store.read() as con:
            try:
                row = user_queries.get_user(con, name)
            except Exception:  # no app_user table yet  # noqa: BLE001
                row = None
    if row is not None:
        ok = verify_password(password, row["password_hash"] or _DUMMY_HASH)
        return _user(row) if ok and row["password_hash"] and not row["disabled"] else None
    # The shared password is the sign-in of a store without named users only: once users exist, it would
    # let a disabled or office-limited person write everywhere as "editor".
    verify_password(password, _DUMMY_HASH)  # the same cost as a wrong password
    return None


def sso_user(store: Any, email: str, name: str | None = None) -> User:
    """The person signed in through single sign-on: the user with that email (their role and limits), else
    a viewer named by the email. A disabled user is a viewer."""
    row = None
    if store.exists and email:
        with store.read() as con:
            try:
                row = user_queries.user_by_email(con, email)
            except Exception:  # no app_user table yet  # noqa: BLE001
                row = None
    if row is not None and not row["disabled"]:
        return _user(row, how="sso")
    return User(name=email, role="viewer", display_name=name or None, email=email, how="sso")


def outside(user: User, indicators: Iterable[Indicator]) -> list[str]:
    """The ids of ``indicators`` the user may not write (their limits leave them out)."""
    return sorted({i.id for i in indicators if not user.covers(i)})


def check_writes(user: User | None, indicators: Iterable[Indicator], what: str = "write readings of") -> None:
    """Raise NotAllowed unless ``user`` (None: not checked, the CLI's operator) may write all of these."""
    if user is None:
        return
    if not user.may_write:
        raise NotAllowed(f"{user.name} is a {user.role} and may not {what} indicators")
    ids = outside(user, indicators)
    if ids:
        limits = "; ".join(x for x in (
            f"domains {', '.join(user.domains)}" if user.domains else "",
            f"offices {', '.join(user.offices)}" if user.offices else "") if x)
        raise NotAllowed(f"{user.name} may not {what} {', '.join(ids[:10])}"
                         f"{' and more' if len(ids) > 10 else ''} (limited to {limits}); nothing was written")
