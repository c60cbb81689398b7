"""Command line of the project's tools: `pbs-replication export|run|doctor …` (also
`python -m pbs_provider …`).

`export` reads live PBS servers and prints a stack file for what exists there (`pbs_provider.export`);
`run` runs a sync job of a stack now and follows its task (`pbs_provider.run`); `doctor` checks every
job of a stack against the live servers (`pbs_provider.doctor`). `run` and `doctor` read the stack's
config from its files as the program would (`pbs_provider.stack_file`). Secrets never come from the
command line (they would show in `ps` and in the shell history). Every error is one line on stderr;
progress of the steps that wait on the network goes to stderr too, so stdout stays the result.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pbs_provider import __version__

if TYPE_CHECKING:
    from pbs_provider.export import Source
    from pbs_provider.stack_config import StackConfig

# The commands import what they use when they run, so that `--help` and `--version` answer at once.

PROG = "pbs-replication"
EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2

STACK_ENV = """\
environment variables:
  PULUMI_CONFIG_PASSPHRASE       passphrase that decrypts the stack's `secure:` values
  PULUMI_CONFIG_PASSPHRASE_FILE  file holding that passphrase (instead of the variable)
  PBS_SERVER_SECRET_<SERVER>     secret of a server when the stack file has none
                                 (name upper-cased, other characters as `_`: PBS_SERVER_SECRET_ONPREM)
  PBS_REMOTE_PASSWORD_<REMOTE>   password of a remote when the stack file has none
"""

EXPORT_HELP = f"""\
Read everything replication needs from live PBS servers — the `servers` entry, remotes, sync jobs
(push and pull), users, API tokens, ACL entries, namespaces, prune and verify jobs — and print it as a
stack file whose entries carry `adopt: true`, so that `pulumi up` takes them over without changing
them. Secrets PBS never returns are listed as the `pulumi config set --secret` commands to run.
`root@pam`, the login of the export and their ACL entries are left out (managing them could lock the
stack out).

examples:
  PBS_SECRET=… {PROG} export --url https://pbs1.example:8007 --auth-id root@pam!export \\
      --fingerprint 64:d3:… --server onprem --stack prod > stacks/Pulumi.prod.yaml
  {PROG} export --url https://pbs1.example:8007 --auth-id root@pam!export --secret-file ~/.pbs-secret
  {PROG} export --from-stack prod --replications   # every server of the stack, sets as replications

environment variables:
  PBS_SECRET                     token secret or password of --auth-id (name set by --secret-env);
                                 else --secret-file, else a prompt when stdin is a terminal
  with --from-stack: those of `run`/`doctor` (PULUMI_CONFIG_PASSPHRASE[_FILE], PBS_SERVER_SECRET_<SERVER>)

exit codes:
  0  the stack file was printed
  1  a server could not be read (unreachable, refused the login, …)
  2  the command line or the stack is unusable (bad --url, no secret, unreadable stack file)
"""

RUN_HELP = f"""\
Start a sync job of a stack now (as `proxmox-backup-manager sync-job run` would) and follow its task
log until it ends. The job is named by its config key (`syncJobs.<key>`, `replications.<key>`) or
its PBS job id; the task's lines are printed with the seconds since the start.

examples:
  {PROG} run --stack dev push-cloud
  {PROG} run --stack prod replications.offsite --timeout 3600 --strict
  {PROG} run --stack prod push-cloud --no-wait        # print the task id (UPID) and return

{STACK_ENV}
exit codes:
  0  the task ended OK (or was started, with --no-wait)
  1  the task failed (with --strict: or ended with warnings), or --timeout passed, or it could
     not be started
  2  the command line or the stack config is unusable (every problem is listed)
"""

DOCTOR_HELP = f"""\
Check every sync job of a stack against the live servers: credentials, privileges, the remote's
reachability and certificate, datastores and namespaces, and loops between jobs. Each finding is a
line `LEVEL subject: what | fix: … | config: <key>`; probing a remote's host can take up to
--probe-timeout seconds (progress goes to stderr).

examples:
  {PROG} doctor --stack dev
  {PROG} doctor --stack prod --verbose --strict --probe-timeout 10

{STACK_ENV}
exit codes:
  0  no errors (warnings allowed unless --strict)
  1  an error was found (with --strict: or a warning), including stack config problems
  2  the stack files cannot be read (missing stack, wrong passphrase)
"""


def _say(message: str) -> None:
    """Progress and errors: one line on stderr."""
    print(message, file=sys.stderr, flush=True)


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


# ---- export --------------------------------------------------------------------------------


def _secret(args: argparse.Namespace, environ: Mapping[str, str]) -> str | None:
    """The secret of --auth-id: environment, file, or a prompt (only on a terminal)."""
    if environ.get(args.secret_env):
        return environ[args.secret_env]
    if args.secret_file is not None:
        try:
            text = Path(args.secret_file).expanduser().read_text().strip()
        except OSError as error:
            raise _Unusable(f"--secret-file: cannot read {args.secret_file}: {error.strerror}") from None
        if not text:
            raise _Unusable(f"--secret-file: {args.secret_file} is empty")
        return text
    if sys.stdin.isatty():
        try:
            return getpass.getpass(f"secret of {args.auth_id}: ") or None
        except (EOFError, KeyboardInterrupt):
            return None
    return None


class _Unusable(Exception):
    """The command line cannot work; the message is the one line to show."""


def _url_source(args: argparse.Namespace) -> Source:
    from pydantic import ValidationError

    from pbs_provider.client import ServerConfig, client_for
    from pbs_provider.export import Source
    from pbs_provider.schemas.messages import describe_error

    for option in ("url", "auth_id"):
        if getattr(args, option) is None:
            raise _Unusable(f"--{option.replace('_', '-')} is required (or use --from-stack STACK)")
    secret = _secret(args, os.environ)
    if secret is None:
        raise _Unusable(
            f"no secret for {args.auth_id}: set the environment variable {args.secret_env}, "
            "pass --secret-file FILE, or run on a terminal to be asked"
        )
    entry: dict[str, object] = {"url": args.url, "authId": args.auth_id}
    if args.fingerprint:
        entry["fingerprint"] = args.fingerprint
    if args.ca_file:
        entry["caFile"] = args.ca_file
    if args.insecure:
        entry["verifyTls"] = False
    try:
        server = ServerConfig(
            url=args.url,
            auth_id=args.auth_id,
            secret=secret,
            fingerprint=args.fingerprint,
            ca_file=args.ca_file,
            verify_tls=not args.insecure,
        )
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        option = {"auth_id": "--auth-id", "ca_file": "--ca-file", "verify_tls": "--insecure"}.get(
            str(detail["loc"][0]), f"--{detail['loc'][0]}"
        )
        if detail["loc"][0] == "secret":
            option = args.secret_env
        raise _Unusable(f"{option}: {describe_error(detail, secret=True)}") from None
    if server.fingerprint:
        entry["fingerprint"] = server.fingerprint
    return Source(args.server, entry, client_for(args.server, server))


def _stack_sources(args: argparse.Namespace) -> list[Source]:
    from pbs_provider.client import client_for
    from pbs_provider.export import Source
    from pbs_provider.servers import SECRETS_KEY, SERVERS_KEY, ServerConfigError, ServerDirectory
    from pbs_provider.stack_file import StackFileError, find_project_dir, read_stack_file

    project = args.project_dir or find_project_dir()
    try:
        stack_file = read_stack_file(project, args.from_stack)
    except StackFileError as error:
        raise _Unusable(_one_line(error)) from None
    raw = stack_file.get(SERVERS_KEY) or {}
    directory = ServerDirectory.parse(raw, stack_file.get(SECRETS_KEY), os.environ)
    sources = []
    for name in directory.names():
        try:
            config = directory.server_config(name)
        except ServerConfigError as error:
            raise _Unusable(f"{SERVERS_KEY}.{name}: {_one_line(error)}") from None
        sources.append(Source(name, dict(raw[name]), client_for(name, config)))
    if not sources:
        raise _Unusable(f"stack {args.from_stack} has no `{SERVERS_KEY}`")
    return sources


def _export(args: argparse.Namespace) -> int:
    from pbs_provider.client import PbsError
    from pbs_provider.export import export_config, render

    if args.from_stack and args.url:
        _say("export: --url and --from-stack: give one of them")
        return EXIT_UNUSABLE
    try:
        sources = _stack_sources(args) if args.from_stack else [_url_source(args)]
    except _Unusable as error:
        _say(f"export: {error}")
        return EXIT_UNUSABLE
    try:
        export = export_config(
            sources, fold_replications=args.replications, progress=lambda m: _say(f"export: {m}")
        )
    except PbsError as error:
        _say(f"export: {_one_line(error)}")
        return EXIT_FAILED
    print(render(export, args.stack or args.from_stack or "<stack>"), end="")
    return EXIT_OK


# ---- run and doctor ------------------------------------------------------------------------


def _stack_config(args: argparse.Namespace) -> StackConfig:
    """The stack's config as the program would see it (raises StackFileError/StackConfigError)."""
    from pbs_provider.stack_file import find_project_dir, read_stack_file

    project = args.project_dir or find_project_dir()
    stack_file = read_stack_file(project, args.stack)
    for note in stack_file.notes:
        _say(f"note: {note}")
    return stack_file.load()


def _run(args: argparse.Namespace) -> int:
    from pbs_provider.run import RunError, RunSettings, run_job
    from pbs_provider.stack_config import StackConfigError
    from pbs_provider.stack_file import StackFileError
    from pbs_provider.stack_jobs import JobLookupError, find_job, stack_jobs

    try:
        config = _stack_config(args)
        job = find_job(stack_jobs(config), args.job, args.server)
    except (StackFileError, StackConfigError, JobLookupError) as error:
        _say(f"run: {error}")
        return EXIT_UNUSABLE
    settings = RunSettings(
        wait=not args.no_wait, timeout=args.timeout, poll_interval=args.poll_interval, strict=args.strict
    )
    if settings.wait:
        _say(f"run: starting {job.entry} on server {job.server}, then following its task (Ctrl-C stops "
             "following, not the task)")  # fmt: skip
    try:
        return run_job(config, job, sys.stdout, settings)
    except RunError as error:
        _say(f"run: {_one_line(error)}")
        return EXIT_FAILED


def _doctor(args: argparse.Namespace) -> int:
    from pbs_provider.doctor import config_report, run_doctor
    from pbs_provider.stack_config import StackConfigError
    from pbs_provider.stack_file import StackFileError

    try:
        config = _stack_config(args)
    except StackFileError as error:
        _say(f"doctor: {_one_line(error)}")
        return EXIT_UNUSABLE
    except StackConfigError as error:
        report = config_report(error)
    else:
        report = run_doctor(config, probe_timeout=args.probe_timeout, progress=lambda m: _say(f"doctor: {m}"))
    for line in report.lines(verbose=args.verbose):
        print(line)
    print(report.summary())
    return report.exit_code(strict=args.strict)


# ---- the parser ----------------------------------------------------------------------------


def _stack_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="stack name: reads stacks/Pulumi.<stack>.yaml")
    parser.add_argument(
        "--project-dir",
        type=Path,
        help="directory of Pulumi.yaml (default: found from the working directory)",
    )


def _subparser(
    commands: argparse._SubParsersAction, name: str, summary: str, text: str
) -> argparse.ArgumentParser:
    return commands.add_parser(
        name,
        help=summary,
        description=f"{summary[0].upper()}{summary[1:]}.\n\n{text}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog=PROG,
        description="Proxmox Backup Server replication as code: the tools around the Pulumi program.",
        epilog=f"`{PROG} <command> --help` shows a command's examples, environment variables and exit "
        f"codes. `python -m pbs_provider` is the same as `{PROG}`.",
    )
    top.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="{export,run,doctor}")

    export = _subparser(
        commands, "export", "print a stack file for what exists on live PBS servers", EXPORT_HELP
    )
    export.add_argument("--url", help="https://host[:8007] of the PBS to read")
    export.add_argument("--auth-id", help="user@realm!token (or user@realm) to log in with")
    export.add_argument(
        "--secret-env", default="PBS_SECRET", metavar="VAR", help="variable holding the secret (PBS_SECRET)"
    )
    export.add_argument(
        "--secret-file", metavar="FILE", help="file holding the secret (if the variable is unset)"
    )
    export.add_argument("--server", default="onprem", help="the server's name in the stack config (onprem)")
    tls = export.add_mutually_exclusive_group()
    tls.add_argument("--fingerprint", help="SHA-256 fingerprint to pin (PBS's self-signed certificate)")
    tls.add_argument("--ca-file", help="CA bundle that signed the server certificate")
    tls.add_argument("--insecure", action="store_true", help="do not verify TLS (test servers only)")
    export.add_argument(
        "--from-stack",
        metavar="STACK",
        help="read every server of this stack's `servers` instead of --url (their secrets as for `run`)",
    )
    export.add_argument("--project-dir", type=Path, help="directory of Pulumi.yaml (with --from-stack)")
    export.add_argument(
        "--replications",
        action="store_true",
        help="emit each set that is exactly a replication (user, token, ACLs, remote, job on two of the "
        "servers read) as one `replications` entry, with the prune and verify jobs on its target as its "
        "`retention` and `verify`",
    )
    export.add_argument(
        "--stack", help="stack name for the printed commands (default: --from-stack or <stack>)"
    )
    export.set_defaults(func=_export)

    run = _subparser(commands, "run", "run a sync job of a stack now and follow its task log", RUN_HELP)
    _stack_arguments(run)
    run.add_argument("job", help="the job's config key (syncJobs.<key>, replications.<key>) or PBS job id")
    run.add_argument("--server", help="the job's server, when the name is ambiguous")
    run.add_argument("--no-wait", action="store_true", help="print the task id and return at once")
    run.add_argument("--timeout", type=float, help="stop waiting after this many seconds (exit 1)")
    run.add_argument("--poll-interval", type=float, default=0.5, help="seconds between task polls (0.5)")
    run.add_argument("--strict", action="store_true", help="exit 1 when the task ends with warnings too")
    run.set_defaults(func=_run)

    doctor = _subparser(
        commands, "doctor", "check every sync job of a stack against the live servers", DOCTOR_HELP
    )
    _stack_arguments(doctor)
    doctor.add_argument("--verbose", "-v", action="store_true", help="also show the checks that passed")
    doctor.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    doctor.add_argument(
        "--probe-timeout", type=float, default=5.0, help="seconds to wait for a remote's host (5)"
    )
    doctor.set_defaults(func=_doctor)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
