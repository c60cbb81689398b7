"""Which stacks a change touches: the matrix of the preview, up and drift workflows.

A stack is touched when its stack file (`stacks/Pulumi.<stack>.yaml`) changed, or when something
every stack runs changed: the program, the providers, the requirements or the policy pack. Stacks
in `--skip` are left out (the demo `dev` stack talks to local simulators); stacks in `--gated`
(default `prod`) are listed apart so the up workflow can run them last, behind an approval.

Prints the selection as JSON and, on GitHub Actions, writes `stacks` (not gated), `gated` and
`all` to $GITHUB_OUTPUT.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

STACK_FILE = re.compile(r"^stacks/Pulumi\.(?P<stack>[^/]+)\.ya?ml$")
PROGRAM_PATHS = ("__main__.py", "Pulumi.yaml", "requirements.txt", "pbs_provider/", "policy/")
NO_COMMIT = re.compile(r"^0*$")


@dataclass(frozen=True)
class Selection:
    """The stacks to run: `stacks` in any order, then `gated` ones after an approval."""

    stacks: list[str]
    gated: list[str]

    @property
    def all(self) -> list[str]:
        return sorted(self.stacks + self.gated)


def stack_of(path: str) -> str | None:
    """The stack whose stack file is `path`, or None."""
    match = STACK_FILE.match(path)
    return match.group("stack") if match else None


def stacks_in(repo: Path) -> list[str]:
    """Every stack with a stack file in the work tree."""
    names = (stack_of(p.relative_to(repo).as_posix()) for p in (repo / "stacks").glob("Pulumi.*"))
    return sorted(name for name in names if name)


def touched_stacks(changed_files: Iterable[str], stacks: Sequence[str]) -> list[str]:
    """The stacks among `stacks` that `changed_files` touch."""
    touched: set[str] = set()
    for path in changed_files:
        if path in PROGRAM_PATHS or path.startswith(tuple(p for p in PROGRAM_PATHS if p.endswith("/"))):
            return sorted(stacks)
        stack = stack_of(path)
        if stack in stacks:
            touched.add(stack)
    return sorted(touched)


def select(stacks: Iterable[str], skip: Iterable[str], gated: Iterable[str]) -> Selection:
    """Split `stacks` less `skip` into ungated and gated ones."""
    skipped, gated_names = set(skip), set(gated)
    chosen = sorted(set(stacks) - skipped)
    return Selection(
        stacks=[s for s in chosen if s not in gated_names],
        gated=[s for s in chosen if s in gated_names],
    )


def changed_files(repo: Path, base: str, head: str) -> list[str] | None:
    """Files changed from the merge base of `base` and `head` to `head`; None when `base` is no
    usable commit (a new branch, a shallow clone), in which case every stack counts as touched."""
    if not base or NO_COMMIT.match(base):
        return None

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)

    merge_base = git("merge-base", base, head)
    if merge_base.returncode != 0:
        return None
    diff = git("diff", "--name-only", "--no-renames", merge_base.stdout.strip(), head)
    if diff.returncode != 0:
        raise RuntimeError(f"git diff failed: {diff.stderr.strip()}")
    return [line for line in diff.stdout.splitlines() if line]


def names(value: str) -> list[str]:
    """A list of stack names given as one string, separated by spaces or commas."""
    return [name for name in re.split(r"[\s,]+", value) if name]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repo", type=Path, default=Path.cwd(), help="work tree (default: current directory)"
    )
    parser.add_argument(
        "--base", default="", help="commit to compare with (PR base, or the commit before a push)"
    )
    parser.add_argument("--head", default="HEAD", help="commit to compare (default: HEAD)")
    parser.add_argument("--all", action="store_true", help="every stack, whatever changed")
    parser.add_argument("--only", default="", help="exactly this stack (a manual run)")
    parser.add_argument("--skip", default="", help="stacks to leave out, space or comma separated")
    parser.add_argument("--gated", default="prod", help="stacks that need an approval (default: prod)")
    args = parser.parse_args(argv)

    stacks = stacks_in(args.repo)
    if args.only:
        if args.only not in stacks:
            print(f"::error::no stack file stacks/Pulumi.{args.only}.yaml", file=sys.stderr)
            return 1
        touched = [args.only]
    else:
        files = None if args.all else changed_files(args.repo, args.base, args.head)
        touched = stacks if files is None else touched_stacks(files, stacks)
    selection = select(touched, names(args.skip) if not args.only else [], names(args.gated))

    outputs = {"stacks": selection.stacks, "gated": selection.gated, "all": selection.all}
    print(json.dumps(outputs))
    github_output = os.environ.get("GITHUB_OUTPUT")
    if github_output:
        with open(github_output, "a", encoding="utf-8") as out:
            for key, value in outputs.items():
                out.write(f"{key}={json.dumps(value)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
