"""Scale: one program may declare well over a thousand PBS resources.

Each dynamic resource pickles its provider when it is constructed (`serialize_provider` in the
Pulumi SDK). The program runs under Pulumi's mocks in a fresh interpreter (the SDK's global state
must be clean), cwd = the project, and constructs 1,200 `SyncJob`s — the size of a large site
with a job per datastore and namespace. It must finish without an exception.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.program.stacks import PROJECT

from .report import REPORT, Scenario

RESOURCES = 1200
PROGRAM = textwrap.dedent(
    f"""
    import pulumi

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args):
            return [args.name + "-id", args.inputs]

        def call(self, args):
            return {{}}

    pulumi.runtime.set_mocks(Mocks(), preview=False)
    from pbs_provider.resources import SyncJob

    made = 0
    try:
        for i in range({RESOURCES}):
            SyncJob(f"job-{{i}}", server="onprem", job_id=f"job-{{i:04d}}", store="store1",
                    remote_store="offsite")
            made += 1
    finally:
        print("constructed", made, flush=True)
    """
)


def test_a_program_may_declare_many_resources() -> None:
    run = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=PROJECT, capture_output=True, text=True, timeout=120
    )
    made = next(
        (int(line.split()[1]) for line in run.stdout.splitlines() if line.startswith("constructed")), 0
    )
    last = (run.stderr.strip().splitlines() or [""])[-1]
    scenario = REPORT.add(
        Scenario(
            section="scale",
            kind="SyncJob",
            op="declare",
            fault=f"{RESOURCES} resources in one program",
            exercised=True,
            outcome="ok" if run.returncode == 0 else "failed unclearly",
            converged=run.returncode == 0,
            clean_preview=run.returncode == 0,
            detail="" if run.returncode == 0 else f"stopped after {made} resources: {last}",
        )
    )
    assert run.returncode == 0 and made == RESOURCES, scenario.detail
