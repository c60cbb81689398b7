"""The target-side stack config keys: what loads (references wired, endpoint defaults, reuse of
declared users and namespaces) and each error as one line naming its key path and the rule."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pbs_provider.stack_config import StackConfig, StackConfigError, load_stack_config

FP = ":".join(["ab"] * 32)
SERVERS = {
    "onprem": {"url": "https://10.0.0.5:8007", "authId": "root@pam!pulumi", "fingerprint": FP},
    "cloud": {"url": "https://pbs.cloud.example:18007", "authId": "root@pam!pulumi"},
}
SECRETS = {"onprem": "s1", "cloud": "s2"}
PUSH = {
    "direction": "push",
    "source": {"server": "onprem", "store": "store1"},
    "target": {"server": "cloud", "store": "offsite", "ns": "site1"},
    "schedule": "hourly",
}
SECRET_KEYS = ("serverSecrets", "remotePasswords", "userPasswords")


def load(**config: Any) -> StackConfig:
    values = {"servers": SERVERS, "serverSecrets": SECRETS, **config}
    return load_stack_config(
        get=lambda key: json.dumps(values[key]) if key in values else None,
        is_secret=lambda key: key in SECRET_KEYS,
        all_keys=[f"pbs-replication:{k}" for k in values],
        environ={},
    )


def problems(**config: Any) -> list[str]:
    with pytest.raises(StackConfigError) as error:
        load(**config)
    return error.value.problems


def test_a_push_replication_takes_host_port_and_pin_from_the_servers_map():
    cfg = load(replications={"push-cloud": PUSH})
    decl = cfg.replications["push-cloud"]
    assert decl.plan.remote["host"] == "pbs.cloud.example" and decl.plan.remote["port"] == 18007
    assert decl.fingerprint_from is None  # cloud is reached through the system's CAs: CA-signed, no pin
    back = load(replications={"pull-in": {**PUSH, "direction": "pull"}})  # the job runs on cloud
    pull = back.replications["pull-in"]
    assert pull.plan.remote == {**pull.plan.remote, "host": "10.0.0.5", "server": "cloud"}
    assert "port" not in pull.plan.remote  # 8007 is PBS's default
    assert pull.fingerprint_from == "onprem"  # onprem is pinned (self-signed): the remote pins it too
    explicit = load(
        replications={"push-cloud": {**PUSH, "remoteHost": "pbs.example", "remoteFingerprint": FP}}
    )
    decl = explicit.replications["push-cloud"]
    assert decl.plan.remote["host"] == "pbs.example" and decl.plan.remote["fingerprint"] == FP
    assert decl.fingerprint_from is None


def test_declared_users_and_namespaces_are_reused_and_tokens_feed_remotes():
    cfg = load(
        users={"push-cloud@pbs": {"server": "cloud"}},
        namespaces=[{"server": "cloud", "store": "offsite", "ns": "site1"}],
        replications={"push-cloud": PUSH},
        tokens={"sync@pbs!push": {"server": "cloud"}},
        remotes={
            "cloud": {"server": "onprem", "host": "pbs.cloud.example", "passwordFromToken": "sync@pbs!push"}
        },
    )
    decl = cfg.replications["push-cloud"]
    assert decl.user_key == "push-cloud@pbs" and decl.namespace_key == "cloud:offsite:site1"
    remote = cfg.remotes["cloud"]
    assert remote.token_key == "sync@pbs!push" and remote.inputs["authId"] == "sync@pbs!push"
    assert remote.password is None


def test_namespaces_depend_on_their_declared_ancestors():
    cfg = load(
        namespaces=[
            {"server": "cloud", "store": "offsite", "ns": "a/b/c"},
            {"server": "cloud", "store": "offsite", "ns": "a"},
            {"server": "onprem", "store": "offsite", "ns": "a/b"},
        ]
    )
    assert cfg.namespaces["cloud:offsite:a/b/c"].parent_keys == ("cloud:offsite:a",)
    assert cfg.namespaces["onprem:offsite:a/b"].parent_keys == ()


TOKEN = {"sync@pbs!push": {"server": "cloud"}}
REMOTE = {"server": "onprem", "host": "pbs.cloud.example"}


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"users": {"sync@pbs": {"server": "cloud", "firstname": "x"}}}, "users.sync@pbs.firstname:"),
        ({"users": {"x@pam": {"server": "cloud"}}, "userPasswords": {"x@pam": "long-enough"}},
         "users.x@pam.password: can only be set for users of realm `pbs`"),
        ({"userPasswords": {"ghost@pbs": "long-enough"}},
         "userPasswords.ghost@pbs: no user 'ghost@pbs' in `users`"),
        ({"users": {"sync@pbs": {"server": "cloud", "password": "inline-pass"}}},
         "users.sync@pbs.password: passwords do not belong here"),
        ({"tokens": {"push": {"server": "cloud"}}}, "tokens.push: name the entry by the token id"),
        ({"tokens": {"sync@pbs!push": {"server": "nowhere"}}},
         "tokens.sync@pbs!push.server: no server `nowhere`"),
        ({"acls": [{"server": "cloud", "path": "/datastore/x", "authId": "a@pbs", "role": "Writer"}]},
         "acls.0.role: value 'Writer' is not defined in the enumeration."),
        ({"acls": [{"server": "cloud", "path": "/nowhere", "authId": "a@pbs", "role": "Audit"}]},
         "acls.0.path: invalid acl path '/nowhere'."),
        ({"acls": [{"server": "cloud", "path": "/", "authId": "a@pbs", "role": "Audit"}] * 2},
         "acls.1: the same entry is also declared earlier"),
        ({"acls": {"server": "cloud"}}, "acls: must be a list, got dict"),
        ({"namespaces": [{"server": "cloud", "store": "offsite", "ns": ""}]},
         "namespaces.0.ns: Cannot create/delete root namespace!"),
        ({"remotes": {"cloud": {**REMOTE, "passwordFromToken": "other@pbs!t"}}, "tokens": TOKEN},
         "remotes.cloud.passwordFromToken: no token 'other@pbs!t' in `tokens`"),
        ({"remotes": {"cloud": {**REMOTE, "authId": "x@pbs!y", "passwordFromToken": "sync@pbs!push"}},
          "tokens": TOKEN}, "remotes.cloud.authId: is 'x@pbs!y', but the password is the secret of token"),
        ({"remotes": {"cloud": {**REMOTE, "passwordFromToken": "sync@pbs!push"}}, "tokens": TOKEN,
          "remotePasswords": {"cloud": "pw"}}, "remotes.cloud: set either `passwordFromToken` or a password"),
        ({"replications": {"rep": {**PUSH, "scheduel": "daily"}}},
         "replications.rep.scheduel: not a key of a replication; did you mean `schedule`?"),
        ({"replications": {"rep": {**PUSH, "direction": "both"}}},
         "replications.rep.direction: must be one of"),
        ({"replications": {"rep": {**PUSH, "schedule": "sometimes"}}}, "replications.rep.schedule:"),
        ({"replications": {"rep": {**PUSH, "user": "root@pam"}}},
         "replications.rep.user: `root@pam` cannot be"),
        ({"replications": {"rep": {**PUSH, "target": {"server": "onprem", "store": "store2"}}}},
         "replications.rep.target.server: source and target are both `onprem`"),
        ({"replications": {"rep": {**PUSH, "target": {"server": "mars", "store": "store2"}}}},
         "replications.rep.target.server: no server `mars` in `servers`"),
        ({"replications": {"rep": {**PUSH, "direction": "pull", "createNamespaces": True}}},
         "replications.rep.createNamespaces: only for push"),
        ({"replications": {"rep": {**PUSH, "target": {**PUSH["target"], "ns": "a/b/c/d/e/f/g"},
                                   "maxDepth": 3}}},
         "replications.rep.maxDepth: is too large for `remoteNs`"),
        ({"replications": {"push-a": PUSH, "push-b": {**PUSH, "user": "push-a@pbs"}}},
         "replications.push-b.user: `push-a@pbs` on server `cloud` is already the remote user of "
         "replication `push-a`: PBS advises one dedicated remote user per push job"),
        ({"replications": {"rep": PUSH}, "remotes": {"rep": REMOTE}, "remotePasswords": {"rep": "pw"}},
         "replications.rep: creates remote 'rep' on server 'onprem', which `remotes.rep` also declares"),
        ({"replications": {"rep": PUSH}, "tokens": {"rep@pbs!sync": {"server": "cloud"}}},
         "replications.rep: creates API token 'rep@pbs!sync' on server 'cloud', which "
         "`tokens.rep@pbs!sync` also"),
    ],
)  # fmt: skip
def test_each_error_names_its_key_path_and_rule(config, expected):
    found = problems(**config)
    assert any(p.startswith(expected) for p in found), found


def test_pull_replications_do_not_share_a_remote_user_either():
    pull = {**PUSH, "direction": "pull", "source": PUSH["target"], "target": PUSH["source"]}
    found = problems(replications={"pull-a": {**pull, "user": "reader@pbs"},
                                   "pull-b": {**pull, "user": "reader@pbs", "tokenName": "b"}})  # fmt: skip
    assert any(p.startswith("replications.pull-b.user: `reader@pbs` on server `cloud` is already the remote "
                            "user of replication `pull-a`") for p in found), found  # fmt: skip


def test_user_passwords_must_be_secret_and_are_never_quoted():
    secret = "do-not-print-this\x07"
    values = {"users": {"sync@pbs": {"server": "cloud"}}, "userPasswords": {"sync@pbs": secret}}
    with pytest.raises(StackConfigError) as error:
        load_stack_config(
            get=lambda key: json.dumps({"servers": SERVERS, "serverSecrets": SECRETS, **values}.get(key)),
            is_secret=lambda key: key == "serverSecrets",
            all_keys=["pbs-replication:users", "pbs-replication:userPasswords"],
            environ={},
        )
    text = str(error.value)
    assert "userPasswords: holds secrets but is stored in plaintext" in text
    assert "users.sync@pbs.password:" in text and "do-not-print-this" not in text


def test_the_component_refuses_a_second_replication_with_the_same_remote_user(monkeypatch):
    """The same rule for Python programs that build `Replication`s themselves (checked before any
    resource is registered)."""
    from pbs_provider.resources.replication import (
        InvalidReplication,
        Replication,
        ReplicationArgs,
        plan_replication,
    )

    monkeypatch.setattr(Replication, "_remote_users", {})
    args = ReplicationArgs.parse({**PUSH, "remoteHost": "pbs.cloud.example", "user": "sync@pbs"})
    Replication._claim_remote_user(plan_replication("push-a", args))
    Replication._claim_remote_user(plan_replication("push-a", args))  # the same replication again: fine
    with pytest.raises(InvalidReplication) as refused:
        Replication._claim_remote_user(plan_replication("push-b", args))
    assert "already the remote user of replication `push-a`: PBS advises one dedicated" in str(refused.value)
