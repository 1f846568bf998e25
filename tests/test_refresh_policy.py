"""The address and redirect policy of URL sources (issue 14, item 8), without traffic elsewhere.

The policy functions take resolved addresses, so every spelling of an internal address can be tried
here; GuardedBackend is given a resolver and refuses before it connects anywhere.
"""

from __future__ import annotations

import ipaddress

import pytest

from monitor.services.refresh.policy import (
    LINK_LOCAL,
    LOOPBACK,
    METADATA,
    address_problem,
    categories,
    escaped,
    noncanonical_address,
    parse_address,
    redirect_problem,
)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", {LOOPBACK}),
        ("2130706433", {LOOPBACK}),  # decimal
        ("0x7f000001", {LOOPBACK}),  # hexadecimal
        ("0177.0.0.1", {LOOPBACK}),  # octal
        ("127.1", {LOOPBACK}),  # short form
        ("127.255.0.9", {LOOPBACK}),
        ("0.0.0.0", {LOOPBACK}),  # reaches the local host on Linux
        ("0", {LOOPBACK}),
        ("::1", {LOOPBACK}),
        ("[::1]", {LOOPBACK}),
        ("::", {LOOPBACK}),
        ("::ffff:127.0.0.1", {LOOPBACK}),  # IPv6-mapped
        ("[::ffff:7f00:1]", {LOOPBACK}),
        ("64:ff9b::7f00:1", {LOOPBACK}),  # NAT64
        ("2002:7f00:1::1", {LOOPBACK}),  # 6to4
        ("::127.0.0.1", {LOOPBACK}),  # IPv4-compatible (deprecated)
        ("169.254.169.254", {METADATA}),
        ("2852039166", {METADATA}),
        ("0xa9fea9fe", {METADATA}),
        ("::ffff:169.254.169.254", {METADATA}),
        ("fd00:ec2::254", {METADATA}),
        ("100.100.100.200", {METADATA}),  # Alibaba Cloud
        ("169.254.170.2", {METADATA}),
        ("169.254.1.1", {LINK_LOCAL}),
        ("fe80::1", {LINK_LOCAL}),
        ("fe80::1%eth0", {LINK_LOCAL}),
        ("10.1.2.3", set()),  # an intranet is legitimate
        ("192.168.0.10", set()),
        ("172.16.5.4", set()),
        ("203.0.113.7", set()),
        ("2001:db8::1", set()),
        ("stats.example.org", set()),  # a name: checked once resolved
    ],
)
def test_every_spelling_of_an_internal_address_has_its_category(host: str, expected: set[str]) -> None:
    assert categories(host) == expected


def test_names_are_not_addresses() -> None:
    for name in ("localhost", "stats.example.org", "deadbeef", "0x", "1.2.3.4.5", "example.123"):
        assert parse_address(name) is None, name
    assert parse_address("2130706433") == ipaddress.ip_address("127.0.0.1")


def test_a_protected_address_is_used_only_when_the_configured_url_is_of_its_kind() -> None:
    public: frozenset[str] = frozenset()
    for address in ("127.0.0.1", "::1", "::ffff:127.0.0.1", "169.254.169.254", "fe80::1", "0.0.0.0"):
        problem = address_problem(address, public)
        assert problem and "the configured URL is not" in problem, address
    assert address_problem("10.0.0.8", public) is None
    # A feed served on the same machine: its own loopback address is fine, metadata still is not.
    assert address_problem("127.0.0.1", {LOOPBACK}) is None
    assert address_problem("::1", {LOOPBACK}) is None
    assert "metadata" in (address_problem("169.254.169.254", {LOOPBACK}) or "")
    assert "metadata" in (address_problem("169.254.169.254", {LINK_LOCAL}) or "")


def test_plainly_written_addresses_are_accepted_and_others_get_their_plain_form() -> None:
    for plain in ("127.0.0.1", "10.0.0.1", "::1", "fe80::1", "stats.example.org"):
        assert noncanonical_address(plain) is None, plain
    assert "write 127.0.0.1" in (noncanonical_address("2130706433") or "")
    assert "write 127.0.0.1" in (noncanonical_address("::ffff:127.0.0.1") or "")


CONFIGURED = "http://stats.example.org/open/a.csv"


@pytest.mark.parametrize(
    ("target", "allow", "refused"),
    [
        ("http://stats.example.org/other.csv", (), None),
        ("https://stats.example.org/open/a.csv", (), None),  # http -> https on default ports
        ("http://STATS.example.org./b.csv", (), None),
        ("http://stats.example.org:8080/a.csv", (), "stats.example.org:8080, which the source does not name"),
        ("http://intranet.example.org/a.csv", (), "intranet.example.org, which the source does not name"),
        ("http://127.0.0.1/etc/passwd", (), "127.0.0.1, which the source does not name"),
        ("http://2130706433/", (), "2130706433, which the source does not name"),
        ("http://[::ffff:127.0.0.1]/", (), "::ffff:127.0.0.1, which the source does not name"),
        ("http://169.254.169.254/latest/meta-data/", (), "169.254.169.254, which the source does not name"),
        ("file:///etc/passwd", (), "a redirect to a file: URL is never followed"),
        ("gopher://stats.example.org/", (), "gopher"),
        ("http://files.example.org/a.csv", ("files.example.org",), None),
        ("https://files.example.org/a.csv", ("files.example.org",), None),
        ("http://files.example.org:8443/a.csv", ("files.example.org",), "files.example.org:8443"),
        ("http://files.example.org:8443/a.csv", ("files.example.org:8443",), None),
    ],
)
def test_redirects_are_followed_only_to_the_configured_origin_or_allowed_hosts(
    target: str, allow: tuple[str, ...], refused: str | None
) -> None:
    problem = redirect_problem(CONFIGURED, target, allow)
    if refused is None:
        assert problem is None
    else:
        assert problem and refused in problem


def test_a_redirect_from_https_to_http_is_refused_even_on_the_same_host() -> None:
    assert "from https to http" in (redirect_problem("https://x.org/a", "http://x.org/a") or "")


def test_a_redirect_to_loopback_from_a_public_configured_host_is_refused_before_connecting() -> None:
    """A configured public host, an allowed host (or the same one, re-resolved) that resolves to an
    internal address: the backend refuses before any connection is made."""
    from monitor.services.refresh.transport import AddressRefused, GuardedBackend

    answers = {"files.example.org": ["127.0.0.1"], "meta.example.org": ["169.254.169.254"],
               "mapped.example.org": ["::ffff:127.0.0.1"], "zero.example.org": ["0.0.0.0"],
               "v6.example.org": ["::1"]}
    backend = GuardedBackend(resolve=lambda host, port: answers[host])
    backend.start(5)
    backend.allowed = frozenset()  # what the first connection, to a public configured host, leaves
    for host in answers:
        with pytest.raises(AddressRefused, match="the configured URL is not"):
            backend.connect_tcp(host, 80)


def test_the_first_host_connected_to_sets_what_is_allowed() -> None:
    """A configured URL served on this machine (a name resolving to 127.0.0.1) may use loopback; the
    connection goes to the checked address itself (a listener of this test, on 127.0.0.1)."""
    import socket

    from monitor.services.refresh.transport import AddressRefused, GuardedBackend

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    answers = {"feed.test": ["127.0.0.1"], "meta.test": ["169.254.169.254"]}
    backend = GuardedBackend(resolve=lambda host, p: answers[host])
    backend.start(5)
    try:
        stream = backend.connect_tcp("feed.test", port)
        stream.close()
        assert backend.allowed == frozenset({LOOPBACK})
        with pytest.raises(AddressRefused, match="metadata"):
            backend.connect_tcp("meta.test", port)
    finally:
        listener.close()


def test_the_deadline_bounds_name_resolution() -> None:
    import threading

    import httpcore

    from monitor.services.refresh.transport import GuardedBackend

    release = threading.Event()

    def stuck(host: str, port: int) -> list[str]:
        release.wait(30)  # a resolver that does not answer
        return ["127.0.0.1"]

    backend = GuardedBackend(resolve=stuck)
    backend.start(0.2)
    try:
        with pytest.raises(httpcore.ConnectTimeout, match="resolving slow.test"):
            backend.connect_tcp("slow.test", 80)
    finally:
        release.set()


def test_outside_text_is_escaped_and_cut_short() -> None:
    assert escaped("a\x1b]0;PWNED\x07\nb") == "a\\x1b]0;PWNED\\x07\\nb"
    assert escaped("x" * 1000, 50) == "x" * 49 + "…"
    assert escaped("统计局 ok") == "统计局 ok"
