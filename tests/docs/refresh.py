"""Rewrite what the pages show as generated output, from the code as it is now:
`.venv/bin/python -m tests.docs.refresh` replaces the error block after each
`<!-- stack example, fails as shown below -->` example with the error the stack-config loader gives
today, and refreshes the generated tables (docs/resources.md from the schema models, the stack config
tables of docs/configuration.md and docs/replication.md from `Pulumi.yaml` and the replication model)
and the commands' output that docs/operations.md shows (the front page's walk-through, run on two
simulators).
The doc tests fail until the committed pages match, so the pages never show a message typed by hand."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pbs_provider import stack_config_docs
from pbs_provider.schemas.docs import render_into
from pbs_provider.stack_config import StackConfigError
from pbs_sim.testing import start_simulator

from . import walkthrough
from .pages import PAGES, ROOT
from .test_examples import EXAMPLES, FAILS, _kind, load_example


def refreshed_errors(page: Path) -> str:
    text = page.read_text()
    lines = text.split("\n")
    for block, shown in reversed([e for e in EXAMPLES if e[0].page == page and _kind(e[0]) == FAILS]):
        if shown is None:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            try:
                load_example(block.text, Path(tmp))
            except StackConfigError as error:
                message = f"error: {error}"
            else:
                raise SystemExit(f"{page}:{block.line}: the example loads now; it no longer fails")
        start = shown.line  # the fence line (1-based) is index shown.line - 1; content starts after it
        end = start + len(shown.text.split("\n"))
        lines[start:end] = message.split("\n")
    return "\n".join(lines)


def walkthrough_outputs() -> dict[str, tuple[int, str]]:
    """The commands' outputs of the front page's walk-through, run on two fresh simulators."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with (
            start_simulator(
                root / "onprem", datastores=["store1"], node="onprem", sync_runner="pbs"
            ) as onprem,
            start_simulator(root / "cloud", datastores=["offsite"], node="cloud", sync_runner="pbs") as cloud,
        ):
            return walkthrough.walk(walkthrough.Site.make(onprem, cloud, root))


def main() -> None:
    pages = {block.page for block, _ in EXAMPLES}
    for page in sorted(pages):
        new = refreshed_errors(page)
        if new != page.read_text():
            page.write_text(new)
            print(f"refreshed {page.relative_to(ROOT)}")
    outputs = None
    for page in PAGES:
        text = page.read_text()
        new = stack_config_docs.render_into(render_into(text))
        if walkthrough.shown(new):
            outputs = outputs or walkthrough_outputs()
            new = walkthrough.render(new, outputs)
        if new != text:
            page.write_text(new)
            print(f"refreshed {page.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
