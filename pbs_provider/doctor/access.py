"""Check that one identity holds what a `Need` asks for on a server, and word the gap.

Privileges come from `GET /access/permissions` — for an API token that is already its own ACL
entries intersected with its user's. When a token falls short and the server lets us ask about
its user too, the finding says which side lacks the privilege: the token's own entries, or the
user's (then both need the grant, as PBS's recipe says).
"""

from __future__ import annotations

from pbs_provider.client import PbsError
from pbs_provider.doctor.context import JobCheck
from pbs_provider.doctor.facts import PbsFacts
from pbs_provider.doctor.privileges import Need
from pbs_types.ids import parse_authid


def _user_of(auth_id: str) -> str | None:
    parsed = parse_authid(auth_id)
    return parsed.userid if parsed.is_token else None


def grant_advice(auth_id: str, need: Need, held: frozenset[str], user_held: frozenset[str] | None) -> str:
    """`grant role X on /path to `a` [and its user `u`]`, saying which side lacks it for a token."""
    role = need.role_for(held)
    user = _user_of(auth_id)
    if user is None:
        return f"grant role {role} on {need.path} to `{auth_id}`"
    if user_held is not None and need.satisfied(user_held):
        return (
            f"grant role {role} on {need.path} to the token `{auth_id}` (its user `{user}` has it; a token's "
            "privileges are its own ACL entries intersected with its user's)"
        )
    return (
        f"grant role {role} on {need.path} to both `{user}` and its token `{auth_id}` (a token's privileges "
        "are its own ACL entries intersected with its user's)"
    )


def check_need(
    c: JobCheck,
    facts: PbsFacts,
    auth_id: str,
    need: Need,
    *,
    who: str,
    check: str,
    key: str,
) -> bool | None:
    """Whether `auth_id` satisfies `need` on `facts`' server (None: could not be checked).

    Adds an error when it does not, a warning when it does only for its own groups, an `ok` else.
    `who` describes the identity in the message (`the job's owner `root@pam``).
    """
    own = auth_id == facts.auth_id
    try:
        held = facts.privileges(need.path, None if own else auth_id)
    except PbsError as error:
        c.cannot_check(check, f"the privileges of {who} on server `{facts.name}`", error)
        return None
    if need.satisfied(held):
        c.ok(check, f"{who} holds {', '.join(sorted(need.options[0]))} on {need.path} ({need.why})")
        return True
    user = _user_of(auth_id)
    user_held: frozenset[str] | None = None
    if user is not None:
        try:
            user_held = facts.privileges(need.path, user)
        except PbsError:
            user_held = None  # may not ask about the user: advise granting both
    fix = grant_advice(auth_id, need, held, user_held)
    if need.partly_satisfied(held):
        c.warning(
            check,
            f"{who} has only {', '.join(sorted(need.partial or ()))} on {need.path} on server "
            f"`{facts.name}`, not {', '.join(sorted(need.missing(held)))}: the job only sees the backup "
            f"groups `{auth_id}` owns ({need.why})",
            fix,
            key,
        )
        return True
    c.error(
        check,
        f"{who} lacks {', '.join(sorted(need.missing(held)))} on {need.path} on server `{facts.name}`, "
        f"needed {need.why}",
        fix,
        key,
    )
    return False
