"""Unit tests of the domain gateway's decisions (tools/gateway.py): no servers started."""

import datetime
import hashlib
import hmac
import importlib.util
import json
import re
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
    assert (gateway.decision([policy(*statements)], "iam:PassRole", ROLE) == "Allow") is expected


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
    assert (gateway.decision([policy(*statements)], "iam:PassRole", ROLE, context) == "Allow") is expected


def test_policies_from_several_documents_combine():
    docs = [
        policy({"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE}),
        policy({"Effect": "Deny", "Action": "*", "Resource": ROLE}),
    ]
    assert gateway.decision(docs, "iam:PassRole", ROLE) == "Deny"


def trust(principal, condition=None, effect="Allow", action="sts:AssumeRole"):
    statement = {"Effect": effect, "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return json.dumps(policy(statement))


@pytest.mark.parametrize(
    "document, expected",
    [
        (trust({"Service": "es.amazonaws.com"}), True),
        (trust({"Service": ["ec2.amazonaws.com", "es.amazonaws.com"]}), True),
        # AWS documents only es.amazonaws.com for the snapshot role (opensearchservice is for ML connectors)
        (trust({"Service": "opensearchservice.amazonaws.com"}), False),
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
        # signed, as requests-aws4auth (the modules' signer) does
        headers={
            "X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest(),
            **({"Content-Type": "application/json"} if body else {}),
        },
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


MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this "
    "request should have been\n'"
)


@pytest.mark.parametrize(
    "tamper",
    [
        # the body was changed after signing
        lambda h, b: (h, b'{"type":"fs"}'),
        # the declared payload hash does not belong to the body
        lambda h, b: ({**h, "x-amz-content-sha256": hashlib.sha256(b"x").hexdigest()}, b),
        # the declared payload hash was changed along with the body, but not the signature
        lambda h, b: ({**h, "x-amz-content-sha256": hashlib.sha256(b"x").hexdigest()}, b"x"),
    ],
)
def test_tampered_requests_are_refused_as_a_signature_mismatch(tamper):
    """AWS's es endpoint answers any mismatch with 403 and the canonical request it computed (from the body it
    received), not with S3's 400 for x-amz-content-sha256."""
    body = b'{"type":"s3"}'
    headers, body2 = tamper(signed("PUT", "/_snapshot/r", body), body)
    with pytest.raises(gateway.Denied) as err:
        verify("PUT", "/_snapshot/r", headers, body2)
    assert err.value.status == 403 and list(err.value.body) == ["message"]
    text = err.value.body["message"]
    assert text.startswith(MISMATCH)
    canonical = text[len(MISMATCH) :].split("'\n\nThe String-to-Sign should have been\n'")[0]
    assert canonical.startswith("PUT\n/_snapshot/r\n\n") and canonical.endswith(hashlib.sha256(body2).hexdigest())
    scope = f"{headers['x-amz-date'][:8]}/us-east-1/es/aws4_request"
    string_to_sign = (
        f"AWS4-HMAC-SHA256\n{headers['x-amz-date']}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    )
    assert text.endswith(f"'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n")


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
    assert err.value.body == {
        "Message": f"User: anonymous is not authorized to perform: es:{verb} because no resource-based policy "
        f"allows the es:{verb} action"
    }


def test_credential_scope_date_must_be_the_request_date():
    headers = signed()
    amz_date = headers["x-amz-date"]
    headers["authorization"] = headers["authorization"].replace(f"/{amz_date[:8]}/", "/20200101/")
    with pytest.raises(gateway.Denied) as err:
        verify("GET", "/_cluster/health", headers)
    assert err.value.status == 403
    assert err.value.body == {
        "message": "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        f"'20200101' != '{amz_date[:8]}', from '{amz_date}'."
    }


@pytest.mark.parametrize(
    "drop, missing",
    [
        ("Signature", "Authorization header requires 'Signature' parameter."),
        ("SignedHeaders", "Authorization header requires 'SignedHeaders' parameter."),
        ("Credential", "Authorization header requires 'Credential' parameter."),
    ],
)
def test_malformed_authorization_header(drop, missing):
    headers = signed()
    algorithm, params = headers["authorization"].split(" ", 1)
    kept = ", ".join(p.strip() for p in params.split(",") if not p.strip().startswith(drop + "="))
    headers["authorization"] = f"{algorithm} {kept}"
    with pytest.raises(gateway.Denied) as err:
        verify("GET", "/_cluster/health", headers)
    assert err.value.status == 403
    assert err.value.body == {"message": f"{missing} Authorization={headers['authorization']}"}


def test_authorization_header_without_parameters_or_date():
    headers = {"host": "127.0.0.1:9250", "authorization": "AWS4-HMAC-SHA256"}
    with pytest.raises(gateway.Denied) as err:
        verify("GET", "/_cluster/health", headers)
    assert err.value.body == {
        "message": "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' "
        "parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence "
        "of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256"
    }


def test_parameter_without_equal_sign():
    headers = signed()
    headers["authorization"] += ", FooBar"
    with pytest.raises(gateway.Denied) as err:
        verify("GET", "/_cluster/health", headers)
    assert err.value.body == {
        "message": f"'FooBar' not a valid key=value pair (missing equal-sign) in Authorization header: "
        f"'{headers['authorization']}'"
    }


def sign_with_date_header(method, path, now, secret=SECRET):
    """SigV4 by hand (independent of botocore and of the gateway) with a Date header instead of X-Amz-Date."""
    date = now.strftime("%a, %d %b %Y %H:%M:%S GMT")
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    empty = hashlib.sha256(b"").hexdigest()
    canonical = f"{method}\n{path}\n\ndate:{date}\nhost:127.0.0.1:9250\n\ndate;host\n{empty}"
    scope = f"{day}/us-east-1/es/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = f"AWS4{secret}".encode()
    for part in (day, "us-east-1", "es", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "host": "127.0.0.1:9250",
        "date": date,
        "authorization": f"AWS4-HMAC-SHA256 Credential={KEY}/{scope}, SignedHeaders=date;host, Signature={signature}",
    }


def test_date_header_instead_of_x_amz_date():
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    assert verify("GET", "/_cluster/health", sign_with_date_header("GET", "/_cluster/health", now)).arn.endswith("/u")
    with pytest.raises(gateway.Denied, match="signature we calculated does not match"):
        verify("GET", "/_cluster/health", sign_with_date_header("GET", "/_cluster/health", now, secret="wrong"))
    old = now - datetime.timedelta(minutes=10)
    with pytest.raises(gateway.Denied, match="Signature expired"):
        verify("GET", "/_cluster/health", sign_with_date_header("GET", "/_cluster/health", old), now=now)


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


def user_with(*statements):
    """An IAM user whose one policy has these statements."""
    return gateway.Identity("arn:aws:iam::123456789012:user/d", SECRET, [policy(*statements)])


def refusal(name, settings, identity=USER, **kwargs):
    with pytest.raises(gateway.Denied) as err:
        register(name, settings, identity, **kwargs)
    return err.value.status, err.value.body


def test_registration_without_role_arn_gets_aws_answer():
    assert refusal("r", {"bucket": "b"}) == (401, {"Message": "settings.role_arn is needed for snapshot registration."})


def test_pass_role_refusal_with_iam_suffix():
    outsider = gateway.Identity("arn:aws:iam::123456789012:user/x", SECRET, [])
    assert refusal("r", {"bucket": "b", "role_arn": ROLE}, outsider) == (
        403,
        {
            "Message": f"User: {outsider.arn} is not authorized to perform: iam:PassRole on resource: {ROLE} "
            "because no identity-based policy allows the iam:PassRole action"
        },
    )


def test_pass_role_explicit_deny():
    denied = user_with(
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:PassRole", "Resource": ROLE},
    )
    assert refusal("r", {"bucket": "b", "role_arn": ROLE}, denied) == (
        403,
        {
            "Message": f"User: {denied.arn} is not authorized to perform: iam:PassRole on resource: {ROLE} "
            "with an explicit deny in an identity-based policy"
        },
    )


STS_REASON = re.compile(
    r"^User: arn:aws:sts::\d{12}:assumed-role/cp-sts-grant-role/swift-us-east-1-prod-123456789012 is not authorized "
    r"to perform: sts:AssumeRole on resource: " + re.escape(ROLE) + r" \(Service: AWSSecurityTokenService; "
    r"Status Code: 403; Error Code: AccessDenied; Request ID: [0-9a-f-]{36}\)$"
)


@pytest.mark.parametrize(
    "role",
    [None, Role(trust({"Service": "ec2.amazonaws.com"})), Role(trust({"Service": "opensearchservice.amazonaws.com"}))],
)
def test_role_missing_or_not_trusting_gets_the_same_sts_answer(role):
    """AWS does not say whether the role is missing or does not trust the service: STS's AccessDenied either way."""
    status, body = refusal("r", {"bucket": "b", "role_arn": ROLE}, role=role)
    assert status == 500 and body["status"] == 500
    error = body["error"]
    assert error["type"] == "a_w_s_security_token_service_exception"
    assert STS_REASON.match(error["reason"]), error["reason"]
    assert error["root_cause"] == [{"type": error["type"], "reason": error["reason"]}]


OTHER_DOMAIN = "arn:aws:es:us-east-1:210987654321:domain/searchops-other"


@pytest.mark.parametrize("domain, accepted", [(OTHER_DOMAIN, True), (DOMAIN, False)])
def test_the_service_assumes_the_role_for_the_domains_own_account(domain, accepted):
    """aws:SourceAccount is the domain's owner: a role trusting account 210987654321 serves that
    account's domain (a cross-account migration target), not the one in 123456789012."""
    role = Role(trust({"Service": "es.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": "210987654321"}}))
    body = json.dumps({"type": "s3", "settings": {"bucket": "b", "role_arn": ROLE}}).encode()
    try:
        gateway.check_registration("r", body, USER, domain, role_lookup=lambda arn: role)
    except gateway.Denied as denied:
        assert not accepted and denied.body["error"]["reason"].startswith(
            "User: arn:aws:sts::000000000000:assumed-role/cp-sts-grant-role/swift-us-east-1-prod-123456789012 "
        )
    else:
        assert accepted


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


def test_es_http_refusal_names_the_resource_based_policy():
    with pytest.raises(gateway.Denied) as err:
        gateway.authorize_http(USER, "GET", DOMAIN, "/_cat/indices")
    assert err.value.status == 403
    assert err.value.body == {
        "Message": f"User: {USER.arn} is not authorized to perform: es:ESHttpGet because no resource-based policy "
        "allows the es:ESHttpGet action"
    }


def test_es_http_explicit_deny():
    denied = user_with(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "es:*", "Resource": "*"},
    )
    with pytest.raises(gateway.Denied) as err:
        gateway.authorize_http(denied, "DELETE", DOMAIN, "/logs")
    assert err.value.body == {
        "Message": f"User: {denied.arn} is not authorized to perform: es:ESHttpDelete on resource: {DOMAIN}/logs "
        "with an explicit deny in an identity-based policy"
    }


# --------------------------------------------------------------- automated snapshots (cs-*)


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/_snapshot/cs-automated-enc"),
        ("GET", "/_snapshot/cs-automated-enc/_all"),
        ("GET", "/_snapshot/cs-automated-enc/2026-11-29t01-00-00.abc/_status"),
        ("HEAD", "/_snapshot/cs-automated-enc"),
        ("POST", "/_snapshot/cs-automated-enc/2026-11-29t01-00-00.abc/_restore"),
        ("PUT", "/_snapshot/my-repo/snap"),
        ("DELETE", "/_snapshot/my-repo"),
        ("GET", "/_snapshot"),
    ],
)
def test_service_repositories_can_be_read_and_restored_from(method, path):
    assert gateway.check_service_repository(method, path) is None


@pytest.mark.parametrize(
    "method, path",
    [
        ("PUT", "/_snapshot/cs-automated-enc/mine"),
        ("POST", "/_snapshot/cs-automated-enc/mine"),
        ("DELETE", "/_snapshot/cs-automated-enc/2026-11-29t01-00-00.abc"),
        ("DELETE", "/_snapshot/cs-automated-enc"),
        ("PUT", "/_snapshot/cs-automated-enc"),
        ("PUT", "/_snapshot/cs-nightly"),
        ("POST", "/_snapshot/cs-nightly"),
        ("POST", "/_snapshot/cs-automated-enc/_cleanup"),
        ("PUT", "/_snapshot/cs-automated-enc/a/_clone/b"),
    ],
)
def test_service_repositories_refuse_writes(method, path):
    with pytest.raises(gateway.Denied) as err:
        gateway.check_service_repository(method, path)
    assert err.value.status == 401
    assert err.value.body == {"Message": f"Your request: '{path}' is not allowed."}


def test_listing_shows_service_repositories_without_settings():
    node = {
        "cs-automated-enc": {"type": "s3", "settings": {"bucket": "hidden", "base_path": "x"}},
        "mine": {"type": "s3", "settings": {"bucket": "b"}},
    }
    shown = gateway.client_listing(node, {"mine": ROLE})
    assert shown == {
        "cs-automated-enc": {"type": "s3"},
        "mine": {"type": "s3", "settings": {"bucket": "b", "role_arn": ROLE}},
    }


# --------------------------------------------------------------- the collection's translator on each answer


def answer(call):
    with pytest.raises(gateway.Denied) as err:
        call()
    return err.value


@pytest.mark.parametrize(
    "call, hint",
    [
        (lambda: register("r", {"bucket": "b"}), "registers S3 repositories only with settings.role_arn"),
        (
            lambda: register("r", {"bucket": "b", "role_arn": ROLE}, gateway.Identity("arn:aws:iam::1:user/x", "", [])),
            f"grant it iam:PassRole on {ROLE}",
        ),
        (
            lambda: register(
                "r", {"bucket": "b", "role_arn": ROLE}, user_with({"Effect": "Deny", "Action": "*", "Resource": "*"})
            ),
            "remove or narrow that Deny statement",
        ),
        (
            lambda: register("r", {"bucket": "b", "role_arn": ROLE}, role=None),
            "its trust policy allows es.amazonaws.com sts:AssumeRole",
        ),
        (lambda: gateway.authorize_http(USER, "GET", DOMAIN, "/"), f"Allow es:ESHttpGet for {USER.arn}"),
        (lambda: verify("GET", "/", {"host": "127.0.0.1:9250"}), "set auth_type: aws_sigv4"),
        (lambda: verify("GET", "/", signed(secret="wrong")), "check secret_key"),
        (lambda: verify("GET", "/", signed(region="eu-west-1")), "signed for region 'eu-west-1'"),
        (
            lambda: gateway.check_service_repository("DELETE", "/_snapshot/cs-automated-enc/x"),
            "does not allow this request",
        ),
    ],
)
def test_the_translator_gives_the_fix_for_each_answer(call, hint):
    from ansible_collections.searchops.snapshots.plugins.module_utils._errors import explain, parse_error

    denied = answer(call)
    _type, reason = parse_error(denied.body)
    fix = explain(denied.status, reason, auth_type="aws_sigv4", body=denied.body)
    assert fix and hint in fix and "username" not in fix


# ------------------------------------------- IAM propagation after the role was created (issue 13, item 7)

CREATED = datetime.datetime(2026, 11, 29, 12, 0, 0)  # moto keeps create_date as naive UTC


def tagged(*tags):
    return type("Role", (), {"create_date": CREATED, "tags": [{"Key": k, "Value": v} for k, v in tags]})()


@pytest.mark.parametrize(
    "role, seconds_after, expected",
    [
        (tagged((gateway.PROPAGATION_TAG, "20")), 0, True),
        (tagged((gateway.PROPAGATION_TAG, "20")), 19.5, True),
        (tagged((gateway.PROPAGATION_TAG, "20")), 20, False),
        (tagged(("team", "search"), (gateway.PROPAGATION_TAG, "2.5")), 2, True),
        (tagged(("team", "search")), 0, False),  # untagged roles are usable at once
        (tagged(), 0, False),
    ],
)
def test_a_tagged_role_is_usable_only_after_its_propagation_delay(role, seconds_after, expected):
    assert gateway.propagating(role, CREATED + datetime.timedelta(seconds=seconds_after)) is expected


# as the local OpenSearch 3.6.0 node words it for an empty and a nested base path
@pytest.mark.parametrize("base_path, shown", [("", "path  is"), ("logs/prod", "path [logs/prod] is")])
def test_verification_while_propagating_fails_as_on_aws(base_path, shown):
    """terraform-provider-opensearch#133 (real): "[test] path  is not accessible on cluster-manager node",
    repository_verification_exception, 500; the STS refusal inside it (real reason text, nesting inferred)."""
    denied = gateway.not_usable_yet("nightly", ROLE, base_path, "us-east-1")
    assert denied.status == 500 and denied.body["status"] == 500
    error = denied.body["error"]
    assert error["type"] == error["root_cause"][0]["type"] == "repository_verification_exception"
    assert error["reason"] == f"[nightly] {shown} not accessible on cluster-manager node"
    assert error["caused_by"]["type"] == "a_w_s_security_token_service_exception"
    assert f"is not authorized to perform: sts:AssumeRole on resource: {ROLE} " in error["caused_by"]["reason"]
    assert "Error Code: AccessDenied" in error["caused_by"]["reason"]


# --------------------------------------------------------------- fine-grained access control (issue 15, item 3)

SESSION = "arn:aws:sts::123456789012:assumed-role/deployer/ansible"
PATH_ROLE = "arn:aws:iam::123456789012:role/service-role/deployer"


@pytest.mark.parametrize(
    "identity, user, roles",
    [
        # an IAM user: its ARN, no backend role (User [name=arn:aws:iam::…:user/…, backend_roles=[]])
        (
            gateway.Identity("arn:aws:iam::123456789012:user/ops/deployer", SECRET, []),
            "arn:aws:iam::123456789012:user/ops/deployer",
            [],
        ),
        # an assume-role session: its role's ARN with the path, as user and backend role, never the STS session ARN
        (gateway.Identity(SESSION, SECRET, [], TOKEN, role_arn=PATH_ROLE), PATH_ROLE, [PATH_ROLE]),
    ],
)
def test_the_security_plugin_sees_iam_identities_as_aws_names_them(identity, user, roles):
    assert gateway.fgac_user(identity) == (user, roles)


def test_a_signing_identity_is_sent_as_proxy_headers_only():
    session = gateway.Identity(SESSION, SECRET, [], TOKEN, role_arn=PATH_ROLE)
    assert gateway.fgac_headers(session, "AWS4-HMAC-SHA256 Credential=…", "127.0.0.1") == {
        "X-Forwarded-For": "127.0.0.1",
        "X-Proxy-User": PATH_ROLE,
        "X-Proxy-Roles": PATH_ROLE,
    }
    assert gateway.fgac_headers(USER, None, "127.0.0.1") == {"X-Forwarded-For": "127.0.0.1", "X-Proxy-User": USER.arn}


@pytest.mark.parametrize("authorization", ["Basic YWRtaW46c2VjcmV0", None])
def test_an_unsigned_request_keeps_its_own_authorization_and_nothing_else(authorization):
    """Basic auth goes to the node's internal users; without it the node answers its own 401."""
    expected = {"X-Forwarded-For": "127.0.0.1", **({"Authorization": authorization} if authorization else {})}
    assert gateway.fgac_headers(None, authorization, "127.0.0.1") == expected


@pytest.mark.parametrize(
    "authorization, expected",
    [
        ("AWS4-HMAC-SHA256 Credential=AKIA/20261129/us-east-1/es/aws4_request, SignedHeaders=host, Signature=x", True),
        ("  AWS4-HMAC-SHA256 Credential=x", True),
        ("Basic YWRtaW46c2VjcmV0", False),
        ("Bearer token", False),
        (None, False),
    ],
)
def test_signed_means_a_sigv4_authorization_header(authorization, expected):
    assert gateway.signed({"authorization": authorization} if authorization else {}) is expected


def test_an_unsigned_registration_is_checked_as_anonymous():
    """AWS's answer when basic auth (or Dashboards) registers a repository with role_arn under FGAC."""
    assert refusal("r", {"bucket": "b", "role_arn": ROLE}, gateway.ANONYMOUS) == (
        403,
        {
            "Message": f"User: anonymous is not authorized to perform: iam:PassRole on resource: {ROLE} "
            "because no identity-based policy allows the iam:PassRole action"
        },
    )
