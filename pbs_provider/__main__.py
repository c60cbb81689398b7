"""Command line of the project's tools: `python -m pbs_provider export ...`.

`export` reads a live PBS and prints the `remotes`/`syncJobs` stack config for what exists there, with
`adopt: true`. The secret (token secret or password) is read from an environment variable (default
`PBS_SECRET`) or asked for on the terminal, never taken from the command line (it would show in `ps`).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from pbs_provider.client import PbsError, ServerConfig, client_for
from pbs_provider.export import export_config, render


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
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
