"""Generated invalid stack configs: each gives one clear config error naming its key path, and
nothing is registered.

A valid stack config (every section used) gets exactly one generated breakage: an invalid value
for a field of an entry (values from the bad-input strategies), an unknown key at the top or in an
entry, an unknown server, a section of the wrong type, a secret map stored in plaintext, a missing
password, a broken server URL, a reference to an undeclared remote, a duplicate PBS id. Hundreds of
them go through `load_stack_config` (the program's first step), which must raise one
`StackConfigError` of exactly one line, naming the broken key path and quoting no secret. One
config of each family then goes through the mini engine: the run fails with one error, no resource
is registered, and the simulator sees no request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offline_engine import props as P
from pbs_provider.stack_config import KNOWN_KEYS, StackConfigError, load_stack_config
from pbs_sim.testing import SimHandle, start_simulator
from tests.program.stacks import PROJECT, StackRun

from .engine_hooks import PluginLog, run_verb
from .report import REPORT
from .test_bad_input import INVALID, safe_text

SECRET = "cfg-secret-7f3a9c"
SECRET_MAPS = ("serverSecrets", "remotePasswords", "userPasswords")
SECTIONS = {  # config section → (resource kind, entry key or list index)
    "remotes": ("Remote", "cloud"),
    "syncJobs": ("SyncJob", "push-cloud"),
    "users": ("User", "sync@pbs"),
    "tokens": ("ApiToken", "sync@pbs!push"),
    "acls": ("AclEntry", 0),
    "namespaces": ("Namespace", 0),
}
LINKS = {("SyncJob", "remote"), ("ApiToken", "userid"), ("AclEntry", "authId")}
"""Fields that name another entry: breaking them also breaks the reference (a second line)."""


def base_config(
    onprem_url: str = "https://pbs1.example:8007", cloud_url: str = "https://pbs2.example:8007"
) -> dict[str, Any]:
    return {
        "servers": {
            "onprem": {"url": onprem_url, "authId": "root@pam!pulumi"},
            "cloud": {"url": cloud_url, "authId": "root@pam"},
        },
        "serverSecrets": {"onprem": f"{SECRET}-token", "cloud": f"{SECRET}-root"},
        "remotes": {"cloud": {"server": "onprem", "host": "pbs2.example", "authId": "sync@pbs!push"}},
        "remotePasswords": {"cloud": f"{SECRET}-remote"},
        "syncJobs": {
            "push-cloud": {
                "server": "onprem", "store": "store1", "remote": "cloud", "remoteStore": "offsite",
                "syncDirection": "push",
            }
        },
        "users": {"sync@pbs": {"server": "cloud"}},
        "userPasswords": {"sync@pbs": f"{SECRET}-user"},
        "tokens": {"sync@pbs!push": {"server": "cloud"}},
        "acls": [
            {"server": "cloud", "path": "/datastore/offsite", "authId": "sync@pbs!push",
             "role": "DatastoreBackup"}
        ],
        "namespaces": [{"server": "cloud", "store": "offsite", "ns": "site1"}],
    }  # fmt: skip


Breakage = tuple[str, Callable[[dict[str, Any]], None], str]
"""(family, change the config in place, the key path the error must name)."""


def _entry(config: dict[str, Any], section: str) -> dict[str, Any]:
    return config[section][SECTIONS[section][1]]


def field_breakages() -> st.SearchStrategy[Breakage]:
    def build(section: str, field: str, value: Any) -> Breakage:
        key = SECTIONS[section][1]
        return (
            "invalid field value",
            lambda c: _entry(c, section).__setitem__(field, value),
            f"{section}.{key}.{field}",
        )

    pairs = [
        (section, field)
        for section, (kind, _) in SECTIONS.items()
        for field in INVALID[kind]
        if (kind, field) not in LINKS and field != "password"
    ]
    return st.sampled_from(pairs).flatmap(
        lambda sf: INVALID[SECTIONS[sf[0]][0]][sf[1]].map(lambda value: build(sf[0], sf[1], value))
    )


MAPS = st.sampled_from(["remotes", "syncJobs", "users", "tokens"])
BAD_URLS = ["http://pbs1.example:8007", "https://pbs1.example:8007/api2", "https://:8007", "ftp://x"]


def other_breakages() -> st.SearchStrategy[Breakage]:
    section = st.sampled_from(sorted(SECTIONS))
    name = safe_text(3, 12).filter(lambda n: n not in KNOWN_KEYS)
    camel = st.from_regex(r"[a-z]{3,8}[A-Z][a-z]{2,6}", fullmatch=True)
    return st.one_of(
        name.map(lambda n: ("unknown config key", lambda c: c.__setitem__(n, {}), f"{n}: not a config key")),
        st.tuples(section, camel).map(
            lambda sf: (
                "unknown entry key",
                lambda c: _entry(c, sf[0]).__setitem__(sf[1], "x"),
                f"{sf[0]}.{SECTIONS[sf[0]][1]}.{sf[1]}",
            )
        ),
        st.tuples(section, safe_text(3, 10).filter(lambda s: s not in ("onprem", "cloud"))).map(
            lambda ss: (
                "unknown server",
                lambda c: _entry(c, ss[0]).__setitem__("server", ss[1]),
                f"{ss[0]}.{SECTIONS[ss[0]][1]}.server: no server",
            )
        ),
        st.tuples(MAPS, st.sampled_from([[1], "x", 3])).map(
            lambda sv: (
                "section of the wrong type", lambda c: c.__setitem__(sv[0], sv[1]), f"{sv[0]}: must be"
            )
        ),
        st.just(
            (
                "missing remote password",
                lambda c: c["remotePasswords"].clear(),
                "remotePasswords.cloud: missing",
            )
        ),
        st.sampled_from(BAD_URLS).map(
            lambda url: (
                "broken server url",
                lambda c: c["servers"]["onprem"].__setitem__("url", url),
                "servers.onprem.url: ",
            )
        ),
        safe_text(3, 12).filter(lambda r: r != "cloud").map(
            lambda r: (
                "undeclared remote",
                lambda c: _entry(c, "syncJobs").__setitem__("remote", r),
                "syncJobs.push-cloud.remote: no remote",
            )
        ),
        st.just((
            "duplicate job id",
            lambda c: c["syncJobs"].__setitem__("again", {**_entry(c, "syncJobs"), "jobId": "push-cloud"}),
            "syncJobs.again: job id 'push-cloud'",
        )),
    )  # fmt: skip


def load(config: dict[str, Any], secret_keys: tuple[str, ...] = SECRET_MAPS) -> None:
    load_stack_config(
        get=lambda key: json.dumps(config[key]) if key in config else None,
        is_secret=lambda key: key in secret_keys,
        all_keys=[f"pbs-replication:{k}" for k in config],
        environ={},
    )


def test_the_base_config_is_valid() -> None:
    load(base_config())


def test_generated_invalid_configs_give_one_clear_error() -> None:
    seen: set[str] = set()
    clear: set[str] = set()
    problems: list[str] = []

    @settings(
        max_examples=400,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(field_breakages(), other_breakages()))
    def case(breakage: Breakage) -> None:
        family, change, where = breakage
        config = base_config()
        change(config)
        ident = json.dumps(config, sort_keys=True, default=repr)
        seen.add(ident)
        try:
            load(config)
        except StackConfigError as error:
            lines = error.problems
            named = [line for line in lines if where in line and len(line) > len(where) + 8]
            if named and len(lines) == 1 and SECRET not in str(error):
                clear.add(ident)
            else:
                problems.append(f"{family} ({where}): {lines}")
            return
        except Exception as error:  # the program would show a traceback instead of a config error
            problems.append(f"{family} ({where}): crashed with {type(error).__name__}: {error}")
            return
        problems.append(f"{family} ({where}): accepted")

    case()
    # a secret map in plaintext is refused as such
    plaintext_refused = False
    try:
        load(base_config(), secret_keys=("serverSecrets",))
    except StackConfigError as error:
        plaintext_refused = any(
            p.startswith("remotePasswords: holds secrets but is stored in plaintext") for p in error.problems
        )
    if not plaintext_refused:
        problems.append("plaintext remotePasswords: not refused as a plaintext secret map")
    REPORT.config_errors += len(seen) + 1
    REPORT.config_errors_clear += len(clear) + plaintext_refused
    assert len(seen) >= 300, len(seen)
    assert not problems, "\n".join(problems[:20])


FAMILIES: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("invalid field value", lambda c: _entry(c, "syncJobs").__setitem__("transferLast", 0)),
    ("unknown config key", lambda c: c.__setitem__("syncJob", {})),
    ("unknown entry key", lambda c: _entry(c, "remotes").__setitem__("hostname", "x")),
    ("unknown server", lambda c: _entry(c, "users").__setitem__("server", "nowhere")),
    ("broken server url", lambda c: c["servers"]["onprem"].__setitem__("url", "http://127.0.0.1:8007")),
    ("undeclared remote", lambda c: _entry(c, "syncJobs").__setitem__("remote", "ghost")),
]


@pytest.fixture(scope="module")
def sims(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SimHandle]]:
    with (
        start_simulator(
            tmp_path_factory.mktemp("cfg-onprem"), datastores=["store1"], node="onprem"
        ) as onprem,
        start_simulator(tmp_path_factory.mktemp("cfg-cloud"), datastores=["offsite"], node="cloud") as cloud,
    ):
        yield {"onprem": onprem, "cloud": cloud}


@pytest.mark.parametrize("family,change", FAMILIES, ids=[f for f, _ in FAMILIES])
def test_an_invalid_config_registers_nothing(
    tmp_path: Path, sims: dict[str, SimHandle], family: str, change: Callable[[dict[str, Any]], None]
) -> None:
    config = base_config()
    config["servers"] = {
        name: {"url": sim.url, "authId": sim.admin_token_id, "fingerprint": sim.fingerprint}
        for name, sim in sims.items()
    }
    config["serverSecrets"] = {name: sim.admin_token_secret for name, sim in sims.items()}
    change(config)
    stack = StackRun("reliability", tmp_path, sims)
    stack.set(**config)
    for sim in sims.values():
        sim.clear_request_log()
    plugins = PluginLog()
    result = run_verb("up", str(PROJECT), stack.state, plugin_log=plugins, **stack.kwargs())
    errors = [d for d in result.diagnostics if d.startswith("error:")]
    state = P.from_state_json(json.loads(Path(stack.state).read_text())) if Path(stack.state).exists() else {}
    registered = [r["urn"] for r in state.get("resources", []) if r.get("custom")]
    requests = [e for sim in sims.values() for e in sim.request_log()]
    checks = sum(len(h.timings.get("Check", [])) for h in plugins.hosts)
    REPORT.config_errors += 1
    REPORT.config_errors_registered += len(registered) + len(result.steps)
    ok = not result.ok and len(errors) == 1 and "the stack config has" in errors[0]
    ok = ok and not registered and not result.steps and not requests and checks == 0
    REPORT.config_errors_clear += ok
    assert not result.ok
    assert len(errors) == 1 and "the stack config has" in errors[0], result.diagnostics
    assert not registered and not result.steps and checks == 0
    assert requests == []
