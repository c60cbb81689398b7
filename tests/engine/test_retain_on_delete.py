"""`retainOnDelete` in the engine stand-in, as pkg/resource/deploy/step.go's DeleteStep does it: the flag
is kept in state, a retained resource's delete drops it from state without the provider's Delete (on
`up` after removal, on `destroy`, and for the old object of a replacement), and its step says so."""

from __future__ import annotations

from .test_harness import Toy, toy  # noqa: F401  (the fixture)


def test_removal_and_destroy_keep_retained_objects_and_drop_them_from_state(toy: Toy):  # noqa: F811
    things = {"kept": {"value": "k", "retainOnDelete": True}, "gone": {"value": "g"}}
    assert toy.run("up", things).ok
    [kept] = [r for r in toy.state_json()["resources"] if r["urn"].endswith("::kept")]
    [gone] = [r for r in toy.state_json()["resources"] if r["urn"].endswith("::gone")]
    assert kept["retainOnDelete"] is True and "retainOnDelete" not in gone

    plan = toy.run("preview", {})
    assert sorted(plan.ops()) == [("delete", "gone"), ("delete", "kept")]
    assert plan.retained() == ["kept"]
    assert sorted(s.label for s in plan.steps) == ["delete", "delete[retain]"]

    removed = toy.run("up", {})
    assert removed.ok, removed.diagnostics
    assert removed.retained() == ["kept"]
    assert ["delete", "gone"] in toy.log and ["delete", "kept"] not in toy.log
    assert set(toy.things) == {"kept"}  # the object stays; the state forgets it
    assert not [r for r in toy.state_json()["resources"] if r.get("custom") and "::toy:" in r["urn"]]
    assert toy.run("destroy", {}).steps == []


def test_destroy_honours_the_flag_from_state(toy: Toy):  # noqa: F811
    assert toy.run("up", {"kept": {"value": "k", "retainOnDelete": True}, "gone": {"value": "g"}}).ok
    result = toy.run("destroy", {})
    assert result.ok
    assert sorted((s.op, s.label, s.urn.split("::")[-1]) for s in result.steps) == [
        ("delete", "delete", "gone"),
        ("delete", "delete[retain]", "kept"),
    ]
    assert set(toy.things) == {"kept"}
    assert toy.run("destroy", {}).steps == []  # nothing left in state: a second destroy is a no-op


def test_a_replaced_retained_object_is_kept_and_the_flag_can_be_dropped(toy: Toy):  # noqa: F811
    assert toy.run("up", {"a": {"value": "1", "replaceKey": "x", "retainOnDelete": True}}).ok
    replaced = toy.run("up", {"a": {"value": "1", "replaceKey": "y", "retainOnDelete": True}})
    assert replaced.ok and replaced.ops() == [("replace", "a")] and replaced.retained() == ["a"]
    assert ["delete", "a"] not in toy.log  # the old object was not deleted

    assert toy.run("up", {"a": {"value": "1", "replaceKey": "y"}}).ok  # flag off: stored as off
    result = toy.run("up", {})
    assert result.retained() == [] and toy.log[-1] == ["delete", "a"]
