"""Command line of the project's tools: `python -m pbs_provider export|run|doctor ...`.

`export` reads a live PBS and prints the `remotes`/`syncJobs` stack config for what exists there, with
`adopt: true`. The secret (token secret or password) is read from an environment variable (default
`PBS_SECRET`) or asked for on the terminal, never taken from the command line (it would show in `ps`).

`run --stack <stack> <job>` runs a sync job of the stack now and follows its task (`pbs_provider.run`);
`doctor --stack <stack>` checks every job of the stack against the live servers (`pbs_provider.doctor`).
Both read the stack's config from its files as the program would (`pbs_provider.stack_file`):
secrets from `PULUMI_CONFIG_PASSPHRASE` or the environment fallbacks, never from the command line.
Exit codes: 0 fine, 1 the run failed / the doctor found an error, 2 the command or config is unusable.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from pbs_provider.client import PbsError, ServerConfig, client_for
from pbs_provider.doctor import config_report, run_doctor
from pbs_provider.export import export_config, render
from pbs_provider.run import RunError, RunSettings, run_job
from pbs_provider.stack_config import StackConfig, StackConfigError
from pbs_provider.stack_file import StackFileError, find_project_dir, read_stack_file
from pbs_provider.stack_jobs import JobLookupError, find_job, stack_jobs

EXIT_UNUSABLE = 2


def _export(args: argparse.Namespace) -> int:
    secret = os.environ.get(args.secret_env) or getpass.getpass(f"secret of {args.auth_id}: ")
    try:
        server = ServerConfig(
            url=args.url,
            auth_id=args.auth_id,
            secret=secret,
            fingerprint=args.fingerprint,
            ca_file=args.ca_file,
            verify_tls=not args.insecure,
        )
        client = client_for(args.server, server)
        print(render(export_config(client, args.server), args.stack), end="")
    except (PbsError, ValueError) as error:
        print(f"export failed: {error}", file=sys.stderr)
        return 1
    return 0


def _stack_config(args: argparse.Namespace) -> StackConfig:
    """The stack's config as the program would see it (raises StackFileError/StackConfigError)."""
    project = args.project_dir or find_project_dir()
    stack_file = read_stack_file(project, args.stack)
    for note in stack_file.notes:
        print(f"note: {note}", file=sys.stderr)
    return stack_file.load()


def _run(args: argparse.Namespace) -> int:
    try:
        config = _stack_config(args)
        job = find_job(stack_jobs(config), args.job, args.server)
    except (StackFileError, StackConfigError, JobLookupError) as error:
        print(f"run: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    settings = RunSettings(
        wait=not args.no_wait, timeout=args.timeout, poll_interval=args.poll_interval, strict=args.strict
    )
    try:
        return run_job(config, job, sys.stdout, settings)
    except RunError as error:
        print(f"run: {error}", file=sys.stderr)
        return 1


def _doctor(args: argparse.Namespace) -> int:
    try:
        config = _stack_config(args)
    except StackFileError as error:
        print(f"doctor: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    except StackConfigError as error:
        report = config_report(error)
    else:
        report = run_doctor(config, probe_timeout=args.probe_timeout)
    for line in report.lines(verbose=args.verbose):
        print(line)
    print(report.summary())
    return report.exit_code(strict=args.strict)


def _stack_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="stack name: reads stacks/Pulumi.<stack>.yaml")
    parser.add_argument(
        "--project-dir",
        type=Path,
        help="directory of Pulumi.yaml (default: found from the working directory)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pbs_provider", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="print stack config (remotes, syncJobs) for a live PBS")
    export.add_argument("--url", required=True, help="https://host[:8007] of the PBS")
    export.add_argument("--auth-id", required=True, help="user@realm!token (or user@realm)")
    export.add_argument(
        "--secret-env", default="PBS_SECRET", help="variable holding the secret (default PBS_SECRET)"
    )
    export.add_argument("--server", default="onprem", help="server name to use in the stack config")
    export.add_argument("--stack", default="<stack>", help="stack name for the printed commands")
    tls = export.add_mutually_exclusive_group()
    tls.add_argument("--fingerprint", help="SHA-256 fingerprint to pin (self-signed certificate)")
    tls.add_argument("--ca-file", help="CA bundle that signed the server certificate")
    tls.add_argument("--insecure", action="store_true", help="do not verify TLS (tests only)")
    export.set_defaults(func=_export)

    run = commands.add_parser("run", help="run a sync job of a stack now and follow its task log")
    _stack_arguments(run)
    run.add_argument("job", help="the job's config key (syncJobs.<key>, replications.<key>) or PBS job id")
    run.add_argument("--server", help="the job's server, when the name is ambiguous")
    run.add_argument("--no-wait", action="store_true", help="print the task id and return at once")
    run.add_argument("--timeout", type=float, help="stop waiting after this many seconds (exit 1)")
    run.add_argument("--poll-interval", type=float, default=0.5, help="seconds between task polls (0.5)")
    run.add_argument("--strict", action="store_true", help="exit 1 when the task ends with warnings too")
    run.set_defaults(func=_run)

    doctor = commands.add_parser("doctor", help="check every sync job of a stack against the live servers")
    _stack_arguments(doctor)
    doctor.add_argument("--verbose", "-v", action="store_true", help="also show the checks that passed")
    doctor.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    doctor.add_argument(
        "--probe-timeout", type=float, default=5.0, help="seconds to wait for a remote's host (5)"
    )
    doctor.set_defaults(func=_doctor)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
