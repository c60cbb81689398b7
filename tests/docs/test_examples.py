"""Every YAML example of README.md and docs/ is checked by what it claims to be.

A YAML block carries an HTML comment right above it (or a `<!-- BEGIN … -->` marker):

- `stack example`: a stack file (`config:` with `pbs-replication:` keys) that the stack-config loader
  accepts, read the way the project's commands read a stack file (`read_stack_file`); secrets the page
  says to set with `pulumi config set --secret` come from their environment fallbacks here;
- `stack example, fails as shown below`: the loader refuses it, and the next code block on the page is
  exactly the error `pulumi preview` prints (`error: ` and the `StackConfigError`);
- `simulator seed`: backup content that the PBS simulator applies.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from pbs_provider.servers import secret_env_var
from pbs_provider.stack_config import StackConfigError
from pbs_provider.stack_file import read_stack_file
from pbs_sim.testing import start_simulator

from .pages import PAGES, ROOT, Block, blocks, rel

STACK, FAILS, SEED = "stack example", "stack example, fails as shown below", "simulator seed"


def _kind(block: Block) -> str | None:
    for mark in block.marks:
        text = mark.removeprefix("<!--").removesuffix("-->").strip().removeprefix("BEGIN ").strip()
        for kind in (FAILS, STACK, SEED):
            if text == kind or text.startswith(kind + ":"):
                return kind
    return None


def yaml_blocks() -> list[tuple[Block, Block | None]]:
    """Each YAML block with the block that follows it on the page."""
    found = []
    for page in PAGES:
        page_blocks = blocks(page)
        for i, block in enumerate(page_blocks):
            if block.lang in ("yaml", "yml"):
                found.append((block, page_blocks[i + 1] if i + 1 < len(page_blocks) else None))
    return found


EXAMPLES = yaml_blocks()


def _id(example: tuple[Block, Block | None]) -> str:
    return f"{rel(example[0].page)}:{example[0].line}"


def load_example(text: str, tmp_path: Path):
    """The example as the stack `doc` of a copy of this project, loaded like `pulumi` would."""
    (tmp_path / "stacks").mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "stacks" / "Pulumi.doc.yaml").write_text(text)
    config = yaml.safe_load(text)["config"]
    environ = {secret_env_var(name): "secret" for name in config.get("pbs-replication:servers", {})}
    return read_stack_file(tmp_path, "doc", environ).load(environ)


def test_every_yaml_block_says_what_it_is():
    unmarked = [_id(e) for e in EXAMPLES if _kind(e[0]) is None]
    assert not unmarked, (
        f"YAML blocks without `<!-- {STACK} -->`, `<!-- {FAILS} -->` or `<!-- {SEED} -->`: {unmarked}"
    )
    kinds = {_kind(e[0]) for e in EXAMPLES}
    assert kinds == {STACK, FAILS, SEED}  # each check below has something to check


@pytest.mark.parametrize("example", [e for e in EXAMPLES if _kind(e[0]) == STACK], ids=_id)
def test_stack_examples_load(example, tmp_path):
    config = load_example(example[0].text, tmp_path)
    assert config.servers.names()


@pytest.mark.parametrize("example", [e for e in EXAMPLES if _kind(e[0]) == FAILS], ids=_id)
def test_failing_stack_examples_fail_as_the_page_shows(example, tmp_path):
    block, shown = example
    assert shown is not None, "the page must show the error after the example"
    with pytest.raises(StackConfigError) as error:
        load_example(block.text, tmp_path)
    assert shown.text.strip() == f"error: {error.value}", "run: .venv/bin/python -m tests.docs.refresh"


@pytest.mark.parametrize("example", [e for e in EXAMPLES if _kind(e[0]) == SEED], ids=_id)
def test_simulator_seeds_apply(example, tmp_path):
    stores = list(yaml.safe_load(example[0].text))
    with start_simulator(tmp_path / "sim", datastores=stores) as sim:
        written = sim.seed_content(example[0].text)
        assert written > 0
        content = sim.content()
        assert {store for store in stores if content.get(store)} == set(stores)
