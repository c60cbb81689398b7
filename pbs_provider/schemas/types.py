"""Pydantic field types for PBS values, built on the grammars in `pbs_types`.

Each type validates with PBS's own rule (length, pattern, structure) and turns the value into
its canonical form: the form PBS stores and echoes, so that comparing canonical values is
comparing meanings (HumanByte sizes by value, group filters without `include:`, the root
namespace `""` as unset, comments trimmed). A `TypeDoc` in the metadata describes the rule for
messages and the generated docs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, PlainSerializer
from pydantic_core import PydanticCustomError

from pbs_types import config_text, ids
from pbs_types.calendar import SCHEDULE_RULE, CalendarEventError, parse_calendar_event
from pbs_types.errors import PbsValueError
from pbs_types.group_filter import GROUP_FILTER_RULE, normalize_group_filter
from pbs_types.human_byte import HUMAN_BYTE_RULE, HumanByte, parse_human_byte, stored_human_byte
from pbs_types.roles import ROLE_PRIVILEGES, check_role
from pbs_types.rules import IntegerRule, StringRule

from .field import VARIES_WITH_TIME


@dataclass(frozen=True)
class TypeDoc:
    """A short description of the rule a type enforces (shown in messages and docs)."""

    text: str


def _rule_doc(rule: StringRule | IntegerRule, what: str) -> str:
    if isinstance(rule, IntegerRule):
        return (
            f"{what}, {rule.minimum}-{rule.maximum}"
            if rule.maximum is not None
            else f"{what}, ≥ {rule.minimum}"
        )
    bounds = ""
    if rule.min_length is not None and rule.max_length is not None:
        bounds = f", {rule.min_length}-{rule.max_length} characters"
    elif rule.max_length is not None:
        bounds = f", at most {rule.max_length} characters"
    elif rule.min_length is not None:
        bounds = f", at least {rule.min_length} characters"
    return f"{what}{bounds}"


def _pbs_error(error: PbsValueError, doc: str) -> PydanticCustomError:
    message = error.message
    if message.startswith("value "):
        message = message[len("value ") :]
    return PydanticCustomError("pbs_rule", "{message} ({doc})", {"message": message, "doc": doc})


def pbs_string(
    rule: StringRule,
    what: str,
    *,
    then: Callable[[str], Any] | None = None,
    serialize: Callable[[Any], Any] | None = None,
) -> Any:
    """A string type checked by a PBS `StringRule`; `then` may check structure or turn the text
    into its canonical value, `serialize` turns that value back into PBS's wire form."""
    doc = _rule_doc(rule, what)
    passed: set[str] = set()  # texts the rule accepted (a rule is pure; `then` may not be: schedules)

    def check(value: str) -> Any:
        try:
            if value not in passed:
                rule.check(value)
                if len(passed) >= 4096:
                    passed.clear()
                passed.add(value)
            return then(value) if then is not None else value
        except PbsValueError as error:
            raise _pbs_error(error, doc) from None

    if serialize is not None:
        return Annotated[str, AfterValidator(check), PlainSerializer(serialize), TypeDoc(doc)]
    return Annotated[str, AfterValidator(check), TypeDoc(doc)]


def pbs_integer(rule: IntegerRule, what: str) -> Any:
    """An integer type checked by a PBS `IntegerRule` (floats with no fraction are accepted:
    numbers travel as doubles over Pulumi's gRPC)."""
    doc = _rule_doc(rule, what)

    def check(value: int) -> int:
        try:
            return rule.check(value)
        except PbsValueError as error:
            raise _pbs_error(error, doc) from None

    return Annotated[Integer, AfterValidator(check), TypeDoc(doc)]


def _reject_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "must be an integer (got {value})", {"value": value})
    return value


Integer = Annotated[int, BeforeValidator(_reject_bool)]
"""An integer as PBS takes it: a whole number (Pulumi's doubles such as `8007.0` included), never a
boolean (pydantic would read `true` as 1; PBS answers `Expected integer value.`)."""


SAFE_ID_DOC = "safe-id `[A-Za-z0-9_][A-Za-z0-9._-]*`"

RemoteName = pbs_string(ids.REMOTE_NAME_RULE, f"remote name, {SAFE_ID_DOC}")
JobId = pbs_string(ids.JOB_ID_RULE, f"job id, {SAFE_ID_DOC}")
DatastoreName = pbs_string(ids.DATASTORE_NAME_RULE, f"datastore name, {SAFE_ID_DOC}")
CryptKeyId = pbs_string(ids.CRYPT_KEY_ID_RULE, f"encryption key id, {SAFE_ID_DOC}")
Host = pbs_string(ids.HOST_RULE, "DNS name, IPv4 or IPv6 address (no brackets, no port)")
Port = pbs_integer(ids.PORT_RULE, "TCP port")


def _remote_password(value: str) -> str:
    ids.encode_remote_password(value)  # PBS stores it base64-encoded, at most 1024 characters
    return value


RemotePassword = pbs_string(
    ids.REMOTE_PASSWORD_RULE,
    "password or API token secret, single line",
    then=_remote_password,
)
Fingerprint = pbs_string(ids.FINGERPRINT_RULE, "SHA-256 fingerprint: 32 hex byte pairs joined by `:`")


def _auth_id(value: str) -> str:
    ids.parse_authid(value)
    return config_text.check_storable(value)  # a user name may hold U+0080-U+009F; PBS can't store it


AuthIdText = pbs_string(ids.AUTHID_RULE, "`user@realm` or `user@realm!token`", then=_auth_id)


def _comment(value: str) -> str | None:
    return config_text.read_back(config_text.check_storable(value)) or None


Comment = pbs_string(ids.COMMENT_RULE, "single line", then=_comment)
"""Comments compare trimmed (PBS trims on update and when it reads its config back) and an empty
comment means none; a Unicode control character is refused (PBS's config writer refuses it)."""


def _namespace(value: str) -> str | None:
    ids.parse_namespace(value)
    return value or None


Namespace = pbs_string(
    ids.NAMESPACE_RULE,
    'namespace path: up to 7 safe-id components joined by `/`, `""` = root',
    then=_namespace,
)
"""A namespace path; the root (`""`) is canonically unset, since PBS treats both alike."""

MaxDepth = pbs_integer(ids.NS_MAX_DEPTH_RULE, "namespace levels")


def _byte_size(value: str) -> HumanByte:
    stored_human_byte(value)  # PBS re-checks the printed form (1-64 characters) when it saves
    return parse_human_byte(value)


ByteSize = pbs_string(
    HUMAN_BYTE_RULE,
    "size such as `10MiB`, `1.5 GB` or `500K` (SI or IEC units); compared by value",
    then=_byte_size,
    serialize=str,
)
"""A HumanByte size; canonical value is a `HumanByte` (equal by byte count, prints as PBS does)."""


def _group_filter(value: str) -> str:
    config_text.check_storable(value)
    if config_text.read_back(value) != value:
        raise PbsValueError(
            "ends with whitespace, which PBS drops when it reads its configuration back (the stored "
            "filter would differ from the one sent)"
        )
    return normalize_group_filter(value)


GroupFilter = pbs_string(
    GROUP_FILTER_RULE,
    "`[exclude:]type:<vm|ct|host>`, `…group:<type>/<id>` or `…regex:<regex>`; `include:` is implied",
    then=_group_filter,
)
"""A group filter in PBS's printed form (`include:` dropped); regexes in the Rust `regex`
dialect, as PBS compiles them."""

CALENDAR_DOC = "PBS calendar event, e.g. `daily`, `mon..fri 02:30`, `*:0/15`; must have a next run"


_NEXT_RUNS: dict[tuple[str, object], int] = {}
"""A next run found for (schedule, local zone): while it is still ahead, the schedule has one."""


def _schedule(value: str) -> str:
    now = int(time.time())
    key = (value, (time.tzname, time.timezone, time.altzone))
    known = _NEXT_RUNS.get(key)
    if known is not None and known > now:
        return value  # a run after `now` exists, so the search below would find one too
    next_run = parse_calendar_event(value).next_event(now)
    if next_run is None:
        raise CalendarEventError(f"calendar event '{value}' never runs: it has no next run time")
    if len(_NEXT_RUNS) >= 4096:
        _NEXT_RUNS.clear()
    _NEXT_RUNS[key] = next_run
    return value


CalendarEvent = Annotated[pbs_string(SCHEDULE_RULE, CALENDAR_DOC, then=_schedule), VARIES_WITH_TIME]
"""A calendar event PBS accepts and that runs at least once more (a past date is a mistake); its
validity changes with time, so its validation is never remembered."""

SyncDirection = Annotated[Literal["pull", "push"], TypeDoc("`pull` or `push`")]


# ---- access control and namespaces (User, ApiToken, AclEntry, Namespace) -------------------------


def _userid(value: str) -> str:
    ids.parse_userid(value)
    return config_text.check_storable(value)  # a user name may hold U+0080-U+009F; PBS can't store it


Userid = pbs_string(ids.USERID_RULE, "`user@realm`", then=_userid)
TokenName = pbs_string(ids.TOKEN_NAME_RULE, f"token name, {SAFE_ID_DOC}")
UserPassword = pbs_string(ids.USER_PASSWORD_RULE, "password, single line")


def _read_back_text(rule: StringRule) -> Callable[[str], str]:
    """A free-text value as PBS reads it back from `user.cfg`: trimmed, and still valid then."""

    def check(value: str) -> str:
        trimmed = config_text.read_back(config_text.check_storable(value))
        if trimmed != value and not rule.is_valid(trimmed):
            raise PbsValueError(
                f"is read back by PBS trimmed to {trimmed!r}, which breaks the rule; PBS would store "
                "it and then fail to read its user configuration"
            )
        return trimmed

    return check


FirstName = pbs_string(ids.FIRST_NAME_RULE, "single line", then=_read_back_text(ids.FIRST_NAME_RULE))
LastName = pbs_string(ids.LAST_NAME_RULE, "single line", then=_read_back_text(ids.LAST_NAME_RULE))
Email = pbs_string(ids.EMAIL_RULE, "e-mail address, single line", then=_read_back_text(ids.EMAIL_RULE))
"""Names and e-mail compare trimmed, as PBS reads them back; a value whose trimmed form is too
short (`"a "`) is refused: PBS would write it and then be unable to read `user.cfg`."""

EXPIRE_RULE = IntegerRule("Account expiration date.", minimum=0)
Expire = pbs_integer(EXPIRE_RULE, "Unix time, 0 = never")


def _acl_path(value: str) -> str:
    return ids.check_acl_path(value)


AclPath = pbs_string(
    ids.ACL_PATH_RULE,
    "ACL path such as `/`, `/datastore/<store>[/<ns>…]`, `/remote/<remote>[/<store>[/<ns>…]]`",
    then=_acl_path,
)


def _role(value: str) -> str:
    try:
        return check_role(value)
    except PbsValueError as error:
        raise PydanticCustomError(
            "pbs_rule",
            "{message} (roles: {roles})",
            {"message": error.message, "roles": ", ".join(ROLE_PRIVILEGES)},
        ) from None


Role = Annotated[
    str, AfterValidator(_role), TypeDoc("PBS role, e.g. `DatastoreBackup`, `DatastoreReader`, `Admin`")
]


def _namespace_to_create(value: str) -> str:
    ids.check_namespace_creatable(value)
    return value


NamespacePath = pbs_string(
    ids.NAMESPACE_RULE,
    "namespace path below the root: up to 7 safe-id components of 1-32 characters joined by `/`",
    then=_namespace_to_create,
)
"""A namespace that can be created or deleted (never the root `""`); each component is created by
its own call, whose `name` PBS limits to 32 characters."""


def _trigger_text(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError(
            "string_type", "must be a string or a number (got {value})", {"value": str(value).lower()}
        )
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # numbers travel as doubles over gRPC: 1 and 1.0 are the same trigger
    if isinstance(value, int | float):
        return str(value)
    return value


Trigger = Annotated[str, BeforeValidator(_trigger_text), TypeDoc("any string or number; a change fires it")]
"""A trigger value (e.g. a rotation counter); compared as text."""
