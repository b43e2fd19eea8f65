"""The domain gateway over real HTTP: AWS's answers to unsigned, signed, tampered requests and
to repository registrations (PassRole, trust), in front of the real OpenSearch node."""

import datetime
import hashlib
import hmac
import re

import pytest
import requests
from requests_aws4auth import AWS4Auth

from tests.integration.helpers import unique

ES_HTTP_ALL = {"Effect": "Allow", "Action": "es:ESHttp*", "Resource": "*"}


def sign(identity, region="us-east-1"):
    return AWS4Auth(identity["key"], identity["secret"], region, "es")


def test_unsigned_request_is_refused_like_aws(stack):
    for method, verb in (("GET", "Get"), ("PUT", "Put"), ("POST", "Post"), ("DELETE", "Delete")):
        response = requests.request(method, f"{stack['gateway']}/_cluster/health", timeout=30)
        assert response.status_code == 403
        assert response.json() == {
            "Message": f"User: anonymous is not authorized to perform: es:ESHttp{verb} because no resource-based "
            f"policy allows the es:ESHttp{verb} action"
        }


def test_signed_request_reaches_opensearch(stack, iam_factory):
    user = iam_factory.user(ES_HTTP_ALL)
    # _cluster/health rather than /: Elasticsearch 8's integ-test-zip has no root endpoint (405)
    response = requests.get(f"{stack['gateway']}/_cluster/health", auth=sign(user), timeout=30)
    direct = requests.get(f"{stack['opensearch']}/_cluster/health", timeout=30).json()
    assert response.status_code == 200 and response.json()["cluster_name"] == direct["cluster_name"]


def test_wrong_secret_and_tampered_body_are_refused(stack, iam_factory, bucket):
    user = iam_factory.user(ES_HTTP_ALL)
    wrong = dict(user, secret="not-the-secret")
    response = requests.get(f"{stack['gateway']}/", auth=sign(wrong), timeout=30)
    assert response.status_code == 403 and "signature we calculated does not match" in response.json()["message"]

    prepared = requests.Request(
        "PUT", f"{stack['gateway']}/{unique('idx')}", json={"settings": {"number_of_shards": 1}}, auth=sign(user)
    ).prepare()
    prepared.body = prepared.body.replace(b"1", b"2")  # same length, different content
    response = requests.Session().send(prepared, timeout=30)
    assert response.status_code == 403
    text = response.json()["message"]
    # AWS appends the canonical request it computed (from the body it received) and the string to sign
    assert text.startswith("The request signature we calculated does not match")
    assert "\n\nThe Canonical String for this request should have been\n'PUT\n/" in text
    assert hashlib.sha256(prepared.body).hexdigest() + "'\n\nThe String-to-Sign should have been\n'" in text


def test_identity_without_es_http_permission(stack, iam_factory):
    user = iam_factory.user()
    response = requests.get(f"{stack['gateway']}/", auth=sign(user), timeout=30)
    assert response.status_code == 403
    assert response.json() == {
        "Message": f"User: {user['arn']} is not authorized to perform: es:ESHttpGet because no resource-based policy "
        "allows the es:ESHttpGet action"
    }


def test_temporary_credentials_need_their_session_token(stack, iam_factory, aws_clients):
    caller = iam_factory.role(principal={"AWS": f"arn:aws:iam::{stack['account_id']}:root"}, statements=[ES_HTTP_ALL])
    creds = aws_clients["sts"].assume_role(RoleArn=caller, RoleSessionName="test-session")["Credentials"]
    with_token = AWS4Auth(
        creds["AccessKeyId"], creds["SecretAccessKey"], "us-east-1", "es", session_token=creds["SessionToken"]
    )
    assert requests.get(f"{stack['gateway']}/_cluster/health", auth=with_token, timeout=30).status_code == 200
    without = AWS4Auth(creds["AccessKeyId"], creds["SecretAccessKey"], "us-east-1", "es")
    response = requests.get(f"{stack['gateway']}/", auth=without, timeout=30)
    assert (
        response.status_code == 403
        and "security token included in the request is invalid" in response.json()["message"]
    )


@pytest.fixture
def gateway_repo(cleanup):
    name = unique("gw-repo")
    cleanup["repositories"].append(name)
    return name


def register(stack, identity, name, settings):
    return requests.put(
        f"{stack['gateway']}/_snapshot/{name}",
        json={"type": "s3", "settings": settings},
        auth=sign(identity),
        timeout=60,
    )


def test_registration_with_pass_role_keeps_role_arn_like_aws(stack, iam_factory, bucket, gateway_repo, opensearch):
    role = iam_factory.role()
    user = iam_factory.user(ES_HTTP_ALL, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role})
    response = register(stack, user, gateway_repo, {"bucket": bucket, "role_arn": role})
    assert response.status_code == 200, response.text
    through_gateway = requests.get(f"{stack['gateway']}/_snapshot/{gateway_repo}", auth=sign(user), timeout=30).json()
    assert through_gateway[gateway_repo]["settings"] == {"bucket": bucket, "role_arn": role}
    # the node itself never sees role_arn (it uses its own keystore credentials)
    assert opensearch.request("GET", f"_snapshot/{gateway_repo}")[gateway_repo]["settings"] == {"bucket": bucket}


def test_registration_without_pass_role_is_refused(stack, iam_factory, bucket, gateway_repo, opensearch):
    role = iam_factory.role()
    user = iam_factory.user(ES_HTTP_ALL)
    response = register(stack, user, gateway_repo, {"bucket": bucket, "role_arn": role})
    assert response.status_code == 403
    assert response.json() == {
        "Message": f"User: {user['arn']} is not authorized to perform: iam:PassRole on resource: {role} because no "
        "identity-based policy allows the iam:PassRole action"
    }
    assert opensearch.request("GET", f"_snapshot/{gateway_repo}", expect=(404,))


def test_explicit_deny_wins(stack, iam_factory, bucket, gateway_repo):
    role = iam_factory.role()
    user = iam_factory.user(
        ES_HTTP_ALL,
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:PassRole", "Resource": role},
    )
    response = register(stack, user, gateway_repo, {"bucket": bucket, "role_arn": role})
    assert response.status_code == 403
    assert response.json() == {
        "Message": f"User: {user['arn']} is not authorized to perform: iam:PassRole on resource: {role} with an "
        "explicit deny in an identity-based policy"
    }


@pytest.mark.parametrize("trusted", ["ec2.amazonaws.com", "opensearchservice.amazonaws.com", None])
def test_role_missing_or_not_trusting_the_service_is_refused(
    stack, iam_factory, bucket, gateway_repo, opensearch, trusted
):
    """STS's AccessDenied, the same whether the role is missing or does not trust es.amazonaws.com."""
    role = iam_factory.role(trusted_service=trusted) if trusted else f"arn:aws:iam::{stack['account_id']}:role/none"
    user = iam_factory.user(ES_HTTP_ALL, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"})
    response = register(stack, user, gateway_repo, {"bucket": bucket, "role_arn": role})
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["type"] == "a_w_s_security_token_service_exception"
    assert re.fullmatch(
        r"User: arn:aws:sts::\d{12}:assumed-role/cp-sts-grant-role/swift-us-east-1-prod-"
        + stack["account_id"]
        + r" is not authorized to perform: sts:AssumeRole on resource: "
        + re.escape(role)
        + r" \(Service: AWSSecurityTokenService; Status Code: 403; Error Code: AccessDenied; Request ID: [0-9a-f-]+\)",
        error["reason"],
    )
    assert opensearch.request("GET", f"_snapshot/{gateway_repo}", expect=(404,))


def test_missing_role_arn_and_reserved_names(stack, iam_factory, bucket):
    user = iam_factory.user(ES_HTTP_ALL, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"})
    response = register(stack, user, unique("r"), {"bucket": bucket})
    assert response.status_code == 401
    assert response.json() == {"Message": "settings.role_arn is needed for snapshot registration."}
    response = register(stack, user, "cs-nightly", {"bucket": bucket, "role_arn": iam_factory.role()})
    assert response.status_code == 401
    assert response.json() == {"Message": "Your request: '/_snapshot/cs-nightly' is not allowed."}


def test_date_header_instead_of_x_amz_date(stack, iam_factory):
    """AWS takes the request time from a Date header when there is no X-Amz-Date."""
    user = iam_factory.user(ES_HTTP_ALL)
    now = datetime.datetime.now(datetime.timezone.utc)
    date = now.strftime("%a, %d %b %Y %H:%M:%S GMT")
    host = stack["gateway"].split("//", 1)[1]
    scope = f"{now:%Y%m%d}/us-east-1/es/aws4_request"
    path = "/_cluster/health"
    canonical = f"GET\n{path}\n\ndate:{date}\nhost:{host}\n\ndate;host\n{hashlib.sha256(b'').hexdigest()}"
    to_sign = f"AWS4-HMAC-SHA256\n{now:%Y%m%dT%H%M%SZ}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = f"AWS4{user['secret']}".encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = f"AWS4-HMAC-SHA256 Credential={user['key']}/{scope}, SignedHeaders=date;host, Signature={signature}"
    response = requests.get(
        f"{stack['gateway']}{path}", headers={"Date": date, "Authorization": authorization}, timeout=30
    )
    assert response.status_code == 200, response.text


def test_a_query_value_with_spaces_is_signed_as_aws_reads_it(ansible, stack, iam_factory, index_factory):
    """es_request through the domain gateway with a space (and a +) in a query value: signed as AWS
    canonicalizes it (%20), not as requests' form encoding sends it (+), which AWS refuses."""
    user = iam_factory.user(ES_HTTP_ALL)
    index = index_factory(docs=3)
    args = {
        "url": stack["gateway"],
        "access_key": user["key"],
        "secret_key": user["secret"],
        "region": "us-east-1",
        "auth_type": "aws_sigv4",
        "path": f"{index}/_count",
        "query": {"q": "n:1 OR n:2", "default_operator": "OR"},
    }
    result = ansible("searchops.snapshots.es_request", args)
    assert not result.get("failed"), result
    assert result["json"]["count"] == 2
