"""Unit tests of the domain gateway's decisions (tools/gateway.py): no servers started."""

import datetime
import hashlib
import importlib.util
import json
from pathlib import Path

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("gateway", ROOT / "tools" / "gateway.py")
gateway = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gateway)

ROLE = "arn:aws:iam::123456789012:role/snapshots"
DOMAIN = "arn:aws:es:us-east-1:123456789012:domain/searchops-local"


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.mark.parametrize(
    "statements, expected",
    [
        ([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE}], True),
        ([{"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::123456789012:role/*"}], True),
        ([{"Effect": "Allow", "Action": ["s3:*", "IAM:passrole"], "Resource": "*"}], True),
        ([{"Effect": "Allow", "Action": "*", "Resource": "*"}], True),
        ([{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}], True),
        ([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/other"}], False),
        ([{"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"}], False),
        ([{"Effect": "Allow", "Action": "iam:PassRole", "NotResource": ROLE}], False),
        ([], False),
        (
            [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/snap*"},
            ],
            False,
        ),
        # a condition the gateway does not evaluate (or whose key the request lacks): neither allows nor denies
        (
            [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE, "Condition": {"Bool": {"x": "true"}}}],
            False,
        ),
    ],
)
def test_pass_role_evaluation(statements, expected):
    assert gateway.allowed([policy(*statements)], "iam:PassRole", ROLE) is expected


PASSED_TO = {"iam:PassedToService": "es.amazonaws.com"}


def pass_role(condition, effect="Allow"):
    return {"Effect": effect, "Action": "iam:PassRole", "Resource": ROLE, "Condition": condition}


@pytest.mark.parametrize(
    "statements, context, expected",
    [
        ([pass_role({"StringEquals": {"iam:PassedToService": "es.amazonaws.com"}})], PASSED_TO, True),
        (
            [pass_role({"StringEquals": {"iam:PassedToService": ["ec2.amazonaws.com", "es.amazonaws.com"]}})],
            PASSED_TO,
            True,
        ),
        # condition keys are case-insensitive, values (StringEquals) are not
        ([pass_role({"StringEquals": {"IAM:passedtoservice": "es.amazonaws.com"}})], PASSED_TO, True),
        ([pass_role({"StringEquals": {"iam:PassedToService": "ES.amazonaws.com"}})], PASSED_TO, False),
        ([pass_role({"StringLike": {"iam:PassedToService": "es.*.com"}})], PASSED_TO, True),
        ([pass_role({"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})], PASSED_TO, False),
        # the key is not in the request: the condition does not hold
        ([pass_role({"StringEquals": {"iam:PassedToService": "es.amazonaws.com"}})], {}, False),
        # every operator and every key must hold
        (
            [
                pass_role(
                    {
                        "StringEquals": {"iam:PassedToService": "es.amazonaws.com"},
                        "StringLike": {"iam:AssociatedResourceARN": "*"},
                    }
                )
            ],
            PASSED_TO,
            False,
        ),
        # a Deny whose condition holds wins; one whose condition fails does not apply
        (
            [
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE},
                pass_role({"StringEquals": {"iam:PassedToService": "es.amazonaws.com"}}, effect="Deny"),
            ],
            PASSED_TO,
            False,
        ),
        (
            [
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE},
                pass_role({"StringNotEquals": {"iam:PassedToService": "es.amazonaws.com"}}, effect="Deny"),
            ],
            PASSED_TO,
            True,
        ),
    ],
)
def test_pass_role_conditions(statements, context, expected):
    assert gateway.allowed([policy(*statements)], "iam:PassRole", ROLE, context) is expected


def test_policies_from_several_documents_combine():
    docs = [
        policy({"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE}),
        policy({"Effect": "Deny", "Action": "*", "Resource": ROLE}),
    ]
    assert not gateway.allowed(docs, "iam:PassRole", ROLE)


def trust(principal, condition=None, effect="Allow", action="sts:AssumeRole"):
    statement = {"Effect": effect, "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return json.dumps(policy(statement))


@pytest.mark.parametrize(
    "document, expected",
    [
        (trust({"Service": "es.amazonaws.com"}), True),
        (trust({"Service": ["ec2.amazonaws.com", "opensearchservice.amazonaws.com"]}), True),
        (trust({"Service": "es.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": "123456789012"}}), True),
        (
            trust(
                {"Service": "es.amazonaws.com"},
                {"ArnLike": {"aws:SourceArn": "arn:aws:es:us-east-1:123456789012:domain/*"}},
            ),
            True,
        ),
        (trust({"Service": "es.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": "999999999999"}}), False),
        (trust({"Service": "es.amazonaws.com"}, {"ArnEquals": {"aws:SourceArn": DOMAIN + "-other"}}), False),
        (trust({"Service": "ec2.amazonaws.com"}), False),
        (trust({"AWS": "arn:aws:iam::123456789012:root"}), False),
        (trust({"Service": "es.amazonaws.com"}, effect="Deny"), False),
        (trust({"Service": "es.amazonaws.com"}, action="sts:TagSession"), False),
    ],
)
def test_trust_policy(document, expected):
    assert gateway.trusts_service(document, "123456789012", DOMAIN) is expected


# --------------------------------------------------------------- SigV4


KEY, SECRET, TOKEN = "AKIAGATEWAYTEST00001", "gateway-test-secret", "session-token"


def signed(
    method="GET",
    path="/_cluster/health",
    body=b"",
    secret=SECRET,
    region="us-east-1",
    service="es",
    token=None,
):
    request = AWSRequest(
        method=method,
        url=f"http://127.0.0.1:9250{path}",
        data=body,
        headers={"Content-Type": "application/json"} if body else {},
    )
    SigV4Auth(Credentials(KEY, secret, token), service, region).add_auth(request)
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers["host"] = "127.0.0.1:9250"
    return headers


def lookup(identity=None):
    identity = identity or gateway.Identity("arn:aws:iam::123456789012:user/u", SECRET, [])
    return lambda key: identity if key == KEY else None


def verify(method, path, headers, body=b"", identity=None, now=None):
    return gateway.verify_sigv4(method, path, headers, body, "us-east-1", lookup(identity), now=now)


def test_valid_signature_returns_the_identity():
    assert verify("GET", "/_cluster/health", signed()).arn.endswith("user/u")


def test_signed_body_and_query():
    body = b'{"type":"s3"}'
    headers = signed("PUT", "/_snapshot/r?verify=false", body)
    assert verify("PUT", "/_snapshot/r?verify=false", headers, body)


@pytest.mark.parametrize(
    "tamper, text",
    [
        # the body was changed after signing
        (lambda h, b: (h, b'{"type":"fs"}'), "signature we calculated does not match"),
        # the declared payload hash does not belong to the body
        (
            lambda h, b: ({**h, "x-amz-content-sha256": hashlib.sha256(b"x").hexdigest()}, b),
            "does not match what was computed",
        ),
        # the declared payload hash was changed along with the body, but not the signature
        (
            lambda h, b: ({**h, "x-amz-content-sha256": hashlib.sha256(b"x").hexdigest()}, b"x"),
            "signature we calculated does not match",
        ),
    ],
)
def test_tampered_requests_are_refused(tamper, text):
    body = b'{"type":"s3"}'
    headers, body2 = tamper(signed("PUT", "/_snapshot/r", body), body)
    with pytest.raises(gateway.Denied, match=text):
        verify("PUT", "/_snapshot/r", headers, body2)


def test_tampered_path_is_refused():
    with pytest.raises(gateway.Denied, match="signature we calculated does not match"):
        verify("GET", "/_cat/indices", signed(path="/_cluster/health"))


@pytest.mark.parametrize(
    "kwargs, status, text",
    [
        ({"secret": "wrong"}, 403, "signature we calculated does not match"),
        ({"region": "eu-west-1"}, 403, "scoped to a valid region, not 'eu-west-1'"),
        ({"service": "s3"}, 403, "scoped to correct service: 'es'"),
    ],
)
def test_bad_signatures(kwargs, status, text):
    with pytest.raises(gateway.Denied) as err:
        verify("GET", "/_cluster/health", signed(**kwargs))
    assert err.value.status == status and text in json.dumps(err.value.body)


@pytest.mark.parametrize(
    "method, verb", [("GET", "ESHttpGet"), ("PUT", "ESHttpPut"), ("DELETE", "ESHttpDelete"), ("HEAD", "ESHttpHead")]
)
def test_unsigned_request_gets_aws_anonymous_answer(method, verb):
    with pytest.raises(gateway.Denied) as err:
        verify(method, "/", {"host": "127.0.0.1:9250"})
    assert err.value.status == 403
    assert err.value.body == {"Message": f"User: anonymous is not authorized to perform: es:{verb}"}


def test_unknown_key():
    with pytest.raises(gateway.Denied, match="security token included in the request is invalid"):
        gateway.verify_sigv4("GET", "/_cluster/health", signed(), b"", "us-east-1", lambda key: None)


def test_session_token_must_match_and_be_current():
    now = datetime.datetime.now(datetime.timezone.utc)
    session = gateway.Identity(
        "arn:aws:sts::123456789012:assumed-role/r/s", SECRET, [], TOKEN, now + datetime.timedelta(hours=1)
    )
    assert verify("GET", "/_cluster/health", signed(token=TOKEN), identity=session)
    with pytest.raises(gateway.Denied, match="is invalid"):
        verify("GET", "/_cluster/health", signed(), identity=session)
    expired = gateway.Identity(session.arn, SECRET, [], TOKEN, now - datetime.timedelta(minutes=1))
    with pytest.raises(gateway.Denied, match="is expired"):
        verify("GET", "/_cluster/health", signed(token=TOKEN), identity=expired)


# --------------------------------------------------------------- registration


class Role:
    def __init__(self, document):
        self.assume_role_policy_document = document


USER = gateway.Identity(
    "arn:aws:iam::123456789012:user/deployer",
    SECRET,
    [policy({"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE})],
)


TRUSTING = Role(trust({"Service": "es.amazonaws.com"}))


def register(name, settings, identity=USER, role=TRUSTING):
    body = json.dumps({"type": "s3", "settings": settings}).encode()
    return gateway.check_registration(
        name, body, identity, DOMAIN, role_lookup=lambda arn: role if arn == ROLE else None
    )


def test_registration_forwards_without_role_arn():
    body, role_arn = register("r", {"bucket": "b", "role_arn": ROLE})
    assert json.loads(body) == {"type": "s3", "settings": {"bucket": "b"}} and role_arn == ROLE


@pytest.mark.parametrize(
    "name, settings, identity, role, text",
    [
        ("r", {"bucket": "b"}, USER, None, "settings.role_arn is required"),
        ("cs-x", {"bucket": "b", "role_arn": ROLE}, USER, None, "reserved"),
        (
            "r",
            {"bucket": "b", "role_arn": ROLE},
            gateway.Identity("arn:aws:iam::123456789012:user/x", SECRET, []),
            None,
            "is not authorized to perform: iam:PassRole on resource: " + ROLE,
        ),
        ("r", {"bucket": "b", "role_arn": ROLE}, USER, "missing", "does not exist"),
        (
            "r",
            {"bucket": "b", "role_arn": ROLE},
            USER,
            Role(trust({"Service": "ec2.amazonaws.com"})),
            "trust policy does not allow",
        ),
    ],
)
def test_registration_refusals(name, settings, identity, role, text):
    kwargs = {} if role is None else {"role": None if role == "missing" else role}
    with pytest.raises(gateway.Denied) as err:
        register(name, settings, identity, **kwargs)
    assert text in json.dumps(err.value.body)


@pytest.mark.parametrize("service, forwarded", [("es.amazonaws.com", True), ("ec2.amazonaws.com", False)])
def test_registration_passes_the_role_to_es(service, forwarded):
    """The PassRole check at registration carries iam:PassedToService = es.amazonaws.com."""
    grant = pass_role({"StringEquals": {"iam:PassedToService": service}})
    identity = gateway.Identity("arn:aws:iam::123456789012:user/deployer", SECRET, [policy(grant)])
    if forwarded:
        assert register("r", {"bucket": "b", "role_arn": ROLE}, identity)[1] == ROLE
    else:
        with pytest.raises(gateway.Denied, match="iam:PassRole on resource"):
            register("r", {"bucket": "b", "role_arn": ROLE}, identity)


def test_fs_repositories_pass_through():
    body = json.dumps({"type": "fs", "settings": {"location": "/x"}}).encode()
    assert gateway.check_registration("r", body, USER, DOMAIN) == (body, None)
