import pytest

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError
from ansible_collections.searchops.snapshots.plugins.module_utils._restore import java_replacement, plan, rename, select

SNAP = ["logs-app", "logs-debug", "orders", ".kibana_1", ".opendistro_security", ".tasks"]


@pytest.mark.parametrize(
    "expressions, expected",
    [
        (None, SNAP),
        ([], SNAP),
        (["orders"], ["orders"]),
        (["logs-*"], ["logs-app", "logs-debug"]),
        (["logs-*", "-logs-debug"], ["logs-app"]),
        (["-logs-*"], ["orders", ".kibana_1", ".opendistro_security", ".tasks"]),
        (["*", "-.*"], ["logs-app", "logs-debug", "orders"]),
        (["nope"], []),
        (["logs-?pp"], []),  # only * is a wildcard
        (["orders", "logs-app", "orders"], ["orders", "logs-app"]),
    ],
)
def test_select(expressions, expected):
    assert select(SNAP, expressions) == expected


@pytest.mark.parametrize(
    "name, pattern, replacement, expected",
    [
        ("orders", None, None, "orders"),
        ("orders", "(.+)", "restored-$1", "restored-orders"),
        ("logs-app", "logs-(.+)", "old-logs-$1", "old-logs-app"),
        ("logs-app", "(?<kind>logs)-(.+)", "${kind}-copy-$2", "logs-copy-app"),
        ("a-a", "a", "b", "b-b"),  # replaceAll
        ("logs-app", "(?<!x)logs", "old", "old-app"),  # lookbehind kept
        ("price", "(.+)", "\\$-$1", "$-price"),
    ],
)
def test_rename_like_java_replace_all(name, pattern, replacement, expected):
    assert rename(name, pattern, replacement) == expected


def test_bad_replacement():
    with pytest.raises(ConfigurationError, match="must be followed by a group"):
        java_replacement("x$")


def existing(*names, closed=()):
    return {n: {"open": n not in closed, "uuid": f"uuid-{n}"} for n in names}


def test_system_indices_excluded_unless_named():
    decided = plan(SNAP, None, True, None, None, {}, "skip")
    assert decided["excluded_system"] == [".kibana_1", ".opendistro_security", ".tasks"]
    assert decided["restore"] == ["logs-app", "logs-debug", "orders"]
    named = plan(SNAP, [".kibana_1", "orders"], True, None, None, {}, "skip")
    assert named["restore"] == [".kibana_1", "orders"]
    everything = plan(SNAP, None, False, None, None, {}, "skip")
    assert everything["restore"] == SNAP


def test_skip_leaves_existing_alone_and_nothing_left_means_nothing_to_do():
    decided = plan(SNAP, ["logs-*", "orders"], True, None, None, existing("orders"), "skip")
    assert decided["skipped"] == ["orders"] and decided["restore"] == ["logs-app", "logs-debug"]
    assert decided["close"] == [] and decided["delete"] == []
    done = plan(SNAP, ["orders"], True, None, None, existing("orders"), "skip")
    assert done["restore"] == [] and done["skipped"] == ["orders"]


def test_fail_lists_conflicts_before_anything():
    with pytest.raises(ConfigurationError, match="exist already: orders.*Nothing was changed"):
        plan(SNAP, ["orders", "logs-app"], True, None, None, existing("orders"), "fail")


def test_fail_without_conflicts_restores():
    assert plan(SNAP, ["orders"], True, None, None, existing("other"), "fail")["restore"] == ["orders"]


def test_close_only_open_conflicts_and_delete_all_conflicts():
    current = existing("logs-app", "logs-debug", closed=("logs-debug",))
    closing = plan(SNAP, ["logs-*"], True, None, None, current, "close")
    assert closing["close"] == ["logs-app"] and closing["restore"] == ["logs-app", "logs-debug"]
    deleting = plan(SNAP, ["logs-*"], True, None, None, current, "delete")
    assert deleting["delete"] == ["logs-app", "logs-debug"] and deleting["restore"] == ["logs-app", "logs-debug"]


def test_rename_beside_live_index_has_no_conflict():
    decided = plan(SNAP, ["orders"], True, "(.+)", "restored-$1", existing("orders"), "fail")
    assert decided["targets"] == {"orders": "restored-orders"} and decided["conflicts"] == {}
    assert decided["restore"] == ["orders"]


def test_conflict_is_on_the_target_name():
    decided = plan(SNAP, ["orders"], True, "(.+)", "restored-$1", existing("restored-orders"), "skip")
    assert decided["conflicts"] == {"orders": "restored-orders"} and decided["restore"] == []


def test_rename_onto_one_name_is_refused():
    with pytest.raises(ConfigurationError, match="several indices onto one name: logs-app, logs-debug -> logs"):
        plan(SNAP, ["logs-*"], True, "logs-.*", "logs", {}, "skip")


def test_rename_to_an_invalid_name_is_refused():
    with pytest.raises(ConfigurationError, match="invalid index name 'Orders'"):
        plan(SNAP, ["orders"], True, "o(.+)", "O$1", {}, "skip")
