"""Fixtures for tests against the real local stack (tools/stack.py).

The stack is brought up once per run (a no-op when it already runs) and left running
for the next run; each fixture removes what its test created.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from tests.integration.helpers import Ansible, OpenSearch, report, unique

ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("SEARCHOPS_STACK", ROOT / ".stack"))

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def stack(request):
    """Start the stack (idempotent) and return its endpoints."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "stack.py"), "up"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"the local stack did not start:\n{result.stdout}\n{result.stderr}", pytrace=False)
    endpoints = json.loads((STATE / "endpoints.json").read_text())
    report(
        request,
        f"local stack: OpenSearch {endpoints['opensearch_version']} at {endpoints['opensearch']}, "
        f"moto at {endpoints['moto']}",
    )
    return endpoints


@pytest.fixture(scope="session")
def s3(stack):
    """A boto3 S3 client on moto (a separate reader from anything under test)."""
    return boto3.client(
        "s3",
        endpoint_url=stack["moto"],
        region_name=stack["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="session")
def opensearch(stack):
    return OpenSearch(stack["opensearch"])


@pytest.fixture
def bucket(s3):
    """A new, empty bucket on moto; emptied and removed after the test."""
    name = unique("test-bucket")
    s3.create_bucket(Bucket=name)
    yield name
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=name):
        keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=name, Delete={"Objects": keys})
    s3.delete_bucket(Bucket=name)


@pytest.fixture
def cleanup(opensearch):
    """Register indices and repositories a test creates; deleted after it, repositories first
    emptied of snapshots so nothing lingers in the node's cluster state."""
    created = {"indices": [], "repositories": []}
    yield created
    for repo in created["repositories"]:
        # 500: the repository's storage is unreachable (a test registered a missing bucket)
        listing = opensearch.request("GET", f"_snapshot/{repo}/_all", expect=(200, 404, 500)) or {}
        for snap in listing.get("snapshots", []):
            opensearch.request("DELETE", f"_snapshot/{repo}/{snap['snapshot']}", expect=(200, 404))
        definition = opensearch.request("GET", f"_snapshot/{repo}", expect=(200, 404)) or {}
        opensearch.request("DELETE", f"_snapshot/{repo}", expect=(200, 404))
        if definition.get(repo, {}).get("type") == "fs":
            shutil.rmtree(definition[repo]["settings"]["location"], ignore_errors=True)
    for index in created["indices"]:
        opensearch.request("DELETE", index, expect=(200, 404))


@pytest.fixture
def ansible(tmp_path, stack):
    return Ansible(tmp_path)
