"""A tiny dynamic provider used only by the engine stand-in's tests: `Thing`s kept in a JSON file.

The file (path from the stack config `toy:storePath`, read in configure()) holds the objects and a
log of every write, so tests can assert which provider writes happened and in which order.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

_LOCK = threading.Lock()
FIELDS = ("name", "value", "replaceKey", "parent", "secretValue")
_BARRIERS: dict[str, threading.Barrier] = {}
_IN_FLIGHT = [0]


def _meet(spec: str | None) -> None:
    """`meet: "<group>:<n>"`: the create waits until n creates of the group run at the same time
    (fails after 20 s), which only steps run in parallel can do."""
    if not spec:
        return
    group, parties = spec.rsplit(":", 1)
    with _LOCK:
        barrier = _BARRIERS.setdefault(group, threading.Barrier(int(parties), timeout=20))
    barrier.wait()


def _load(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {"things": {}, "log": []}


def _write(path: Path, op: str, name: str, thing: dict | None) -> None:
    with _LOCK:
        data = _load(path)
        if thing is None:
            data["things"].pop(name, None)
        else:
            data["things"][name] = thing
        data["log"].append([op, name])
        data["maxInFlight"] = max(data.get("maxInFlight", 0), _IN_FLIGHT[0])
        path.write_text(json.dumps(data))


class _Writing:
    """Counts the provider writes in progress (the store keeps the most seen at once)."""

    def __enter__(self) -> None:
        with _LOCK:
            _IN_FLIGHT[0] += 1

    def __exit__(self, *exc: object) -> None:
        with _LOCK:
            _IN_FLIGHT[0] -= 1


class ThingProvider(ResourceProvider):
    serialize_as_secret_always = False
    store: Path | None = None

    def __getstate__(self) -> dict:
        return {}

    def configure(self, req: ConfigureRequest) -> None:
        self.store = Path(req.config.require("storePath"))

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        if news.get("value") == "invalid":
            failures.append(CheckFailure("value", "value: 'invalid' is not allowed"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in FIELDS if olds.get(k) != news.get(k)]
        replaces = [k for k in ("name", "replaceKey") if k in changed]
        return DiffResult(changes=bool(changed), replaces=replaces)

    def _outs(self, props: dict[str, Any]) -> dict[str, Any]:
        outs = {k: props[k] for k in FIELDS if k in props}
        outs["length"] = len(str(props.get("value", "")))
        return outs

    def create(self, props: dict[str, Any]) -> CreateResult:
        outs = self._outs(props)
        with _Writing():
            _meet(props.get("meet"))
            _write(self.store, "create", props["name"], outs)
        return CreateResult(props["name"], outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        thing = _load(self.store)["things"].get(id_)
        if thing is None:
            return ReadResult("", {})
        return ReadResult(id_, thing, {k: thing[k] for k in FIELDS if k in thing})

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        outs = self._outs(news)
        _write(self.store, "update", id_, outs)
        return UpdateResult(outs)

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        with _Writing():
            _write(self.store, "delete", id_, None)


class Thing(Resource, module="toy", name="Thing"):
    length: Output[int]

    def __init__(self, resource_name: str, props: dict[str, Input[Any]], opts: ResourceOptions | None = None):
        super().__init__(ThingProvider(), resource_name, {**props, "length": None}, opts)
