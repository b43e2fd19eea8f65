"""The role mapping decision (_security): what a mapping becomes, and what changed."""

import pytest

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError
from ansible_collections.searchops.snapshots.plugins.module_utils._security import (
    changes,
    desired_mapping,
    immutable_flag,
    mapping_of,
    validate_entries,
    validate_role_name,
)

ARN = "arn:aws:iam::123456789012:role/snapshots"
CURRENT = {"users": ["alice", "bob"], "backend_roles": ["admin"], "hosts": ["h1"], "and_backend_roles": ["x"]}


def wanted(**kw):
    return dict({"users": None, "backend_roles": None, "hosts": None}, **kw)


def test_present_appends_new_entries_and_keeps_the_others_in_order():
    desired = desired_mapping(CURRENT, wanted(users=["carol", "alice", "carol"], backend_roles=[ARN]), "present", False)
    assert desired == {
        "users": ["alice", "bob", "carol"],
        "backend_roles": ["admin", ARN],
        "hosts": ["h1"],
        "and_backend_roles": ["x"],
    }


def test_present_with_entries_already_there_is_the_same_mapping():
    assert desired_mapping(CURRENT, wanted(users=["bob"], hosts=[]), "present", False) == CURRENT


def test_present_creates_a_missing_mapping_with_empty_lists_not_given():
    desired = desired_mapping(None, wanted(backend_roles=[ARN, ARN]), "present", False)
    assert desired == {"users": [], "backend_roles": [ARN], "hosts": [], "and_backend_roles": []}


def test_present_without_entries_creates_an_empty_mapping_or_keeps_one():
    assert desired_mapping(None, wanted(), "present", False) == {k: [] for k in CURRENT}
    assert desired_mapping(CURRENT, wanted(), "present", True) == CURRENT


def test_exclusive_replaces_only_the_lists_given_keeping_the_existing_order():
    desired = desired_mapping(CURRENT, wanted(users=["carol", "bob"], hosts=[]), "present", True)
    assert desired == {"users": ["bob", "carol"], "backend_roles": ["admin"], "hosts": [], "and_backend_roles": ["x"]}


def test_exclusive_with_the_same_entries_in_another_order_changes_nothing():
    assert desired_mapping(CURRENT, wanted(users=["bob", "alice"]), "present", True) == CURRENT


def test_exclusive_drops_duplicates_the_server_kept():
    current = dict(CURRENT, users=["bob", "alice", "bob"])
    assert desired_mapping(current, wanted(users=["alice", "bob"]), "present", True)["users"] == ["bob", "alice"]


def test_absent_removes_only_the_entries_named():
    current = dict(CURRENT, users=["alice", "bob", "alice"])
    desired = desired_mapping(current, wanted(users=["alice", "zed"], backend_roles=[]), "absent", False)
    assert desired == dict(CURRENT, users=["bob"])


def test_absent_without_any_list_deletes_the_mapping():
    assert desired_mapping(CURRENT, wanted(), "absent", False) is None
    assert desired_mapping(None, wanted(), "absent", False) is None


def test_absent_entries_of_a_missing_mapping_stay_missing():
    assert desired_mapping(None, wanted(users=["alice"]), "absent", False) is None


def test_description_is_kept():
    current = dict(CURRENT, description="ops")
    assert desired_mapping(current, wanted(users=["carol"]), "present", True)["description"] == "ops"


def test_changes_lists_added_and_removed_per_key():
    after = dict(CURRENT, users=["bob", "carol"], hosts=[])
    added, removed = changes(CURRENT, after)
    assert added == {"users": ["carol"], "backend_roles": [], "hosts": [], "and_backend_roles": []}
    assert removed == {"users": ["alice"], "backend_roles": [], "hosts": ["h1"], "and_backend_roles": []}


def test_changes_of_a_creation_and_a_deletion():
    assert changes(None, CURRENT) == (CURRENT, {k: [] for k in CURRENT})
    assert changes(CURRENT, None) == ({k: [] for k in CURRENT}, CURRENT)


def test_mapping_of_a_get_answer_keeps_the_writable_part():
    entry = dict(CURRENT, reserved=False, hidden=False, description="")
    assert mapping_of(entry) == CURRENT
    assert mapping_of({"users": ["a"]}) == {"users": ["a"], "backend_roles": [], "hosts": [], "and_backend_roles": []}
    assert mapping_of(dict(CURRENT, description="d"))["description"] == "d"


@pytest.mark.parametrize("entry", [None, [], "x", {"users": "alice"}, {"users": [1]}, {"hosts": {"a": 1}}])
def test_mapping_of_refuses_what_is_not_a_mapping(entry):
    assert mapping_of(entry) is None


@pytest.mark.parametrize(
    "entry, flag",
    [
        ({"reserved": True}, "reserved"),
        ({"hidden": True, "reserved": False}, "hidden"),
        ({"static": True}, "static"),
        ({"reserved": False, "hidden": False}, None),
        ({"reserved": "true"}, None),
        (None, None),
    ],
)
def test_immutable_flag(entry, flag):
    assert immutable_flag(entry) == flag


@pytest.mark.parametrize("role", ["", " x", "x ", ".", ".."])
def test_bad_role_names_are_refused(role):
    with pytest.raises(ConfigurationError, match="not a valid role name"):
        validate_role_name(role)


def test_blank_entries_are_refused():
    with pytest.raises(ConfigurationError, match="users holds an empty entry"):
        validate_entries(wanted(users=["alice", " "]))
    validate_entries(wanted(users=[], hosts=["h"]))
