"""The CLI reads a stack's config from its files like the Pulumi CLI hands it to the program: project
defaults, the stack file, `secure:` values decrypted with the passphrase, environment fallbacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from offline_engine.stack_config import stack_config
from pbs_provider.passphrase import PassphraseCrypter
from pbs_provider.stack_config import StackConfigError
from pbs_provider.stack_file import StackFileError, find_project_dir, read_stack_file
from tests.program.stacks import PROJECT

DEMO = dict(
    line.split("=", 1)
    for line in (PROJECT / "scripts" / "demo.env").read_text().splitlines()
    if "=" in line and not line.startswith("#")
)
DEMO_PASSPHRASE = {"PULUMI_CONFIG_PASSPHRASE": DEMO["DEMO_CONFIG_PASSPHRASE"]}


def test_the_dev_stack_is_decrypted_with_its_passphrase():
    stack = read_stack_file(PROJECT, "dev", DEMO_PASSPHRASE)
    assert stack.get("serverSecrets") == {
        "onprem": DEMO["DEMO_ONPREM_TOKEN_SECRET"],
        "cloud": DEMO["DEMO_CLOUD_TOKEN_SECRET"],
    }
    assert stack.is_secret("serverSecrets") and not stack.is_secret("remotePasswords")  # none: tokens
    assert not stack.is_secret("servers")
    assert stack.get("servers")["onprem"]["caFile"] == str(PROJECT / ".demo" / "onprem" / "proxy.pem")
    assert stack.get("acls") == []  # a project default (Pulumi.yaml)
    assert "pbs-replication:replications" in stack.all_keys()
    assert stack.get("replications")["push-cloud"]["target"] == {
        "server": "cloud",
        "store": "offsite",
        "ns": "onprem",
    }
    assert DEMO["DEMO_ONPREM_TOKEN_SECRET"] not in repr(stack)


def test_it_reads_what_the_engine_stand_in_hands_the_program():
    ours = read_stack_file(PROJECT, "dev", DEMO_PASSPHRASE)
    cfg, secret_keys = stack_config(PROJECT, "dev", passphrase=DEMO["DEMO_CONFIG_PASSPHRASE"])
    assert sorted(ours.all_keys()) == sorted(cfg)
    assert {f"pbs-replication:{k}" for k in ours.secret_keys} == set(secret_keys)
    for full, text in cfg.items():
        key = full.removeprefix("pbs-replication:")
        value = json.loads(text) if text[:1] in "[{" else text
        if key == "servers":  # relative to the project directory: made absolute here
            for entry in value.values():
                entry["caFile"] = str(PROJECT / entry["caFile"])
        assert ours.get(key) == value, key


def test_a_wrong_or_missing_passphrase_is_refused_with_advice(tmp_path):
    with pytest.raises(StackFileError, match="cannot decrypt `serverSecrets`: incorrect passphrase"):
        read_stack_file(PROJECT, "dev", {"PULUMI_CONFIG_PASSPHRASE": "nope"})
    with pytest.raises(StackFileError, match="is encrypted: set PULUMI_CONFIG_PASSPHRASE"):
        read_stack_file(PROJECT, "dev", {})
    file = tmp_path / "passphrase"
    file.write_text(DEMO["DEMO_CONFIG_PASSPHRASE"] + "\n")
    stack = read_stack_file(PROJECT, "dev", {"PULUMI_CONFIG_PASSPHRASE_FILE": str(file)})
    assert stack.get("serverSecrets")["cloud"] == DEMO["DEMO_CLOUD_TOKEN_SECRET"]


def test_stacks_without_secrets_take_them_from_the_environment():
    stack = read_stack_file(PROJECT, "staging", {})
    with pytest.raises(StackConfigError) as missing:
        stack.load({})
    assert any("PBS_SERVER_SECRET_ONPREM" in p for p in missing.value.problems)
    env = {
        "PBS_SERVER_SECRET_ONPREM": "a",
        "PBS_SERVER_SECRET_CLOUD": "b",
        "PBS_REMOTE_PASSWORD_CLOUD_STAGING_PUSH": "c",
    }
    config = stack.load(env)
    assert list(config.sync_jobs) == ["push-cloud-staging"]


def write(project: Path, stack: str, document: dict) -> None:
    (project / "stacks").mkdir(parents=True, exist_ok=True)
    (project / "Pulumi.yaml").write_text((PROJECT / "Pulumi.yaml").read_text())
    (project / "stacks" / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document))


def test_other_secrets_providers_fall_back_to_the_environment_and_other_namespaces_are_ignored(tmp_path):
    crypter, _ = PassphraseCrypter.new_salt("kms stands in")
    document = {
        "secretsprovider": "awskms://alias/pbs",
        "encryptedkey": "xyz",
        "config": {
            "aws:region": "eu-central-1",
            "pbs-replication:servers": {
                "pbs1": {"url": "https://pbs1:8007", "authId": "a@pbs!t", "caFile": "ca.pem"}
            },
            "pbs-replication:serverSecrets": {"pbs1": {"secure": crypter.encrypt("s")}},
        },
    }
    write(tmp_path, "prod", document)
    stack = read_stack_file(tmp_path, "prod", {})
    assert stack.get("serverSecrets") is None and "region" not in stack.values
    assert any("awskms://alias/pbs" in note for note in stack.notes)
    assert stack.get("servers")["pbs1"]["caFile"] == str(tmp_path / "ca.pem")
    config = stack.load({"PBS_SERVER_SECRET_PBS1": "from-env"})
    assert config.servers.problem("pbs1") is not None  # ca.pem does not exist: the client says so
    assert "no secret" not in (config.servers.problem("pbs1") or "")


def test_missing_stack_and_project_lookup(tmp_path):
    with pytest.raises(StackFileError, match="no stack `nope`"):
        read_stack_file(PROJECT, "nope", {})
    nested = PROJECT / "pbs_provider" / "doctor"
    assert find_project_dir(nested) == PROJECT
    assert find_project_dir(tmp_path) == PROJECT  # no Pulumi.yaml above: the installed project
