"""Rule: `removeVanished` on a push job needs a recorded review.

A push job with `removeVanished: true` deletes snapshots, groups and namespaces on the target that
are gone from the source: a mistake in `ns`, `groupFilter` or `store` wipes the offsite copy.
Advisory by default (the preview shows the warning to the PR reviewer), mandatory in prod, where
the review is recorded by listing the job in `reviewedJobs` of `policy/config/prod.json`.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from ..resources import SYNC_JOB_TYPE, SyncJobView, config_key
from ..settings import settings_in_force, string_list

NAME = "push-remove-vanished-reviewed"
DESCRIPTION = "A push sync job with removeVanished deletes on the target; it needs a recorded review."
CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "reviewedJobs": string_list(
            "Push jobs whose removeVanished was reviewed and approved, as 'server/jobId' or 'jobId'."
        ),
    }
)


def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != SYNC_JOB_TYPE:
        return
    job = SyncJobView.from_props(args.urn, args.name, args.props)
    if not job.is_push or job.remove_vanished is not True:
        return
    reviewed = set(settings_in_force(args, CONFIG_SCHEMA)["reviewedJobs"])
    if job.label in reviewed or job.job_id in reviewed:
        return
    report(
        f"push job '{job.job_id}' on server '{job.server}' has removeVanished: true "
        f"({config_key(args.urn, 'removeVanished')}), so it deletes "
        "snapshots, groups and namespaces on the target that are gone from the source. Check ns, "
        f"remoteNs, groupFilter and store, then record the review by adding '{job.label}' to "
        f"{NAME}.reviewedJobs in this stack's policy config.",
    )


def policy() -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=NAME,
        description=DESCRIPTION,
        validate=validate,
        enforcement_level=EnforcementLevel.ADVISORY,
        config_schema=CONFIG_SCHEMA,
    )
