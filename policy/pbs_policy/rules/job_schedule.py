"""Rule: every sync job has a `schedule` (disabled in dev through dev's policy config).

A job without a schedule only runs when someone starts it; outside dev that means the offsite copy
silently stops being refreshed. Jobs with `runOnMount: true` are started by mounting their
removable datastore and are exempt.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from ..resources import SYNC_JOB_TYPE, SyncJobView, config_key, is_set

NAME = "sync-job-has-schedule"
DESCRIPTION = "A sync job has a schedule (a job without one runs only when started by hand)."


def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != SYNC_JOB_TYPE:
        return
    job = SyncJobView.from_props(args.urn, args.name, args.props)
    if is_set(job.schedule) or job.run_on_mount is True:
        return
    report(
        f"sync job '{job.job_id}' on server '{job.server}' has no schedule and runs only when started "
        "by hand. Give it a schedule (a PBS calendar event such as 'daily' or 'mon..fri 02:30') in "
        f"{config_key(args.urn, 'schedule')}."
    )


def policy() -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=NAME,
        description=DESCRIPTION,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )
