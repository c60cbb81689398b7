"""Rule: API tokens expire (mandatory in prod, off in dev, advisory elsewhere).

A PBS token without `expire` (or with 0) is valid forever; a leaked push token then grants write
access to the offsite datastore until someone notices. An expiry forces rotation (`regenerate`).
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from ..resources import API_TOKEN_TYPE, UNKNOWN, ApiTokenView, config_key

NAME = "api-token-expires"
DESCRIPTION = "An API token has an expiry date."


def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != API_TOKEN_TYPE:
        return
    token = ApiTokenView.from_props(args.urn, args.name, args.props)
    if token.expire is UNKNOWN:
        return
    if isinstance(token.expire, int | float) and not isinstance(token.expire, bool) and token.expire > 0:
        return
    key = config_key(args.urn, "expire")
    entry = key.rsplit(".", 1)[0]
    how = (
        f"Set {key} (epoch seconds), or {entry}.tokenLifetimeDays with {entry}.regenerate set to the "
        f"rotation's date (YYYY-MM-DD); rotate it before then by changing {entry}.regenerate."
        if key.startswith("replications.")
        else f"Set {key} (epoch seconds) and rotate it before then by changing {entry}.regenerate."
    )
    report(f"API token '{token.token_id}' on server '{token.server}' never expires. {how}")


def policy() -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=NAME,
        description=DESCRIPTION,
        validate=validate,
        enforcement_level=EnforcementLevel.ADVISORY,
    )
