"""The target-side reference tables of docs/resources.md are the schemas' own."""

from __future__ import annotations

from pathlib import Path

from pbs_provider.schemas import AclEntrySchema, ApiTokenSchema, NamespaceSchema, UserSchema
from pbs_provider.schemas.docs import render_into

PART = Path(__file__).resolve().parents[2] / "docs" / "resources.md"


def test_reference_tables_are_generated_from_the_schemas():
    text = PART.read_text()
    assert render_into(text) == text, f"run: python -m pbs_provider.schemas.docs --write {PART}"
    for schema in (UserSchema, ApiTokenSchema, AclEntrySchema, NamespaceSchema):
        for spec in schema.specs():
            assert f"| `{spec.input_name}` |" in text, (schema.__name__, spec.input_name)
