"""The one generic dynamic-provider machine: check, diff, create, read, update, delete for any
PBS object, driven by its schema model (`pbs_provider.schemas`) and its `Endpoint`.

Contract with the Pulumi engine (see docs/architecture.md):

* The provider pickles by reference and carries nothing (`__getstate__` → {}); credentials
  arrive through `configure()` from the stack config (`servers`, `serverSecrets`, env fallback)
  and clients are created lazily in the plugin (`client_for`, one per server per process).
* `check` validates every rule before anything is written, names the input and the rule, skips
  values unknown at preview, and gates fields by the server's PBS version (`GET /version`,
  cached) — but only once every static rule passed, so an invalid config sends no request.
* `diff` compares canonical values field by field (absent = PBS's default) and never answers
  "unknown"; `server` and the PBS id replace, everything else updates in place.
* `create` POSTs only the set fields, adopts an existing object when `adopt` is set, and returns
  what a fresh GET shows; `update` converges the live object with digest-checked PUTs
  (`delete[]` for removed fields); `read` reports a vanished object with an empty id and carries
  write-only fields over; `delete` treats "already gone" as done.
* Facts PBS reveals only once (`once`: a new API token's secret) come from the write's answer and
  are kept from state afterwards; a `trigger` input (`regenerate`) sends its own request whenever
  its value changes (and on adopt when set), and its answer may reveal such facts anew.
* Errors name the operation, object and server, carry PBS's reason and the client's hint, and
  never a secret. Numbers arrive as floats over gRPC: the schema turns them into ints.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar, NoReturn

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from pbs_provider.client import (
    AlreadyExists,
    ApiResponse,
    AuthenticationFailed,
    NotFound,
    PbsClient,
    PbsError,
    PermissionDenied,
    UnsafePathError,
    client_for,
)
from pbs_provider.schemas.base import AdoptablePbsObject, PbsObject, UpdatePlan
from pbs_provider.schemas.field import FieldSpec
from pbs_provider.schemas.messages import Failure
from pbs_provider.schemas.rules import VersionRequirement
from pbs_provider.servers import ServerConfigError, ServerDirectory
from pbs_types.version import PbsVersion, parse_version

from .endpoints import Endpoint

MAX_CONVERGE_ROUNDS = 4
"""PUT rounds before giving up on an object PBS keeps changing (server-side side effects such as
a replaced encryption key moving into `associated-key` need a second round)."""


class ProviderError(Exception):
    """A provider operation failed; the message is what the user sees (no secrets)."""


_KNOWN_SCALARS = frozenset({int, float, bool, type(None)})


def is_unknown(value: Any) -> bool:
    """True for a preview value that is not known yet (also inside lists and maps)."""
    if value.__class__ in _KNOWN_SCALARS:
        return False  # what most inputs are; only a string can be the unknown marker
    if value.__class__ is str:
        return value == UNKNOWN
    if isinstance(value, Unknown) or value == UNKNOWN:
        return True
    if isinstance(value, list):
        return any(is_unknown(item) for item in value)
    if isinstance(value, dict):
        return any(is_unknown(item) for item in value.values())
    return False


@functools.lru_cache(maxsize=64)
def _since(version: str) -> PbsVersion:
    """A requirement's minimum version (a schema constant), parsed once."""
    return parse_version(version)


def _version_gaps(
    needs: list[VersionRequirement], server: str, running: PbsVersion, changed: set[str] | None = None
) -> list[Failure]:
    """What the requirements `needs` ask of a server running PBS `running` that it lacks (among
    `changed` inputs, if given)."""
    return [
        Failure(need.field, f"{need.what} needs PBS ≥ {need.since}; server `{server}` runs {running}")
        for need in needs
        if (changed is None or need.field in changed) and running < _since(need.since)
    ]


def _gated(needs: list[VersionRequirement], changed: set[str] | None) -> bool:
    """Whether a requirement in `needs` is on an input that is new or changed."""
    return any(changed is None or need.field in changed for need in needs)


def _changed_inputs(olds: Mapping[str, Any], news: Mapping[str, Any]) -> set[str] | None:
    """Inputs whose raw value differs from the old inputs; None (everything) for a new object or
    a move to another server, whose version nothing has vouched for yet."""
    if not olds or olds.get("server") != news.get("server"):
        return None
    return {key for key in set(olds) | set(news) if olds.get(key) != news.get(key)}


def _first_error(error: ValueError) -> str:
    """A pydantic validation error's first message, without the input (it may be anything)."""
    details = getattr(error, "errors", None)
    if callable(details):
        found = details(include_url=False, include_input=False)
        if found:
            return str(found[0].get("msg", "invalid"))
    return "invalid"


def _redact(text: str, secrets: list[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    return text


class PbsResourceProvider(ResourceProvider):
    """Generic provider; a subclass names its `schema` (pydantic model) and `endpoint`."""

    schema: ClassVar[type[PbsObject]]
    endpoint: ClassVar[Endpoint]
    serialize_as_secret_always = False  # nothing secret is ever captured: see __getstate__

    _servers: ServerDirectory = ServerDirectory(config_error="the provider was not configured")

    # ---- pickling and configuration ----------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        return {}  # the pickle is only "an instance of <module>.<class>": no config, no secret

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        pass

    def configure(self, req: ConfigureRequest) -> None:
        self._servers = ServerDirectory.from_config(req.config.get)

    def _client(self, server: str) -> PbsClient:
        try:
            return client_for(server, self._servers.server_config(server))
        except ServerConfigError as error:
            raise ProviderError(str(error)) from None

    # ---- check ------------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        unknown = {key for key, value in news.items() if is_unknown(value)}
        known = {k: v for k, v in news.items() if k not in unknown and not k.startswith("__")}
        validation = self.schema.validate_inputs(known, unknown)
        failures = list(validation.failures)
        server = validation.values.get("server")
        if server is not None:
            problem = self._servers.problem(server)
            if problem is not None:
                failures.append(Failure("server", f"`server`: {problem}"))
        if not failures and server is not None:
            changed = _changed_inputs(_olds, news)
            failures.extend(self._version_failures(validation.model(), server, changed))
        return CheckResult(dict(news), [CheckFailure(f.field, f.message) for f in failures])

    def _version_failures(self, model: PbsObject, server: str, changed: set[str] | None) -> list[Failure]:
        needs = model.version_requirements()
        if not _gated(needs, changed):
            return []  # nothing new to gate: no `GET /version` (an unchanged `up` sends no request)
        try:
            running = self._client(server).version()
        except PbsError as error:
            return [Failure("server", f"cannot read the PBS version of server `{server}`: {error}")]
        except ProviderError as error:
            return [Failure("server", str(error))]
        return _version_gaps(needs, server, running, changed)

    def _ensure_version(self, client: PbsClient, model: PbsObject, changed: set[str] | None = None) -> None:
        """The same gate as `check`, for create/update reached without a check in this process."""
        needs = model.version_requirements()
        if _gated(needs, changed):
            gaps = _version_gaps(needs, client.name, client.version(), changed)
            if gaps:
                raise ProviderError("; ".join(gap.message for gap in gaps))

    # ---- diff -------------------------------------------------------------------------------

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        old = self._from_outputs(olds)
        unknown = {key for key, value in news.items() if is_unknown(value)}
        known = {k: v for k, v in news.items() if k not in unknown and not k.startswith("__")}
        new = self.schema.validate_inputs(known, unknown)
        changed = []
        for spec in self.schema.input_specs():
            if not spec.pbs.diff:
                continue
            if spec.input_name in unknown or spec.name in new.invalid:
                changed.append(spec)  # not seen: may change
                continue
            was, wanted = getattr(old, spec.name, None), new.values.get(spec.name)
            if (was is not None or wanted is not None) and not spec.same(was, wanted):
                changed.append(spec)  # (absent on both sides is PBS's default on both)
        replaces = [s.input_name for s in changed if s.pbs.replace_on_change]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    # ---- create -----------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        desired = self._parse(props)
        client = self._client(desired.server)
        with self._errors("create", desired):
            self._ensure_version(client, desired)
            try:
                revealed = self.endpoint.revealed(self.endpoint.create(client, desired, desired.post_body()))
            except AlreadyExists as exists:
                adopt = isinstance(desired, AdoptablePbsObject) and desired.adopt
                if not adopt and not self._is_lost_create(client, desired):
                    raise ProviderError(self._exists_message(desired, exists)) from None
                held = self._converge(client, desired, send_write_only=True)
                # PBS never shows an existing object's one-time facts again: a set trigger renews them.
                set_triggers = [s for s in self.schema.trigger_specs() if desired.get(s.name) is not None]
                live = self._live(desired, held, self._fire(client, desired, set_triggers))
                return CreateResult(desired.key(), self._outputs(desired, live))
            except (PermissionDenied, AuthenticationFailed):
                raise  # PBS refused the request itself: nothing was saved, and its reason is the one to show
            except PbsError:
                if not self._exists(client, desired):
                    raise
                # PBS saved the object and then failed (e.g. a busy job lock while writing the job's
                # state file): it is ours, so finish the create instead of leaving an orphan
                held = self._converge(client, desired, send_write_only=True)
                return CreateResult(desired.key(), self._outputs(desired, self._live(desired, held, None)))
            live = self._read_live(client, desired, revealed)
        return CreateResult(desired.key(), self._outputs(desired, live))

    def _is_lost_create(self, client: PbsClient, desired: PbsObject) -> bool:
        """Whether an object that "already exists" is exactly the desired one: what a create whose
        answer was lost (a killed plugin, a dropped connection) leaves behind. Taking it over loses
        nothing. Objects with one-time facts (a token's secret) never qualify: those are gone."""
        if any(s.pbs.once for s in self.schema.specs()):
            return False
        live = self._read_live(client, desired)
        differing = self.schema.differences(live, desired, include_write_only=False)
        return not [s for s in differing if s.sent_to_pbs]

    def _exists_message(self, desired: PbsObject, error: PbsError) -> str:
        noun, key, server = self.schema.noun, desired.key(), desired.server
        ids = ", ".join(f"`{s.input_name}`" for s in self.schema.identity_specs())
        return (
            f"{noun} `{key}` already exists on server `{server}` (PBS: {error.message}). Pulumi "
            f"cannot import it (dynamic providers do not support `pulumi import`): set `adopt: true` "
            f"on this resource to take the existing {noun} over — its settings will be changed to "
            f"match the program — or choose another {ids}."
        )

    # ---- read -------------------------------------------------------------------------------

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        old = self._from_outputs(props)
        client = self._client(old.server)
        with self._errors("read", old):
            try:
                live = self.schema.from_pbs(self.endpoint.refresh(client, old))
            except NotFound:
                return ReadResult("", {})  # gone: the engine drops it and the next `up` recreates it
        outputs = self._outputs(old, live, kept=old)
        inputs = {k: v for k, v in outputs.items() if self.schema.spec(k).is_input}
        return ReadResult(id_, outputs, inputs)

    # ---- update -----------------------------------------------------------------------------

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old = self._from_outputs(olds)
        desired = self._parse(news)
        client = self._client(desired.server)
        write_only_changed = any(
            not spec.same(old.get(spec.name), desired.get(spec.name))
            for spec in self.schema.input_specs()
            if spec.pbs.write_only
        )
        fired = [s for s in self.schema.trigger_specs() if not s.same(old.get(s.name), desired.get(s.name))]
        changed = {
            s.input_name
            for s in self.schema.input_specs()
            if not s.same(old.get(s.name), desired.get(s.name))
        }
        with self._errors("update", desired):
            self._ensure_version(client, desired, changed if old.server == desired.server else None)
            held = self._converge(client, desired, send_write_only=write_only_changed)
            live = self._live(desired, held, self._fire(client, desired, fired))
        return UpdateResult(self._outputs(desired, live, kept=old))

    def _fire(self, client: PbsClient, desired: PbsObject, triggers: list[FieldSpec]) -> dict[str, Any]:
        """Send each trigger's request; returns what the answers reveal (kebab-case keys)."""
        revealed: dict[str, Any] = {}
        for spec in triggers:
            assert spec.pbs.trigger is not None
            revealed.update(
                self.endpoint.revealed(self.endpoint.trigger(client, desired, {spec.pbs.trigger: True}))
            )
        return revealed

    def _converge(self, client: PbsClient, desired: PbsObject, *, send_write_only: bool) -> dict[str, Any]:
        """PUT until the live object means what `desired` says (each round digest-checked
        against a fresh read, so a concurrent change is never overwritten unseen). Returns the
        object as the last round read it: what PBS holds now, without a read of its own."""
        pending_write_only = send_write_only
        last: UpdatePlan | None = None
        for _ in range(MAX_CONVERGE_ROUNDS):
            step = _UpdateRound(self.schema, desired, send_write_only=pending_write_only)
            try:
                written = self.endpoint.modify(client, desired, step.change)
            except NotFound as missing:
                if self._exists(client, desired):  # PBS said "no such <something else>"
                    raise missing
                raise ProviderError(
                    f"{self.schema.noun} `{desired.key()}` no longer exists on server `{desired.server}`: "
                    f"run `pulumi refresh` so that the next `pulumi up` creates it again"
                ) from None
            last = step.plan
            if written is None:
                return step.current
            if step.sent_write_only:
                pending_write_only = False
        fields = ", ".join(f"`{self.schema.spec(n).input_name}`" for n in (last.fields() if last else []))
        raise ProviderError(
            f"PBS on server `{desired.server}` did not keep {fields} of {self.schema.noun} "
            f"`{desired.key()}` after {MAX_CONVERGE_ROUNDS} updates; another client may be changing it"
        )

    # ---- delete -----------------------------------------------------------------------------

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        old = self._from_outputs(props)
        client = self._client(old.server)
        with self._errors("delete", old):
            self.endpoint.delete(client, old)

    # ---- shared steps -----------------------------------------------------------------------

    def _parse(self, inputs: Mapping[str, Any]) -> PbsObject:
        known = {k: v for k, v in inputs.items() if not k.startswith("__")}
        validation = self.schema.validate_inputs(known)
        if validation.failures:
            raise ProviderError(
                f"invalid {self.schema.noun}: " + "; ".join(f.message for f in validation.failures)
            )
        return validation.model()

    def _from_outputs(self, outputs: Mapping[str, Any]) -> PbsObject:
        """The model of stored outputs (Pulumi names; lenient: values are kept as stored), except the
        object's identity, which addresses PBS and must be a valid id."""
        values = {}
        for spec in self.schema.specs():
            raw = outputs.get(spec.input_name)
            if raw is None:
                continue
            try:
                values[spec.name] = spec.validate(raw)
            except ValueError as error:
                if spec.pbs.identity or spec.name == "server":
                    raise ProviderError(
                        f"the Pulumi state holds an invalid `{spec.input_name}` for this {self.schema.noun} "
                        f"({_first_error(error)}); no request was sent: fix the state "
                        "(`pulumi state delete` the resource) or the id"
                    ) from None
                values[spec.name] = raw
        return self.schema.from_values(values)

    def _exists(self, client: PbsClient, ident: PbsObject) -> bool:
        try:
            self.endpoint.read(client, ident)
        except NotFound:
            return False
        return True

    def _read_live(
        self, client: PbsClient, ident: PbsObject, revealed: Mapping[str, Any] | None = None
    ) -> PbsObject:
        return self._live(ident, self.endpoint.read(client, ident), revealed)

    def _live(
        self, ident: PbsObject, data: Mapping[str, Any], revealed: Mapping[str, Any] | None
    ) -> PbsObject:
        """The model of `data` as PBS returned it, with the identity (a path parameter, absent from
        some answers) from `ident` and the one-time facts a write `revealed`."""
        merged = {
            s.pbs_name: s.wire(value)
            for s in self.schema.identity_specs()
            if s.pbs_name and (value := ident.get(s.name)) is not None
        }
        merged.update(data)
        merged.update(revealed or {})
        return self.schema.from_pbs(merged)

    def _outputs(self, desired: PbsObject, live: PbsObject, kept: PbsObject | None = None) -> dict[str, Any]:
        """Every field as PBS reports it, plus provider-side and write-only inputs from `desired`,
        and the one-time facts (`once`) of `kept` (the stored outputs) that no read shows again."""
        outputs = live.wire_values()
        given = desired.set_values()
        for spec in self.schema.specs():
            if spec.pbs.local or spec.pbs.write_only:
                outputs.pop(spec.input_name, None)
                if spec.name in given:
                    outputs[spec.input_name] = spec.wire(given[spec.name])
            elif spec.pbs.once and spec.input_name not in outputs and kept is not None:
                value = kept.get(spec.name)
                if value is not None:
                    outputs[spec.input_name] = spec.wire(value)
        return outputs

    def _errors(self, operation: str, model: PbsObject) -> _ErrorContext:
        secrets = [
            str(v) for s in self.schema.specs() if s.pbs.secret and (v := model.get(s.name)) is not None
        ]
        return _ErrorContext(operation, self.schema.noun, model, secrets)


class _UpdateRound:
    """One read-modify-write of `_converge`: plans the PUT against what PBS holds right now."""

    def __init__(self, schema: type[PbsObject], desired: PbsObject, *, send_write_only: bool) -> None:
        self.schema, self.desired, self.send_write_only = schema, desired, send_write_only
        self.plan: UpdatePlan | None = None
        self.sent_write_only = False
        self.current: dict[str, Any] = {}

    def change(self, current: ApiResponse) -> dict[str, Any] | None:
        data = current.data if isinstance(current.data, Mapping) else {}
        self.current = dict(data)
        self.plan = self.desired.plan_update(self.schema.from_pbs(data), send_write_only=self.send_write_only)
        body = self.plan.next_request()
        self.sent_write_only = body is not None and any(
            self.schema.spec(name).pbs.write_only for name in body if name != "delete"
        )
        return body


class _ErrorContext:
    """Turns a `PbsError` into a `ProviderError` naming operation, object and server (redacted)."""

    def __init__(self, operation: str, noun: str, model: PbsObject, secrets: list[str]) -> None:
        self.operation, self.noun, self.model, self.secrets = operation, noun, model, secrets

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _tb: Any) -> bool:
        if isinstance(error, ProviderError):
            self._raise(str(error))
        if isinstance(error, UnsafePathError):  # an id from state that the path guard refused
            self._raise(
                f"cannot {self.operation} {self.noun} `{self.model.key()}` on server `{self.model.server}`: "
                f"{error} (the id stored in the Pulumi state is not a valid PBS id; no request was sent)"
            )
        if isinstance(error, PbsError):
            reason = error.message
            hint = f"\nhint: {error.hint}" if error.hint else ""
            self._raise(
                f"cannot {self.operation} {self.noun} `{self.model.key()}` on server "
                f"`{self.model.server}`: {reason}{hint}"
            )
        return False

    def _raise(self, message: str) -> NoReturn:
        raise ProviderError(_redact(message, self.secrets)) from None
