"""The front page's walk-through ("Replicate your own servers in 10 minutes") on two PBS simulators, for
the doc tests and for `tests.docs.refresh`: `Site` makes the servers and the stack, and returns what the
project's commands print, normalised so that it can be shown in a page and compared (task ids, times,
ports and elapsed seconds replaced by placeholders)."""

from __future__ import annotations

import contextlib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import yaml

from pbs_provider.__main__ import main
from pbs_provider.servers import secret_env_var
from pbs_sim.testing import SimHandle
from tests.program.stacks import PROJECT, StackRun

README = PROJECT / "README.md"
DEPLOY_USER, DEPLOY_TOKEN = "deploy@pbs", "deploy@pbs!pulumi"
STACK = "mysite"
SEED = {"store1": [{"group": "vm/100", "snapshots": 2}, {"group": "ct/200", "snapshots": 1}]}


def readme_config() -> dict[str, Any]:
    """The stack config of the walk-through's step 4 (keys without the project namespace)."""
    text = README.read_text()
    block = text.split("<!-- BEGIN stack example: quick start -->", 1)[1].split("<!-- END stack example", 1)[
        0
    ]
    raw = yaml.safe_load(block.strip().removeprefix("```yaml").removesuffix("```"))["config"]
    return {key.removeprefix("pbs-replication:"): value for key, value in raw.items()}


def step_one(sim: SimHandle) -> str:
    """Step 1 on one server, as the API calls behind its `proxmox-backup-manager` commands (user create,
    generate-token, acl update for user and token); returns the token secret."""
    sim.api("POST", "/access/users", data={"userid": DEPLOY_USER, "comment": "pbs-replication (Pulumi)"})
    secret = sim.api("POST", f"/access/users/{DEPLOY_USER}/token/pulumi").json()["data"]["value"]
    for auth_id in (DEPLOY_USER, DEPLOY_TOKEN):
        sim.api("PUT", "/access/acl", data={"path": "/", "role": "Admin", "auth-id": auth_id})
    return secret


def normalise(text: str, sims: dict[str, SimHandle]) -> str:
    """Output with what changes from run to run replaced: task ids, timestamps, elapsed seconds, ports."""
    for name, sim in sims.items():
        text = text.replace(f"127.0.0.1:{sim.port}", f"pbs-{name}:8007").replace(str(sim.port), "8007")
    text = re.sub(r"UPID:[^\s`]+", "UPID:…", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", "<time>", text)
    text = re.sub(r"^( *)\d+\.\d+s  ", r"\1", text, flags=re.M)
    return re.sub(r"succeeded in \d+s", "succeeded in <n>s", text)


@dataclass
class Site:
    """The two servers after step 1, and the walk-through's stack pointed at them."""

    sims: dict[str, SimHandle]
    run: StackRun
    project: Path
    environ: dict[str, str]

    @classmethod
    def make(cls, onprem: SimHandle, cloud: SimHandle, tmp_path: Path) -> Site:
        sims = {"onprem": onprem, "cloud": cloud}
        secrets = {name: step_one(sim) for name, sim in sims.items()}
        config = readme_config()
        for name, sim in sims.items():
            config["servers"][name] |= {"url": sim.url, "fingerprint": sim.fingerprint}
        onprem.seed_content(SEED)
        (tmp_path / "state").mkdir()
        run = StackRun(STACK, tmp_path / "state", sims, **config)
        run.set(serverSecrets=secrets)
        project = tmp_path / "project"
        (project / "stacks").mkdir(parents=True)
        (project / "Pulumi.yaml").write_text((PROJECT / "Pulumi.yaml").read_text())
        document = {"config": {f"pbs-replication:{k}": v for k, v in config.items()}}
        (project / "stacks" / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump(document))
        environ = {secret_env_var(name): secret for name, secret in secrets.items()}  # step 4's secrets
        return cls(sims, run, project, environ)

    def command(self, *args: str) -> tuple[int, str]:
        """`python -m pbs_provider <args>` on the walk-through's stack: exit code and normalised stdout."""
        out = io.StringIO()
        with contextlib.redirect_stdout(out), mock.patch.dict(os.environ, self.environ):
            code = main([args[0], "--stack", STACK, "--project-dir", str(self.project), *args[1:]])
        return code, normalise(out.getvalue(), self.sims)


def excerpt(text: str, head: int, tail: int) -> str:
    """The first `head` and the last `tail` lines of a command's output, `…` between them."""
    lines = text.rstrip("\n").split("\n")
    if len(lines) <= head + tail:
        return "\n".join(lines)
    return "\n".join([*lines[:head], "    …", *lines[-tail:]])


# What the pages show of the commands' output: name -> (the command's arguments, head lines, tail lines).
SHOWN = {
    "run": (("run", "push-cloud"), 4, 4),
    "doctor": (("doctor",), 5, 5),
}
OUTPUT_BLOCK = re.compile(
    r"(<!-- BEGIN output: (?P<name>[\w-]+) -->\n(?:<!--.*?-->\n)*```console\n\$ (?P<command>[^\n]*)\n)"
    r"(?P<body>.*?)(\n```\n<!-- END output: (?P=name) -->)",
    re.S,
)


def walk(site: Site) -> dict[str, tuple[int, str]]:
    """The walk-through's steps 5 on `site`: `up`, then `run` of the job; then the doctor after the
    token's ACL entry on the cloud was removed by hand (what it reports for that classic failure).
    Returns each shown command's exit code and normalised output."""
    up = site.run.up()
    assert up.ok, up.diagnostics
    results = {"run": site.command("run", "--poll-interval", "0.01", "push-cloud")}
    entry = {"path": "/datastore/offsite/onprem", "role": "DatastoreBackup", "auth-id": "push-cloud@pbs!sync"}
    site.sims["cloud"].api("PUT", "/access/acl", data={**entry, "delete": 1})
    results["doctor"] = site.command("doctor")
    return results


def shown(text: str) -> dict[str, tuple[str, str]]:
    """The output blocks of a page: name -> (the command line shown, the output shown)."""
    return {m["name"]: (m["command"], m["body"]) for m in OUTPUT_BLOCK.finditer(text)}


def render(text: str, outputs: dict[str, tuple[int, str]]) -> str:
    """`text` with each output block's body replaced by the excerpt of that command's output."""

    def body(match: re.Match[str]) -> str:
        _args, head, tail = SHOWN[match["name"]]
        return match.group(1) + excerpt(outputs[match["name"]][1], head, tail) + match.group(5)

    return OUTPUT_BLOCK.sub(body, text)
