"""The `__provider` blob: pickled by reference, tiny, never secret, never holding a credential —
and `__provider` strings already stored in users' state keep working (state compatibility:
`refresh`, `destroy` and deletes use the stored string, not the program's)."""

from __future__ import annotations

import base64
import json
import pickle
from pathlib import Path

import dill
import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.runtime._serialization import _deserialize

from offline_engine import props as P
from offline_engine.provider_host import serialize_like_sdk
from pbs_provider.resources.remote import RemoteProvider
from pbs_provider.resources.sync_job import SyncJobProvider
from pbs_provider.servers import ServerDirectory

from .driver import PROJECT, REMOTE_T, SYNC_T, stack_config

GOLDEN = json.loads((Path(__file__).parent / "golden_providers.json").read_text())
CLASSES = {REMOTE_T: RemoteProvider, SYNC_T: SyncJobProvider}


@pytest.mark.parametrize("type_token", sorted(CLASSES))
def test_configured_provider_pickles_by_reference_without_credentials(type_token, onprem):
    provider = CLASSES[type_token]()
    config, _ = stack_config(onprem=onprem)
    provider.configure(ConfigureRequest(Config(config, PROJECT)))
    assert provider._servers.problem("onprem") is None  # configured: it could talk to the server
    value = serialize_like_sdk(provider)
    assert not P.is_secret(value)  # serialize_as_secret_always = False: no per-resource encryption
    raw = base64.b64decode(value)
    assert onprem.admin_token_secret.encode() not in raw and onprem.url.encode() not in raw
    assert len(raw) < 80 and b"pbs_provider.resources" in raw
    assert value == GOLDEN[type_token]  # same bytes as before: no spurious changes of `__provider`


def test_credential_holders_refuse_pickling(onprem):
    config, _ = stack_config(onprem=onprem)
    directory = ServerDirectory.parse(json.loads(config[f"{PROJECT}:servers"]), {"onprem": "s3cret"})
    with pytest.raises(TypeError, match="must not be pickled"):
        pickle.dumps(directory)
    with pytest.raises(TypeError, match="must not be pickled"):
        dill.dumps(directory.server_config("onprem"))
    assert "s3cret" not in repr(directory)


@pytest.mark.parametrize("type_token", sorted(GOLDEN))
def test_stored_providers_still_unpickle(type_token):
    provider = _deserialize(lambda: dill.loads(base64.b64decode(GOLDEN[type_token])))
    assert type(provider) is CLASSES[type_token]


def test_stored_provider_string_drives_the_plugin(stack, onprem):
    """A resource whose state holds the golden string can still be read and deleted."""
    fields = {
        "server": "onprem",
        "name": "golden-r",
        "host": "g.example",
        "authId": "a@pbs",
        "password": "pw",
    }
    stack.up("remote", "r", fields)
    res = stack.resources.pop("r")
    outputs = {**res.outputs, "__provider": GOLDEN[REMOTE_T]}
    rid, outs, _ = stack.host.read(res.urn, res.id, outputs, res.inputs)
    assert rid == "golden-r" and outs["host"] == "g.example"
    stack.host.delete(res.urn, res.id, outputs, res.inputs)
    assert onprem.api("GET", "/config/remote/golden-r").status_code == 400  # PBS: "no such remote"
