"""The seed's walkthrough with only this collection's modules, through the AWS-like domain
gateway (SigV4, role_arn, PassRole): register the repository, index a document into
new_index, snapshot it, delete the index, restore it, read the document back. The connection
and the repository come from module_defaults for the collection's action group, as in a playbook."""

ES_HTTP_ALL = {"Effect": "Allow", "Action": "es:ESHttp*", "Resource": "*"}


def test_seed_walkthrough(ansible, stack, iam_factory, bucket, cleanup, opensearch):
    role = iam_factory.role()
    deployer = iam_factory.user(ES_HTTP_ALL, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role})
    cleanup["indices"].append("new_index")
    cleanup["repositories"].append("seed-repo")
    opensearch.request("DELETE", "new_index", expect=(200, 404))
    conn = {
        "url": stack["gateway"],
        "region": stack["region"],
        "auth_type": "aws_sigv4",
        "access_key": deployer["key"],
        "secret_key": deployer["secret"],
    }
    document = {"name": {"first": "John", "last": "Doe"}}
    group = "group/searchops.snapshots.all"
    tasks = [
        {
            "searchops.snapshots.es_snapshot_repo": {
                "settings": {"bucket": bucket, "role_arn": role},
            }
        },
        {
            "searchops.snapshots.es_request": {
                "method": "PUT",
                "path": "new_index/_doc/1",
                "query": {"refresh": True},
                "body": document,
            }
        },
        {
            "searchops.snapshots.es_snapshot": {
                "snapshot": "<seed-{now/d}>",
                "indices": ["new_index"],
            }
        },
        {"searchops.snapshots.es_request": {"method": "DELETE", "path": "new_index"}},
        {"searchops.snapshots.es_request": {"method": "HEAD", "path": "new_index", "status_code": [404]}},
        {"searchops.snapshots.es_restore": {"snapshot": "latest", "indices": ["new_index"]}},
        {"searchops.snapshots.es_request": {"path": "new_index/_doc/1"}},
    ]
    # url and repository from the group; es_request has no repository option, so its tasks get the
    # connection only (a module refuses options it does not know, defaults included)
    with_repository = dict(conn, repository="seed-repo")
    play = [
        dict(task, module_defaults={group: conn if "searchops.snapshots.es_request" in task else with_repository})
        for task in tasks
    ]
    results = ansible.play(play)
    for result in results:
        assert not result.get("failed"), result
    repo, indexed, snapshot, deleted, gone, restored, read = results
    assert repo["repository"]["settings"]["role_arn"] == role
    assert snapshot["snapshot"]["state"] == "SUCCESS"
    # read back with plain HTTP: the repository and the snapshot are where the group's defaults said
    (taken,) = opensearch.request("GET", "_snapshot/seed-repo/_all")["snapshots"]
    assert taken["snapshot"] == snapshot["snapshot"]["snapshot"] == restored["snapshot"]["snapshot"]
    assert taken["state"] == "SUCCESS" and taken["indices"] == ["new_index"]
    assert restored["restored_indices"] == [{"index": "new_index", "source": "new_index", "docs": 1}]
    assert read["json"]["_source"] == document
