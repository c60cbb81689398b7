"""Bad input: generated invalid inputs for every field of every resource fail `check`, naming the
input and the rule, with no request to PBS and no traceback.

All cases run against one plugin process (started as the engine does, configured with one
simulator) through the Check RPC, as `pulumi preview` would. Each case is a valid resource with
exactly one input replaced by a value that breaks PBS's rule for that input; the values are built
to be invalid from PBS's rules (safe-ids, lengths, ranges, grammars, enums), not
taken from the schemas under test. Secret inputs must not be quoted back.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from offline_engine import props as P
from offline_engine.provider_host import DynamicProviderHost, ProviderRpcError, serialize_like_sdk
from pbs_provider.resources import (
    AclEntryProvider,
    ApiTokenProvider,
    NamespaceProvider,
    RemoteProvider,
    SyncJobProvider,
    UserProvider,
)
from pbs_sim.testing import SimHandle, start_simulator
from tests.providers.driver import start_plugin

from .report import REPORT

EXAMPLES = 1200
SERVER = "onprem"
BASES: dict[str, dict[str, Any]] = {
    "Remote": {"server": SERVER, "name": "bad-remote", "host": "pbs.example.com", "authId": "sync@pbs!push",
               "password": "pw-valid-1"},
    "SyncJob": {"server": SERVER, "jobId": "bad-job", "store": "store1", "remote": "bad-remote",
                "remoteStore": "offsite"},
    "User": {"server": SERVER, "userid": "bad-user@pbs"},
    "ApiToken": {"server": SERVER, "userid": "bad-user@pbs", "tokenName": "bad-token"},
    "AclEntry": {"server": SERVER, "path": "/datastore/store1", "authId": "bad-user@pbs",
                 "role": "DatastoreReader"},
    "Namespace": {"server": SERVER, "store": "store1", "ns": "bad-ns"},
}  # fmt: skip
PROVIDERS = {
    "Remote": RemoteProvider, "SyncJob": SyncJobProvider, "User": UserProvider,
    "ApiToken": ApiTokenProvider, "AclEntry": AclEntryProvider, "Namespace": NamespaceProvider,
}  # fmt: skip
SECRETS = {("Remote", "password"), ("User", "password")}

# ---- invalid values, by PBS rule ----------------------------------------------------------------

SAFE = string.ascii_letters + string.digits + "_.-"
SAFE_START = string.ascii_letters + string.digits + "_"
BAD_CHARS = "/ %\\\n\t@!:*?#$&;,\x00\x1b\u00e9"
CONTROL = "\n\r\t\x00\x07\x1b\x7f"


def safe_text(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.builds(
        lambda first, rest: first + rest,
        st.sampled_from(SAFE_START),
        st.text(SAFE, min_size=max(min_size - 1, 0), max_size=max(max_size - 1, 0)),
    )


def not_safe_id(min_len: int | None = 3, max_len: int | None = 32) -> st.SearchStrategy[Any]:
    """Breaks `[A-Za-z0-9_][A-Za-z0-9._-]*` (and its length limits, when it has them)."""
    options = [
        st.builds(lambda c, s: c + s, st.sampled_from("-."), st.text(SAFE, min_size=2, max_size=10)),
        st.builds(
            lambda a, c, b: a + c + b,
            safe_text(1, 10),
            st.sampled_from(BAD_CHARS),
            st.text(SAFE, max_size=10),
        ),
        st.just(""),
        wrong_type_for_string(),
    ]
    if min_len is not None and min_len > 1:
        options.append(safe_text(1, min_len - 1))
    if max_len is not None:
        options.append(safe_text(max_len + 1, max_len + 40))
    return st.one_of(options)


def wrong_type_for_string() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(),
        st.lists(st.text(max_size=3), max_size=2),
        st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    )


def with_control(min_len: int = 0, max_len: int = 30) -> st.SearchStrategy[str]:
    return st.builds(
        lambda a, c, b: a + c + b,
        st.text(string.ascii_letters, min_size=min_len, max_size=max_len),
        st.sampled_from(CONTROL),
        st.text(string.ascii_letters, max_size=5),
    )


def single_line(min_len: int | None, max_len: int) -> st.SearchStrategy[Any]:
    """Breaks "no control characters, min..max characters"."""
    options = [
        with_control(),
        st.text(string.ascii_letters, min_size=max_len + 1, max_size=max_len + 50),
        wrong_type_for_string(),
    ]
    if min_len:
        options.append(st.text(string.ascii_letters, min_size=0, max_size=min_len - 1))
    return st.one_of(options)  # fmt: skip


def not_bool() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(["maybe", "sometimes", "ja", "2", "-1", "truthy", ""]),
        st.integers(min_value=2),
        st.integers(max_value=-1),
        st.floats(min_value=0.1, max_value=0.9),
        st.lists(st.booleans(), min_size=1, max_size=2),
    )


def int_outside(low: int, high: int | None) -> st.SearchStrategy[Any]:
    options = [
        st.integers(max_value=low - 1),
        st.floats(min_value=low + 0.1, max_value=(high or low + 1000) - 0.1).filter(
            lambda f: not f.is_integer()
        ),
        st.sampled_from(["ten", "1e3x", ""]),
        st.booleans(),
    ]
    if high is not None:
        options.append(st.integers(min_value=high + 1))
    return st.one_of(options)


def not_userid(token_allowed: bool) -> st.SearchStrategy[Any]:
    """Breaks `user@realm` (or `user@realm!token`), 3..64 characters."""
    options = [
        safe_text(3, 20),  # no realm
        st.builds(lambda u: f"{u}@", safe_text(1, 10)),
        st.builds(lambda r: f"@{r}", safe_text(2, 10)),
        st.builds(lambda u, c: f"{u}{c}x@pbs", safe_text(1, 10), st.sampled_from("/ :\n\t")),
        st.builds(lambda u: f"{u}@pbs!", safe_text(1, 10)),
        st.builds(lambda u: f"{u}@pbs", safe_text(70, 90)),
        wrong_type_for_string(),
    ]
    if not token_allowed:
        options.append(st.builds(lambda u, t: f"{u}@pbs!{t}", safe_text(1, 10), safe_text(1, 10)))
    return st.one_of(options)


def not_host() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(
            ["", "bad host", "a/b", "[::1]", "host:8007", "https://pbs", "-lead.example", "a..b", "x_y"]
        ),
        st.builds(lambda a, c: a + c, safe_text(1, 10), st.sampled_from(" /@!%")),
        wrong_type_for_string(),
    )  # fmt: skip


def not_fingerprint() -> st.SearchStrategy[Any]:
    pair = st.text("0123456789abcdef", min_size=2, max_size=2)
    return st.one_of(
        st.lists(pair, min_size=1, max_size=31).map(":".join),
        st.lists(pair, min_size=33, max_size=40).map(":".join),
        st.lists(pair, min_size=32, max_size=32).map("-".join),
        st.lists(st.text("ghijxyz", min_size=2, max_size=2), min_size=32, max_size=32).map(":".join),
        wrong_type_for_string(),
    )


def not_namespace(root_allowed: bool) -> st.SearchStrategy[Any]:
    component = safe_text(1, 8)
    options = [
        st.lists(component, min_size=8, max_size=10).map("/".join),  # deeper than 7 levels
        st.builds(lambda a, b: f"{a}//{b}", component, component),
        st.builds(lambda a: f"/{a}", component),
        st.builds(lambda a: f"{a}/", component),
        st.builds(lambda a, b: f"{a}/../{b}", component, component),
        st.builds(lambda a, c: a + c, component, st.sampled_from(" %\n:@!")),
        wrong_type_for_string(),
    ]
    if not root_allowed:
        options.append(st.just(""))
    return st.one_of(options)


def not_byte_size() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(
            lambda n, u: f"{n}{u}", st.integers(1, 999), st.sampled_from(["X", "XB", " QiB", "bytes", "Mb/s"])
        ),
        st.sampled_from(["", "abc", "-5", "1.5.5 MiB", "MiB", "10 10"]),
        st.integers(0, 100),
    )  # fmt: skip


def not_schedule() -> st.SearchStrategy[Any]:
    return st.one_of(
        # (not "25:00": PBS reads it as minute 25 of every hour)
        st.sampled_from(["whenever", "mon..xyz", "every hour", "*:61", "2015-10-21", "23:60", "mon..", ""]),
        st.text("#!?@$&|^", min_size=1, max_size=8),
        st.integers(),
    )  # fmt: skip


def not_group_filter() -> st.SearchStrategy[Any]:
    bad = st.sampled_from(
        ["type:foo", "group:", "group:vm", "regex:(", "include:foo:bar", "", "exclude:", "vm/100", "type:VM"]
    )
    return st.one_of(
        st.lists(bad, min_size=1, max_size=1),
        st.builds(lambda good, b: [good, b], st.sampled_from(["type:vm", "group:ct/100"]), bad),
        st.sampled_from(["type:vm"]),  # not a list
        st.just([3]),
    )


def not_key_list() -> st.SearchStrategy[Any]:
    items = not_safe_id().filter(lambda v: isinstance(v, str))
    return st.one_of(st.lists(items, min_size=1, max_size=2), st.just("k-1"))


def not_acl_path() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(
            ["", "datastore/store1", "/foo", "/datastore/-bad", "/datastore/a b", "//", "/system/../access"]
        ),
        st.builds(lambda s: f"/datastore/{s}", safe_text(130, 140)),
        wrong_type_for_string(),
    )


def not_role() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(["Administrator", "admin", "datastorebackup", "Datastore.Backup", "", "NoAccess "]),
        safe_text(3, 20).filter(lambda r: r not in ROLES),
        wrong_type_for_string(),
    )


ROLES = {
    "Admin", "Audit", "NoAccess", "DatastoreAdmin", "DatastoreReader", "DatastoreBackup",
    "DatastorePowerUser", "DatastoreAudit", "RemoteAdmin", "RemoteAudit", "RemoteSyncOperator",
    "RemoteSyncPushOperator", "RemoteDatastorePowerUser", "RemoteDatastoreAdmin", "TapeAdmin", "TapeAudit",
    "TapeOperator", "TapeReader",
}  # fmt: skip

SAFE_ID = not_safe_id()
INVALID: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "Remote": {
        "name": SAFE_ID, "host": not_host(), "port": int_outside(0, 65535), "authId": not_userid(True),
        "password": single_line(1, 1024), "fingerprint": not_fingerprint(), "comment": single_line(None, 128),
        "useNodeProxy": not_bool(),
    },
    "SyncJob": {
        "jobId": SAFE_ID, "store": SAFE_ID, "remote": SAFE_ID, "remoteStore": SAFE_ID,
        "syncDirection": st.one_of(st.sampled_from(["both", "Push", "PULL", "", "sideways"]), st.integers()),
        "ns": not_namespace(True), "remoteNs": not_namespace(True), "owner": not_userid(True),
        "removeVanished": not_bool(), "maxDepth": int_outside(0, 7), "groupFilter": not_group_filter(),
        "schedule": not_schedule(), "comment": single_line(None, 128), "rateIn": not_byte_size(),
        "burstIn": not_byte_size(), "rateOut": not_byte_size(), "burstOut": not_byte_size(),
        "transferLast": int_outside(1, None), "resyncCorrupt": not_bool(), "encryptedOnly": not_bool(),
        "verifiedOnly": not_bool(), "runOnMount": not_bool(), "unmountOnDone": not_bool(),
        "workerThreads": int_outside(1, 32), "activeEncryptionKey": SAFE_ID, "associatedKey": not_key_list(),
    },
    "User": {
        "userid": not_userid(False), "comment": single_line(None, 128), "enable": not_bool(),
        "expire": int_outside(0, None), "firstname": single_line(2, 64), "lastname": single_line(2, 64),
        "email": single_line(2, 64), "password": single_line(8, 64),
    },
    "ApiToken": {
        "userid": not_userid(False), "tokenName": not_safe_id(None, None), "comment": single_line(None, 128),
        "enable": not_bool(), "expire": int_outside(0, None),
    },
    "AclEntry": {
        "path": not_acl_path(), "authId": not_userid(True), "role": not_role(), "propagate": not_bool(),
    },
    "Namespace": {"store": SAFE_ID, "ns": not_namespace(False), "deleteGroups": not_bool()},
}  # fmt: skip
COMMON: dict[str, st.SearchStrategy[Any]] = {
    "server": st.one_of(st.sampled_from(["", "cloud", "ONPREM", "onprem "]), st.integers(1, 9)),
    "adopt": not_bool(),
}
EXTRA_KEYS = st.sampled_from(
    ["colour", "id", "urn", "Name", "job_id", "password2", "nextRun", "tokenId", "secret"]
)

CASES = st.sampled_from(sorted(BASES)).flatmap(
    lambda kind: st.one_of(
        st.tuples(st.just(kind), st.sampled_from(sorted(INVALID[kind]))).flatmap(
            lambda kf: st.tuples(st.just(kf[0]), st.just(kf[1]), INVALID[kf[0]][kf[1]])
        ),
        st.tuples(st.just(kind), st.sampled_from(sorted(COMMON))).flatmap(
            lambda kf: st.tuples(st.just(kf[0]), st.just(kf[1]), COMMON[kf[1]])
        ),
        st.tuples(st.just(kind), EXTRA_KEYS, st.integers(1, 5)),
    )
)


@pytest.fixture(scope="module")
def onprem(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimHandle]:
    with start_simulator(tmp_path_factory.mktemp("bad-input"), datastores=["store1", "offsite"]) as sim:
        yield sim


@pytest.fixture(scope="module")
def plugin(onprem: SimHandle) -> Iterator[DynamicProviderHost]:
    host = start_plugin(**{SERVER: onprem})
    yield host
    host.stop()


@functools.cache
def provider_blob(kind: str) -> Any:
    """The `__provider` input of `kind`, pickled once: pulumi's `serialize_provider` wraps
    `pickle._Pickler._batch_setitems` once more on every call and never unwraps it, so about
    1,000 calls in one process end in a RecursionError."""
    return serialize_like_sdk(PROVIDERS[kind]())


def check(host: DynamicProviderHost, kind: str, inputs: dict[str, Any]) -> list[tuple[str, str]]:
    news = {k: (P.secret(v) if (kind, k) in SECRETS else v) for k, v in inputs.items() if v is not None}
    news["__provider"] = provider_blob(kind)
    urn = host.urn(f"pulumi-python:dynamic/pbs:{kind}", "bad")
    return host.check(urn, {}, news, preview=True, raise_on_failure=False)[1]


def test_valid_bases_pass(plugin: DynamicProviderHost, onprem: SimHandle) -> None:
    for kind, base in BASES.items():
        assert check(plugin, kind, base) == [], kind


def test_generated_invalid_inputs_fail_check(plugin: DynamicProviderHost, onprem: SimHandle) -> None:
    onprem.clear_request_log()
    seen: set[tuple[str, str, str]] = set()
    rejected: set[tuple[str, str, str]] = set()
    problems: list[str] = []
    tracebacks = [0]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,  # the same cases on every run: the report's figures are reproducible
    )
    @given(CASES)
    @example(("SyncJob", "transferLast", True))  # PBS wants an integer, not a boolean
    @example(("SyncJob", "workerThreads", True))
    @example(("Remote", "port", True))
    def case(generated: tuple[str, str, Any]) -> None:
        kind, field, value = generated
        ident = (kind, field, repr(value))
        inputs = {**BASES[kind], field: value}
        try:
            failures = check(plugin, kind, inputs)
        except ProviderRpcError as error:
            tracebacks[0] += 1
            problems.append(f"{kind}.{field}={value!r}: the check crashed: {error.details.splitlines()[-1]}")
            seen.add(ident)
            return
        seen.add(ident)
        mine = [reason for prop, reason in failures if prop == field]
        named = [r for r in mine if f"`{field}`" in r and len(r) > len(field) + 12]
        quoted = (
            (kind, field) in SECRETS
            and isinstance(value, str)
            and len(value) >= 4
            and any(value in r for r in mine)
        )
        if named and not quoted:
            rejected.add(ident)
        else:
            problems.append(f"{kind}.{field}={value!r}: failures {failures}")

    case()
    requests = onprem.request_log()
    REPORT.bad_inputs += len(seen)
    REPORT.bad_inputs_rejected += len(rejected)
    REPORT.bad_input_requests += len(requests)
    REPORT.bad_input_tracebacks += tracebacks[0]
    kinds_fields = {(k, f) for k, f, _ in seen}
    assert {k for k, _ in kinds_fields} == set(BASES)
    assert len(seen) >= 1000, f"only {len(seen)} distinct invalid inputs were generated"
    assert not problems, "\n".join(problems[:20])
    assert requests == [], requests[:5]
