"""The bench still runs: its smallest configuration end to end (no timing is asserted here).

Performance is measured by `make bench`, never asserted in tests; this only proves that every
section runs against the current code and produces a complete, renderable result.
"""

from __future__ import annotations

import json

import pytest

from bench.__main__ import SECTIONS, main, run, write
from bench.report import render


@pytest.mark.slow
def test_smoke_profile_runs_every_section(tmp_path):
    result = run("smoke", SECTIONS, log=lambda *a, **k: None)
    sections = result["sections"]
    assert set(sections) == {"calls", "ab", "preview", "program", "logins", "ceiling", "profile", "split"}
    assert result["environment"]["machine"]["cores"] and result["environment"]["python"]["version"]
    assert {row["operation"] for row in sections["calls"]["rows"]} >= {
        "create",
        "update",
        "delete",
        "refresh",
    }
    assert [e["n"] for e in sections["ab"]["sizes"]] == [10]
    assert [e["n"] for e in sections["program"]["sizes"]] == [1, 10]
    assert sections["preview"]["jobs"] == 10
    assert len(sections["ceiling"]) == 2
    assert set(sections["profile"]["rpcs"]) == {"Check", "Diff", "Create", "Update", "Delete"}
    assert sections["profile"]["rpcs"]["Check"]["calls"] == 3 * 5  # create, preview and update per job
    assert all(rpc["top_own"] and rpc["areas"] for rpc in sections["profile"]["rpcs"].values())
    split = sections["split"]
    assert list(split["steps"]) == [
        "Check (new)",
        "Create",
        "Delete",
        "Check (unchanged)",
        "Diff (unchanged)",
    ]
    for step in split["steps"].values():  # the split adds up: the project's part is the rest of the plugin's
        assert step["plugin"] > 0 and step["sdk_grpc"] > 0
        assert step["project"] == step["plugin"] - step["sdk_grpc"]
    assert split["steps"]["Create"]["raw"] > 0 and split["steps"]["Check (new)"]["raw"] is None
    # the smoke profile stops below 1,000 jobs: those targets are "not measured", never "met"
    by_target = {t["target"]: t["met"] for t in result["targets"]}
    assert by_target["every HTTP-calls-per-operation target (section 1)"] is True
    assert [t for t in by_target if "1,000" in t] and all(
        by_target[t] is None for t in by_target if "1,000" in t
    )

    path = write(result, tmp_path, markdown=False)
    assert json.loads(path.read_text())["profile"] == "smoke"
    text = render(result)
    headings = (
        "## 1.",
        "## 2.",
        "## 3.",
        "## 4.",
        "## 5.",
        "## 6.",
        "## 7.",
        "## 8.",
        "## Performance targets",
    )
    for heading in headings:
        assert heading in text


def test_cli_rejects_an_unknown_profile(capsys):
    with pytest.raises(SystemExit):
        main(["--profile", "nope"])
    assert "invalid choice" in capsys.readouterr().err
