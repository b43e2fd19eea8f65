"""es_security_role_mapping main() against a fake transport: the read, write, verify cycle, and the
security plugin's answers (texts measured on OpenSearch security 3.4.0.0, docs/research/issue-15-secured-node.md)."""

import pytest

from ansible_collections.searchops.snapshots.plugins.modules.es_security_role_mapping import main

URL = "https://localhost:9202"
PATH = "_plugins/_security/api/rolesmapping/manage_snapshots"
ARN = "arn:aws:iam::123456789012:role/snapshots"
NOT_FOUND = (404, {"status": "NOT_FOUND", "message": "rolesmapping 'manage_snapshots' not found."})
UPDATED = (200, {"status": "OK", "message": "'manage_snapshots' updated."})
CREATED = (201, {"status": "CREATED", "message": "'manage_snapshots' created."})
EMPTY = {"users": [], "backend_roles": [], "hosts": [], "and_backend_roles": []}


def found(mapping=None, **lists):
    entry = dict(EMPTY, reserved=False, hidden=False)
    entry.update(mapping or {}, **lists)
    return (200, {"manage_snapshots": entry})


def args(**kw):
    return dict({"url": URL, "username": "admin", "password": "pw", "role": "manage_snapshots"}, **kw)


def writes(server):
    return [(r["method"], r["body"]) for r in server.sent if r["method"] != "GET"]


def test_a_missing_mapping_is_created_and_read_back(server, run_module):
    server.on("GET", PATH, NOT_FOUND, found(backend_roles=[ARN]))
    server.on("PUT", PATH, CREATED)
    failed, result = run_module(main, args(backend_roles=[ARN]))
    assert not failed and result["changed"], result
    assert writes(server) == [("PUT", dict(EMPTY, backend_roles=[ARN]))]
    assert [r["method"] for r in server.sent] == ["GET", "PUT", "GET"]
    assert result["mapping"] == dict(EMPTY, backend_roles=[ARN])
    assert result["added"] == dict(EMPTY, backend_roles=[ARN]) and result["removed"] == EMPTY
    assert result["writes"] == 1 and "diff" not in result


def test_entries_are_added_after_the_existing_ones_which_are_kept(server, run_module):
    before = {"users": ["alice"], "backend_roles": ["admin"], "hosts": ["h1"], "and_backend_roles": ["x"]}
    after = dict(before, users=["alice", "bob"], backend_roles=["admin", ARN])
    server.on("GET", PATH, found(dict(before, description="ops")), found(dict(after, description="ops")))
    server.on("PUT", PATH, UPDATED)
    failed, result = run_module(main, args(users=["bob", "alice"], backend_roles=[ARN]), diff=True)
    assert not failed and result["changed"], result
    assert writes(server) == [("PUT", dict(after, description="ops"))]
    assert result["diff"] == {"before": dict(before, description="ops"), "after": dict(after, description="ops")}
    assert result["added"] == dict(EMPTY, users=["bob"], backend_roles=[ARN])


def test_a_mapping_that_has_the_entries_is_not_written(server, run_module):
    server.on("GET", PATH, found(users=["alice", "bob"]))
    failed, result = run_module(main, args(users=["bob"]), diff=True)
    assert not failed and not result["changed"], result
    assert writes(server) == [] and result["writes"] == 0
    assert result["diff"]["before"] == result["diff"]["after"] == dict(EMPTY, users=["alice", "bob"])


def test_check_mode_writes_nothing_and_reports_the_change(server, run_module):
    server.on("GET", PATH, found(users=["alice"]))
    failed, result = run_module(main, args(users=["alice", "bob"], exclusive=True, hosts=[]), check_mode=True)
    assert not failed and result["changed"], result
    assert writes(server) == []
    assert result["mapping"] == dict(EMPTY, users=["alice", "bob"])
    assert result["added"]["users"] == ["bob"]


def test_exclusive_replaces_the_lists_given_only(server, run_module):
    server.on("GET", PATH, found(users=["alice", "bob"], backend_roles=["admin"]), found(users=["bob", "carol"]))
    server.on("PUT", PATH, UPDATED)
    # the second GET shows another client's change to backend_roles: not ours to judge (not given)
    failed, result = run_module(main, args(users=["carol", "bob"], exclusive=True))
    assert not failed and result["changed"], result
    assert writes(server) == [("PUT", dict(EMPTY, users=["bob", "carol"], backend_roles=["admin"]))]
    assert result["removed"] == dict(EMPTY, users=["alice"], backend_roles=["admin"])


def test_absent_removes_only_the_entries_named(server, run_module):
    server.on("GET", PATH, found(users=["alice", "bob"], hosts=["h"]), found(users=["bob"], hosts=["h"]))
    server.on("PUT", PATH, UPDATED)
    failed, result = run_module(main, args(users=["alice"], backend_roles=[], state="absent"))
    assert not failed and result["changed"], result
    assert writes(server) == [("PUT", dict(EMPTY, users=["bob"], hosts=["h"]))]
    assert result["removed"] == dict(EMPTY, users=["alice"])


def test_absent_without_entries_deletes_the_mapping(server, run_module):
    server.on("GET", PATH, found(users=["alice"]), NOT_FOUND)
    server.on("DELETE", PATH, (200, {"status": "OK", "message": "'manage_snapshots' deleted."}))
    failed, result = run_module(main, args(state="absent"), diff=True)
    assert not failed and result["changed"], result
    assert writes(server) == [("DELETE", None)]
    assert result["mapping"] is None and result["diff"]["after"] == {}
    assert result["removed"] == dict(EMPTY, users=["alice"])


def test_absent_of_a_missing_mapping_changes_nothing(server, run_module):
    server.on("GET", PATH, NOT_FOUND)
    failed, result = run_module(main, args(state="absent"))
    assert not failed and not result["changed"] and result["mapping"] is None, result
    assert writes(server) == []


def test_a_concurrent_replacement_is_merged_and_written_again(server, run_module):
    """Another client's PUT replaced the mapping after ours: the read-back lacks our entry, so the
    module merges with what it reads (keeping the other client's entry) and writes again."""
    server.on("GET", PATH, found(users=["alice"]), found(users=["carol"]), found(users=["carol", "bob"]))
    server.on("PUT", PATH, UPDATED)
    failed, result = run_module(main, args(users=["bob"]))
    assert not failed and result["changed"], result
    assert writes(server) == [
        ("PUT", dict(EMPTY, users=["alice", "bob"])),
        ("PUT", dict(EMPTY, users=["carol", "bob"])),
    ]
    assert result["writes"] == 2 and result["mapping"] == dict(EMPTY, users=["carol", "bob"])


def test_a_conflict_409_is_read_again_and_retried(server, run_module):
    conflict = (409, {"status": "CONFLICT", "message": "Version conflict"})
    server.on(
        "GET", PATH, found(users=["alice"]), found(users=["alice", "dave"]), found(users=["alice", "dave", "bob"])
    )
    server.on("PUT", PATH, conflict, UPDATED)
    failed, result = run_module(main, args(users=["bob"]))
    assert not failed and result["changed"], result
    assert [write[1] for write in writes(server)] == [
        dict(EMPTY, users=["alice", "bob"]),
        dict(EMPTY, users=["alice", "dave", "bob"]),
    ]


def test_a_mapping_that_keeps_losing_the_entries_fails_after_three_writes(server, run_module):
    server.on("GET", PATH, found(users=["alice"]))
    server.on("PUT", PATH, UPDATED)
    failed, result = run_module(main, args(users=["bob"]))
    assert failed
    assert len(writes(server)) == 3
    assert "changed by another client after each of 3 writes" in result["msg"]
    assert "added users ['bob']" in result["msg"] and "Find the other writer" in result["msg"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_reserved_mapping_is_refused_before_any_write(server, run_module, check_mode):
    server.on("GET", PATH, found(users=["alice"], reserved=True))
    failed, result = run_module(main, args(users=["bob"]), check_mode=check_mode)
    assert failed and "is reserved" in result["msg"], result
    assert writes(server) == []


def test_a_reserved_mapping_that_matches_is_left_alone(server, run_module):
    server.on("GET", PATH, found(users=["bob"], reserved=True))
    failed, result = run_module(main, args(users=["bob"]))
    assert not failed and not result["changed"], result


def test_a_hidden_mapping_is_refused(server, run_module):
    server.on("GET", PATH, (404, {"status": "NOT_FOUND", "message": "Resource 'manage_snapshots' is not available."}))
    failed, result = run_module(main, args(users=["bob"]))
    assert failed and "'manage_snapshots' is hidden" in result["msg"], result
    assert writes(server) == []


def test_an_unknown_role_says_to_create_it(server, run_module):
    server.on("GET", PATH, NOT_FOUND)
    server.on("PUT", PATH, (404, {"status": "NOT_FOUND", "message": "role 'manage_snapshots' not found."}))
    failed, result = run_module(main, args(users=["bob"]))
    assert failed and result["status"] == 404, result
    assert "role 'manage_snapshots' not found." in result["msg"] and "create the role first" in result["msg"]
    assert len(writes(server)) == 1


def test_a_cluster_without_the_security_plugin(server, run_module):
    server.on("GET", PATH, (400, {"error": f"no handler found for uri [/{PATH}] and method [GET]", "status": 400}))
    failed, result = run_module(main, args(users=["bob"]))
    assert failed and "does not serve the security plugin's REST API" in result["msg"], result


def test_a_user_without_security_admin_rights(server, run_module):
    message = (
        "No permission to access REST API: User nosnap with Security roles [searchops_no_snapshots] does not have any "
        "role privileged for admin access. No client TLS certificate found in request"
    )
    server.on("GET", PATH, (403, {"status": "FORBIDDEN", "message": message}))
    failed, result = run_module(main, args(users=["bob"]))
    assert failed and result["status"] == 403 and message in result["msg"], result
    assert "connect as a user with security admin rights" in result["msg"] and "pw" not in result["msg"]


def test_an_answer_that_is_not_a_mapping_fails_cleanly(server, run_module):
    server.on("GET", PATH, (200, {"manage_snapshots": {"users": "alice"}}), (200, {"other": {}}))
    for _attempt in range(2):
        failed, result = run_module(main, args(users=["bob"]))
        assert failed and "is not a role mapping" in result["msg"], result
    assert writes(server) == []


def test_blank_entries_and_role_names_are_refused_before_any_request(server, run_module):
    for bad in (args(users=[""]), args(role=" ")):
        failed, result = run_module(main, bad)
        assert failed and result["msg"], result
    assert server.sent == []


def test_role_names_are_quoted_in_the_path(server, run_module):
    server.on("GET", "_plugins/_security/api/rolesmapping/a%2Fb", (200, {"a/b": dict(EMPTY, users=["x"])}))
    failed, result = run_module(main, args(role="a/b", users=["x"]))
    assert not failed and not result["changed"], result
