"""Every module against the secured node (tools/stack.py): HTTPS with the stack's own CA, basic auth,
a client certificate, and the security plugin's own refusals (its texts, not strings written here)."""

import pytest

from .helpers import path_repo, secured_connection, unique

MODULES = ("es_snapshot_repo", "es_snapshot", "es_snapshot_info", "es_snapshot_prune", "es_restore", "es_request")


@pytest.fixture
def snapshot(secured_node, secured_cleanup):
    """An fs repository on the secured node holding one snapshot of a 3-document index."""
    repo, index = unique("secured-repo"), unique("secured-index")
    secured_cleanup["repositories"].append(repo)
    secured_cleanup["indices"].append(index)
    location = f"{path_repo(secured_node)}/{repo}"
    secured_node.request("PUT", f"_snapshot/{repo}", json={"type": "fs", "settings": {"location": location}})
    for n in range(3):
        secured_node.request("PUT", f"{index}/_doc/{n}", expect=(201,), params={"refresh": "true"}, json={"n": n})
    secured_node.request(
        "PUT", f"_snapshot/{repo}/first", params={"wait_for_completion": "true"}, json={"indices": index}
    )
    return {"repository": repo, "index": index, "location": location}


def one_task_each(connection, snapshot):
    """A task of every module, each with what it needs of the snapshot fixture; none changes anything
    the fixture did not make (restores go to a new name, the prune keeps everything)."""
    repo, index = snapshot["repository"], snapshot["index"]
    args = {
        "es_snapshot_repo": {"repository": repo, "type": "fs", "settings": {"location": snapshot["location"]}},
        "es_snapshot": {"repository": repo, "snapshot": "second", "indices": [index]},
        "es_snapshot_info": {"repository": repo},
        "es_snapshot_prune": {"repository": repo, "max_count": 5},
        "es_restore": {
            "repository": repo,
            "snapshot": "first",
            "indices": [index],
            "rename_pattern": "(.+)",
            "rename_replacement": "restored-$1",
        },
        "es_request": {"path": f"_snapshot/{repo}/first"},
    }
    return [
        {"name": module, f"searchops.snapshots.{module}": dict(args[module], **connection), "ignore_errors": True}
        for module in MODULES
    ]


def basic(secured, user="admin", **extra):
    return dict(secured_connection(secured, user), **extra)


def client_cert(secured):
    cert = secured["client_cert"]
    return {
        "url": secured["url"],
        "ca_path": secured["ca_path"],
        "client_cert": cert["cert"],
        "client_key": cert["key"],
    }


@pytest.mark.parametrize("auth", ["basic", "client_cert"])
def test_every_module_over_https_with_ca_path(ansible, secured, secured_node, secured_cleanup, snapshot, auth):
    connection = basic(secured) if auth == "basic" else client_cert(secured)
    restored = f"restored-{snapshot['index']}"
    secured_cleanup["indices"].append(restored)
    results = dict(zip(MODULES, ansible.play(one_task_each(connection, snapshot))))
    assert not [m for m, r in results.items() if r.get("failed")], results
    assert not results["es_snapshot_repo"]["changed"]  # the same definition: nothing to do
    assert results["es_snapshot"]["changed"] and results["es_snapshot"]["snapshot"]["state"] == "SUCCESS"
    assert [s["snapshot"] for s in results["es_snapshot_info"]["snapshots"]] == ["first", "second"]
    assert not results["es_snapshot_prune"]["changed"]
    assert results["es_request"]["json"]["snapshots"][0]["indices"] == [snapshot["index"]]
    # the server's own state, read as its admin
    assert secured_node.request("GET", f"{restored}/_count")["count"] == 3
    listing = secured_node.request("GET", f"_snapshot/{snapshot['repository']}/_all")
    assert [s["snapshot"] for s in listing["snapshots"]] == ["first", "second"]


def test_who_the_node_sees(ansible, secured):
    """Basic auth and the client certificate log in as the users the stack made (authinfo is the
    security plugin's own account of the request)."""
    tasks = [
        {"name": name, "searchops.snapshots.es_request": dict(connection, path="_plugins/_security/authinfo")}
        for name, connection in (("basic", basic(secured, "nosnap")), ("cert", client_cert(secured)))
    ]
    by_basic, by_cert = ansible.play(tasks)
    assert by_basic["json"]["user_name"] == "nosnap"
    assert by_cert["json"]["user_name"] == "certuser"
    assert by_cert["json"]["principal"] == "CN=certuser,O=searchops"


def test_default_validate_certs_refuses_the_private_ca(ansible, secured, secured_node, snapshot):
    """validate_certs defaults to true: without ca_path the stack's CA is unknown, and every module
    fails before sending anything, saying what to set."""
    connection = {"url": secured["url"], **secured["users"]["admin"]}
    results = dict(zip(MODULES, ansible.play(one_task_each(connection, snapshot))))
    for module, result in results.items():
        assert result["failed"], module
        assert "TLS verification of localhost failed" in result["msg"], (module, result["msg"])
        assert "certificate verify failed: unable to get local issuer certificate" in result["msg"], module
        assert "Set ca_path to the CA bundle that signed the cluster's certificate" in result["msg"], module
        assert "Traceback" not in result.get("module_stderr", "") + result["msg"], module
    listing = secured_node.request("GET", f"_snapshot/{snapshot['repository']}/_all")
    assert [s["snapshot"] for s in listing["snapshots"]] == ["first"]  # es_snapshot sent nothing


def test_wrong_password_names_the_user_never_the_password(ansible, secured, snapshot):
    wrong = "not-the-" + secured["users"]["admin"]["password"][:6]
    connection = basic(secured, password=wrong)
    results = dict(zip(MODULES, ansible.play(one_task_each(connection, snapshot))))
    for module, result in results.items():
        assert result["failed"], module
        # the node's answer: HTTP 401, text/plain "Unauthorized"
        assert "HTTP 401" in result["msg"] and "Unauthorized" in result["msg"], (module, result["msg"])
        assert "The cluster rejected user 'admin' or its password" in result["msg"], (module, result["msg"])
    output = ansible.play(one_task_each(connection, snapshot)[:1], verbosity=4)
    assert wrong not in output and secured["users"]["admin"]["password"] not in output


def test_right_password_is_not_printed_at_vvvv(ansible, secured, snapshot):
    output = ansible.play(one_task_each(basic(secured), snapshot)[2:3], verbosity=4)
    assert "ok: [localhost]" in output
    assert secured["users"]["admin"]["password"] not in output


# What each module asks first that the user `nosnap` (cluster_monitor and read only) may not do,
# as the security plugin names the action.
REFUSED = {
    "es_snapshot_repo": "cluster:admin/repository/get",
    "es_snapshot": "cluster:admin/snapshot/get",
    "es_snapshot_info": "cluster:admin/repository/get",
    "es_snapshot_prune": "cluster:admin/snapshot/get",
    "es_restore": "cluster:admin/snapshot/get",
    "es_request": "cluster:admin/snapshot/get",
}


def test_user_without_snapshot_permissions_gets_the_missing_permission_and_the_fix(
    ansible, secured, secured_node, snapshot
):
    results = dict(zip(MODULES, ansible.play(one_task_each(basic(secured, "nosnap"), snapshot))))
    for module, result in results.items():
        assert result["failed"], module
        assert "HTTP 403" in result["msg"], (module, result["msg"])
        assert (
            f"no permissions for [{REFUSED[module]}] and User [name=nosnap, backend_roles=[], requestedTenant=null]"
            in result["msg"]
        ), (module, result["msg"])
        assert "map it to the manage_snapshots role" in result["msg"], (module, result["msg"])
    listing = secured_node.request("GET", f"_snapshot/{snapshot['repository']}/_all")
    assert [s["snapshot"] for s in listing["snapshots"]] == ["first"]


def test_manage_snapshots_is_enough_to_register_take_list_and_prune(ansible, secured, secured_node, snapshot):
    """The user `snapshots` is mapped to the security plugin's manage_snapshots role alone, all that AWS
    documents for snapshots: every module but es_restore works with it. GET / (the cluster's identity)
    is refused, so es_snapshot and es_snapshot_prune say what they do without it; the index statistics are
    refused too, so es_snapshot takes the snapshot without its manifest and says so."""
    results = dict(zip(MODULES, ansible.play(one_task_each(basic(secured, "snapshots"), snapshot))))
    assert not [(m, r["msg"]) for m, r in results.items() if r.get("failed") and m != "es_restore"]
    assert results["es_snapshot"]["changed"] and results["es_snapshot"]["snapshot"]["state"] == "SUCCESS"
    identity, manifest = results["es_snapshot"]["warnings"]
    (prune_identity,) = results["es_snapshot_prune"]["warnings"]
    for warning in (identity, prune_identity):
        assert "may not read the cluster's identity (GET / needs cluster:monitor/main" in warning
    assert manifest.startswith("The snapshot is taken without a manifest: GET ")
    assert "indices:monitor/stats" in manifest and "set manifest: false" in manifest
    metadata = secured_node.request("GET", f"_snapshot/{snapshot['repository']}/second")["snapshots"][0]["metadata"]
    assert "searchops.cluster_uuid" not in metadata and "searchops.create_id" in metadata
    assert "searchops.manifest" not in metadata
    # es_restore reads the indices' state and health: it names what the user lacks, and changed nothing
    assert "no permissions for [cluster:monitor/main] and User [name=snapshots" in results["es_restore"]["msg"]
    assert "cluster_monitor action group" in results["es_restore"]["msg"]
    assert secured_node.request("GET", f"restored-{snapshot['index']}", expect=(404,))
