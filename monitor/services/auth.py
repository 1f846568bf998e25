"""The editor password: hashing, verification and where its hash is configured. Standard library only.

Writing through the dashboard (add a reading, import a file, run a refresh now) requires the editor
to sign in when a password hash is configured:

- ``MONITOR_EDITOR_PASSWORD_HASH`` in the environment, else
- ``editor_password_hash`` in Streamlit's secrets (``.streamlit/secrets.toml``).

Without either, the dashboard lets anyone who can reach it write: it is meant for a trusted network
(the README says so). The hash is made with ``monitor hash-password``; the password itself is never
stored anywhere. Format: ``scrypt$<n>$<r>$<p>$<salt>$<hash>`` (base64), or
``pbkdf2_sha256$<iterations>$<salt>$<hash>`` for systems whose OpenSSL lacks scrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from monitor import settings
from monitor.errors import ConfigError

__all__ = [
    "ENV_VAR",
    "SECRET_KEY",
    "Throttle",
    "configured_hash",
    "hash_password",
    "verify_password",
]

ENV_VAR = "MONITOR_EDITOR_PASSWORD_HASH"
SECRET_KEY = "editor_password_hash"
MAX_PASSWORD_CHARS = 1024  # longer input is refused before any hashing work
# scrypt cost: 2**15 x 8 x 1 takes about 0.1 s and 32 MB, once per sign-in.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
PBKDF2_ITERATIONS = 600_000
_HASH_BYTES = 32


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=128 * r * (n + p + 2) + (1 << 20), dklen=_HASH_BYTES)


def hash_password(password: str, *, method: str = "scrypt") -> str:
    """A salted hash of ``password`` to put in MONITOR_EDITOR_PASSWORD_HASH or the secrets."""
    if not password:
        raise ValueError("the password is empty")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValueError(f"the password is longer than {MAX_PASSWORD_CHARS} characters")
    if "\x00" in password:
        # HMAC pads keys with zero bytes: "pw" and "pw\x00" would be the same password.
        raise ValueError("the password contains a NUL character")
    salt = secrets.token_bytes(16)
    if method == "scrypt":
        digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"
    if method == "pbkdf2_sha256":
        digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, PBKDF2_ITERATIONS, _HASH_BYTES)
        return f"pbkdf2_sha256${PBKDF2_ITERATIONS}${_b64(salt)}${_b64(digest)}"
    raise ValueError(f"unknown method {method!r}; use scrypt or pbkdf2_sha256")


def _parse(encoded: str) -> tuple[str, tuple[int, ...], bytes, bytes]:
    """(method, cost parameters, salt, digest); ValueError naming what is wrong (never the hash itself)."""
    parts = encoded.strip().split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = (int(x) for x in parts[1:4])
            # Bounded so that a mistyped hash cannot make a sign-in take gigabytes or minutes.
            if not (2**10 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
                raise ValueError("scrypt parameters out of range")
            return "scrypt", (n, r, p), _unb64(parts[4]), _unb64(parts[5])
        if parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            iterations = int(parts[1])
            if not 10_000 <= iterations <= 10_000_000:
                raise ValueError("pbkdf2 iterations out of range")
            return "pbkdf2_sha256", (iterations,), _unb64(parts[2]), _unb64(parts[3])
    except (ValueError, UnicodeEncodeError) as e:
        raise ValueError(f"malformed editor password hash: {e}") from None
    raise ValueError("malformed editor password hash: expected scrypt$n$r$p$salt$hash (made by `monitor hash-password`)")


def check_hash(encoded: str) -> None:
    """Raise ValueError when ``encoded`` is not a hash this module can verify against."""
    method, _, salt, digest = _parse(encoded)
    if len(salt) < 8 or len(digest) < 16:
        raise ValueError(f"malformed editor password hash: {method} salt or hash too short")


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches ``encoded``, compared in constant time; False for a malformed hash."""
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD_CHARS or "\x00" in password:
        return False  # (a NUL: HMAC pads keys with zero bytes, so "pw\x00" would pass for "pw")
    try:
        check_hash(encoded)
        method, cost, salt, digest = _parse(encoded)
    except ValueError:
        return False
    if method == "scrypt":
        n, r, p = cost
        computed = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                                  maxmem=128 * r * (n + p + 2) + (1 << 20), dklen=len(digest))
    else:
        computed = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, cost[0], len(digest))
    return hmac.compare_digest(computed, digest)


def configured_hash(secrets_: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """The editor password hash from the environment, else from ``secrets_``; None when neither sets one.

    A value that is set but malformed raises ConfigError: the dashboard then refuses every write
    rather than silently leaving editing open.
    """
    value = settings.get(ENV_VAR, environ) or ""
    where = f"environment variable {ENV_VAR}"
    if not value and secrets_ is not None:
        try:
            raw = secrets_.get(SECRET_KEY)
        except Exception:  # Streamlit raises when there is no secrets file at all  # noqa: BLE001
            raw = None
        value = str(raw).strip() if raw else ""
        where = f"secret {SECRET_KEY}"
    if not value:
        return None
    try:
        check_hash(value)
    except ValueError as e:
        raise ConfigError(f"{where}: {e}") from None
    return value


class Throttle:
    """Failed sign-ins counted per client, and the waits they impose; a clock can be injected.

    A client is a browser session (a random token the dashboard keeps in the session) and, when
    known, the address it connects from. Wrong passwords from one client never lock out another:

    - a **session** may fail ``session_limit`` times per ``window_s``, then waits until the oldest of
      those failures is ``window_s`` old;
    - an **address** (every session from it together: a script opening new sessions) may fail
      ``address_limit`` times per ``window_s``, then waits likewise;
    - the **global ceiling** slows and never refuses: once ``global_limit`` failures from all
      clients fall within ``global_window_s`` (a guessing run spread over many addresses), every
      attempt, the right password included, takes its turn, one per ``global_interval_s``, and
      waits at most ``max_delay_s`` for it.

    The address is only as good as the server's view of it: Streamlit (uvicorn) takes it from the TCP
    peer, or from X-Forwarded-For only when the peer is a proxy on the same machine. Without one
    (a local connection), a client is its session alone. At most ``max_clients`` sessions and
    addresses are remembered; the oldest are forgotten first.
    """

    def __init__(
        self,
        *,
        session_limit: int = 5,
        address_limit: int = 20,
        window_s: float = 900.0,
        global_limit: int = 30,
        global_window_s: float = 60.0,
        global_interval_s: float = 1.0,
        max_delay_s: float = 10.0,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if min(session_limit, address_limit, global_limit, max_clients) < 1:
            raise ValueError("throttle limits must be at least 1")
        self.session_limit = session_limit
        self.address_limit = address_limit
        self.window_s = window_s
        self.global_limit = global_limit
        self.global_window_s = global_window_s
        self.global_interval_s = global_interval_s
        self.max_delay_s = max_delay_s
        self.max_clients = max_clients
        self._clock = clock
        # The newest failures of each session and address (only the last ``limit`` matter).
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._global: deque[float] = deque(maxlen=global_limit)
        self._next_turn = 0.0
        self._lock = threading.Lock()

    def _keys(self, session: str, address: str | None) -> list[tuple[tuple[str, str], int]]:
        keys = [(("session", session), self.session_limit)]
        if address:
            keys.append((("address", address), self.address_limit))
        return keys

    def wait_s(self, session: str, address: str | None = None) -> float:
        """Seconds before this client may try again (0 when it may now); other clients do not count."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key, limit in self._keys(session, address):
                times = self._failures.get(key)
                if times is not None and len(times) >= limit:
                    wait = max(wait, self.window_s - (now - times[0]))
        return max(wait, 0.0)

    def turn_s(self) -> float:
        """Seconds this attempt waits for its turn under the global ceiling (0 below it); never refused.

        Takes the turn: call once per attempt, just before checking the password.
        """
        now = self._clock()
        with self._lock:
            busy = len(self._global) == self.global_limit and now - self._global[0] < self.global_window_s
            if not busy:
                return 0.0
            delay = min(max(self._next_turn - now, 0.0), self.max_delay_s)
            self._next_turn = now + delay + self.global_interval_s
            return delay

    def failed(self, session: str, address: str | None = None) -> None:
        """Count a wrong password against this session, its address and the global ceiling."""
        now = self._clock()
        with self._lock:
            self._global.append(now)
            for key, limit in self._keys(session, address):
                times = self._failures.pop(key, None)  # re-inserted last: the dict is oldest-first
                if times is None:
                    times = deque(maxlen=limit)
                times.append(now)
                self._failures[key] = times
            self._forget(now)

    def succeeded(self, session: str) -> None:
        """The session signed in: its own failures are forgotten (its address's are not)."""
        with self._lock:
            self._failures.pop(("session", session), None)

    def _forget(self, now: float) -> None:
        # The dict runs from the client whose last failure is oldest: those out of the window no
        # longer count, and beyond max_clients the oldest go first.
        while self._failures:
            oldest = next(iter(self._failures))
            if now - self._failures[oldest][-1] < self.window_s and len(self._failures) <= self.max_clients:
                break
            del self._failures[oldest]
