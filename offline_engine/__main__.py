"""`python -m offline_engine`: the offline engine's small CLI (a stand-in for the Pulumi engine, not Pulumi).

    python -m offline_engine preview [--diff] --stack dev
    python -m offline_engine up [--diff] [--expect-no-changes] --stack dev
    python -m offline_engine refresh --stack dev
    python -m offline_engine destroy --stack dev
    python -m offline_engine stack-output [--json] [--show-secrets] --stack dev

It runs the project's real `__main__.py` and the real `python -m pulumi.dynamic` plugin (see README.md in
this folder) with the stack config read from `stacks/Pulumi.<stack>.yaml` (secrets decrypted with
PULUMI_CONFIG_PASSPHRASE), over a local JSON state file (default `.demo/offline-state/<stack>.json`). No
Pulumi Cloud, no plugins other than Python dynamic providers. Every line it prints starts with
`[offline engine]`, so its output is never mistaken for the Pulumi CLI's.
Exit codes: 0 fine, 255 the deployment failed or the config is unusable (as the CLI).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import engine
from .display import LABEL, changes, outputs_text, plan_lines, summary_lines
from .stack_config import ConfigError, Project, stack_config

EXIT_FAILED = 255
HEADINGS = {
    "preview": "Previewing update",
    "up": "Updating",
    "refresh": "Refreshing",
    "destroy": "Destroying",
}


def say(text: str = "", *, err: bool = False) -> None:
    """One labelled line per line of `text`."""
    stream = sys.stderr if err else sys.stdout
    for line in text.splitlines() or [""]:
        print(f"{LABEL} {line}".rstrip(), file=stream, flush=True)


def state_path(project: Project, args: argparse.Namespace) -> Path:
    if args.state:
        return Path(args.state)
    return project.directory / ".demo" / "offline-state" / f"{args.stack}.json"


def inputs_by_urn(resources: list[dict]) -> dict[str, dict]:
    return {r["urn"]: r.get("inputs") or {} for r in resources if r.get("custom")}


def deploy(verb: str, project: Project, args: argparse.Namespace) -> int:
    state = state_path(project, args)
    if verb in ("refresh", "destroy") and not state.exists():
        say(f"error: no state for stack '{args.stack}' at {state}: run `up` first", err=True)
        return EXIT_FAILED
    try:
        config, secret_keys = stack_config(project.directory, args.stack)
    except ConfigError as error:
        say(f"error: {error}", err=True)
        return EXIT_FAILED
    state.parent.mkdir(parents=True, exist_ok=True)
    kwargs = {"project": project.name, "stack": args.stack, "config": config, "secret_keys": secret_keys}
    old = inputs_by_urn(engine.load_state(str(state)).get("resources", []))
    shown = state.relative_to(project.directory) if state.is_relative_to(project.directory) else state
    say(f"{HEADINGS[verb]} ({args.stack}), state {shown}")
    if verb in ("preview", "up"):
        deployment = engine.Deployment(
            str(project.directory), str(state), preview=verb == "preview", **kwargs
        )
        result = deployment.run()
        new = inputs_by_urn(deployment.new)
    else:
        result = getattr(engine, verb)(str(project.directory), str(state), **kwargs)
        new = {}
    plan = plan_lines(result.steps, old, new, diff=args.diff)
    if plan:
        say()
    for line in plan:
        say(line)
    for line in result.diagnostics:  # all of them when it failed, else the warnings and errors
        if not result.ok or line.startswith(("warning", "error")):
            say(line, err=not result.ok)
    if plan:
        say()
    for line in summary_lines(result.steps, preview=verb == "preview"):
        say(line)
    if not result.ok:
        say(f"error: {verb} failed (program exit code {result.program_exit})", err=True)
        return EXIT_FAILED
    if getattr(args, "expect_no_changes", False) and changes(result.steps):
        say("error: no changes were expected but changes occurred", err=True)
        return EXIT_FAILED
    return 0


def stack_output(project: Project, args: argparse.Namespace) -> int:
    state = state_path(project, args)
    if not state.exists():
        say(f"error: no state for stack '{args.stack}' at {state}: run `up` first", err=True)
        return EXIT_FAILED
    outputs = outputs_text(engine.load_state(str(state)).get("outputs", {}), show_secrets=args.show_secrets)
    if args.json:
        say(json.dumps(outputs, indent=2, sort_keys=True))
    else:
        say("Current stack outputs:")
        for key, value in sorted(outputs.items()):
            say(f"    {key}: {json.dumps(value, sort_keys=True)}")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m offline_engine",
        description="The offline engine (a local stand-in for the Pulumi engine, not Pulumi).",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--stack", "-s", required=True, help="stack name: reads stacks/Pulumi.<stack>.yaml")
    common.add_argument("--state", help="state file (default .demo/offline-state/<stack>.json)")
    common.add_argument("--cwd", "-C", type=Path, default=Path.cwd(), help="project directory (Pulumi.yaml)")
    commands = parser.add_subparsers(dest="command", required=True)
    for verb, text in (("preview", "show the plan"), ("up", "deploy the stack")):
        sub = commands.add_parser(verb, parents=[common], help=text)
        sub.add_argument("--diff", action="store_true", help="show the changed fields of every resource")
        if verb == "up":
            sub.add_argument(
                "--yes", "-y", action="store_true", help="accepted for the CLI's sake (never asks)"
            )
            sub.add_argument(
                "--expect-no-changes", action="store_true", help="fail (exit 255) if anything changes"
            )
    commands.add_parser("refresh", parents=[common], help="read every resource back from PBS")
    commands.add_parser("destroy", parents=[common], help="delete every resource of the stack")
    output = commands.add_parser("stack-output", parents=[common], help="print the stack outputs")
    output.add_argument("--json", action="store_true", help="as JSON")
    output.add_argument("--show-secrets", action="store_true", help="print secret outputs in plaintext")
    for name in ("refresh", "destroy"):
        commands.choices[name].add_argument("--yes", "-y", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.diff = getattr(args, "diff", True)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        project = Project.load(args.cwd)
    except (OSError, KeyError) as error:
        say(f"error: no Pulumi project in {args.cwd} ({error})", err=True)
        return EXIT_FAILED
    if args.command == "stack-output":
        return stack_output(project, args)
    return deploy(args.command, project, args)


if __name__ == "__main__":
    sys.exit(main())
