"""server-tls-verified: no server with verifyTls: false."""

from pbs_policy.rules import server_tls

from .builders import check_stack, facts


def policy_for(servers):
    return server_tls.policy(lambda: facts(servers))


def test_servers_with_verification_pass():
    servers = {
        "onprem": {
            "url": "https://pbs1.lan:8007",
            "authId": "root@pam!pulumi",
            "fingerprint": "ab:" * 31 + "ab",
        },
        "cloud": {"url": "https://pbs.example.com", "authId": "root@pam!pulumi", "caFile": "/etc/ca.pem"},
        "public": {"url": "https://pbs2.example.com", "authId": "root@pam!pulumi", "verifyTls": True},
    }
    assert check_stack(policy_for(servers), []).reported == []


def test_a_server_without_verification_is_reported_against_the_stack():
    servers = {
        "onprem": {"url": "https://pbs1.lan:8007", "authId": "root@pam!pulumi", "verifyTls": False},
        "cloud": {"url": "https://pbs.example.com", "authId": "root@pam!pulumi", "verifyTls": "false"},
    }
    violations = check_stack(policy_for(servers), [])
    assert violations.urns == [None, None]
    assert "server 'cloud' (https://pbs.example.com) in stack 'prod'" in violations.messages[0]
    assert "servers.onprem.fingerprint" in violations.messages[1]


def test_a_stack_without_servers_config_passes():
    assert check_stack(policy_for(None), []).reported == []
