"""The generated parts of the pages are up to date: the field tables (docs/resources.md, from the schema
models) and the stack config tables (docs/configuration.md from `Pulumi.yaml`, docs/replication.md from
the `replications` model)."""

from __future__ import annotations

import pytest

from pbs_provider import stack_config_docs
from pbs_provider.resources.replication import JOB_OPTIONS, ReplicationArgs
from pbs_provider.schemas.docs import render_into

from .pages import PAGES, ROOT, rel


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_generated_tables_are_current(page):
    text = page.read_text()
    assert stack_config_docs.render_into(render_into(text)) == text, (
        "run: .venv/bin/python -m tests.docs.refresh"
    )


def test_the_stack_config_pages_hold_the_generated_tables():
    configuration = (ROOT / "docs" / "configuration.md").read_text()
    for key in ("servers", "serverSecrets", "remotes", "syncJobs", "replications", "acls"):
        assert f"| `{key}` |" in configuration, key
    replication = (ROOT / "docs" / "replication.md").read_text()
    for info in ReplicationArgs.model_fields.values():
        assert f"| `{info.alias}` |" in replication, info.alias
    assert all(f"`{option}`" in replication for option in JOB_OPTIONS)
