"""Minimal stand-in for `pulumi-language-python-exec` (which ships with the CLI, not the wheel).

Same argv contract as the real one; reads PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS, configures
pulumi.runtime.Settings with the monitor/engine addresses and runs the program in a stack.
Exit codes: 0 ok, 32 "error already shown", 1 other.
"""

import argparse
import asyncio
import logging
import os
import runpy
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor

import pulumi
import pulumi.runtime

ap = argparse.ArgumentParser()
for a in (
    "project",
    "root_directory",
    "stack",
    "parallel",
    "dry_run",
    "pwd",
    "monitor",
    "engine",
    "tracing",
    "organization",
):
    ap.add_argument("--" + a)
ap.add_argument("PROGRAM")
ap.add_argument("ARGS", nargs="*")
args = ap.parse_args()

pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
settings = pulumi.runtime.Settings(
    monitor=args.monitor,
    engine=args.engine,
    project=args.project,
    stack=args.stack,
    parallel=int(args.parallel or 4),
    dry_run=args.dry_run == "true",
    organization=args.organization,
    root_directory=args.root_directory,
)
pulumi.runtime.configure(settings)

sys.argv = [args.PROGRAM, *args.ARGS]
if args.pwd:
    os.chdir(args.pwd)
# `python -m`/script semantics: the program dir is on sys.path so sibling packages import.
sys.path.insert(
    0, os.path.abspath(args.PROGRAM if os.path.isdir(args.PROGRAM) else os.path.dirname(args.PROGRAM))
)

loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
executor = ThreadPoolExecutor(max_workers=max(settings.parallel or 1, 1) * 4)
loop.set_default_executor(executor)
logging.getLogger("asyncio").setLevel(logging.CRITICAL)

code = 1
try:
    loop.run_until_complete(
        pulumi.runtime.run_in_stack(lambda: runpy.run_path(args.PROGRAM, run_name="__main__"))
    )
    code = 0
except pulumi.RunError as e:
    pulumi.log.error(str(e))
except Exception:
    pulumi.log.error("Program failed with an unhandled exception:\n" + traceback.format_exc())
    code = 32
finally:
    executor.shutdown(wait=True)
    loop.close()
    sys.stdout.flush()
    sys.stderr.flush()
sys.exit(code)
