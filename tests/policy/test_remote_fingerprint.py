"""remote-fingerprint-for-self-signed-target: remotes to self-signed targets carry a fingerprint."""

from pbs_policy.rules import remote_fingerprint

from .builders import UNKNOWN_STRING_VALUE, check_stack, facts, remote

FINGERPRINT = ":".join(["ab"] * 32)
SERVERS = {
    "onprem": {"url": "https://10.0.0.5:8007", "authId": "root@pam!pulumi", "fingerprint": FINGERPRINT},
    "cloud": {"url": "https://pbs.example.com:8007", "authId": "root@pam!pulumi", "fingerprint": FINGERPRINT},
    "ca-signed": {"url": "https://backup.example.org", "authId": "root@pam!pulumi"},
    "lab": {"url": "https://lab.example.net:9007", "authId": "root@pam!pulumi", "verifyTls": False},
}
POLICY = remote_fingerprint.policy(lambda: facts(SERVERS))


def test_remote_to_a_pinned_server_without_fingerprint_is_reported_on_the_remote():
    res = remote("cloud", "pbs.example.com")
    violations = check_stack(POLICY, [res])
    assert violations.urns == [res.urn]
    assert "as server 'cloud' with a pinned fingerprint" in violations.messages[0]
    assert "remotes.cloud.fingerprint" in violations.messages[0]


def test_remote_to_a_server_without_verification_is_reported():
    violations = check_stack(POLICY, [remote("lab", "lab.example.net", port=9007)])
    assert "with verifyTls: false" in violations.messages[0]


def test_remote_with_fingerprint_or_one_computed_later_passes():
    resources = [
        remote("cloud", "pbs.example.com", fingerprint=FINGERPRINT),
        remote("cloud2", "pbs.example.com", fingerprint=UNKNOWN_STRING_VALUE),
    ]
    assert check_stack(POLICY, resources).reported == []


def test_remote_to_a_ca_signed_or_unknown_target_needs_no_fingerprint():
    resources = [remote("backup", "backup.example.org"), remote("elsewhere", "pbs.other.example")]
    assert check_stack(POLICY, resources).reported == []


def test_port_must_match_for_the_server_to_be_the_target():
    assert check_stack(POLICY, [remote("cloud", "pbs.example.com", port=8443)]).reported == []


def test_self_signed_hosts_from_the_policy_config_count():
    res = remote("partner", "pbs.partner.example")
    assert check_stack(POLICY, [res]).reported == []
    violations = check_stack(POLICY, [res], {"selfSignedHosts": ["*.partner.example"]})
    assert violations.urns == [res.urn]
    assert "listed in remote-fingerprint-for-self-signed-target.selfSignedHosts" in violations.messages[0]
