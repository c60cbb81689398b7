"""Every validation rule fails at `check` (so at `pulumi preview`) with the right input and a
message naming the rule, before any request reaches PBS; unknown preview values are skipped."""

from __future__ import annotations

import pytest

from offline_engine import props as P

REMOTE = {
    "server": "onprem", "name": "cloud-v", "host": "pbs.example.com", "authId": "sync@pbs!push",
    "password": "pw-secret-value",
}  # fmt: skip
JOB = {"server": "onprem", "jobId": "job-v", "store": "store1", "remote": "cloud-v", "remoteStore": "offsite"}
PUSH = {**JOB, "syncDirection": "push"}
LOCAL = {k: v for k, v in JOB.items() if k != "remote"}

CASES = [
    # (kind, fields, failing input, words the message must contain)
    ("remote", {**REMOTE, "name": "ab"}, "name", "at least 3 characters"),
    ("remote", {**REMOTE, "name": "-abc"}, "name", "regex pattern"),
    ("remote", {**REMOTE, "name": "x" * 33}, "name", "32 characters"),
    ("remote", {**REMOTE, "host": "bad host"}, "host", "regex pattern"),
    ("remote", {**REMOTE, "host": "[::1]"}, "host", "no brackets"),
    ("remote", {**REMOTE, "port": 70000}, "port", "maximum value of 65535"),
    ("remote", {**REMOTE, "port": 80.5}, "port", "whole number"),
    ("remote", {**REMOTE, "authId": "nouser"}, "authId", "user@realm"),
    ("remote", {**REMOTE, "authId": "a@pbs!"}, "authId", "user@realm"),
    ("remote", {**REMOTE, "password": ""}, "password", "at least 1 characters"),
    ("remote", {**REMOTE, "password": "two\nlines"}, "password", "regex pattern"),
    ("remote", {**REMOTE, "fingerprint": "ab:cd"}, "fingerprint", "32 hex byte pairs"),
    ("remote", {**REMOTE, "comment": "a\nb"}, "comment", "single line"),
    ("remote", {**REMOTE, "comment": "c" * 129}, "comment", "128 characters"),
    ("remote", {**REMOTE, "useNodeProxy": "maybe"}, "useNodeProxy", "true or false"),
    ("remote", {k: v for k, v in REMOTE.items() if k != "host"}, "host", "is required"),
    ("remote", {**REMOTE, "server": "nowhere"}, "server", "unknown server `nowhere`"),
    ("remote", {**REMOTE, "colour": "blue"}, "colour", "not an input"),
    ("sync", {**JOB, "jobId": "j" * 33}, "jobId", "32 characters"),
    ("sync", {**JOB, "store": "s1"}, "store", "at least 3 characters"),
    ("sync", {**JOB, "remoteStore": "bad/store"}, "remoteStore", "regex pattern"),
    ("sync", {**JOB, "remote": "r"}, "remote", "at least 3 characters"),
    ("sync", {**JOB, "ns": "a//b"}, "ns", "regex pattern"),
    ("sync", {**JOB, "remoteNs": "/".join("abcdefgh")}, "remoteNs", "namespace too deep"),
    ("sync", {**JOB, "maxDepth": 8}, "maxDepth", "maximum value of 7"),
    ("sync", {**JOB, "ns": "a/b/c", "maxDepth": 5}, "maxDepth", "3 + 5 > 7"),
    ("sync", {**JOB, "remoteNs": "a/b", "maxDepth": 6}, "maxDepth", "2 + 6 > 7"),
    ("sync", {**JOB, "owner": "root"}, "owner", "user@realm"),
    ("sync", {**JOB, "groupFilter": ["type:foo"]}, "groupFilter", "invalid backup type"),
    (
        "sync",
        {**JOB, "groupFilter": ["include:foo:bar"]},
        "groupFilter",
        "expected 'group', 'type' or 'regex'",
    ),
    ("sync", {**JOB, "groupFilter": ["type:vm", "regex:("]}, "groupFilter", "item 2"),
    ("sync", {**JOB, "rateIn": "10 XB"}, "rateIn", "byte-size parse error"),
    ("sync", {**JOB, "burstOut": ""}, "burstOut", "at least 1 characters"),
    ("sync", {**JOB, "rateOut": 10}, "rateOut", "must be a string"),
    ("sync", {**JOB, "schedule": "whenever"}, "schedule", "unable to parse calendar event"),
    ("sync", {**JOB, "schedule": "2015-10-21"}, "schedule", "never runs"),
    ("sync", {**JOB, "comment": "x\ny"}, "comment", "single line"),
    ("sync", {**JOB, "transferLast": 0}, "transferLast", "at least 1"),
    ("sync", {**JOB, "workerThreads": 0}, "workerThreads", "at least 1"),
    ("sync", {**JOB, "workerThreads": 33}, "workerThreads", "at most 32"),
    ("sync", {**JOB, "syncDirection": "sideways"}, "syncDirection", "'pull' or 'push'"),
    ("sync", {k: v for k, v in PUSH.items() if k != "remote"}, "remote", "required for a push job"),
    ("sync", {**PUSH, "resyncCorrupt": False}, "resyncCorrupt", "not supported by push jobs"),
    ("sync", {**JOB, "activeEncryptionKey": "key-1"}, "activeEncryptionKey", "only applies to push jobs"),
    ("sync", {**PUSH, "activeEncryptionKey": "k"}, "activeEncryptionKey", "at least 3 characters"),
    ("sync", {**PUSH, "associatedKey": ["ok-key", "x"]}, "associatedKey", "item 2"),
    ("sync", {**JOB, "unmountOnDone": True}, "unmountOnDone", "`runOnMount` is true"),
    ("sync", {**JOB, "unmountOnDone": True, "runOnMount": False}, "unmountOnDone", "`runOnMount` is true"),
    ("sync", {**LOCAL, "remoteStore": "store1"}, "remoteStore", "can't be the same"),
    ("sync", {k: v for k, v in JOB.items() if k != "remoteStore"}, "remoteStore", "is required"),
    ("sync", {**JOB, "id": "job-v"}, "id", "not an input"),
    ("sync", {**JOB, "nextRun": 5}, "nextRun", "read-only"),
]


@pytest.mark.parametrize(
    "kind,fields,field,words", CASES, ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(CASES)]
)
def test_rule_fails_at_check_without_any_request(stack, onprem, kind, fields, field, words):
    onprem.clear_request_log()
    failures = stack.check(kind, "v", fields, preview=True)
    assert onprem.request_log() == []
    assert [f for f, _ in failures] == [field], failures
    message = failures[0][1]
    assert f"`{field}`" in message and words in message, message
    assert "pw-secret-value" not in message and "two\nlines" not in message


def test_all_failures_are_reported_at_once(stack, onprem):
    onprem.clear_request_log()
    failures = stack.check("sync", "v", {**JOB, "jobId": "x", "transferLast": 0, "maxDepth": 9})
    assert sorted(f for f, _ in failures) == ["jobId", "maxDepth", "transferLast"]
    assert onprem.request_log() == []


def test_valid_configs_pass(stack):
    assert stack.check("remote", "v", REMOTE) == []
    assert stack.check("sync", "v", {**PUSH, "ns": "a/b", "remoteNs": "c", "maxDepth": 5}) == []
    assert stack.check("sync", "v", {**LOCAL, "groupFilter": ["exclude:type:ct"], "schedule": "*:0/15"}) == []


def test_unknown_preview_values_are_skipped(stack, onprem):
    assert stack.check("sync", "v", PUSH) == []  # the server's version is read once and cached
    onprem.clear_request_log()
    unknown = P.UNKNOWN
    # push needs a remote, but the remote's name is not known yet: no failure
    assert stack.check("sync", "v", {**PUSH, "remote": unknown}, preview=True) == []
    # a required input that is unknown is not "missing"; rules reading it are skipped
    assert stack.check("sync", "v", {**LOCAL, "remoteStore": unknown, "jobId": unknown}, preview=True) == []
    # an unknown list item, an unknown server: nothing to check yet
    assert stack.check("sync", "v", {**JOB, "groupFilter": ["type:vm", unknown]}, preview=True) == []
    assert stack.check("remote", "v", {**REMOTE, "server": unknown}, preview=True) == []
    # known values next to unknown ones are still checked
    failures = stack.check("sync", "v", {**JOB, "remote": unknown, "transferLast": 0}, preview=True)
    assert [f for f, _ in failures] == ["transferLast"]
    assert onprem.request_log() == []


def test_unknown_values_diff_as_changes(stack):
    stack.up("sync", "u", {**JOB, "jobId": "unknown-1"})
    assert stack.plan("sync", "u", {**JOB, "jobId": "unknown-1", "comment": P.UNKNOWN}) == ("update", [])
    assert stack.plan("sync", "u", {**JOB, "jobId": P.UNKNOWN}) == ("replace", ["jobId"])
