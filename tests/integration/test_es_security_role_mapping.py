"""es_security_role_mapping against the secured node of the local stack (OpenSearch with the security
plugin, fixture `secured`). Each test maps a role of its own, created and removed with plain HTTP as
the admin user; server state is read back with plain HTTP, never with the module under test."""

import pytest

from tests.integration.helpers import SECURITY_API as API
from tests.integration.helpers import role_mapping, secured_connection, unique

MODULE = "searchops.snapshots.es_security_role_mapping"
ARN = "arn:aws:iam::123456789012:role/snapshot-operator"


@pytest.fixture
def admin(secured_node):
    return secured_node


@pytest.fixture
def role(security_role):
    """A role of this test's own (no mapping yet)."""
    return security_role(cluster_permissions=["cluster_monitor"])


def connection(secured, user="admin"):
    return secured_connection(secured, user)


def task(args, **options):
    return dict({"name": "under test", MODULE: args, "ignore_errors": True}, **options)


def mapping(**lists):
    return dict({"users": [], "backend_roles": [], "hosts": [], "and_backend_roles": []}, **lists)


def test_create_check_mode_then_apply_then_unchanged(ansible, secured, admin, role):
    args = dict(connection(secured), role=role, backend_roles=[ARN], users=["backup"])
    check = ansible(MODULE, args, check=True, diff=True)
    assert check["changed"] and not check.get("failed"), check
    assert check["mapping"] == mapping(users=["backup"], backend_roles=[ARN])
    assert check["diff"]["before"] == {}
    assert role_mapping(admin, role) is None  # check mode wrote nothing

    apply, again = ansible.play([task(args), task(args, check_mode=True)])
    assert apply["changed"] and apply["writes"] == 1, apply
    assert role_mapping(admin, role) == mapping(users=["backup"], backend_roles=[ARN])
    assert apply["mapping"] == role_mapping(admin, role)
    assert apply["added"] == mapping(users=["backup"], backend_roles=[ARN])
    assert not again["changed"] and not again.get("failed"), again

    second = ansible(MODULE, args)
    assert not second["changed"] and second["writes"] == 0, second


def test_entries_are_added_and_those_set_by_others_kept(ansible, secured, admin, role):
    existing = {
        "users": ["alice"],
        "backend_roles": ["ldap-ops"],
        "hosts": ["ops.example.com"],
        "and_backend_roles": ["x"],
    }
    admin.request("PUT", f"{API}/rolesmapping/{role}", expect=(201,), json=existing)
    args = dict(connection(secured), role=role, users=["bob", "alice"], backend_roles=[ARN])
    result, second = ansible.play([task(args, diff=True), task(args)])
    assert result["changed"], result
    after = dict(existing, users=["alice", "bob"], backend_roles=["ldap-ops", ARN])
    assert role_mapping(admin, role) == after
    assert result["diff"] == {"before": existing, "after": after}
    assert result["added"] == mapping(users=["bob"], backend_roles=[ARN]) and result["removed"] == mapping()
    assert not second["changed"], second


def test_exclusive_makes_the_given_lists_exact(ansible, secured, admin, role):
    admin.request(
        "PUT",
        f"{API}/rolesmapping/{role}",
        expect=(201,),
        json={"users": ["alice", "bob"], "backend_roles": ["ldap-ops"]},
    )
    args = dict(connection(secured), role=role, users=["carol", "bob"], hosts=[], exclusive=True)
    result, second = ansible.play([task(args), task(args)])
    assert result["changed"] and result["removed"]["users"] == ["alice"], result
    assert role_mapping(admin, role) == mapping(users=["bob", "carol"], backend_roles=["ldap-ops"])
    assert not second["changed"], second


def test_absent_removes_only_the_entries_named(ansible, secured, admin, role):
    admin.request(
        "PUT", f"{API}/rolesmapping/{role}", expect=(201,), json={"users": ["alice", "bob"], "backend_roles": [ARN]}
    )
    args = dict(connection(secured), role=role, users=["alice", "nobody"], state="absent")
    result, second = ansible.play([task(args), task(args)])
    assert result["changed"] and result["removed"] == mapping(users=["alice"]), result
    assert role_mapping(admin, role) == mapping(users=["bob"], backend_roles=[ARN])
    assert not second["changed"], second


def test_absent_without_entries_deletes_the_whole_mapping(ansible, secured, admin, role):
    admin.request("PUT", f"{API}/rolesmapping/{role}", expect=(201,), json={"users": ["alice"], "hosts": ["h"]})
    args = dict(connection(secured), role=role, state="absent")
    check, result, second = ansible.play([task(args, check_mode=True), task(args), task(args)])
    assert check["changed"] and check["mapping"] is None, check
    assert result["changed"] and result["removed"] == mapping(users=["alice"], hosts=["h"]), result
    assert role_mapping(admin, role) is None
    assert not second["changed"], second


def test_a_user_mapped_by_client_certificate_may_converge_mappings(ansible, secured, admin, role):
    """certuser (all_access, a role allowed the REST API) authenticates with its certificate alone."""
    cert = secured["client_cert"]
    args = {
        "url": secured["url"],
        "ca_path": secured["ca_path"],
        "client_cert": cert["cert"],
        "client_key": cert["key"],
        "role": role,
        "users": ["backup"],
    }
    result = ansible(MODULE, args)
    assert result["changed"] and not result.get("failed"), result
    assert role_mapping(admin, role) == mapping(users=["backup"])


def test_a_user_without_security_admin_rights_gets_the_rest_api_refusal(ansible, secured, admin, role):
    result = ansible(MODULE, dict(connection(secured, "nosnap"), role=role, users=["nosnap"]))
    assert result.get("failed") and result["status"] == 403, result
    # the server's own text, then the fix
    assert "No permission to access REST API: User nosnap" in result["msg"]
    assert "connect as a user with security admin rights" in result["msg"]
    assert secured["users"]["nosnap"]["password"] not in str(result)
    assert role_mapping(admin, role) is None


def test_an_unknown_role_says_to_create_it(ansible, secured, admin):
    name = unique("searchops-missing")
    result = ansible(MODULE, dict(connection(secured), role=name, users=["bob"]))
    assert result.get("failed") and result["status"] == 404, result
    assert f"role '{name}' not found." in result["msg"] and "create the role first" in result["msg"]
    assert role_mapping(admin, name) is None


def test_a_reserved_mapping_is_refused(ansible, secured, admin):
    """Only the super admin can make a reserved mapping: the stack's configuration has one (tools/stack.py)."""
    before = role_mapping(admin, "searchops_no_snapshots")
    assert admin.request("GET", f"{API}/rolesmapping/searchops_no_snapshots")["searchops_no_snapshots"]["reserved"]
    result = ansible(MODULE, dict(connection(secured), role="searchops_no_snapshots", users=[unique("someone")]))
    assert result.get("failed") and "is reserved" in result["msg"], result
    assert role_mapping(admin, "searchops_no_snapshots") == before


def test_a_cluster_without_the_security_plugin(ansible, stack):
    """The plain node of the stack has no security plugin: the engine's own answer, explained."""
    result = ansible(MODULE, {"url": stack["opensearch"], "role": "manage_snapshots", "users": ["bob"]})
    assert result.get("failed"), result
    assert "no handler found for uri" in result["msg"]
    assert "does not serve the security plugin's REST API" in result["msg"]
