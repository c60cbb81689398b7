"""A generated stack that uses every option of a `replications` entry (between two simulators), and the
policy config it is reviewed with: prod's, with its removeVanished jobs recorded as reviewed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic.alias_generators import to_camel

from pbs_provider.resources.replication import JOB_OPTIONS, ReplicationArgs
from pbs_sim.testing import SimHandle

from .policy_config import CONFIG_DIR


def every_option(onprem: SimHandle, cloud: SimHandle) -> dict[str, dict[str, Any]]:
    """Two entries (a push and a pull) that together set every replication key and job option (the push
    every `retention` option, the pull every `verify` option); `tokenExpire` and `tokenLifetimeDays`
    exclude each other, so each entry has one."""
    push = {
        "direction": "push",
        "source": {"server": "onprem", "store": "store1", "ns": "site1"},
        "target": {"server": "cloud", "store": "offsite", "ns": "all/site1"},
        "user": "push-all@pbs",
        "createUser": True,
        "tokenName": "push",
        "regenerate": "2026-12-06",
        "tokenLifetimeDays": 90,
        "jobId": "push-all-job",
        "remoteName": "cloud-push-all",
        "remoteHost": cloud.host,
        "remotePort": cloud.port,
        "remoteFingerprint": cloud.fingerprint,
        "createNamespaces": True,
        "deleteEmptyNamespace": True,
        "adopt": False,
        "owner": "root@pam",
        "removeVanished": True,
        "maxDepth": 2,
        "groupFilter": ["type:vm", "exclude:regex:^vm/9\\d\\d$"],
        "schedule": "hourly",
        "comment": "every push option",
        "rateOut": "50 MiB",
        "burstOut": "100 MiB",
        "transferLast": 7,
        "encryptedOnly": False,
        "verifiedOnly": False,
        "workerThreads": 2,
        "activeEncryptionKey": "offsite-key",
        "associatedKey": ["old-offsite-key"],
        "retention": {
            "keepLast": 7,
            "keepHourly": 24,
            "keepDaily": 7,
            "keepWeekly": 4,
            "keepMonthly": 6,
            "keepYearly": 2,
            "schedule": "02:00",
            "maxDepth": 1,
            "comment": "every retention option",
            "disable": False,
            "jobId": "push-all-keep",
        },
    }
    pull = {
        "direction": "pull",
        "source": {"server": "cloud", "store": "offsite"},
        "target": {"server": "onprem", "store": "store1", "ns": "from-cloud"},
        "user": "pull-all@pbs",
        "createUser": False,
        "tokenName": "pull",
        "regenerate": 1,
        "tokenExpire": 1_900_000_000,
        "adopt": True,
        "schedule": "daily",
        "rateIn": "20 MiB",
        "burstIn": "40 MiB",
        "resyncCorrupt": True,
        "runOnMount": True,
        "unmountOnDone": True,
        "associatedKey": ["cloud-key"],
        "verify": {
            "schedule": "sat 03:00",
            "ignoreVerified": True,
            "outdatedAfter": 30,
            "maxDepth": 3,
            "readThreads": 2,
            "verifyThreads": 4,
            "comment": "every verify option",
            "jobId": "pull-all-verify",
        },
    }
    return {"push-all": push, "pull-all": pull}


def unused_keys(entries: dict[str, dict[str, Any]]) -> set[str]:
    """Replication keys and job options that no entry sets (none, or the stack is not complete)."""
    known = {to_camel(name) for name in ReplicationArgs.model_fields} | set(JOB_OPTIONS)
    return known - {key for entry in entries.values() for key in entry}


def policy_config(entries: dict[str, dict[str, Any]], path: Path) -> Path:
    """prod's policy config, with the push jobs that remove vanished groups recorded as reviewed."""
    config = json.loads((CONFIG_DIR / "prod.json").read_text())
    reviewed = [
        f"{entry['source']['server']}/{entry.get('jobId', key)}"
        for key, entry in entries.items()
        if entry["direction"] == "push" and entry.get("removeVanished")
    ]
    config["push-remove-vanished-reviewed"]["reviewedJobs"] = reviewed
    path.write_text(json.dumps(config, indent=2))
    return path
