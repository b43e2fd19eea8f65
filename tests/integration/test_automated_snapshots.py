"""Amazon OpenSearch Service's automated snapshots through the domain gateway: the repository
cs-automated-enc is listed as its type alone, holds real snapshots (taken on the node, as the service
takes them), refuses creating and deleting snapshots and registering cs-* names, and can be restored
from; the modules list it, never prune or write it, and restore from it."""

import datetime
import uuid

import pytest
import requests
from requests_aws4auth import AWS4Auth

# the gateway keeps the automated snapshots in an S3 repository on the node
pytestmark = pytest.mark.s3_repository

AUTOMATED = "cs-automated-enc"
ES_HTTP_ALL = {"Effect": "Allow", "Action": "es:ESHttp*", "Resource": "*"}


@pytest.fixture
def caller(iam_factory):
    return iam_factory.user(ES_HTTP_ALL)


def sign(identity):
    return AWS4Auth(identity["key"], identity["secret"], "us-east-1", "es")


def listing(stack, caller):
    response = requests.get(f"{stack['gateway']}/_snapshot", auth=sign(caller), timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def automated_snapshot(stack, caller, opensearch):
    """Take snapshots into cs-automated-enc on the node itself, as the service's automation does (the
    gateway registers the repository on the node the first time a client touches _snapshot), named as
    AWS names them; deleted on the node afterwards."""
    taken = []
    listing(stack, caller)

    def take(indices):
        now = datetime.datetime.now(datetime.timezone.utc)
        name = f"{now:%Y-%m-%dt%H-%M-%S}.{uuid.uuid4()}"
        taken.append(name)
        opensearch.request(
            "PUT",
            f"_snapshot/{AUTOMATED}/{name}",
            params={"wait_for_completion": "true"},
            json={"indices": indices, "include_global_state": False},
        )
        return name

    yield take
    for name in taken:
        opensearch.request("DELETE", f"_snapshot/{AUTOMATED}/{name}", expect=(200, 404))


def module_args(stack, caller, **kw):
    return dict(
        url=stack["gateway"],
        auth_type="aws_sigv4",
        region=stack["region"],
        access_key=caller["key"],
        secret_key=caller["secret"],
        **kw,
    )


def test_listed_as_aws_lists_it_and_held_on_the_node(stack, caller, opensearch, automated_snapshot, index_factory):
    assert listing(stack, caller)[AUTOMATED] == {"type": "s3"}
    one = requests.get(f"{stack['gateway']}/_snapshot/{AUTOMATED}", auth=sign(caller), timeout=60).json()
    assert one == {AUTOMATED: {"type": "s3"}}
    # behind it, a real S3 repository of the node
    assert opensearch.request("GET", f"_snapshot/{AUTOMATED}")[AUTOMATED]["settings"]["bucket"]
    name = automated_snapshot(index_factory(docs=2))
    snapshots = requests.get(f"{stack['gateway']}/_snapshot/{AUTOMATED}/{name}", auth=sign(caller), timeout=60)
    assert snapshots.json()["snapshots"][0]["state"] == "SUCCESS"


def test_creating_deleting_and_registering_are_refused(stack, caller, opensearch, automated_snapshot, index_factory):
    name = automated_snapshot(index_factory(docs=1))
    gateway = stack["gateway"]
    for method, path, body in (
        ("PUT", f"/_snapshot/{AUTOMATED}/mine", {"indices": "x"}),
        ("DELETE", f"/_snapshot/{AUTOMATED}/{name}", None),
        ("DELETE", f"/_snapshot/{AUTOMATED}", None),
        ("PUT", f"/_snapshot/{AUTOMATED}", {"type": "s3", "settings": {"bucket": "b", "role_arn": "r"}}),
        ("PUT", "/_snapshot/cs-mine", {"type": "s3", "settings": {"bucket": "b", "role_arn": "r"}}),
    ):
        response = requests.request(method, f"{gateway}{path}", json=body, auth=sign(caller), timeout=60)
        assert response.status_code == 401, (method, path, response.text)
        assert response.json() == {"Message": f"Your request: '{path}' is not allowed."}
    assert [s["snapshot"] for s in opensearch.request("GET", f"_snapshot/{AUTOMATED}/{name}")["snapshots"]] == [name]
    assert opensearch.request("GET", f"_snapshot/{AUTOMATED}/mine", expect=(404,))
    assert opensearch.request("GET", "_snapshot/cs-mine", expect=(404,))


def test_es_snapshot_info_lists_it_and_its_snapshots(ansible, stack, caller, automated_snapshot, index_factory):
    index = index_factory(docs=1)
    name = automated_snapshot(index)
    result = ansible(
        "searchops.snapshots.es_snapshot_info",
        module_args(stack, caller, repository=AUTOMATED, snapshots=[name], verbose=True),
    )
    assert not result.get("failed"), result
    assert result["repositories"][AUTOMATED] == {"type": "s3"}
    assert [(s["snapshot"], s["state"], s["indices"]) for s in result["snapshots"]] == [(name, "SUCCESS", [index])]


@pytest.mark.parametrize(
    "module, extra, verb",
    [
        ("es_snapshot", {"snapshot": "mine"}, "take"),
        ("es_snapshot", {"snapshot": "{name}", "state": "absent"}, "delete"),
        ("es_snapshot_prune", {"max_count": 0, "min_count": 0}, "delete"),
    ],
)
def test_modules_refuse_to_write_it(
    ansible, stack, caller, opensearch, automated_snapshot, index_factory, module, extra, verb
):
    name = automated_snapshot(index_factory(docs=1))
    extra = {key: value.format(name=name) if isinstance(value, str) else value for key, value in extra.items()}
    result = ansible(f"searchops.snapshots.{module}", module_args(stack, caller, repository=AUTOMATED, **extra))
    assert result.get("failed"), result
    assert f"Amazon OpenSearch Service refuses to {verb} snapshots in it" in result["msg"]
    listed = opensearch.request("GET", f"_snapshot/{AUTOMATED}/_all")["snapshots"]
    assert name in [s["snapshot"] for s in listed] and "mine" not in [s["snapshot"] for s in listed]


def test_a_request_the_service_blocks_gets_the_translators_hint(ansible, stack, caller):
    """es_request sends what it is given: the gateway's refusal comes back with what it means."""
    result = ansible(
        "searchops.snapshots.es_request",
        module_args(stack, caller, method="PUT", path=f"_snapshot/{AUTOMATED}/mine", body={"indices": "x"}),
    )
    assert result.get("failed"), result
    assert f"Your request: '/_snapshot/{AUTOMATED}/mine' is not allowed." in result["msg"]
    assert "Amazon OpenSearch Service does not allow this request" in result["msg"]
    assert "username" not in result["msg"]


def test_es_restore_from_an_automated_snapshot(ansible, stack, caller, opensearch, automated_snapshot, index_factory):
    index = index_factory(docs=3)
    name = automated_snapshot(index)
    opensearch.request("DELETE", index)
    result = ansible(
        "searchops.snapshots.es_restore",
        module_args(stack, caller, repository=AUTOMATED, snapshot=name, indices=[index], wait_timeout=120),
    )
    assert not result.get("failed"), result
    assert result["changed"] and result["restored_indices"] == [{"source": index, "index": index, "docs": 3}]
    assert opensearch.request("GET", f"{index}/_count")["count"] == 3
