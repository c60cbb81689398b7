"""Generated config errors: a typo and a wrong type for every key of every section, each checked for
the properties an admin relies on.

A valid stack config that uses every section (and most keys of each entry) gets exactly one
breakage at a time: a key renamed to a typo (or a typo of a key it does not set), or a value of the
wrong type. Every breakage must give exactly one line, starting with the key path of the offending
key itself; a typo's line says "did you mean" the key it was; no line names a key that does not exist
(every backticked name is a key of the config, an entry name or a value in it) and every line ends in
something to do (a rule to meet, a key to set, a command to run), never "fix the stack config".
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from pbs_provider.stack_config import (
    KNOWN_KEYS,
    RETRY_KEYS,
    SECTION_KEYS,
    SIDE_KEYS,
    StackConfigError,
    load_stack_config,
)

FINGERPRINT = ":".join(["ab"] * 32)
SECRET = "s3cr3t-never-shown"


def base() -> dict[str, Any]:
    return {
        "servers": {
            "onprem": {
                "url": "https://pbs1.example:8007",
                "authId": "root@pam!pulumi",
                "fingerprint": FINGERPRINT,
                "connectTimeout": 5,
                "readTimeout": 30,
                "retry": {"attempts": 2},
            },
            "cloud": {"url": "https://pbs2.example", "authId": "root@pam!pulumi", "verifyTls": True},
        },
        "serverSecrets": {"onprem": SECRET + "1", "cloud": SECRET + "2"},
        "remotes": {
            "cloud": {
                "server": "onprem",
                "host": "pbs2.example",
                "port": 8007,
                "authId": "sync@pbs!push",
                "fingerprint": FINGERPRINT,
                "comment": "offsite",
                "adopt": False,
            },
        },
        "remotePasswords": {"cloud": SECRET + "3"},
        "syncJobs": {
            "push-cloud": {
                "server": "onprem",
                "store": "store1",
                "remote": "cloud",
                "remoteStore": "offsite",
                "syncDirection": "push",
                "ns": "site1",
                "remoteNs": "site1",
                "removeVanished": False,
                "maxDepth": 3,
                "groupFilter": ["type:vm"],
                "schedule": "daily",
                "comment": "nightly",
                "rateOut": "10MiB",
                "transferLast": 3,
            }
        },
        "users": {
            "sync@pbs": {
                "server": "cloud",
                "comment": "sync",
                "enable": True,
                "expire": 0,
                "firstname": "Sync",
                "lastname": "User",
                "email": "sync@example.com",
            }
        },
        "userPasswords": {"sync@pbs": SECRET + "4"},
        "tokens": {"sync@pbs!push": {"server": "cloud", "comment": "push", "enable": True, "expire": 0}},
        "acls": [
            {
                "server": "cloud",
                "path": "/datastore/offsite",
                "authId": "sync@pbs!push",
                "role": "DatastoreBackup",
                "propagate": True,
            }
        ],
        "namespaces": [{"server": "cloud", "store": "offsite", "ns": "site1", "deleteGroups": False}],
        "replications": {
            "archive": {
                "direction": "push",
                "source": {"server": "onprem", "store": "store1", "ns": "a"},
                "target": {"server": "cloud", "store": "archive"},
                "tokenName": "arch",
                "schedule": "hourly",
                "removeVanished": False,
                "comment": "archive",
                "remotePort": 8007,
            }
        },
    }


SECRET_MAPS = ("serverSecrets", "remotePasswords", "userPasswords")


def load(config: dict[str, Any]):
    return load_stack_config(
        get=lambda key: json.dumps(config[key]) if key in config else None,
        is_secret=lambda key: key in SECRET_MAPS,
        all_keys=[f"pbs-replication:{k}" for k in config],
        environ={},
    )


def entries() -> list[tuple[str, Any, tuple[str, ...], tuple[str, ...]]]:
    """(path, the entry's location, its key path inside the config, the keys it may have)."""
    found = []
    config = base()
    for section, keys in SECTION_KEYS.items():
        value = config[section]
        names = range(len(value)) if isinstance(value, list) else value
        for name in names:
            found.append((f"{section}.{name}", (section, name), keys))
    found.append(("servers.onprem.retry", ("servers", "onprem", "retry"), RETRY_KEYS))
    for side in ("source", "target"):
        found.append((f"replications.archive.{side}", ("replications", "archive", side), SIDE_KEYS))
    return found


def at(config: dict[str, Any], where: tuple) -> dict[str, Any]:
    for part in where:
        config = config[part]
    return config


def typo(key: str) -> str:
    """A plausible slip of the fingers: one letter left out (or, for short keys, a letter doubled)."""
    if len(key) <= 3:
        return key + key[-1]
    middle = len(key) // 2
    return key[:middle] + key[middle + 1 :]


def wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "perhaps"
    if isinstance(value, int | float):
        return "many"
    if isinstance(value, str):
        return ["a", "list"]
    if isinstance(value, list):
        return 5
    return "text"


def cases() -> list[tuple[str, tuple, str, str, Any]]:
    """(kind, entry location, key, expected key path, expected suggestion)."""
    config = base()
    made = []
    for path, where, keys in entries():
        entry = at(config, where)
        for key in keys:
            slip = typo(key)
            if slip in keys:
                continue
            made.append(("typo", where, key, f"{path}.{slip}", key))
            if key in entry:
                made.append(("wrong type", where, key, f"{path}.{key}", None))
    for key in KNOWN_KEYS:
        made.append(("typo", (), key, typo(key), key))
    return made


CASES = cases()
ALL_KEYS = set(KNOWN_KEYS) | {k for keys in SECTION_KEYS.values() for k in keys} | set(RETRY_KEYS)
ALL_KEYS |= set(SIDE_KEYS)


def values_in(config: Any) -> set[str]:
    """Every name and text value in a config (entry names, server names, ids...)."""
    if isinstance(config, dict):
        return {str(k) for k in config} | {v for value in config.values() for v in values_in(value)}
    if isinstance(config, list):
        return {v for value in config for v in values_in(value)}
    return {str(config)}


def test_the_base_config_is_valid():
    cfg = load(base())
    assert set(cfg.replications) == {"archive"} and set(cfg.sync_jobs) == {"push-cloud"}


def test_every_key_of_every_section_is_covered():
    covered = {(where[0] if len(where) == 2 else ".".join(where), key) for _, where, key, _, _ in CASES}
    for section, keys in SECTION_KEYS.items():
        assert {k for s, k in covered if s == section} == set(keys), section
    assert {k for s, k in covered if s == ""} == set(KNOWN_KEYS)
    assert {k for s, k in covered if s == "servers.onprem.retry"} == set(RETRY_KEYS)


@pytest.mark.parametrize(
    ("kind", "where", "key", "path", "meant"), CASES, ids=[c[3] + f"-{c[0]}" for c in CASES]
)
def test_one_line_naming_the_key_with_an_action(kind, where, key, path, meant):
    config = base()
    if kind == "typo":
        if where:
            entry = at(config, where)
            entry[typo(key)] = entry.pop(key) if key in entry else "x"
        else:
            config[typo(key)] = config.pop(key)
    else:
        at(config, where)[key] = wrong_type(at(config, where)[key])
    with pytest.raises(StackConfigError) as error:
        load(config)
    lines = error.value.problems
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith(f"{path}: "), line
    if kind == "typo":
        assert f"did you mean `{meant}`?" in line, line
    assert SECRET not in str(error.value)
    for phrase in ("fix the stack config", "allow_http", "Extra inputs", "pydantic", "Input should"):
        assert phrase not in line, line
    # every name the hint gives in backticks exists: a key, an entry or server name, or a value
    known = ALL_KEYS | values_in(base()) | {typo(key)}
    for named in re.findall(r"`([^`]*)`", line):
        if named.startswith("pulumi ") or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.@!-]*", named):
            continue
        assert named in known, (named, line)
    rule = line[len(path) + 2 :]
    assert re.search(r"did you mean|must|may|is required|needs|use |set |remove |add |run ", rule), line


REFERENCES = [
    # (where the reference is, the key, a slip of its value, the line's key path, the value meant)
    (("remotes", "cloud"), "server", "onprme", "remotes.cloud.server", "onprem"),
    (("syncJobs", "push-cloud"), "server", "onprme", "syncJobs.push-cloud.server", "onprem"),
    (("users", "sync@pbs"), "server", "clod", "users.sync@pbs.server", "cloud"),
    (("tokens", "sync@pbs!push"), "server", "clouds", "tokens.sync@pbs!push.server", "cloud"),
    (("acls", 0), "server", "Cloud", "acls.0.server", "cloud"),
    (("namespaces", 0), "server", "coud", "namespaces.0.server", "cloud"),
    (("replications", "archive", "target"), "server", "clod", "replications.archive.target.server", "cloud"),
    (("syncJobs", "push-cloud"), "remote", "clud", "syncJobs.push-cloud.remote", "cloud"),
]


@pytest.mark.parametrize(
    ("where", "key", "slip", "path", "meant"), REFERENCES, ids=[r[3] for r in REFERENCES]
)
def test_a_mistyped_reference_suggests_the_entry_meant(where, key, slip, path, meant):
    config = base()
    at(config, where)[key] = slip
    with pytest.raises(StackConfigError) as error:
        load(config)
    [line] = error.value.problems
    assert line.startswith(f"{path}: ") and f"did you mean `{meant}`?" in line, line
