"""Stack facts and host helpers: how the rules read the servers config and compare hosts."""

import pytest
from pbs_policy.hosts import Endpoint, endpoint_of_remote, endpoint_of_url, is_lan_host, matches_any
from pbs_policy.stack_facts import parse_servers


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://PBS.example.com", Endpoint("pbs.example.com", 8007)),
        ("https://pbs.example.com:9007/", Endpoint("pbs.example.com", 9007)),
        ("https://[fd00::5]:8007", Endpoint("fd00::5", 8007)),
        ("pbs.example.com", Endpoint("pbs.example.com", 8007)),
        ("https://", None),
        ("https://host:notaport", None),
    ],
)
def test_endpoint_of_url(url, expected):
    assert endpoint_of_url(url) == expected


def test_endpoint_of_remote_defaults_the_port_like_pbs():
    assert endpoint_of_remote("PBS.example.com", None) == Endpoint("pbs.example.com", 8007)
    assert endpoint_of_remote("fd00::5", 9007) == Endpoint("fd00::5", 9007)
    assert str(Endpoint("fd00::5", 9007)) == "[fd00::5]:9007"


def test_matches_any_is_case_insensitive_glob():
    assert matches_any("PBS.Example.com", ["*.example.com"])
    assert not matches_any("pbs.example.org", ["*.example.com"])
    assert not matches_any("pbs", [])


@pytest.mark.parametrize("host", ["100.64.0.1", "8.8.8.8", "2001:db8::1", "pbs.example.com", "203.0.113.10"])
def test_public_hosts_are_not_lan(host):
    assert not is_lan_host(host, ["*.lan"])


def test_parse_servers_reads_tls_settings_and_skips_malformed_entries():
    servers = parse_servers(
        {
            "onprem": {"url": "https://10.0.0.5:8007", "fingerprint": "aa:bb", "verifyTls": True},
            "cloud": {"url": "https://pbs.example.com", "caFile": "ca.pem"},
            "lab": {"url": "https://lab", "verifyTls": "False"},
            "broken": "not a map",
        }
    )
    assert sorted(servers) == ["cloud", "lab", "onprem"]
    assert servers["onprem"].self_signed and servers["onprem"].endpoint == Endpoint("10.0.0.5", 8007)
    assert not servers["cloud"].self_signed and servers["cloud"].ca_file == "ca.pem"
    assert servers["lab"].self_signed and not servers["lab"].verify_tls
    assert parse_servers(None) == {} and parse_servers(["x"]) == {}
