"""The local stack end to end with plain HTTP and boto3: OpenSearch really writes
snapshots into (moto's) S3 and restores from them."""

from tests.integration.helpers import report, unique


def test_opensearch_snapshot_to_s3_and_restore(opensearch, s3, bucket, cleanup, request):
    index = "new_index"
    opensearch.request("DELETE", index, expect=(200, 404))
    cleanup["indices"].append(index)
    document = {"name": {"first": "John", "last": "Doe"}}
    opensearch.request("PUT", f"{index}/_doc/1", params={"refresh": "true"}, json=document, expect=(201,))

    repo = unique("s3-repo")
    cleanup["repositories"].append(repo)
    opensearch.request("PUT", f"_snapshot/{repo}", json={"type": "s3", "settings": {"bucket": bucket}})
    assert opensearch.request("POST", f"_snapshot/{repo}/_verify")["nodes"]

    def completed(method, path):
        """The snapshot of a create or restore request that waits for completion."""
        body = {"indices": index, "include_global_state": False}
        return opensearch.request(method, path, params={"wait_for_completion": "true"}, json=body)["snapshot"]

    result = completed("PUT", f"_snapshot/{repo}/snap-1")
    assert result["state"] == "SUCCESS", result
    assert result["indices"] == [index]
    assert result["shards"]["failed"] == 0 and result["shards"]["successful"] > 0

    keys = [obj["Key"] for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    report(request, f"snapshot objects in s3://{bucket}:\n  " + "\n  ".join(sorted(keys)))
    uuid_ = result["uuid"]
    assert f"snap-{uuid_}.dat" in keys and f"meta-{uuid_}.dat" in keys, keys
    assert any("/indices/" in key and key.endswith(f"snap-{uuid_}.dat") for key in keys), keys

    opensearch.request("DELETE", index)
    assert opensearch.request("HEAD", index, expect=(404,)) is None

    restored = completed("POST", f"_snapshot/{repo}/snap-1/_restore")
    assert restored["shards"]["failed"] == 0
    assert opensearch.request("GET", f"{index}/_doc/1")["_source"] == document


def test_fs_repository_is_allowed(opensearch, stack, cleanup):
    """path.repo is set so that `fs` repositories register and verify."""
    repo = unique("fs-repo")
    cleanup["repositories"].append(repo)
    settings = opensearch.request("GET", "_nodes/settings")["nodes"]
    (node,) = settings.values()
    (path_repo,) = node["settings"]["path"]["repo"]
    opensearch.request("PUT", f"_snapshot/{repo}", json={"type": "fs", "settings": {"location": f"{path_repo}/{repo}"}})
    assert opensearch.request("POST", f"_snapshot/{repo}/_verify")["nodes"]
