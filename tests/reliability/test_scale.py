"""Scale: one program may declare well over a thousand PBS resources, and a stack of many really
deploys, converges and previews clean.

* Declaring: each dynamic resource pickles its provider when it is constructed
  (`serialize_provider` in the Pulumi SDK). The program runs under Pulumi's mocks in a fresh
  interpreter (the SDK's global state must be clean), cwd = the project, and constructs 1,200
  `SyncJob`s — the size of a large site with a job per datastore and namespace. It must finish
  without an exception; the figure is "resources declared by one program" (nothing is deployed).
* Deploying: the real program deploys `DEPLOYED` sync jobs through the mini engine to a
  simulator; then PBS is compared with the desired state (`World.audit(check_desired=True)`) and
  a `preview` must plan nothing. That is the `scale` scenario of the report.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from pbs_sim.testing import start_simulator
from tests.program.stacks import PROJECT

from .report import REPORT, Scenario
from .world import SYNC_JOB, World

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
    REPORT.declared = made if run.returncode == 0 else 0
    assert run.returncode == 0 and made == RESOURCES, f"stopped after {made} resources: {last}"


DEPLOYED = 150
"""Sync jobs the deploying scenario creates in one `up` (each costs real requests and RPCs)."""


def test_a_stack_of_many_resources_deploys_and_converges(tmp_path: Path) -> None:
    with start_simulator(tmp_path / "pbs", datastores=["store1", "offsite"], node="onprem") as sim:
        world = World(sim, tmp_path)
        jobs = {
            f"rel-job-{i:03d}": {
                "server": "onprem", "store": "store1", "remoteStore": "offsite",
                "schedule": "daily", "comment": f"job {i}",
            }
            for i in range(DEPLOYED)
        }  # fmt: skip
        wanted = {
            SYNC_JOB.name: {
                job: SYNC_JOB.schema.parse({"jobId": job, **settings}) for job, settings in jobs.items()
            }
        }
        world.desire({"syncJobs": jobs}, wanted)
        up = world.run("up")
        audit = world.audit(check_desired=True)
        preview = world.run("preview")
        clean = preview.ok and preview.ops() == []
        created = sum(1 for step in up.steps if step.op == "create")
        notes = [*audit.problems()]
        if not up.ok:
            notes.append(f"up failed: {(up.diagnostics or ['?'])[-1][:300]}")
        if not clean:
            planned = preview.ops()[:5] or (preview.diagnostics or ["?"])[-1][:300]
            notes.append(f"preview not clean: {planned}")
        scenario = REPORT.add(
            Scenario(
                section="scale",
                kind="SyncJob",
                op="create",
                fault=f"{DEPLOYED} resources in one `up`",
                exercised=created == DEPLOYED,
                outcome="ok" if up.ok else "failed unclearly",
                lost_objects=len(audit.lost_objects),
                orphans=len(audit.orphans),
                duplicates=len(audit.duplicates),
                lost_updates=len(audit.lost_updates),
                converged=up.ok and audit.agrees and not audit.not_desired,
                clean_preview=clean,
                detail="; ".join(notes),
            )
        )
        assert created == DEPLOYED and scenario.survived, scenario.detail
