"""The target-side providers' `__provider` blobs: by reference, tiny, no credential, and stored
strings keep working (`refresh`, `destroy` and deletes use the string kept in state)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import dill
import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.runtime._serialization import _deserialize

from offline_engine import props as P
from offline_engine.provider_host import serialize_like_sdk
from tests.providers.driver import PROJECT, stack_config

from .driver import KINDS

GOLDEN = json.loads((Path(__file__).parent / "golden_providers.json").read_text())
CLASSES = {f"pulumi-python:dynamic/pbs:{name}": type(provider) for name, provider, _ in KINDS.values()}


@pytest.mark.parametrize("type_token", sorted(CLASSES))
def test_configured_provider_pickles_by_reference_without_credentials(type_token, cloud):
    provider = CLASSES[type_token]()
    config, _ = stack_config(cloud=cloud)
    provider.configure(ConfigureRequest(Config(config, PROJECT)))
    assert provider._servers.problem("cloud") is None  # configured: it could talk to the server
    value = serialize_like_sdk(provider)
    assert not P.is_secret(value)
    raw = base64.b64decode(value)
    assert cloud.admin_token_secret.encode() not in raw and cloud.url.encode() not in raw
    assert len(raw) < 90 and b"pbs_provider.resources" in raw
    assert value == GOLDEN[type_token]  # the module path and class name are part of stored state


@pytest.mark.parametrize("type_token", sorted(GOLDEN))
def test_stored_providers_still_unpickle(type_token):
    provider = _deserialize(lambda: dill.loads(base64.b64decode(GOLDEN[type_token])))
    assert type(provider) is CLASSES[type_token]


def test_a_stored_token_provider_string_reads_and_deletes(stack, cloud):
    stack.up("user", "owner", {"server": "cloud", "userid": "golden@pbs"})
    stack.up("token", "t", {"server": "cloud", "userid": "golden@pbs", "tokenName": "g"})
    res = stack.resources.pop("t")
    outputs = {**res.outputs, "__provider": GOLDEN["pulumi-python:dynamic/pbs:ApiToken"]}
    rid, outs, _ = stack.host.read(res.urn, res.id, outputs, res.inputs)
    assert rid == "golden@pbs!g" and P.unwrap(outs)["secret"] == P.unwrap(res.outputs)["secret"]
    stack.host.delete(res.urn, res.id, outputs, res.inputs)
    assert cloud.api("GET", "/access/users/golden@pbs/token/g").status_code == 400  # "no such token"
