"""Export round trip: objects made on a PBS by hand → `python -m pbs_provider export` → the loader
accepts the output → `up` (through the engine stand-in) adopts everything without a single change.

The stacks here are named `export-*`, which have no stack file: nothing depends on stacks/.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pbs_provider.__main__ import main
from pbs_provider.client import ServerConfig, client_for
from pbs_provider.export import Source, export_config
from pbs_provider.stack_config import load_stack_config
from tests.program.stacks import PROJECT, StackRun, server_entry

REMOTE_PASSWORD = "remote-password-from-gui"
USER_PASSWORD = "user-password-from-gui"


def make_by_hand(sim) -> None:
    """What an admin clicked together in the GUI."""
    calls = [
        ("POST", "/config/remote", {
            "name": "cloud", "host": "pbs.cloud.example", "auth-id": "sync@pbs!push",
            "password": REMOTE_PASSWORD, "fingerprint": sim.fingerprint.upper(), "comment": "made in the GUI",
        }),
        ("POST", "/config/sync", {
            "id": "s-5bd88e98-4c78", "store": "store1", "remote": "cloud", "remote-store": "offsite",
            "sync-direction": "push", "schedule": "mon..fri 02:30", "rate-out": "20MiB",
            "group-filter": ["include:type:vm", "exclude:regex:^vm/9\\d\\d$"], "remove-vanished": True,
        }),
        ("POST", "/config/sync", {
            "id": "pull-local", "store": "store1", "remote-store": "archive", "max-depth": 2, "ns": "a/b",
            "transfer-last": 5,
        }),
        ("POST", "/access/users", {
            "userid": "reader@pbs", "comment": "reads archive", "email": "reader@example.com",
            "password": USER_PASSWORD,
        }),
        ("POST", "/access/users/reader@pbs/token/nightly", {"comment": "nightly pull"}),
        ("PUT", "/access/acl", {
            "path": "/datastore/archive", "auth-id": "reader@pbs", "role": "DatastoreReader",
        }),
        ("PUT", "/access/acl", {
            "path": "/datastore/archive", "auth-id": "reader@pbs!nightly", "role": "DatastoreReader",
            "propagate": False,
        }),
        ("POST", "/admin/datastore/store1/namespace", {"name": "a"}),
        ("POST", "/admin/datastore/store1/namespace", {"parent": "a", "name": "b"}),
    ]  # fmt: skip
    for method, path, body in calls:
        sim.api(method, path, json=body).raise_for_status()


def export_cli(sim, *extra: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pbs_provider", "export", "--url", sim.url, "--auth-id", sim.admin_token_id,
         "--fingerprint", sim.fingerprint, "--server", "onprem", *extra],
        cwd=PROJECT,
        env={**os.environ, "PBS_SECRET": sim.admin_token_secret, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,
    )  # fmt: skip


def load(config: dict, secrets: dict) -> None:
    values = {**config, **secrets}
    load_stack_config(
        get=lambda key: json.dumps(values[key]) if key in values else None,
        is_secret=lambda key: key in secrets,
        all_keys=[f"pbs-replication:{k}" for k in values],
        environ={},
    )


def changes(sims) -> list[tuple[str, str, int]]:
    """Every write the simulators saw, but the refused creates of objects that exist (adoption)."""
    return [
        (e["method"], e["path"], e["status"])
        for sim in sims
        for e in sim.request_log()
        if e["method"] != "GET" and not (e["method"] == "POST" and e["status"] == 400)
    ]


def sources_of(sims: dict) -> list[Source]:
    """Each simulator as an export source, read with its admin token."""
    return [
        Source(
            name,
            server_entry(sim),
            client_for(name, ServerConfig(url=sim.url, auth_id=sim.admin_token_id,
                                          secret=sim.admin_token_secret, fingerprint=sim.fingerprint)),
        )
        for name, sim in sims.items()
    ]  # fmt: skip


def adopt(export, sims: dict, tmp_path: Path) -> StackRun:
    """A stack made of the export (its config loads), after one `up` that succeeded; the simulators'
    request logs hold that `up`'s requests only."""
    config = {k.split(":", 1)[1]: v for k, v in export.config().items()}
    secrets = {"serverSecrets": {n: s.admin_token_secret for n, s in sims.items()}}
    load(config, secrets)
    adopting = StackRun("export-adopt", tmp_path / "adopt", sims, **config, **secrets)
    for sim in sims.values():
        sim.clear_request_log()
    up = adopting.up()
    assert up.ok, (export.replications, up.diagnostics)
    return adopting


def test_export_then_up_adopts_everything_and_preview_is_clean(pbs_sim_factory, tmp_path):
    sim = pbs_sim_factory("onprem", datastores=["store1", "archive"])
    make_by_hand(sim)
    done = export_cli(sim, "--stack", "dev")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for line in (
        "pulumi config set --secret --path 'serverSecrets.onprem' <token secret or password> --stack dev",
        "pulumi config set --secret --path 'remotePasswords.cloud' <password> --stack dev",
        "pulumi config set --secret --path 'userPasswords.reader@pbs' <password> --stack dev",
    ):
        assert line in out
    assert sim.admin_token_secret not in out and REMOTE_PASSWORD not in out
    assert "export: onprem: reading" in done.stderr  # progress, on stderr only
    config = {k.split(":", 1)[1]: v for k, v in yaml.safe_load(out)["config"].items()}
    assert config["servers"] == {"onprem": server_entry(sim)}
    assert config["remotes"]["cloud"]["adopt"] is True and config["remotes"]["cloud"]["server"] == "onprem"
    jobs = config["syncJobs"]
    assert set(jobs) == {"s-5bd88e98-4c78", "pull-local"}
    assert jobs["s-5bd88e98-4c78"]["syncDirection"] == "push"  # push jobs are not hidden
    assert jobs["s-5bd88e98-4c78"]["groupFilter"] == ["type:vm", "exclude:regex:^vm/9\\d\\d$"]
    assert set(config["users"]) == {"reader@pbs"}  # not root@pam, not the export's own login
    assert set(config["tokens"]) == {"reader@pbs!nightly"}
    assert {(a["authId"], a.get("propagate", True)) for a in config["acls"]} == {
        ("reader@pbs", True),
        ("reader@pbs!nightly", False),
    }
    assert {(n["store"], n["ns"]) for n in config["namespaces"]} == {("store1", "a"), ("store1", "a/b")}
    secrets = {
        "serverSecrets": {"onprem": sim.admin_token_secret},
        "remotePasswords": {"cloud": REMOTE_PASSWORD},
    }
    load(config, secrets)  # the loader accepts it as it is

    stack = StackRun("export-one", tmp_path, {"onprem": sim}, **config, **secrets)
    sim.clear_request_log()
    up = stack.up()
    assert up.ok, up.diagnostics
    # adopted as they are: nothing created, nothing changed but the remote's password, which PBS
    # never returns, so adopting a remote always sets it
    assert changes([sim]) == [("PUT", "/api2/json/config/remote/cloud", 200)]
    assert stack.preview().ops() == []
    adopted = {r["type"].rsplit(":", 1)[-1] for r in stack.state_json()["resources"] if r.get("custom")}
    adopted.discard("pulumi-python")  # the provider resource itself
    assert adopted == {"Remote", "SyncJob", "User", "ApiToken", "AclEntry", "Namespace"}


PUSH = {
    "direction": "push",
    "source": {"server": "onprem", "store": "store1"},
    "target": {"server": "cloud", "store": "offsite", "ns": "site1"},
    "schedule": "hourly",
    "removeVanished": True,
}


def test_a_replication_set_is_exported_as_one_replications_entry(pbs_sim_factory, tmp_path):
    sims = {"onprem": pbs_sim_factory("onprem"), "cloud": pbs_sim_factory("cloud", datastores=["offsite"])}
    (tmp_path / "made").mkdir()
    (tmp_path / "adopt").mkdir()
    made = StackRun("export-made", tmp_path / "made", sims, replications={"offsite": PUSH})
    assert made.up().ok
    sources = sources_of(sims)
    plain = export_config(sources)
    assert set(plain.sync_jobs) == {"offsite"} and set(plain.tokens) == {"offsite@pbs!sync"}
    export = export_config(sources, fold_replications=True)
    assert export.remotes == export.sync_jobs == export.users == export.tokens == {}
    assert export.acls == export.namespaces == []
    [(name, entry)] = export.replications.items()
    assert name == "offsite"
    assert {k: entry[k] for k in PUSH} == PUSH and entry["adopt"] is True

    adopting = adopt(export, sims, tmp_path)
    # the token secret (shown once, when the token was made) is renewed and handed to the remote
    assert sorted(changes(sims.values())) == [
        ("PUT", "/api2/json/access/users/offsite%40pbs/token/sync", 200),
        ("PUT", "/api2/json/config/remote/offsite", 200),
    ]
    assert adopting.preview().ops() == []


def test_prune_and_verify_jobs_on_a_replication_target_fold_into_it_and_the_rest_stay_entries(
    pbs_sim_factory, tmp_path
):
    sims = {"onprem": pbs_sim_factory("onprem"), "cloud": pbs_sim_factory("cloud", datastores=["offsite"])}
    cloud = sims["cloud"]
    (tmp_path / "made").mkdir()
    (tmp_path / "adopt").mkdir()
    entry = {
        **PUSH,
        "retention": {"keepDaily": 7, "keepWeekly": 4, "schedule": "02:00"},
        "verify": {"outdatedAfter": 30},
    }
    made = StackRun("export-made", tmp_path / "made", sims, replications={"offsite": entry})
    assert made.up().ok
    # by hand, in the GUI: a prune job on the datastore's root and a verify job without a schedule
    for path, body in (
        ("/config/prune", {"id": "root-keep", "store": "offsite", "schedule": "daily", "keep-last": 9}),
        ("/config/verify", {"id": "by-hand", "store": "offsite", "ns": "site1"}),
    ):
        cloud.api("POST", path, json=body).raise_for_status()
    sources = sources_of(sims)
    plain = export_config(sources)
    assert set(plain.prune_jobs) == {"offsite", "root-keep"} and set(plain.verify_jobs) == {
        "offsite",
        "by-hand",
    }
    assert plain.prune_jobs["offsite"] == {
        "server": "cloud", "store": "offsite", "ns": "site1", "schedule": "02:00", "keepDaily": 7,
        "keepWeekly": 4, "adopt": True,
    }  # fmt: skip

    export = export_config(sources, fold_replications=True)
    [(name, folded)] = export.replications.items()
    assert name == "offsite"
    assert folded["retention"] == entry["retention"] and folded["verify"] == entry["verify"]
    assert set(export.prune_jobs) == {"root-keep"} and set(export.verify_jobs) == {"by-hand"}

    assert set(export.config()) == {
        f"pbs-replication:{k}" for k in ("servers", "replications", "pruneJobs", "verifyJobs")
    }
    adopting = adopt(export, sims, tmp_path)
    # every job is adopted as it is: the only writes renew the token secret and hand it to the remote
    assert sorted(changes(sims.values())) == [
        ("PUT", "/api2/json/access/users/offsite%40pbs/token/sync", 200),
        ("PUT", "/api2/json/config/remote/offsite", 200),
    ]
    assert adopting.preview().ops() == []
    names = {r["urn"].rsplit("::", 1)[-1] for r in adopting.state_json()["resources"]}
    assert {"offsite-prune", "offsite-verify", "root-keep", "by-hand"} <= names


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--url", "ftp://pbs1"], {}, "export: --url: url 'ftp://pbs1' must start with https://"),
        (["--auth-id", "nobody"], {}, "export: --auth-id: "),
        (["--fingerprint", "12:34"], {}, "export: --fingerprint: must be a SHA-256 fingerprint"),
        (
            [],
            {"PBS_SECRET": ""},
            "export: no secret for root@pam!admin: set the environment variable PBS_SECRET",
        ),
        (["--secret-file", "/nonexistent/secret"], {"PBS_SECRET": ""}, "export: --secret-file: cannot read"),
        (["--from-stack", "dev"], {}, "export: --url and --from-stack: give one of them"),
    ],
)
def test_every_export_error_is_one_line(pbs_sim_factory, args, env, expected):
    sim = pbs_sim_factory("onprem")
    done = export_cli(sim, *args, env=env, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), lines
    assert "pydantic" not in done.stderr and "Traceback" not in done.stderr


def test_the_secret_can_come_from_a_file_and_a_dead_server_is_one_line(pbs_sim_factory, tmp_path: Path):
    sim = pbs_sim_factory("onprem")
    secret_file = tmp_path / "secret"
    secret_file.write_text(sim.admin_token_secret + "\n")
    done = export_cli(
        sim, "--secret-file", str(secret_file), env={"PBS_SECRET": ""}, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 0, done.stderr
    assert "pbs-replication:servers" in done.stdout
    secret_file.write_text("wrong-secret")
    done = export_cli(
        sim, "--secret-file", str(secret_file), env={"PBS_SECRET": ""}, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if not line.startswith("export: onprem: reading")]
    assert len(errors) == 1 and errors[0].startswith("export: onprem: "), done.stderr
    assert "wrong-secret" not in done.stderr and "Traceback" not in done.stderr


def test_from_stack_reads_every_server_of_a_stack_and_folds_replications(
    pbs_sim_factory, tmp_path, monkeypatch, capsys
):
    sims = {"onprem": pbs_sim_factory("onprem"), "cloud": pbs_sim_factory("cloud", datastores=["offsite"])}
    (tmp_path / "state").mkdir()
    assert StackRun("export-made", tmp_path / "state", sims, replications={"offsite": PUSH}).up().ok
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text((PROJECT / "Pulumi.yaml").read_text())
    servers = {name: server_entry(sim) for name, sim in sims.items()}
    stack = {"config": {"pbs-replication:servers": servers}}
    (project / "stacks" / "Pulumi.site.yaml").write_text(yaml.safe_dump(stack))
    for name, sim in sims.items():
        monkeypatch.setenv(f"PBS_SERVER_SECRET_{name.upper()}", sim.admin_token_secret)
    code = main(["export", "--from-stack", "site", "--project-dir", str(project), "--replications"])
    out, err = capsys.readouterr()
    assert code == 0, err
    config = {k.split(":", 1)[1]: v for k, v in yaml.safe_load(out)["config"].items()}
    assert set(config) == {"servers", "replications"} and set(config["replications"]) == {"offsite"}
    assert config["servers"] == servers
    assert "--stack site" in out and "export: cloud: reading" in err
    assert all(sim.admin_token_secret not in out + err for sim in sims.values())


def test_on_a_terminal_the_secret_is_asked_for(pbs_sim_factory):
    sim = pbs_sim_factory("onprem")
    argv = [sys.executable, "-m", "pbs_provider", "export", "--url", sim.url, "--auth-id", sim.admin_token_id,
            "--fingerprint", sim.fingerprint]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "PBS_SECRET"}
    pid, terminal = pty.fork()
    if pid == 0:  # the child: its stdin, stdout and controlling terminal are the pseudo-terminal
        os.chdir(PROJECT)
        os.execve(sys.executable, argv, env)
    seen = b""
    while b"secret of root@pam!admin: " not in seen:
        ready, _, _ = select.select([terminal], [], [], 30)
        assert ready, seen
        seen += os.read(terminal, 4096)
    os.write(terminal, sim.admin_token_secret.encode() + b"\n")
    while True:
        ready, _, _ = select.select([terminal], [], [], 60)
        assert ready, seen
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert b"pbs-replication:servers" in seen and sim.admin_token_secret.encode() not in seen
