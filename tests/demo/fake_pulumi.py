"""A test double of the `pulumi` CLI: the few commands `make demo` uses, on top of the engine stand-in.

Implements `version`, `login <file://url>`, `stack select <name> [--create] [--secrets-provider passphrase]`,
`up --yes [--expect-no-changes]`, `preview [--diff]`, `refresh --yes`, `destroy --yes` and
`stack output [--json]` (all with `--stack`/`-s`).
State lives where the file backend keeps it: `<backend>/.pulumi/stacks/<project>/<stack>.json`; the stack
config comes from the project's stack files, decrypted with PULUMI_CONFIG_PASSPHRASE. Output imitates the
CLI's summary lines closely enough for a person (and the demo test) to read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlparse

from offline_engine import engine
from offline_engine.stack_config import ConfigError, Project, stack_config

SYMBOLS = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " ", "read-gone": "-"}


def _backend() -> Path:
    url = os.environ.get("PULUMI_BACKEND_URL", "")
    if not url.startswith("file://"):
        sys.exit("error: this test double supports only file:// backends (set PULUMI_BACKEND_URL)")
    return Path(urlparse(url).path)


def _current_stack_file(project: Project) -> Path:
    return _backend() / ".pulumi" / f"current-stack-{project.name}"


def _stack(project: Project, name: str | None) -> str:
    if name:
        return name
    f = _current_stack_file(project)
    if not f.exists():
        sys.exit("error: no stack selected; please use `pulumi stack select`")
    return f.read_text().strip()


def _state_path(project: Project, stack: str) -> Path:
    return _backend() / ".pulumi" / "stacks" / project.name / f"{stack}.json"


def _run(verb: str, project: Project, stack: str, expect_no_changes: bool = False) -> int:
    state = _state_path(project, stack)
    if verb != "preview" and not state.exists() and verb != "up":
        sys.exit(f"error: no stack named '{stack}' found")
    try:
        cfg, secret_keys = stack_config(project.directory, stack)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 255
    kw = {"project": project.name, "stack": stack, "config": cfg, "secret_keys": secret_keys}
    state.parent.mkdir(parents=True, exist_ok=True)
    label = {
        "up": "Updating",
        "preview": "Previewing update",
        "refresh": "Refreshing",
        "destroy": "Destroying",
    }[verb]
    print(f"{label} ({stack})")
    result = getattr(engine, verb)(str(project.directory), str(state), **kw)
    for step in result.steps:
        print(
            f" {SYMBOLS.get(step.op, '?'):>2} {step.urn.split('::')[-2]} {step.urn.split('::')[-1]} {step.op}"
        )
    for line in result.diagnostics:
        print(f"    {line}", file=sys.stderr if line.startswith("error") else sys.stdout)
    counts: dict[str, int] = {}
    for step in result.steps:
        counts[step.op] = counts.get(step.op, 0) + 1
    names = {
        "create": "created",
        "update": "updated",
        "replace": "replaced",
        "delete": "deleted",
        "same": "unchanged",
        "read-gone": "deleted",
    }
    summary = ", ".join(f"{n} {names.get(op, op)}" for op, n in sorted(counts.items()))
    print(f"Resources:\n    {summary or 'no changes'}")
    if not result.ok:
        print("error: update failed", file=sys.stderr)
        return 255
    if expect_no_changes and any(step.op != "same" for step in result.steps):
        print("error: no changes were expected but changes occurred", file=sys.stderr)
        return 255
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pulumi")
    parser.add_argument("command")
    parser.add_argument("args", nargs="*")
    parser.add_argument("--stack", "-s")
    parser.add_argument("--yes", "-y", action="store_true")
    parser.add_argument("--create", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--diff", action="store_true")
    parser.add_argument("--expect-no-changes", action="store_true")
    parser.add_argument("--secrets-provider")
    a = parser.parse_args(argv)
    if a.command == "version":
        print("v3.272.0 (test double)")
        return 0
    if a.command == "login":
        url = a.args[0] if a.args else os.environ.get("PULUMI_BACKEND_URL", "")
        os.environ["PULUMI_BACKEND_URL"] = url
        _backend().mkdir(parents=True, exist_ok=True)
        print(f"Logged in to test-double as demo ({url})")
        return 0
    project = Project.load(os.getcwd())
    if a.command == "stack" and a.args[:1] == ["select"]:
        name = a.args[1] if len(a.args) > 1 else a.stack
        if not _state_path(project, name).exists() and not a.create:
            sys.exit(f"error: no stack named '{name}' found")
        _current_stack_file(project).parent.mkdir(parents=True, exist_ok=True)
        _current_stack_file(project).write_text(name)
        return 0
    if a.command == "stack" and a.args[:1] == ["output"]:
        state = engine.load_state(str(_state_path(project, _stack(project, a.stack))))
        outputs = state.get("outputs", {})
        plain = {
            k: ("[secret]" if isinstance(v, dict) and engine.P.is_secret(v) else v)
            for k, v in outputs.items()
        }
        print(json.dumps(plain, indent=2) if a.json else "\n".join(f"{k}: {v}" for k, v in plain.items()))
        return 0
    if a.command in ("up", "preview", "refresh", "destroy"):
        if a.command != "preview" and not a.yes:
            sys.exit("error: --yes must be passed in to proceed when running in non-interactive mode")
        return _run(a.command, project, _stack(project, a.stack), a.expect_no_changes)
    sys.exit(f"error: the test double does not implement `pulumi {' '.join(argv)}`")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
