import pytest

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import explain, parse_error

ROLE = "arn:aws:iam::123456789012:role/snapshots"
USER = "arn:aws:iam::123456789012:user/deployer"


@pytest.mark.parametrize(
    "status, reason, auth_type, fix",
    [
        (403, "User: anonymous is not authorized to perform: es:ESHttpPut", "none", "auth_type: aws_sigv4"),
        (
            403,
            f"User: {USER} is not authorized to perform: iam:PassRole on resource: {ROLE}",
            "aws_sigv4",
            f"grant it iam:PassRole on {ROLE}",
        ),
        (
            403,
            "no permissions for [cluster:admin/repository/put] and User [name=x, backend_roles=[]]",
            "basic",
            "manage_snapshots",
        ),
        (
            500,
            "The bucket is in this region: eu-central-1. Please use this region to retry the request",
            None,
            "settings.region: eu-central-1",
        ),
        (403, "Credential should be scoped to a valid region, not 'us-east-1'. ", "aws_sigv4", "set region"),
        (403, "Credential should be scoped to correct service: 'es'. ", "aws_sigv4", "aws_service: es"),
        (403, "The security token included in the request is invalid.", "aws_sigv4", "check the AWS credentials"),
        (403, "The security token included in the request is expired", "aws_sigv4", "get a new session"),
        (
            403,
            f"User: {USER} is not authorized to perform: es:ESHttpPut because no identity-based policy allows it",
            "aws_sigv4",
            f"Allow es:ESHttpPut for {USER} on the domain",
        ),
        (
            403,
            "The request signature we calculated does not match the signature you provided.",
            "aws_sigv4",
            "secret_key",
        ),
        (403, "Signature expired: 20261128T000000Z is now earlier than ...", "aws_sigv4", "clock"),
        (500, "... The specified bucket does not exist (Service: S3, Status Code: 404)", None, "create it first"),
        (500, "[repo:snap/uuid] Indices don't have primary shards [red]", None, "set partial: true"),
        (401, "Unauthorized", "basic", "check username and password"),
        (401, "Unauthorized", "api_key", "check api_key"),
        (401, "Unauthorized", "none", "set username and password, or api_key"),
    ],
)
def test_known_failures_say_what_to_fix(status, reason, auth_type, fix):
    assert fix in explain(status, reason, auth_type)


def test_unknown_failure_has_no_made_up_hint():
    assert explain(400, "illegal_argument_exception: unknown setting", "none") is None


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            {"error": {"root_cause": [{"type": "a", "reason": "r"}], "type": "a", "reason": "r"}, "status": 400},
            ("a", "r"),
        ),
        (
            {
                "error": {
                    "type": "repository_verification_exception",
                    "reason": "[r] not accessible",
                    "caused_by": {"type": "i_o_exception", "reason": "bucket gone"},
                }
            },
            ("repository_verification_exception", "[r] not accessible: bucket gone"),
        ),
        ({"Message": "User: anonymous is not authorized"}, (None, "User: anonymous is not authorized")),
        (
            {"message": "The security token included in the request is invalid."},
            (None, "The security token included in the request is invalid."),
        ),
        ("Unauthorized", (None, "Unauthorized")),
        (None, (None, None)),
    ],
)
def test_parse_error(body, expected):
    assert parse_error(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        True,
        5,
        1.5,
        [1, "a"],
        {"error": {"root_cause": 5}},
        {"error": {"type": 3, "reason": ["x"]}},
        {"error": {"caused_by": {"reason": 7}}},
        {"Message": 42},
        {"error": 12},
    ],
)
def test_error_bodies_of_any_shape_give_text(body):
    """A server (or a proxy) may answer an error with any JSON: never a crash, always text or None."""
    error_type, reason = parse_error(body)
    assert error_type is None or isinstance(error_type, str)
    assert reason is None or isinstance(reason, str)
    explain(500, reason)
