"""How `pytest -n` spreads the suite (tests/scheduling.py): which tests go to a worker together, and
which start first."""

from __future__ import annotations

from tests.scheduling import LONG_FIRST, rank, unit_of


def test_a_module_is_one_unit():
    assert unit_of("tests/providers/test_remote.py::test_create") == "tests/providers/test_remote.py"
    assert unit_of("tests/providers/test_remote.py::TestX::test_y[a-b]") == "tests/providers/test_remote.py"
    assert unit_of("tests/providers/test_remote.py::test_a") != unit_of("tests/providers/test_acl.py::test_a")


def test_the_reliability_folder_is_one_unit():
    """Its last file checks the fault matrix the same worker ran; its files add to one report."""
    matrix = unit_of("tests/reliability/test_fault_matrix.py::test_fault_chain[no-fault]")
    assert matrix == unit_of("tests/reliability/test_zz_committed_report.py::test_x") == "tests/reliability/"
    assert unit_of("tests/reliability_other/test_a.py::t") == "tests/reliability_other/test_a.py"


def test_the_long_units_rank_first_in_their_order_and_the_rest_keep_theirs():
    nodeids = [
        "tests/bench/test_bench_smoke.py::t",
        "tests/demo/test_demo.py::t",
        "tests/reliability/test_crash.py::t",
        "tests/cli/test_cli.py::t",
        "tests/reliability/test_zz_committed_report.py::t",
    ]
    ordered = sorted(nodeids, key=rank)
    assert ordered == [
        "tests/reliability/test_crash.py::t",
        "tests/reliability/test_zz_committed_report.py::t",  # the folder keeps its own order
        "tests/demo/test_demo.py::t",
        "tests/bench/test_bench_smoke.py::t",
        "tests/cli/test_cli.py::t",
    ]
    assert LONG_FIRST[0] == "tests/reliability/"
