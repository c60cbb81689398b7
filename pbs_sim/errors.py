"""PBS's error texts and the exceptions that carry them (one place for every message the simulator sends).

An :class:`ApiError` knows its HTTP status and the exact plain-text message PBS answers with on
``/api2/json``. A :class:`ParameterError` collects per-parameter schema errors and renders them the way
proxmox-schema's ``ParameterError`` does (``parameter verification failed - 'p': msg`` or the multi-line
form). Models raise these; routes never invent messages.
"""

from __future__ import annotations

from collections.abc import Iterable


class ApiError(Exception):
    """An error answer: HTTP ``status`` plus PBS's message text (the whole body on /api2/json)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message


class ParameterError(ApiError):
    """Schema/parameter errors, keyed by parameter name, always HTTP 400."""

    def __init__(self, errors: Iterable[tuple[str, str]]) -> None:
        self.errors: list[tuple[str, str]] = list(errors)
        super().__init__(_render_parameter_errors(self.errors), 400)


def _render_parameter_errors(errors: list[tuple[str, str]]) -> str:
    if len(errors) == 1:
        name, msg = errors[0]
        return f"parameter verification failed - '{name}': {msg}"
    lines = "".join(f"- '{name}': {msg}\n" for name, msg in errors)
    return ("parameter verification failed:\n" + lines).strip()


def param_error(name: str, message: str) -> ParameterError:
    """One parameter error (PBS's ``param_bail!``)."""
    return ParameterError([(name, message)])


class SchemaViolation(Exception):
    """A single value failed its schema; the caller attaches the parameter name."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- transport / router ------------------------------------------------------------------------
AUTHENTICATION_FAILED = "authentication failed"
PERMISSION_CHECK_FAILED = "permission check failed"
ILLEGAL_PATH = "path contains illegal components"
INVALID_HTTP_METHOD = "invalid http method for path"
REQUEST_BODY_TOO_LARGE = "Request body too large"


def path_not_found(full_path: str) -> ApiError:
    return ApiError(f"Path '{full_path}' not found.", 404)


def invalid_api_path(full_path: str) -> ApiError:
    return ApiError(f"invalid api path '{full_path}'", 404)


def unsupported_format(fmt: str) -> ApiError:
    return ApiError(f"Unsupported output format '{fmt}'.", 400)


def unsupported_content_type(value: str) -> ApiError:
    # Rust formats the header as `Ok("<value>")` via {:?} of `to_str()`.
    return ApiError(f'unsupported content type Ok("{value}")', 400)


def body_not_utf8() -> ApiError:
    return ApiError("Request body not uft8: invalid utf-8 sequence", 400)


def json_body_error(detail: str) -> ApiError:
    return ApiError(detail, 400)


# --- schema messages (proxmox-schema) ----------------------------------------------------------
EXPECTED_BOOLEAN = "Expected boolean value."
EXPECTED_INTEGER = "Expected integer value."
EXPECTED_STRING = "Expected string value."
EXPECTED_ARRAY_SCALAR = "Expected array - got scalar value."
EXPECTED_ARRAY_OBJECT = "Expected array - got object."
EXPECTED_OBJECT_ARRAY = "Expected object - got array."
EXPECTED_OBJECT_SCALAR = "Expected object - got scalar value."
UNABLE_TO_PARSE_BOOLEAN = "Unable to parse boolean option."
DUPLICATE_PARAMETER = "duplicate parameter."
NO_ADDITIONAL_PROPERTIES_FORM = "schema does not allow additional properties."
NO_ADDITIONAL_PROPERTIES_JSON = "schema does not allow additional properties"
MISSING_PARAMETER_FORM = "parameter is missing and it is not optional."
MISSING_PROPERTY_JSON = "property is missing and it is not optional"
INTEGER_PARSE_INVALID_DIGIT = "invalid digit found in string"
INTEGER_PARSE_EMPTY = "cannot parse integer from empty string"
INTEGER_PARSE_OVERFLOW_POS = "number too large to fit in target type"
INTEGER_PARSE_OVERFLOW_NEG = "number too small to fit in target type"


def not_in_enum(value: str) -> str:
    return f"value '{value}' is not defined in the enumeration."


# --- config files ------------------------------------------------------------------------------
DIGEST_MISMATCH = "detected modified configuration - file changed by other user? Try again."


def no_such_section(type_name: str, section_id: str) -> ApiError:
    """Section-config lookup failure (``lookup_json``): a plain 400."""
    return ApiError(f"no such {type_name} '{section_id}'", 400)


# --- remotes -----------------------------------------------------------------------------------
def remote_exists(name: str) -> ParameterError:
    return param_error("name", f"remote '{name}' already exists.")


def remote_does_not_exist(name: str) -> ApiError:
    return ApiError(f"remote '{name}' does not exist.", 404)


def remote_in_use(name: str, job_id: str, store: str) -> ParameterError:
    return param_error("name", f"remote '{name}' is used by sync job '{job_id}' (datastore '{store}')")


# --- sync jobs ---------------------------------------------------------------------------------
SYNC_SAME_DATASTORE = "source and target datastore can't be the same"
SYNC_PUSH_RESYNC_CORRUPT = "push jobs do not support resync-corrupt option"
SYNC_ENCRYPTION_KEY_PUSH_ONLY = "'active-encryption-key' only applies to push sync jobs"
SYNC_UNMOUNT_NEEDS_RUN_ON_MOUNT = "'unmount-on-done' can only be set when 'run-on-mount' is enabled"
SYNC_SWITCH_TO_PULL_WITH_KEY = (
    "cannot switch to pull direction while 'active-encryption-key' is set; delete "
    "it in the same request or clear it first"
)
RUN_SAME_DATASTORE = "can't sync to same datastore"


def no_such_key(key_id: str) -> ApiError:
    return ApiError(f"no such key or cannot access key '{key_id}'", 400)


def job_exists(job_id: str) -> ParameterError:
    return param_error("id", f"job '{job_id}' already exists.")


def job_does_not_exist(job_id: str) -> ApiError:
    return ApiError(f"job '{job_id}' does not exist.", 404)


def run_permission_denied(auth_id: str) -> ApiError:
    return ApiError(f"permission check failed, '{auth_id}' is missing access", 400)


def job_lock_busy(lock_path: str) -> ApiError:
    # Shape of proxmox-sys `open_file_locked` after its timeout (the OS part is EAGAIN).
    return ApiError(
        f'Unable to acquire lock "{lock_path}" - Interrupted system call (os error 4)',
        400,
    )


# --- tasks -------------------------------------------------------------------------------------
TASK_ACCESS_NOT_ALLOWED = "task access not allowed"
TASK_LOG_NOT_FOUND = "No such file or directory (os error 2)"
DOWNLOAD_WITH_OTHER_PARAMS = "Parameter 'download' cannot be used with other parameters"


def unable_to_parse_upid(upid: str) -> ApiError:
    return ApiError(f"unable to parse UPID '{upid}'", 400)


# --- auth --------------------------------------------------------------------------------------
LOGIN_FAILED = "permission check failed."
NO_PASSWORD = "no password provided"


# --- users / tokens ----------------------------------------------------------------------------
def user_exists(userid: str) -> ApiError:
    return ApiError(f"user '{userid}' already exists.", 400)


def user_does_not_exist(userid: str) -> ApiError:
    return ApiError(f"user '{userid}' does not exist.", 400)


def token_exists(name: str, userid: str) -> ApiError:
    return ApiError(f"token '{name}' for user '{userid}' already exists.", 400)


def no_such_token(tokenid: str) -> ApiError:
    return ApiError(f"no such token '{tokenid}'", 400)


def token_does_not_exist(name: str, userid: str) -> ApiError:
    return ApiError(f"token '{name}' of user '{userid}' does not exist.", 400)


def unknown_realm(realm: str) -> ApiError:
    return ApiError(f"unknown realm '{realm}'", 400)


ONLY_SUPERUSER_PAM = "only superuser can edit pam credentials!"

# --- password change (pbs src/api2/access/mod.rs `change_password`/`user_update_auth`, src/auth.rs) --
MISSING_PASSWORD = "missing password"  # no confirmation-password from a caller other than root@pam
NO_PASSWORD_SET = "no password set"  # `PbsAuthenticator`: no shadow.json entry
INVALID_CREDENTIALS = "invalid credentials"  # proxmox-sys `verify_crypt_pw`
# PAM's `pam_authenticate` failing as the `pam` crate displays it (`PamReturnCode` "NAME (code)"); with
# Debian's common-auth both a wrong password and an unknown account end as PAM_AUTH_ERR (inferred).
PAM_AUTH_ERR = "AUTH_ERR (7)"
TOKENS_CANNOT_CHANGE_PASSWORD = "API tokens cannot access this API endpoint"
NOT_AUTHORIZED_TO_CHANGE_PASSWORD = "you are not authorized to change the password."


def confirmation_failed(reason: str) -> ApiError:
    """``user_update_auth``: the caller's own password did not authenticate (``http_err!(UNAUTHORIZED)``)."""
    return ApiError(reason, 401)


def password_target_missing(userid: str) -> ApiError:
    # PBS's own wording ("does not exists."), a 401 from `user_update_auth`.
    return ApiError(f"user '{userid}' does not exists.", 401)


# --- ACLs --------------------------------------------------------------------------------------
GROUPS_NOT_SUPPORTED = "groups are currently not supported."
NO_SUCH_USER = "no such user."
NO_SUCH_API_TOKEN = "no such API token."
ACL_MISSING_AUTH_ID = "missing 'userid' or 'group' parameter."


def invalid_acl_path(path: str) -> ApiError:
    return ApiError(f"invalid acl path '{path}'.", 400)


# --- datastores / namespaces -------------------------------------------------------------------
def no_such_datastore(store: str) -> ApiError:
    return ApiError(f"no such datastore '{store}'", 400)


def datastore_exists(name: str) -> ParameterError:
    return param_error("name", f"datastore '{name}' already exists.")


def datastore_does_not_exist(name: str) -> ApiError:
    return ApiError(f"datastore '{name}' does not exist.", 404)


ROOT_NAMESPACE = "Cannot create/delete root namespace!"


def namespace_parent_missing(parent: str) -> ApiError:
    return ApiError(f"cannot create new namespace, parent {parent} doesn't already exists", 400)


def namespace_too_deep(depth: int) -> ApiError:
    return ApiError(f"namespace too deep, {depth} >= max 7", 400)


NAMESPACE_HAS_GROUPS = "only partially deleted due to existing groups but `delete-groups` not true"


def namespace_forbidden(priv: str, path: str) -> ApiError:
    return ApiError(f"permission check failed - missing {priv} on {path}", 403)


def missing_permissions(privs: str, path: str) -> ApiError:
    return ApiError(f"missing permissions '{privs}' on '{path}'", 400)


# --- backup content (groups, snapshots, backup/reader protocol) ---------------------------------
# `read_subdir` of a namespace directory that does not exist (nix's Errno display).
ENOENT = "ENOENT: No such file or directory"
PROTECTED_SNAPSHOT = "cannot remove protected snapshot"
GROUP_PARTIALLY_DELETED = "group only partially deleted due to protected snapshots"
MISSING_UPGRADE_HEADER = "missing Upgrade header"
INVALID_PROTOCOL = "invalid protocol name"
NAMESPACE_NOT_FOUND = "namespace not found"
BACKUP_TIMESTAMP_TOO_OLD = "backup timestamp is older than last backup."
BACKUP_DIR_EXISTS = "backup directory already exists."
READER_OWNER_CHECK_FAILED = "backup owner check failed!"


def backup_owner_check_failed(auth_id: str, owner: str) -> ApiError:
    """``check_backup_owner`` (also the backup protocol's own owner check)."""
    return ApiError(f"backup owner check failed ({auth_id} != {owner})", 400)


def reader_no_permissions(path: str) -> ApiError:
    return ApiError(f"no permissions on {path}", 400)


def snapshot_does_not_exist(snapshot: str) -> ApiError:
    return ApiError(f"snapshot {snapshot} does not exist.", 400)


def delete_snapshot_failed(reason: str) -> ApiError:
    return ApiError(f"failed to delete snapshot - {reason}", 400)


def group_does_not_exist(path: str) -> ApiError:
    # Shape of PBS's group lock failure on a missing group directory (inferred).
    return ApiError(f'unable to acquire lock on backup group directory "{path}" - {ENOENT}', 400)


# --- sync runs (task errors; pbs src/server/{pull,push,sync}.rs) --------------------------------
SYNC_FAILED_PULL = "sync failed with some errors."
SYNC_FAILED_PUSH = "Sync failed with some errors!"
MISSING_REQUIRED_REMOTE = "missing required remote"
PUSH_UNSUPPORTED_REMOTE_VERSION = "Unsupported remote api version, minimum v2.2 required"
REMOTE_NO_NAMESPACE_SUPPORT = (
    "Remote namespace set/recursive sync requested, but remote does not support namespaces."
)


def source_namespace_missing(ns: str, store: str) -> str:
    return f"Source namespace '{ns}' doesn't exist in datastore '{store}'!"


# Connection failures as PBS 4's HTTP client (hyper-util's legacy client) reports them: the error
# displays as "client error (Connect)"; the cause chain (shown where PBS prints `{err:#}`) has the detail.
CLIENT_CONNECT_ERROR = "client error (Connect)"
CONNECT_REFUSED = "tcp connect error: Connection refused (os error 111)"
CONNECT_TIMEOUT = "tcp connect error: deadline has elapsed"
CONNECT_UNREACHABLE = "tcp connect error: Network is unreachable (os error 101)"
CONNECT_DNS = "dns error: failed to lookup address information: Name or service not known"
CONNECT_CERT_VERIFY = (
    "error:0A000086:SSL routines:tls_post_process_server_certificate:"
    "certificate verify failed:../ssl/statem/statem_clnt.c:2091:"
)


def connecting_to(uri: str, detail: str) -> str:
    """proxmox-http's connector error for TCP/DNS failures."""
    return f"error connecting to {uri} - {detail}"


FINGERPRINT_MISMATCH = "WARNING: certificate fingerprint does not match expected fingerprint!"
FINGERPRINT_NOT_CONFIRMED = "certificate validation failed - Certificate fingerprint was not confirmed."
HTTP_REQUEST_TIMED_OUT = "http request timed out"

# --- remote scan (pbs src/api2/config/remote.rs) -------------------------------------------------
SCAN_PARSE_FAILED = "Failed to parse remote scan api result."


def scan_failed(name: str, reason: str) -> str:
    return f"failed to scan remote '{name}' - {reason}"
