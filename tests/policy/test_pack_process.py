"""The pack as the engine runs it: `python -m pulumi.policy <engine> policy/`, driven over gRPC.

This is the path `pulumi preview --policy-pack policy --policy-pack-config policy/config/<stack>.json`
takes: the CLI starts the pack with the stack config in PULUMI_CONFIG, reads its policies, sends the
reconciled config, then calls Analyze per resource and AnalyzeStack once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pbs_policy.pack import build_policies
from pbs_policy.resources import API_TOKEN_TYPE, REMOTE_TYPE, SYNC_JOB_TYPE
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from .builders import urn
from .conftest import POLICY_DIR
from .policy_config import CONFIG_DIR, settings_for

FINGERPRINT = ":".join(["ab"] * 32)
SERVERS = {
    "onprem": {"url": "https://10.0.0.5:8007", "authId": "root@pam!pulumi", "verifyTls": False},
    "cloud": {"url": "https://pbs.example.com:8007", "authId": "root@pam!pulumi", "fingerprint": FINGERPRINT},
}
LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}


class PackProcess:
    """A running policy pack and a client for its Analyzer service."""

    def __init__(self, stack: str, servers: dict[str, Any] | None = None) -> None:
        env = {
            **os.environ,
            "PULUMI_CONFIG": json.dumps({"pbs-replication:servers": json.dumps(servers or SERVERS)}),
            "PULUMI_PROJECT": "pbs-replication",
            "PULUMI_STACK": stack,
            "PULUMI_DRY_RUN": "true",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pulumi.policy", "127.0.0.1:1", str(POLICY_DIR)],
            cwd=POLICY_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        first_line = self.process.stdout.readline() if self.process.stdout else ""
        if not first_line.strip().isdigit():
            self.process.kill()
            raise AssertionError(f"policy pack did not start: {first_line!r} {self.process.communicate()[1]}")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{first_line.strip()}")
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)

    def configure(self, stack: str, config_file: Path | None = None) -> None:
        """Sends the stack's policy config file, reconciled with the defaults, as the CLI does."""
        settings = settings_for(build_policies(), config_file or CONFIG_DIR / f"{stack}.json")
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, setting in settings.items():
            properties = struct_pb2.Struct()
            properties.update(setting.properties)
            request.policyConfig[name].CopyFrom(
                analyzer_pb2.PolicyConfig(enforcementLevel=LEVELS[setting.level.value], properties=properties)
            )
        self.stub.Configure(request)

    def close(self) -> None:
        self.channel.close()
        self.process.kill()
        self.process.communicate()


@pytest.fixture
def pack_factory() -> Iterator[Any]:
    started: list[PackProcess] = []

    def start(stack: str) -> PackProcess:
        pack = PackProcess(stack)
        started.append(pack)
        pack.configure(stack)
        return pack

    yield start
    for pack in started:
        pack.close()


def _struct(props: dict[str, Any]) -> struct_pb2.Struct:
    value = struct_pb2.Struct()
    value.update(props)
    return value


def _push_job(stack: str, job_id: str, remote: str, **props: Any) -> analyzer_pb2.AnalyzerResource:
    fields = {"server": "onprem", "jobId": job_id, "store": "store1", "remoteStore": "offsite"}
    fields |= {"syncDirection": "push", "remote": remote, **props}
    return analyzer_pb2.AnalyzerResource(
        type=SYNC_JOB_TYPE, urn=urn(SYNC_JOB_TYPE, job_id, stack), name=job_id, properties=_struct(fields)
    )


def _remote(stack: str, name: str, host: str) -> analyzer_pb2.AnalyzerResource:
    fields = {"server": "onprem", "name": name, "host": host, "authId": f"{name}@pbs!push", "password": "pw"}
    return analyzer_pb2.AnalyzerResource(
        type=REMOTE_TYPE, urn=urn(REMOTE_TYPE, name, stack), name=name, properties=_struct(fields)
    )


def _analyze(pack: PackProcess, res: analyzer_pb2.AnalyzerResource) -> dict[str, int]:
    request = analyzer_pb2.AnalyzeRequest(
        type=res.type, urn=res.urn, name=res.name, properties=res.properties
    )
    return {d.policyName: d.enforcementLevel for d in pack.stub.Analyze(request).diagnostics}


def _analyze_stack(pack: PackProcess, resources: list[analyzer_pb2.AnalyzerResource]) -> list[Any]:
    return list(pack.stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources)).diagnostics)


def test_the_pack_announces_every_policy_with_its_schema(pack_factory):
    info = pack_factory("prod").stub.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "pbs-replication-practice"
    assert sorted(p.name for p in info.policies) == sorted(p.name for p in build_policies())
    schemas = {p.name: dict(p.configSchema.properties) for p in info.policies}
    assert "reviewedJobs" in schemas["push-remove-vanished-reviewed"]


def test_prod_blocks_unreviewed_remove_vanished_and_missing_schedule(pack_factory):
    job = _push_job("prod", "push-cloud", "cloud", removeVanished=True, rateOut="50 MiB")
    diagnostics = _analyze(pack_factory("prod"), job)
    assert diagnostics == {
        "push-remove-vanished-reviewed": analyzer_pb2.MANDATORY,
        "sync-job-has-schedule": analyzer_pb2.MANDATORY,
    }


def test_dev_only_advises_on_remove_vanished_and_skips_the_schedule_rule(pack_factory):
    job = _push_job("dev", "push-cloud", "cloud", removeVanished=True)
    assert _analyze(pack_factory("dev"), job) == {"push-remove-vanished-reviewed": analyzer_pb2.ADVISORY}


def test_prod_token_without_expiry_is_mandatory_and_dev_ignores_it(pack_factory):
    fields = {"server": "cloud", "userid": "sync-in@pbs", "tokenName": "push"}
    token = analyzer_pb2.AnalyzerResource(
        type=API_TOKEN_TYPE, urn=urn(API_TOKEN_TYPE, "tok"), name="tok", properties=_struct(fields)
    )
    assert _analyze(pack_factory("prod"), token) == {"api-token-expires": analyzer_pb2.MANDATORY}
    assert _analyze(pack_factory("dev"), token) == {}


def test_stack_rules_read_the_servers_from_the_stack_config(pack_factory):
    resources = [
        _remote("prod", "cloud", "pbs.example.com"),
        _push_job("prod", "push-a", "cloud", schedule="daily", rateOut="50 MiB"),
        _push_job("prod", "push-b", "cloud", schedule="daily", rateOut="50 MiB"),
    ]
    diagnostics = _analyze_stack(pack_factory("prod"), resources)
    by_policy: dict[str, list[Any]] = {}
    for d in diagnostics:
        by_policy.setdefault(d.policyName, []).append(d)
    assert sorted(by_policy) == [
        "push-job-dedicated-remote",
        "remote-fingerprint-for-self-signed-target",
        "server-tls-verified",
        "sync-target-pruned-or-verified",  # the pack imports the checkout's pbs_types for it
    ]
    assert len(by_policy["push-job-dedicated-remote"]) == 2
    assert ["on server 'cloud'" in d.message for d in by_policy["sync-target-pruned-or-verified"]] == [
        True
    ] * 2
    [tls] = by_policy["server-tls-verified"]
    assert "server 'onprem'" in tls.message and "stack 'prod'" in tls.message
    assert tls.enforcementLevel == analyzer_pb2.MANDATORY
    [fingerprint] = by_policy["remote-fingerprint-for-self-signed-target"]
    assert fingerprint.urn == resources[0].urn and "as server 'cloud'" in fingerprint.message


def test_dev_does_not_check_server_tls(pack_factory):
    diagnostics = _analyze_stack(pack_factory("dev"), [_remote("dev", "near", "10.0.0.9")])
    assert [d.policyName for d in diagnostics] == []
