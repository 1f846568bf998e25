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
from collections.abc import Mapping
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
    """At most ``limit`` failed sign-ins per ``window_s`` seconds (process-wide), then wait.

    Guessing is slowed for everyone at once, whatever session or address the guesses come from.
    """

    def __init__(self, limit: int = 10, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._failures: deque[float] = deque()
        self._lock = threading.Lock()

    def _trim(self, now: float) -> None:
        while self._failures and now - self._failures[0] >= self.window_s:
            self._failures.popleft()

    def wait_s(self, now: float | None = None) -> float:
        """Seconds until another attempt is allowed (0 when it is)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._trim(now)
            if len(self._failures) < self.limit:
                return 0.0
            return self.window_s - (now - self._failures[0])

    def failed(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._trim(now)
            self._failures.append(now)
