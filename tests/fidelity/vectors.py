"""Accepted and refused values for each PBS rule, taken from PBS's source (not from our code).

Every `Rule` names the PBS file and line the rule comes from (proxmox-rs at f3305009a212 for
pbs-api-types, proxmox-schema, proxmox-auth-api, proxmox-human-byte, proxmox-section-config;
proxmox-backup 4.2.3 for the API handlers and pbs-config). `test_vectors.py` runs every value
through the provider's check (the schema validation `check` runs at preview) and through the
simulator's API, and both must accept exactly the `accepted` values and refuse the `refused` ones.

A probe knows how to put one value into one field: `provider` is (schema class, base inputs, input
name, wrap), `simulator` is a function sending the request and returning the HTTP status.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pbs_provider.schemas.api_token import ApiTokenSchema
from pbs_provider.schemas.base import PbsObject
from pbs_provider.schemas.namespace import NamespaceSchema
from pbs_provider.schemas.remote import RemoteSchema
from pbs_provider.schemas.sync_job import SyncJobSchema
from pbs_provider.schemas.user import UserSchema

_serial = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_serial)}"


@dataclass(frozen=True)
class ProviderProbe:
    schema: type[PbsObject]
    base: dict[str, Any]
    input_name: str
    wrap: Callable[[Any], Any] = lambda v: v

    def accepts(self, value: Any) -> tuple[bool, str]:
        inputs = {**self.base, self.input_name: self.wrap(value)}
        failures = self.schema.validate_inputs(inputs).failures
        return not failures, "; ".join(f.message for f in failures)


SimProbe = Callable[[Any, Any], Any]  # (simulator handle, value) -> requests.Response


@dataclass(frozen=True)
class Rule:
    name: str
    source: str
    accepted: tuple[Any, ...]
    refused: tuple[Any, ...]
    provider: tuple[ProviderProbe, ...] = ()
    simulator: tuple[tuple[str, SimProbe], ...] = ()
    note: str = field(default="")


# --- probes: the provider -------------------------------------------------------------------

REMOTE = {
    "server": "onprem",
    "name": "fid-remote",
    "host": "pbs.example.com",
    "authId": "sync@pbs",
    "password": "pw-secret",
}
JOB = {"server": "onprem", "jobId": "fid-job", "store": "store1", "remoteStore": "other"}
USER = {"server": "onprem", "userid": "fid@pbs"}


def _remote(field_name: str) -> ProviderProbe:
    return ProviderProbe(RemoteSchema, REMOTE, field_name)


def _job(field_name: str, wrap: Callable[[Any], Any] = lambda v: v) -> ProviderProbe:
    return ProviderProbe(SyncJobSchema, JOB, field_name, wrap)


def _user(field_name: str) -> ProviderProbe:
    return ProviderProbe(UserSchema, USER, field_name)


# --- probes: the simulator's API --------------------------------------------------------------

SIM_REMOTE = {"host": "10.0.0.1", "auth-id": "sync@pbs", "password": "pw-secret"}


def sim_remote(key: str) -> SimProbe:
    def probe(sim: Any, value: Any) -> Any:
        body = {"name": unique("rem"), **SIM_REMOTE, key: value}
        return sim.api("POST", "/config/remote", json=body)

    return probe


def sim_job(key: str, wrap: Callable[[Any], Any] = lambda v: v) -> SimProbe:
    def probe(sim: Any, value: Any) -> Any:
        body = {"id": unique("job"), "store": "store1", "remote-store": "other", key: wrap(value)}
        return sim.api("POST", "/config/sync", json=body)

    return probe


def sim_user(key: str) -> SimProbe:
    def probe(sim: Any, value: Any) -> Any:
        body = {"userid": unique("u") + "@pbs", key: value}
        return sim.api("POST", "/access/users", json=body)

    return probe


def sim_create_user(sim: Any, value: Any) -> Any:
    return sim.api("POST", "/access/users", json={"userid": value})


def sim_token(sim: Any, value: Any) -> Any:
    """Token `value` of the user `tok@pbs` (created on first use)."""
    sim.api("POST", "/access/users", json={"userid": "tok@pbs"})
    return sim.api("POST", f"/access/users/tok@pbs/token/{value}")


def sim_namespace(sim: Any, value: Any) -> Any:
    """Create the namespace as the provider does, each level with its own call, below a fresh
    top-level namespace so that values do not collide."""
    top = unique("ns")
    sim.api("POST", "/admin/datastore/store1/namespace", json={"name": top})
    parts = [top, *value.split("/")]
    response = None
    for depth in range(1, len(parts)):
        body = {"name": parts[depth], "parent": "/".join(parts[:depth])}
        response = sim.api("POST", "/admin/datastore/store1/namespace", json=body)
        if response.status_code != 200:
            return response
    return response


def sim_root_namespace(sim: Any, value: Any) -> Any:
    """A top-level namespace: one create call with `name` = the value."""
    return sim.api("POST", "/admin/datastore/store1/namespace", json={"name": value})


# --- the tables ---------------------------------------------------------------------------

H = "ab:" * 31 + "ab"  # a valid SHA-256 fingerprint

RULES: list[Rule] = [
    Rule(
        "SAFE_ID (remote name, 3-32)",
        "proxmox-schema/src/api_types.rs:51,93; pbs-api-types/src/remote.rs:21-25",
        accepted=("abc", "a.b", "_ab", "A-_.9", "0ab", "x" * 32),
        refused=("ab", "x" * 33, "-ab", ".ab", "a b", "ab/c", "äbc", "ab:", "ab\u2028", "ab\n"),
        provider=(_remote("name"),),
        simulator=(("POST /config/remote name", lambda sim, v: sim_remote("name")(sim, v)),),
    ),
    Rule(
        "SAFE_ID (job id, 3-32)",
        "proxmox-schema/src/api_types.rs:51; pbs-api-types/src/jobs.rs:29-33",
        accepted=("job", "j_1.x-y", "j" * 32),
        refused=("jb", "j" * 33, "-job", "job!", "jöb"),
        provider=(_job("jobId"),),
        simulator=(
            (
                "POST /config/sync id",
                lambda sim, v: sim.api(
                    "POST", "/config/sync", json={"id": v, "store": "store1", "remote-store": "other"}
                ),
            ),
        ),
    ),
    Rule(
        "namespace path (sync job ns)",
        "pbs-api-types/src/lib.rs:76-79; datastore.rs:91-96 (max 256), 985-997 (depth 7, components)",
        accepted=("", "a", "a/b", "/".join("abcdefg"), "x" * 40, "/".join(["y" * 32] * 7)),
        refused=("/a", "a/", "a//b", "/".join("abcdefgh"), "a b", "a/-b", "ä"),
        provider=(_job("ns"),),
        simulator=(("POST /config/sync ns", sim_job("ns")),),
        note="a component may be longer than 32 characters in a path (only creation limits it)",
    ),
    Rule(
        "namespace creation (name: SAFE_ID 1-32 per level)",
        "proxmox-backup src/api2/admin/namespace.rs:26-31; pbs-api-types/src/datastore.rs:985-997",
        accepted=("a", "x" * 32, "a/" + "y" * 32, "a-b/c_d"),
        refused=("x" * 33, "a/" + "y" * 33, "-a", "a b"),
        provider=(ProviderProbe(NamespaceSchema, {"server": "onprem", "store": "store1"}, "ns"),),
        simulator=(("POST /admin/datastore/store1/namespace (level by level)", sim_namespace),),
    ),
    Rule(
        "namespace creation (root level name)",
        "proxmox-backup src/api2/admin/namespace.rs:26-31",
        accepted=("n", "n" * 32),
        refused=("", "n" * 33, "-n"),
        provider=(ProviderProbe(NamespaceSchema, {"server": "onprem", "store": "store1"}, "ns"),),
        simulator=(("POST /admin/datastore/store1/namespace name", sim_root_namespace),),
    ),
    Rule(
        "Userid (user@realm, realm 2-32 after the last @)",
        "proxmox-auth-api/src/types.rs:43,49,95-99 (realm), 488-507 (Userid::from_str), 423-431",
        # creating a user also needs its realm to exist: accepted ids use `pbs`; the realm length
        # rule (2-32) is covered with ids the Authid probes take without a realm lookup
        accepted=("u@pbs", "a.b-c@pbs", "a@b@pbs", "ä@pbs", "u!x@pbs", "x" * 60 + "@pbs"),
        refused=(
            "u@a",
            "u@" + "r" * 33,
            "upbs",
            "@pbs",
            "u:x@pbs",
            "u v@pbs",
            "u/x@pbs",
            "u@pbs!tok",
            "x" * 61 + "@pbs",
            "u@-bs",
            "\x85u@pbs",  # passes the schema; user.cfg's writer refuses the section id
        ),
        provider=(_user("userid"),),
        simulator=(("POST /access/users userid", sim_create_user),),
    ),
    Rule(
        "Authid (user id, optional !token after the last !)",
        "proxmox-auth-api/src/types.rs:51,58 (schema), 551-561, 615-640 (Authid::from_str)",
        accepted=(
            "u@pbs",
            "u@ab",
            "u@pbs!t",
            "u@pbs!t.1-x",
            "a!b@pbs",
            "u@" + "r" * 32,
            "u@" + "r" * 32 + "!t",
        ),
        refused=(
            "u@a",
            "u@a!tok",
            "u@pbs!",
            "u@pbs!-t",
            "u@" + "r" * 33 + "!t",
            "u@pbs!t!x",
            "u@pbs!" + "t" * 59,
            "nouser",
            "\x80sync@pbs",  # passes the schema (ASCII [:cntrl:]); the config writer refuses it
        ),
        provider=(_remote("authId"), _job("owner")),
        simulator=(
            ("POST /config/remote auth-id", sim_remote("auth-id")),
            ("POST /config/sync owner", sim_job("owner")),
        ),
    ),
    Rule(
        "token id stored in user.cfg (user@realm!token, at most 64)",
        "proxmox-auth-api/src/types.rs:558-561; proxmox-backup pbs-config/src/user.rs:18 (id schema); "
        "proxmox-section-config/src/lib.rs:369-371",
        accepted=("t", "t" * 56),  # tok@pbs! is 8 characters: 8 + 56 = 64
        refused=("t" * 57, "-t", "t!x"),
        provider=(ProviderProbe(ApiTokenSchema, {"server": "onprem", "userid": "tok@pbs"}, "tokenName"),),
        simulator=(("POST /access/users/tok@pbs/token/{name}", sim_token),),
    ),
    Rule(
        "group filters (Rust regex crate dialect)",
        "pbs-api-types/src/jobs.rs:467-480 (FilterType::from_str, Regex::new), 510-525",
        accepted=(
            "type:vm",
            "exclude:type:ct",
            "include:type:host",
            "group:vm/100",
            "regex:^vm/1\\d+$",
            "regex:\\p{L}",
            "regex:a(?i)b",
            "regex:\\x{41}",
            "regex:[a-z&&[^b]]",
            "regex:[a-z--b]",
            "regex:(?U)a+",
            "regex:[[:alpha:]]",
            "regex:(?<n>vm)/1",
            "regex:\\z",
            "regex:",
            "regex:a\u2028b",
        ),
        refused=(
            "regex:{",
            "regex:a{",
            "regex:\\Z",
            "regex:\\N{LATIN SMALL LETTER A}",
            "regex:(?a)x",
            "regex:(?=a)",
            "regex:(a)\\1",
            "regex:a{1000}{1000}",
            "regex:[[]",
            "regex:(?P=n)",
            "type:foo",
            "foo:bar",
            "vm/100",
            "group:vm",
            "regex:(",
            "regex:a\u0085b",
        ),
        provider=(_job("groupFilter", lambda v: [v]),),
        simulator=(("POST /config/sync group-filter", sim_job("group-filter", lambda v: [v])),),
        note="`regex:a\\u0085b` compiles but PBS's config writer refuses U+0085 (a control character)",
    ),
    Rule(
        "certificate fingerprint (sha256)",
        "proxmox-schema/src/api_types.rs:111,194-199",
        accepted=(H, H.upper(), "0" + H[1:]),
        refused=(H[3:], H + ":ab", H.replace(":", "-"), H[:-1] + "g", H + ":", ""),
        provider=(_remote("fingerprint"),),
        simulator=(("POST /config/remote fingerprint", sim_remote("fingerprint")),),
    ),
    Rule(
        "host (DNS name or IP)",
        "proxmox-schema/src/api_types.rs:7-34 (IP), 54-57 (DNS), 104 (DNS_NAME_OR_IP_REGEX)",
        accepted=(
            "pbs.example.com",
            "a",
            "a-b.c",
            "10.0.0.1",
            "::1",
            "fe80::1",
            "2001:db8::",
            "::ffff:1.2.3.4",
            "256.1.1.1",
            "1.2.3",
        ),
        refused=(
            "-a.com",
            "a-.com",
            "a_b.com",
            "[::1]",
            "1.2.3.4:8007",
            "a..b",
            "a b",
            "pbs.example.com.",
            "fe80::1%eth0",
            "ä.com",
        ),
        provider=(_remote("host"),),
        simulator=(("POST /config/remote host", sim_remote("host")),),
        note="`256.1.1.1` and `1.2.3` pass as DNS names (all-digit labels are valid labels)",
    ),
    Rule(
        "single-line comment (max 128) and the config writer's control-character check",
        "proxmox-schema/src/api_types.rs:97,207-210; proxmox-section-config/src/lib.rs:662-667",
        accepted=("", "x", "c" * 128, "a\u2028b", "a\u2029b", "ü ö", "x\u00a0", " y "),
        refused=("a\nb", "a\tb", "a\x7fb", "c" * 129, "a\u0085b", "a\x9fb", "a\x80"),
        provider=(_remote("comment"), _job("comment"), _user("comment")),
        simulator=(
            ("POST /config/remote comment", sim_remote("comment")),
            ("POST /config/sync comment", sim_job("comment")),
            ("POST /access/users comment", sim_user("comment")),
        ),
        note="U+0080-U+009F pass the API schema (ASCII [:cntrl:]) but the writer refuses them",
    ),
    Rule(
        "remote password (1-1024, stored base64 with the same limit)",
        "pbs-api-types/src/remote.rs:7-19 (both schemas), 90-93 (string_as_base64); "
        "proxmox-section-config/src/lib.rs:375-377 (verify on write)",
        accepted=("p", "x" * 768, "ü" * 384, " pw with spaces ", "a\u0085b"),
        refused=("", "x" * 769, "ü" * 385, "a\nb", "x" * 1025),
        provider=(_remote("password"),),
        simulator=(("POST /config/remote password", sim_remote("password")),),
        note="the limit is on the base64 text: 768 bytes of UTF-8 encode to 1024 characters",
    ),
    Rule(
        "user password (8-64)",
        "pbs-api-types/src/lib.rs:216-220; proxmox-schema/src/api_types.rs:95",
        accepted=("12345678", "x" * 64, "pässwört", "with space"),
        refused=("1234567", "x" * 65, "abcdefg\n", "abcdefgh\x00"),
        provider=(_user("password"),),
        simulator=(("POST /access/users password", sim_user("password")),),
    ),
    Rule(
        "first name (2-64) as read back from user.cfg",
        "pbs-api-types/src/user.rs:26-30; proxmox-section-config/src/lib.rs:687-697 (trim on read)",
        accepted=("ab", "ab ", "Zoë", "a\u2028b"),
        refused=("a", "x" * 65, "a\n", "a ", " a", "a\u00a0", "a\u0085b"),
        provider=(_user("firstname"),),
        simulator=(("POST /access/users firstname", sim_user("firstname")),),
        note="PBS itself stores `a ` and then fails every read of user.cfg (min. 2 after the trim); "
        "both sides refuse it instead (see docs/simulator.md, Known differences from PBS)",
    ),
    Rule(
        "HumanByte (rate/burst) and its stored form",
        "proxmox-human-byte/src/lib.rs:97-146,210-240; pbs-api-types/src/traffic_control.rs:25-37; "
        "proxmox-section-config/src/lib.rs:375-377 (stored text verified again)",
        accepted=("10MiB", "1.5 GB", "500K", "0", "1e10", "inf", "10 iB", "1300b", "9" * 60),
        refused=("10XB", "-1", "", "1e100", "x" * 65, "2KIB", "1,5MB", "9" * 63 + "e9"),
        provider=(_job("rateIn"),),
        simulator=(("POST /config/sync rate-in", sim_job("rate-in")),),
        note="`1e100` passes the API (5 characters) but prints as 101 digits, over the 64 allowed",
    ),
    Rule(
        "port (u16)",
        "pbs-api-types/src/remote.rs:42-45",
        accepted=(0, 1, 8007, 65535),
        refused=(-1, 65536, 100000),
        provider=(_remote("port"),),
        simulator=(("POST /config/remote port", sim_remote("port")),),
    ),
]

# Values as PBS reads them back from a section-config file: (sent, read back). The reader splits
# at "\n" only (proxmox-section-config/src/lib.rs:458, `str::lines`) and trims keys and values with
# `str::trim` (lib.rs:687-697), Unicode White_Space.
READ_BACK: list[tuple[str, str]] = [
    ("plain", "plain"),
    (" lead", "lead"),
    ("trail ", "trail"),
    ("x\u00a0", "x"),
    ("\u3000y\u3000", "y"),
    ("x\u2028", "x"),
    ("a\u2028b", "a\u2028b"),
    ("a\u2029b", "a\u2029b"),
    ("a \u2028 b", "a \u2028 b"),
]
