"""A policy message names the stack-config key to set: a replication child's fields map to the
replication's own keys, other resources to `<map>.<key>.<field>` (the program names them by their key)."""

import pytest
from pbs_policy.resources import API_TOKEN_TYPE, REMOTE_TYPE, SYNC_JOB_TYPE, config_key
from pbs_policy.rules import token_expiry

from .builders import api_token, check_resource

CHILD = "urn:pulumi:prod::pbs-replication::pbs:index:Replication${}::{}"
TOP = "urn:pulumi:prod::pbs-replication::{}::{}"


@pytest.mark.parametrize(
    ("urn", "field", "key"),
    [
        (CHILD.format(API_TOKEN_TYPE, "offsite-token"), "expire", "replications.offsite.tokenExpire"),
        (CHILD.format(SYNC_JOB_TYPE, "offsite-job"), "schedule", "replications.offsite.schedule"),
        (CHILD.format(SYNC_JOB_TYPE, "a-job-job"), "rateOut", "replications.a-job.rateOut"),
        (
            CHILD.format(REMOTE_TYPE, "offsite-remote"),
            "fingerprint",
            "replications.offsite.remoteFingerprint",
        ),
        (TOP.format(API_TOKEN_TYPE, "sync@pbs!push"), "expire", "tokens.sync@pbs!push.expire"),
        (TOP.format(SYNC_JOB_TYPE, "push-cloud"), "schedule", "syncJobs.push-cloud.schedule"),
        (TOP.format(REMOTE_TYPE, "cloud"), "fingerprint", "remotes.cloud.fingerprint"),
        (TOP.format(SYNC_JOB_TYPE, "offsite-job"), "schedule", "syncJobs.offsite-job.schedule"),
    ],
)
def test_config_key(urn, field, key):
    assert config_key(urn, field) == key


def test_a_declared_token_is_told_its_tokens_key():
    [message] = check_resource(token_expiry.policy(), api_token("sync-in@pbs", "push")).messages
    assert "Set tokens.sync-in@pbs!push.expire (epoch seconds)" in message
    assert "changing tokens.sync-in@pbs!push.regenerate" in message
