"""The SSRF rules: which URLs and addresses a webhook may be sent to."""

import ipaddress

import pytest

from moderation.webhooks.targets import (
    TargetRefused,
    check_url,
    parse_networks,
    refusal,
    resolve_target,
)


def ip(text):
    return ipaddress.ip_address(text)


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.1.2", "172.16.0.1", "172.31.255.255",
    "192.168.1.1", "169.254.169.254", "169.254.0.1", "100.64.0.1", "100.127.255.254",
    "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
    "192.0.0.192", "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9",
    "100.100.100.200", "168.63.129.16",
    "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "fd20:ce::254", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:0:7f00:1",
    "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "2002:7f00:1::", "2002:a00:1::",
    "2001:db8::1", "::127.0.0.1", "::ffff:100.64.0.1",
])
def test_internal_addresses_are_refused(address):
    assert refusal(ip(address)) is not None


@pytest.mark.parametrize("address", [
    "93.184.215.14", "1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001:82b::200e",
    "::ffff:93.184.215.14",
])
def test_public_addresses_are_allowed(address):
    assert refusal(ip(address)) is None


@pytest.mark.parametrize("address, networks, allowed", [
    ("127.0.0.1", "127.0.0.0/8", True),
    ("::1", "::1/128", True),
    ("::ffff:127.0.0.1", "127.0.0.0/8", True),
    ("10.1.2.3", "10.1.0.0/16", True),
    ("10.2.0.1", "10.1.0.0/16", False),
    ("127.0.0.1", "::1/128", False),
    ("169.254.169.254", "169.254.0.0/16", False),  # metadata is never exempt
    ("fd00:ec2::254", "fd00::/8", False),
    ("169.254.1.1", "169.254.0.0/16", True),
])
def test_allowed_networks_exempt_addresses(address, networks, allowed):
    assert (refusal(ip(address), parse_networks(networks)) is None) is allowed


def test_parse_networks():
    assert parse_networks("") == ()
    assert [str(n) for n in parse_networks(" 127.0.0.0/8, ::1/128 ,")] == ["127.0.0.0/8", "::1/128"]
    with pytest.raises(ValueError):
        parse_networks("not-a-network")


@pytest.mark.parametrize("url, allow_http, code", [
    ("http://example.com/h", False, "https_required"),
    ("ftp://example.com/h", True, "invalid_url"),
    ("https:///nohost", False, "invalid_url"),
    ("example.com/h", False, "invalid_url"),
    ("https://user:pw@example.com/h", False, "invalid_url"),
    ("https://example.com:99999/h", False, "invalid_url"),
    ("https://example.com/h#frag", False, "invalid_url"),
])
def test_url_rules(url, allow_http, code):
    with pytest.raises(TargetRefused) as caught:
        check_url(url, allow_http=allow_http)
    assert caught.value.code == code


def test_url_parts():
    assert check_url("https://Example.com/a/b?x=1") == ("https", "example.com", 443, "/a/b?x=1")
    assert check_url("http://example.com:8080", allow_http=True) == ("http", "example.com", 8080, "/")
    assert check_url("https://[2606:4700::1]:8443/h")[1:3] == ("2606:4700::1", 8443)


def fake_resolver(answers):
    def resolve(host, port):
        if host not in answers:
            raise OSError("no such host")
        return answers[host]
    return resolve


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/h", "https://10.0.0.5/h", "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/h", "https://[::ffff:127.0.0.1]/h", "https://2130706433/h",
    "https://loopback.example/h", "https://mixed.example/h", "https://metadata.example/h",
])
def test_resolved_internal_targets_are_refused(url):
    resolver = fake_resolver({
        "loopback.example": ["127.0.0.1"],
        "mixed.example": ["93.184.215.14", "10.0.0.1"],  # one bad answer spoils the lot
        "metadata.example": ["169.254.169.254"],
        "2130706433": ["127.0.0.1"],  # what getaddrinfo makes of the decimal form
    })
    with pytest.raises(TargetRefused) as caught:
        resolve_target(url, resolver=resolver)
    assert caught.value.code == "forbidden_address"


def test_localhost_is_refused_with_the_real_resolver():
    with pytest.raises(TargetRefused) as caught:
        resolve_target("https://localhost/h")
    assert caught.value.code == "forbidden_address"


def test_unresolvable_host():
    with pytest.raises(TargetRefused) as caught:
        resolve_target("https://nowhere.example/h", resolver=fake_resolver({}))
    assert caught.value.code == "unresolvable_host"


def test_public_target_keeps_the_checked_addresses():
    target = resolve_target("https://hooks.example:8443/in?x=1",
                            resolver=fake_resolver({"hooks.example": ["93.184.215.14",
                                                                      "2606:4700::1"]}))
    assert target.host == "hooks.example" and target.port == 8443 and target.path == "/in?x=1"
    assert target.addresses == ("93.184.215.14", "2606:4700::1")


def test_allowlisted_loopback_target():
    target = resolve_target("http://localhost:8000/h", allow_http=True,
                            allowed=parse_networks("127.0.0.0/8,::1/128"))
    assert set(target.addresses) <= {"127.0.0.1", "::1"}


def test_a_slow_dns_answer_is_an_unresolvable_host():
    import time

    from moderation.webhooks.targets import timed_resolver

    def slow(host, port):
        time.sleep(1)
        return ["93.184.215.14"]

    started = time.monotonic()
    with pytest.raises(TargetRefused) as caught:
        resolve_target("https://slow.example/h", resolver=timed_resolver(0.2, slow))
    assert caught.value.code == "unresolvable_host" and time.monotonic() - started < 0.9
    assert resolve_target("https://slow.example/h", resolver=timed_resolver(5, slow)).addresses
