"""The playbooks on the AWS-like domain with fine-grained access control (inventories/local host
`local_fgac_domain`: the secured node behind the FGAC gateway). The operator signs with SigV4 and
starts unmapped; setup maps it with the master user, and the whole setup, snapshot and restore run."""

import json
from pathlib import Path

import pytest

from tests.collection import ROOT
from tests.integration.helpers import changed, role_mapping, task_results, unique, unmap_user

INVENTORY = ROOT / "inventories" / "local"
FGAC = {"searchops_hosts": "searchops_fgac_clusters"}
# manage_snapshots registers and snapshots; es_restore also reads the cluster's state, health and counts
ROLES = ["manage_snapshots", "readall_and_monitor"]
MAPPING_TASK = "searchops.snapshots.snapshot_repository : The registering identity may manage snapshots (fine-grained access control)"


def operator_keys(stack):
    return json.loads(Path(stack["operator"]).read_text())


@pytest.fixture
def operator(stack, secured_node):
    """The operator's ARN, in no mapping before the test (a failed earlier run's entries are taken out)
    and in none after it."""
    arn = operator_keys(stack)["arn"]

    def unmap():
        for role in ROLES:
            unmap_user(secured_node, role, arn)

    unmap()
    yield arn
    unmap()


@pytest.fixture
def fgac_vars(aws_names, secured_cleanup):
    bucket, role = aws_names
    repository = unique("fgac-repo")
    secured_cleanup["repositories"].append(repository)
    return dict(FGAC, searchops_bucket=bucket, snapshot_iam_role_name=role, searchops_repository=repository)


def test_setup_maps_the_operator_then_snapshot_and_restore_run_as_it(
    ansible, stack, secured, secured_node, secured_cleanup, operator, fgac_vars
):
    user = f"User [name={operator}, backend_roles=[], requestedTenant=null]"
    connection = {
        "url": secured["gateway"]["url"],
        "auth_type": "aws_sigv4",
        "region": stack["region"],
        "access_key": operator_keys(stack)["access_key"],
        "secret_key": operator_keys(stack)["secret_key"],
    }
    # unmapped: the node itself refuses the operator, and the module says what to map
    before = ansible(
        "searchops.snapshots.es_snapshot_info", dict(connection, repository=fgac_vars["searchops_repository"])
    )
    assert before["failed"] and f"no permissions for [cluster:admin/repository/get] and {user}" in before["msg"]
    assert "map it to the manage_snapshots role" in before["msg"]

    setup_vars = dict(fgac_vars, searchops_fgac_roles=ROLES)
    setup = ansible.playbook("setup", INVENTORY, setup_vars)
    (mapped,) = task_results(setup, MAPPING_TASK)
    assert [r["added"]["users"] for r in mapped["results"]] == [[operator]] * 2
    for role in ROLES:
        assert operator in role_mapping(secured_node, role)["users"]
    repository = fgac_vars["searchops_repository"]
    settings = secured_node.request("GET", f"_snapshot/{repository}")[repository]["settings"]
    assert settings["bucket"] == fgac_vars["searchops_bucket"] and settings["base_path"] == "fgac-snapshots"
    again = ansible.playbook("setup", INVENTORY, setup_vars)
    assert changed(again) == 0, [t["task"]["name"] for p in again["plays"] for t in p["tasks"] if t["hosts"]]

    index = unique("fgac-index")
    secured_cleanup["indices"].append(index)
    for n in range(3):
        secured_node.request("PUT", f"{index}/_doc/{n}", expect=(201,), params={"refresh": "true"}, json={"n": n})
    snapshot = dict(fgac_vars, searchops_indices=[index], searchops_snapshot_name=unique("snap"))
    assert changed(ansible.playbook("snapshot", INVENTORY, snapshot)) == 1
    assert changed(ansible.playbook("snapshot", INVENTORY, snapshot)) == 0
    taken = secured_node.request("GET", f"_snapshot/{repository}/{snapshot['searchops_snapshot_name']}")
    assert taken["snapshots"][0]["metadata"]["searchops.cluster_name"] == "searchops-secured"

    secured_node.request("DELETE", index)
    restore = dict(fgac_vars, searchops_indices=[index], searchops_restore_snapshot=snapshot["searchops_snapshot_name"])
    (restored,) = task_results(ansible.playbook("restore", INVENTORY, restore), "Restore")
    assert restored["restored_indices"] == [{"index": index, "source": index, "docs": 3}]
    assert secured_node.request("GET", f"{index}/_count")["count"] == 3


def test_setup_never_shows_the_master_users_password_at_vvvv(ansible, secured, operator, fgac_vars):
    output = ansible.playbook("setup", INVENTORY, fgac_vars, verbosity=4)
    assert MAPPING_TASK in output
    assert secured["users"]["admin"]["password"] not in output
