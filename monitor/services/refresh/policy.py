"""Where a source may read and move files, and where a fetch may connect: pure rules, no I/O but path resolution.

Folders (inbox sources, file sources, log channels):

- never the filesystem root, a system folder (``/etc``, ``/usr``, ``/proc``, ... and everything below
  them; ``/home``, ``/var``, ``/tmp``, the user's home ... themselves), checked on the path as written
  before anything is resolved, then again on the resolved path (a symlink to ``/etc`` is ``/etc``);
- always inside an allowed base: the sources file's folder unless ``allowed_base`` widens it;
- an inbox is never the folder that holds the store, nor one of its parents (it would take the
  store's files), nor inside or above a DuckLake's data folder.

Addresses (URL sources; alert channels get the deadline and the same address check):

- a redirect is followed only to the configured origin (same host, same explicit port, never
  https -> http) or to a host of the source's ``allow_hosts``;
- every connection goes to an address checked after resolution: loopback, link-local and
  cloud-metadata addresses (in any spelling the resolver accepts: ``2130706433``, ``0x7f000001``,
  ``127.1``, ``[::ffff:127.0.0.1]``, NAT64, 6to4) are refused unless the configured URL's own host is
  of that category (a feed served on the same machine is legitimate, a redirect to it is not);
- a configured URL must spell an IPv4 address in dotted decimal (``127.0.0.1``, not ``2130706433``).

Text from outside (a server's reason phrase, an exception about a response) is shown only through
:func:`escaped`: control characters escaped, cut to a short excerpt.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath
from urllib.parse import urlsplit

# ---------------------------------------------------------------- folders

# The folder and everything below it.
SYSTEM_TREES = (
    "/etc", "/bin", "/sbin", "/boot", "/dev", "/proc", "/sys", "/lib", "/lib32", "/lib64", "/libx32",
    "/usr", "/run", "/snap", "/var/run", "/var/log", "/var/spool", "/var/mail", "/var/cache", "/var/lib/dpkg",
    "/System", "/Library", "/private/etc", "/private/var/db",  # macOS (/etc is /private/etc there)
)
# The folder itself (what lies below may be a deployment's data folder).
SYSTEM_FOLDERS = ("/home", "/root", "/var", "/var/lib", "/tmp", "/var/tmp", "/srv", "/opt", "/mnt", "/media",
                  "/private", "/private/var", "/private/tmp", "/Users", "/Volumes")
_WINDOWS_TREES = ("SystemRoot", "ProgramFiles", "ProgramFiles(x86)", "ProgramData")


def _within(path: PurePath, folder: PurePath) -> bool:
    return path == folder or folder in path.parents


def _lexical(path: Path) -> Path:
    """The absolute path with '.' and '..' folded, without looking at the filesystem."""
    return Path(os.path.normpath(os.path.abspath(path)))


def _system_problem(path: Path) -> str | None:
    if path == Path(path.anchor):
        return "is the root of the filesystem"
    trees = [Path(t) for t in SYSTEM_TREES] + [Path(v) for k in _WINDOWS_TREES if (v := os.environ.get(k))]
    for tree in trees:
        if _within(path, tree):
            return f"is a system folder ({tree})" if path == tree else f"is inside a system folder ({tree})"
    exact = [Path(f) for f in SYSTEM_FOLDERS]
    try:
        exact.append(Path.home())
    except RuntimeError:  # no home directory known
        pass
    if path in exact:
        return "is a system or home folder itself (use a folder of its own below it)"
    return None


def path_problem(
    path: Path,
    *,
    bases: Sequence[Path],
    store_folders: Sequence[Path] = (),
    lake_folders: Sequence[Path] = (),
    what: str = "folder",
) -> str | None:
    """Why ``path`` may not be used (None when it may): system folders, outside every base, the store.

    ``store_folders``: folders holding a store file (refused, with their parents). ``lake_folders``: a
    DuckLake's data folders (refused, with their parents and everything inside). The path as written is
    checked first, so a system folder is refused before it is looked at; then the resolved path.
    """
    lexical = _lexical(path)
    problem = _system_problem(lexical)
    if problem:
        return problem
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError) as e:  # a symlink loop
        return f"cannot be resolved ({e.__class__.__name__})"
    if resolved != lexical:
        problem = _system_problem(resolved)
        if problem:
            return f"leads to {resolved}, which {problem}"
    for candidate in {lexical, resolved}:
        for folder in store_folders:
            if _within(folder, candidate):
                held = "holds the store" if candidate == folder else "is a parent of the store's folder"
                return f"{held} ({folder}); give the inbox a folder of its own, e.g. {folder / 'inbox'}"
        for folder in lake_folders:
            if _within(folder, candidate) or _within(candidate, folder):
                return f"overlaps the DuckLake's data folder ({folder})"
    resolved_bases = [_resolved(b) for b in bases]
    # The resolved path decides: a symlink inside the base that leads out of it is outside.
    if not any(_within(resolved, b) for b in resolved_bases):
        shown = ", ".join(str(b) for b in resolved_bases)
        return (f"is outside the allowed base ({shown}); put the {what} there or name its parent "
                "in allowed_base at the top of the sources file")
    return None


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return _lexical(path)


def store_files(location: str | os.PathLike[str] | None) -> tuple[list[Path], list[Path], Path | None]:
    """(folders holding the store, a DuckLake's data folders, the store file) for a database location
    (--db, else MONITOR_DB, else data/monitor.duckdb)."""
    from monitor.store.connection import is_lake, resolve_db_path

    if is_lake(location):
        from monitor import settings

        data = settings.get("MONITOR_DATA_PATH")
        return [], ([_resolved(Path(data).expanduser())] if data else []), None
    db = _resolved(resolve_db_path(location))
    return [db.parent], [], db


def is_store_file(path: Path, db: Path | None) -> bool:
    """The store file itself or one of its sidecars (``<db>.wal``, ``.lock``, ``.gate``, ``.before-restore``...)."""
    if db is None:
        return False
    resolved = _resolved(path)
    return resolved.parent == db.parent and (resolved.name == db.name or resolved.name.startswith(db.name + "."))


# ---------------------------------------------------------------- addresses

LOOPBACK, LINK_LOCAL, METADATA = "loopback", "link-local", "metadata"
PROTECTED = (LOOPBACK, LINK_LOCAL, METADATA)
# Cloud instance-metadata services (AWS/GCP/Azure/OpenStack, AWS ECS and IPv6, Alibaba Cloud, Oracle, Azure).
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "192.0.0.192", "168.63.129.16",
))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")  # 0.0.0.0 reaches the local host on Linux


def parse_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names when it is an address in any spelling the system resolver accepts
    (``127.0.0.1``, ``2130706433``, ``0x7f000001``, ``0177.1``, ``127.1``, ``::ffff:127.0.0.1``,
    ``[::1]``, ``fe80::1%eth0``); None for a host name."""
    text = host.strip().strip("[]").split("%", 1)[0]
    if not text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if all(c in "0123456789abcdefxABCDEFX." for c in text) and any(c.isdigit() for c in text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))  # the resolver's own legacy forms
        except OSError:
            return None
    return None


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if int(address) >> 32 == 0 and int(address) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(address))
    return None


def categories(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> frozenset[str]:
    """The protected categories of an address (empty for an ordinary public or private address)."""
    ip = parse_address(address) if isinstance(address, str) else address
    if ip is None:
        return frozenset()
    found: set[str] = set()
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and (v4 := _embedded_v4(ip)) is not None:
        candidates.append(v4)
    for a in candidates:
        if a.is_loopback or a.is_unspecified or (isinstance(a, ipaddress.IPv4Address) and a in _THIS_NETWORK):
            found.add(LOOPBACK)
        if a in METADATA_ADDRESSES:
            found.add(METADATA)
        elif a.is_link_local:
            found.add(LINK_LOCAL)
    return frozenset(found)


def address_problem(address: str, allowed: Iterable[str]) -> str | None:
    """Why a connection to ``address`` is refused when the configured URL's host is of the ``allowed``
    categories; None when it may go ahead."""
    refused = sorted(categories(address) - set(allowed))
    if not refused:
        return None
    return (f"{address} is a {' and '.join(refused)} address, and the configured URL is not; "
            "such an address is used only when the configured URL names it")


def noncanonical_address(host: str) -> str | None:
    """A configured host that is an address written other than plainly: how to write it, else None."""
    ip = parse_address(host)
    text = host.strip().strip("[]")
    if ip is None:
        return None
    if isinstance(ip, ipaddress.IPv4Address) and text != str(ip):
        return f"spells the address {ip} as '{text}'; write {ip}"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return f"spells the address {ip.ipv4_mapped} as an IPv6-mapped address; write {ip.ipv4_mapped}"
    return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower().rstrip("."), parts.port


def host_entry_problem(entry: object) -> str | None:
    """Why an ``allow_hosts`` entry (``host`` or ``host:port``) is unusable, or None."""
    if not isinstance(entry, str) or not entry.strip() or any(c.isspace() or c in "/?#@*" for c in entry):
        return f"{str(entry)[:60]!r} is not a host name such as files.example.org or files.example.org:8443"
    try:
        parts = urlsplit(f"http://{entry}")
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return f"{entry[:60]!r} has an invalid port"
    if not parts.hostname:
        return f"{entry[:60]!r} is not a host name"
    problem = noncanonical_address(parts.hostname)
    return f"{entry[:60]!r} {problem}" if problem else None


def redirect_problem(configured: str, target: str, allow_hosts: Sequence[str] = ()) -> str | None:
    """Why a redirect from the source's ``configured`` URL to ``target`` is not followed, or None.

    Followed: the configured origin (same host, and the same port when the URL names one: http -> https
    on default ports is fine), or a host listed in ``allow_hosts`` (``host`` = its default port,
    ``host:port`` = that port). Never to another scheme than http/https, never from https to http.
    """
    c_scheme, c_host, c_port = _origin(configured)
    try:
        t_scheme, t_host, t_port = _origin(target)
    except ValueError:
        return "the redirect target is not a valid URL"
    if t_scheme not in ("http", "https"):
        return f"a redirect to a {t_scheme or 'relative'}: URL is never followed"
    if c_scheme == "https" and t_scheme == "http":
        return f"a redirect from https to http ({t_host}) is never followed"
    if t_host == c_host and t_port == c_port:
        return None
    for entry in allow_hosts:
        _, a_host, a_port = _origin(f"http://{entry}")
        if t_host == a_host and t_port == a_port:
            return None
    shown = t_host + (f":{t_port}" if t_port else "")
    return (f"redirected to {shown}, which the source does not name; add \"{shown}\" to the source's "
            "allow_hosts if that host is meant")


def escaped(text: object, limit: int = 200) -> str:
    """Outside text made safe to store and show: control characters escaped, at most ``limit`` characters."""
    out = []
    for c in str(text):
        if c in "\n\r\t" or (not c.isprintable() and c != " "):
            out.append(c.encode("unicode_escape").decode("ascii"))
        else:
            out.append(c)
    shown = "".join(out)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
