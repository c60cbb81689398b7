"""The lifecycle options of a `replications` entry: `tokenExpire`, `tokenLifetimeDays` (counted from a
`regenerate` date) and `deleteEmptyNamespace`, validated before anything is registered, each problem as
one line naming its key path; and the expiry as PBS stores it."""

from __future__ import annotations

import datetime as dt

import pytest

from pbs_provider.schemas.namespace import NamespaceSchema
from tests.target.test_config import PUSH, load, problems

from .support import PUSH as SIM_PUSH
from .support import sims, stack

DEC_6 = int(dt.datetime(2026, 12, 6, tzinfo=dt.UTC).timestamp())


def _plan(**options):
    return load(replications={"offsite": {**PUSH, **options}}).replications["offsite"].plan


def test_defaults_keep_the_namespace_and_leave_the_token_without_expiry():
    plan = _plan()
    assert plan.keep_namespace is True and "keepIfNotEmpty" not in plan.namespace
    assert "expire" not in plan.token


def test_token_expire_is_the_token_s_expire():
    assert _plan(tokenExpire=DEC_6).token["expire"] == DEC_6


def test_token_lifetime_counts_from_the_regenerate_date_so_one_edit_rolls_both():
    first = _plan(regenerate="2026-12-06", tokenLifetimeDays=90).token
    assert (first["regenerate"], first["expire"]) == ("2026-12-06", DEC_6 + 90 * 86_400)
    rolled = _plan(regenerate="2027-02-01", tokenLifetimeDays=90).token
    assert rolled["expire"] - first["expire"] == 57 * 86_400


def test_delete_empty_namespace_asks_the_namespace_to_keep_backups():
    plan = _plan(deleteEmptyNamespace=True)
    assert plan.keep_namespace is False and plan.namespace["keepIfNotEmpty"] is True


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"tokenExpire": -1},
            "replications.offsite.tokenExpire: ",
        ),
        (
            {"tokenLifetimeDays": 90},
            "replications.offsite.regenerate: must be the rotation's date (YYYY-MM-DD",
        ),
        (
            {"tokenLifetimeDays": 90, "regenerate": 3},
            "replications.offsite.regenerate: must be the rotation's date (YYYY-MM-DD",
        ),
        (
            {"tokenLifetimeDays": 0, "regenerate": "2026-12-06"},
            "replications.offsite.tokenLifetimeDays: ",
        ),
        (
            {"tokenLifetimeDays": 90, "regenerate": "2026-12-06", "tokenExpire": DEC_6},
            "replications.offsite.tokenLifetimeDays: set either `tokenExpire` or `tokenLifetimeDays`",
        ),
        (
            {"deleteEmptyNamespace": True, "target": {"server": "cloud", "store": "offsite"}},
            "replications.offsite.deleteEmptyNamespace: the target is the datastore's root namespace",
        ),
        (
            {"deleteEmptyNamespace": "yes please"},
            "replications.offsite.deleteEmptyNamespace: ",
        ),
    ],
)
def test_each_problem_is_one_line_naming_the_key(options, expected):
    found = problems(replications={"offsite": {**PUSH, **options}})
    assert [p for p in found if p.startswith(expected)], found
    assert all("Traceback" not in p for p in found)


def test_a_reused_namespaces_item_decides_its_own_deletion():
    found = problems(
        replications={"offsite": {**PUSH, "deleteEmptyNamespace": True}},
        namespaces=[{"server": "cloud", "store": "offsite", "ns": "site1"}],
    )
    assert found == [
        "replications.offsite.deleteEmptyNamespace: the target namespace is `namespaces` item "
        "cloud:offsite:site1, which decides its own deletion (`deleteGroups`): drop this option"
    ]


def test_a_namespace_cannot_both_keep_and_delete_its_backups():
    result = NamespaceSchema.validate_inputs(
        {"server": "cloud", "store": "offsite", "ns": "dr", "deleteGroups": True, "keepIfNotEmpty": True}
    )
    assert [(f.field, f.message.split(":")[0]) for f in result.failures] == [
        ("keepIfNotEmpty", "cannot be combined with `deleteGroups")
    ]


def test_the_expiry_reaches_pbs_and_a_rotation_moves_it(pbs_sim_factory, tmp_path):
    servers = sims(pbs_sim_factory)
    run = stack(servers, tmp_path, offsite={**SIM_PUSH, "regenerate": "2026-12-06", "tokenLifetimeDays": 30})
    assert run.up().ok

    def token() -> dict:
        response = servers["cloud"].api("GET", "/access/users/offsite@pbs/token/sync")
        response.raise_for_status()
        return response.json()["data"]

    assert token()["expire"] == DEC_6 + 30 * 86_400
    secret = run.resource("offsite-token")["outputs"]["secret"]
    run.set(replications={"offsite": {**SIM_PUSH, "regenerate": "2026-12-20", "tokenLifetimeDays": 30}})
    result = run.up()
    assert result.ok, result.diagnostics
    assert token()["expire"] == DEC_6 + 44 * 86_400
    assert run.resource("offsite-token")["outputs"]["secret"] != secret  # rotated in the same up
    assert ("update", "offsite-remote") in result.ops()  # the remote got the new secret


@pytest.mark.parametrize(
    ("options", "start"),
    [
        ({}, "namespace offsite:site1 on server cloud and its backups; to delete them on purpose"),
        (
            {"deleteEmptyNamespace": True},
            "namespace offsite:site1 on server cloud with its backups if it holds any (it is deleted when",
        ),
        (
            {"target": {"server": "cloud", "store": "offsite"}},
            "the replicated backups in datastore offsite on server cloud (root namespace)",
        ),
    ],
)
def test_what_removal_keeps_is_named_in_the_summary(options, start):
    from pbs_provider.program import replication_summary

    summary = replication_summary(load(replications={"offsite": {**PUSH, **options}}))
    assert summary["offsite"]["keptOnRemoval"].startswith(start)


def test_a_pull_keeps_the_namespace_on_the_pulling_server():
    from pbs_provider.program import replication_summary

    pull = {
        "direction": "pull",
        "source": {"server": "cloud", "store": "offsite"},
        "target": {"server": "onprem", "store": "store1", "ns": "from-cloud"},
    }
    note = replication_summary(load(replications={"back": pull}))["back"]["keptOnRemoval"]
    assert note.startswith("namespace store1:from-cloud on server onprem and its backups")
