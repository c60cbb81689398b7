"""``python -m pbs_sim``: run one simulated PBS until SIGINT/SIGTERM.

When it is ready to serve it prints exactly one JSON line to stdout
(``{"url", "fingerprint", "node", "version"}``) and flushes it; logs go to stderr.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import signal
import sys
import threading
from pathlib import Path

from pbs_sim import grammar
from pbs_sim.models.seed import SeedError
from pbs_sim.server import DEFAULT_VERSION, Simulator, SimulatorConfig


def _token(text: str) -> tuple[str, str]:
    tokenid, sep, secret = text.partition("=")
    if not sep or not secret or "!" not in tokenid or not grammar.is_authid(tokenid):
        raise argparse.ArgumentTypeError("expected 'user@realm!name=SECRET'")
    return tokenid, secret


def _version(text: str) -> str:
    try:
        grammar.version_tuple(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a PBS version like 4.2.3") from None
    return text


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m pbs_sim", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="state directory (created if missing)")
    parser.add_argument("--port", type=int, default=8007, help="TCP port, 0 picks a free one (default 8007)")
    parser.add_argument("--bind", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--root-password", required=True, help="password of root@pam")
    parser.add_argument("--datastore", action="append", default=[], help="ensure this datastore exists")
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        type=_token,
        help="ensure API token 'user@realm!name=SECRET' exists with Admin on / (repeatable)",
    )
    parser.add_argument("--pbs-version", default=DEFAULT_VERSION, type=_version, help="emulated PBS version")
    parser.add_argument("--node", default="localhost", help="node name (certificate SAN, UPIDs)")
    parser.add_argument(
        "--key-bits", type=int, default=4096, help="RSA key size of a new certificate (0 = EC P-256)"
    )
    parser.add_argument(
        "--job-lock-timeout", type=float, default=10.0, help="seconds a run waits for a busy job"
    )
    parser.add_argument(
        "--unauth-delay", type=float, default=0.0, help="seconds to hold back 401 answers (PBS: 3)"
    )
    parser.add_argument(
        "--seed-content",
        type=Path,
        help="backup content to add on start (JSON or YAML: store -> groups -> snapshots)",
    )
    parser.add_argument(
        "--sync-runner",
        choices=("pbs", "null"),
        default="pbs",
        help="'pbs': sync runs pull/push over HTTPS (default); 'null': runs move nothing",
    )
    parser.add_argument("--trusted-ca", help="CA file that outgoing sync connections trust")
    parser.add_argument("--log-level", default="INFO", help="stderr log level (default INFO)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level.upper(),
        format="%(asctime)s pbs_sim %(levelname)s %(message)s",
    )
    config = SimulatorConfig(
        data_dir=args.data_dir,
        root_password=args.root_password,
        host=args.bind,
        port=args.port,
        node=args.node,
        pbs_version=args.pbs_version,
        datastores=args.datastore,
        tokens=args.token,
        key_bits=args.key_bits,
        job_lock_timeout=args.job_lock_timeout,
        unauth_delay=args.unauth_delay,
        sync_runner=args.sync_runner,
        trusted_ca=args.trusted_ca,
        seed_content=args.seed_content,
    )
    simulator = Simulator(config)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        simulator.start()
    except (OSError, SeedError) as exc:
        source = f"{args.seed_content}: " if isinstance(exc, SeedError) else ""
        if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
            exc = OSError(
                f"{args.bind} port {args.port} is already in use (another simulator or PBS?): stop it, "
                "or pick another port with --port (0 picks a free one)"
            )
        sys.stderr.write(f"pbs_sim: cannot start - {source}{exc}\n")
        simulator.stop()
        return 2
    ready = {
        "url": simulator.url,
        "fingerprint": simulator.fingerprint,
        "node": args.node,
        "version": args.pbs_version,
    }
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()
    stop.wait()
    simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
