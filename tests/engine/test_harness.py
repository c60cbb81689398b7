"""The engine stand-in's own contract tests, run against the toy project in tests/engine/toy/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from offline_engine import engine
from offline_engine import props as P
from offline_engine.passphrase import PassphraseCrypter, PassphraseError
from offline_engine.provider_host import DynamicProviderHost, ProviderRpcError, serialize_like_sdk
from offline_engine.stack_config import ConfigError, stack_config

TOY = Path(__file__).parent / "toy"


class Toy:
    """One toy stack: its state file, its provider's store file and the engine verbs."""

    def __init__(self, tmp: Path) -> None:
        self.dir = TOY
        self.state = str(tmp / "state.json")
        self.store = tmp / "store.json"

    def config(self, things: dict) -> dict:
        cfg, secret_keys = stack_config(
            TOY, "test", overrides={"storePath": str(self.store), "things": things}
        )
        return {"project": "toy", "stack": "test", "config": cfg, "secret_keys": secret_keys}

    def run(self, verb: str, things: dict) -> engine.Result:
        return getattr(engine, verb)(str(TOY), self.state, **self.config(things))

    @property
    def log(self) -> list[list[str]]:
        return json.loads(self.store.read_text())["log"] if self.store.exists() else []

    @property
    def max_in_flight(self) -> int:
        """The most provider writes that were in progress at the same time."""
        return json.loads(self.store.read_text()).get("maxInFlight", 0) if self.store.exists() else 0

    @property
    def things(self) -> dict:
        return json.loads(self.store.read_text())["things"] if self.store.exists() else {}

    def state_json(self) -> dict:
        return json.loads(Path(self.state).read_text())


@pytest.fixture
def toy(tmp_path: Path) -> Toy:
    return Toy(tmp_path)


def test_plugin_answers_configure_without_secrets_and_refuses_unimplemented_rpcs(tmp_path):
    from toy_provider import ThingProvider

    with DynamicProviderHost(cwd=str(TOY), project="toy") as host:
        resp = host.configure({"toy:storePath": str(tmp_path / "s.json")})
        assert resp.acceptSecrets is False
        assert host.handshake_supported() is False
        urn = host.urn("pulumi-python:dynamic/toy:Thing", "a")
        news = {"name": "a", "value": "x", "__provider": serialize_like_sdk(ThingProvider())}
        checked, failures = host.check(urn, {}, news)
        assert failures == [] and checked["value"] == "x"
        id_, outs = host.create(urn, checked)
        assert id_ == "a" and outs["length"] == 1
        with pytest.raises(ProviderRpcError) as err:
            host.delete(urn, id_, {"__provider": "bm90IGEgcGlja2xl"}, {})
        assert "UNKNOWN" in str(err.value)


def test_preview_plans_creates_without_provider_writes_or_state(toy):
    r = toy.run("preview", {"alpha": {"value": "one"}, "beta": {"value": "two"}})
    assert r.ok, r.diagnostics
    assert sorted(r.ops()) == [("create", "alpha"), ("create", "beta")]
    assert toy.log == [] and not Path(toy.state).exists()


def test_up_then_unchanged_up_makes_no_provider_writes(toy):
    things = {"alpha": {"value": "one"}, "beta": {"value": "two"}}
    first = toy.run("up", things)
    assert first.ok, first.diagnostics
    # independent resources register in whatever order the SDK's tasks finish
    assert sorted(toy.log) == [["create", "alpha"], ["create", "beta"]]
    assert first.outputs == {"names": ["alpha", "beta"]}
    second = toy.run("up", things)
    assert second.ok and second.ops() == [] and len(second.steps) == 2
    assert len(toy.log) == 2  # no provider write at all


def test_check_failure_fails_preview_and_up_and_leaves_state_untouched(toy):
    assert toy.run("up", {"alpha": {"value": "one"}}).ok
    before = Path(toy.state).read_text()
    for verb in ("preview", "up"):
        r = toy.run(verb, {"alpha": {"value": "invalid"}})
        assert not r.ok
        assert any("value: 'invalid' is not allowed" in d for d in r.diagnostics)
    assert Path(toy.state).read_text() == before
    assert toy.log == [["create", "alpha"]]


def test_update_in_place_and_replace_creates_before_deleting(toy):
    assert toy.run("up", {"alpha": {"value": "one", "replaceKey": "k1"}}).ok
    r = toy.run("up", {"alpha": {"value": "two", "replaceKey": "k1"}})
    assert r.ops() == [("update", "alpha")]
    preview = toy.run("preview", {"alpha": {"value": "two", "replaceKey": "k2"}})
    assert preview.ops() == [("replace", "alpha")] and preview.steps[0].detail == ["replaceKey"]
    r = toy.run("up", {"alpha": {"value": "two", "replaceKey": "k2"}})
    assert r.ok and r.ops() == [("replace", "alpha")]
    # create-before-delete: the replacement is created first, the old object is deleted at the end
    assert toy.log[-2:] == [["create", "alpha"], ["delete", "alpha"]]


def test_removed_resources_are_deleted_dependents_first(toy):
    things = {"base": {"value": "b"}, "child": {"value": "c", "parent": "base"}}
    r = toy.run("up", things)
    assert r.ok, r.diagnostics
    assert toy.things["child"]["parent"] == "base:1"
    r = toy.run("up", {})
    assert r.ok and r.ops() == [("delete", "child"), ("delete", "base")]
    assert toy.log[-2:] == [["delete", "child"], ["delete", "base"]]


def test_refresh_sees_a_vanished_object_and_up_recreates_it(toy):
    assert toy.run("up", {"alpha": {"value": "one"}}).ok
    data = json.loads(toy.store.read_text())
    del data["things"]["alpha"]
    toy.store.write_text(json.dumps(data))
    r = toy.run("refresh", {"alpha": {"value": "one"}})
    assert r.ops() == [("read-gone", "alpha")]
    assert all(res["type"] != "pulumi-python:dynamic/toy:Thing" for res in toy.state_json()["resources"])
    r = toy.run("up", {"alpha": {"value": "one"}})
    assert r.ops() == [("create", "alpha")] and "alpha" in toy.things


def test_refresh_reports_drift_and_resets_inputs(toy):
    assert toy.run("up", {"alpha": {"value": "one"}}).ok
    data = json.loads(toy.store.read_text())
    data["things"]["alpha"]["value"] = "edited"
    toy.store.write_text(json.dumps(data))
    r = toy.run("refresh", {"alpha": {"value": "one"}})
    assert r.ops() == [("update", "alpha")]
    res = next(x for x in toy.state_json()["resources"] if x["urn"].endswith("::alpha"))
    assert res["inputs"]["value"] == "edited"  # ReadResult.inputs replaced the stored inputs
    assert toy.run("preview", {"alpha": {"value": "one"}}).ops() == [("update", "alpha")]


def test_destroy_deletes_everything_with_the_stored_providers(toy):
    assert toy.run("up", {"base": {"value": "b"}, "child": {"value": "c", "parent": "base"}}).ok
    r = engine.destroy(str(TOY), toy.state, **toy.config({}))
    assert r.ok and r.ops() == [("delete", "child"), ("delete", "base")]
    assert toy.things == {}
    assert [x for x in toy.state_json()["resources"] if x.get("custom")] == []


def test_secret_inputs_stay_secret_in_state(toy):
    r = toy.run("up", {"alpha": {"value": "one", "secretValue": "s3cr3t-marker"}})
    assert r.ok, r.diagnostics
    res = next(x for x in toy.state_json()["resources"] if x["urn"].endswith("::alpha"))
    for section in ("inputs", "outputs"):
        wrapped = res[section]["secretValue"]
        assert wrapped[P.SIG_KEY] == P.SECRET_SIG and json.loads(wrapped["plaintext"]) == "s3cr3t-marker"


def test_stack_config_reads_stack_config_dir_and_applies_project_declarations(tmp_path):
    cfg, secret_keys = stack_config(TOY, "test", overrides={"storePath": "/x"})
    assert json.loads(cfg["toy:things"]) == {"alpha": {"value": "one"}}
    assert cfg["toy:storePath"] == "/x" and secret_keys == ()
    with pytest.raises(ConfigError, match="Stack 'test' is missing configuration value 'storePath'"):
        stack_config(TOY, "test")
    with pytest.raises(ConfigError, match="must be of type 'object'"):
        stack_config(TOY, "test", overrides={"storePath": "/x", "things": "nope"})


def test_secure_values_decrypt_like_the_cli_and_match_pulumi_crypto(tmp_path):
    from pulumi_crypto import PassphraseCipher

    crypter, salt = PassphraseCrypter.new_salt("correct horse")
    # The independent implementation decrypts what ours encrypts, and the other way round.
    other = PassphraseCipher("correct horse", salt_state=salt)
    assert other.decrypt(crypter.encrypt("pw-1")) == "pw-1"
    assert crypter.decrypt(other.encrypt("pw-2")) == "pw-2"
    with pytest.raises(PassphraseError, match="incorrect passphrase"):
        PassphraseCrypter("wrong", salt)

    project = tmp_path / "proj"
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text((TOY / "Pulumi.yaml").read_text())
    stack_file = {
        "encryptionsalt": salt,
        "config": {
            "toy:storePath": "/x",
            "toy:things": {"alpha": {"value": "plain", "secretValue": {"secure": crypter.encrypt("hidden")}}},
        },
    }
    (project / "stacks" / "Pulumi.enc.yaml").write_text(yaml.safe_dump(stack_file))
    cfg, secret_keys = stack_config(project, "enc", passphrase="correct horse")
    assert json.loads(cfg["toy:things"])["alpha"]["secretValue"] == "hidden"
    assert secret_keys == ("toy:things",)
    with pytest.raises(ConfigError, match="is encrypted"):
        stack_config(project, "enc", passphrase=None)
