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
            "[fs1:red/8PyT3GVRRTaf4KY5TUEkAg] the following indices have unassigned primary shards and cannot be "
            "included in a snapshot unless [partial] is set to [true]: [red]; for help with troubleshooting unassigned "
            "shards see https://www.elastic.co/guide/en/elasticsearch/reference/8.19/red-yellow-cluster-status.html",
            None,
            "set partial: true",
        ),
        # Elasticsearch 7.10.2's and 8.19.21's and OpenSearch 2.19.6's answer (measured on their integ-test-zips)
        (500, "[nightly] repository type [s3] does not exist", None, "install the repository-s3 plugin on every node"),
        (500, "[nightly] repository type [hdfs] does not exist", None, "no repository type hdfs, or register a type"),
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


# Real answers of Amazon OpenSearch Service, verbatim, with where they are quoted (docs/design.md,
# "AWS's answers and their sources"). Each must get its own fix, never a generic one.
SERVICE_ROLE_SESSION = "arn:aws:sts::480756163420:assumed-role/cp-sts-grant-role/swift-eu-west-1-prod-123456789012"
REAL_AWS_ANSWERS = [
    # elastic/curator PR #1416; the 401 that a generic hint would read as "set username and password"
    (401, {"Message": "settings.role_arn is needed for snapshot registration."}, "aws_sigv4", "settings.role_arn"),
    (401, {"Message": "settings.role_arn is needed for snapshot registration."}, "basic", "settings.role_arn"),
    # mobz/elasticsearch-head#273; opentargets/issues#532 (the payload form)
    (401, {"Message": "Your request: '/_cluster/state' is not allowed."}, "aws_sigv4", "does not allow"),
    (401, {"Message": "Your request: '/_cluster/settings' payload is not allowed."}, "basic", "does not allow"),
    # AWS developer guide, "Creating index snapshots" > Permissions (no suffix)
    (
        403,
        {"Message": f"User: {USER} is not authorized to perform: iam:PassRole on resource: {ROLE}"},
        "aws_sigv4",
        f"grant it iam:PassRole on {ROLE}",
    ),
    # IAM User Guide, "Troubleshoot access denied error messages": the implicit and explicit forms
    (
        403,
        {
            "Message": f"User: {USER} is not authorized to perform: iam:PassRole on resource: {ROLE} because no "
            "identity-based policy allows the iam:PassRole action"
        },
        "aws_sigv4",
        f"grant it iam:PassRole on {ROLE}",
    ),
    (
        403,
        {
            "Message": f"User: {USER} is not authorized to perform: iam:PassRole on resource: {ROLE} with an explicit "
            "deny in an identity-based policy"
        },
        "aws_sigv4",
        "explicit Deny",
    ),
    # AWS re:Post, "How do I troubleshoot fine-grained access control issues" (through Dashboards or basic auth)
    (403, {"Message": "User: anonymous is not authorized to perform: iam:PassRole"}, "basic", "manage_snapshots"),
    # aws-samples/siem-on-amazon-opensearch-service#471 (the current suffix)
    (
        403,
        {
            "Message": "User: anonymous is not authorized to perform: es:ESHttpGet because no resource-based policy "
            "allows the es:ESHttpGet action"
        },
        "none",
        "auth_type: aws_sigv4",
    ),
    (
        403,
        {
            "Message": f"User: {USER} is not authorized to perform: es:ESHttpGet because no resource-based policy "
            "allows the es:ESHttpGet action"
        },
        "aws_sigv4",
        f"Allow es:ESHttpGet for {USER}",
    ),
    # the service could not assume the snapshot role (reason as quoted in public notes; the body's shape is
    # OpenSearch's error JSON)
    (
        500,
        {
            "error": {
                "type": "a_w_s_security_token_service_exception",
                "reason": f"User: {SERVICE_ROLE_SESSION} is "
                f"not authorized to perform: sts:AssumeRole on resource: {ROLE} (Service: AWSSecurityTokenService; Status "
                "Code: 403; Error Code: AccessDenied; Request ID: 1)",
            },
            "status": 500,
        },
        "aws_sigv4",
        "trust policy",
    ),
    # opensearch-project/OpenSearch#2022: restore under fine-grained access control
    (
        403,
        {
            "error": {
                "root_cause": [
                    {
                        "type": "security_exception",
                        "reason": "no permissions for [] and User [name=admin, backend_roles=[], requestedTenant=null]",
                    }
                ],
                "type": "security_exception",
                "reason": "no permissions for [] and User [name=admin, backend_roles=[], requestedTenant=null]",
            },
            "status": 403,
        },
        "basic",
        ".opendistro_security",
    ),
    # vectordotdev/vector#2403 (lower case, trailing space); IAM User Guide (capital R)
    (403, {"message": "Credential should be scoped to a valid region, not 'custom'. "}, "aws_sigv4", "set region"),
    (403, {"message": "Credential should be scoped to a valid Region, not 'custom'. "}, "aws_sigv4", "set region"),
    # AWS developer guide 2021-2023 (migration to another Region)
    (
        500,
        {
            "error": {
                "type": "repository_verification_exception",
                "reason": "The bucket is in this region: us-east-2. Please use this region to retry the request.",
            },
            "status": 500,
        },
        "aws_sigv4",
        "s3.amazonaws.com",
    ),
]


@pytest.mark.parametrize("status, body, auth_type, fix", REAL_AWS_ANSWERS)
def test_real_aws_answers_get_their_own_fix(status, body, auth_type, fix):
    hint = explain(status, parse_error(body)[1], auth_type, body)
    assert hint is not None and fix in hint
    if status == 401:
        assert "username and password" not in hint


@pytest.mark.parametrize("auth_type", ["basic", "none"])
def test_a_generic_401_of_the_cluster_still_asks_for_credentials(auth_type):
    body = {"error": {"type": "security_exception", "reason": "Unauthorized"}, "status": 401}
    assert "username and password" in explain(401, parse_error(body)[1], auth_type, body)


def test_a_rejected_login_names_the_user():
    hint = explain(401, "Unauthorized", "basic", "Unauthorized", "snapshot-bot")
    assert hint == "The cluster rejected user 'snapshot-bot' or its password: check username and password"


def test_an_aws_message_401_that_is_not_known_gets_no_credentials_hint():
    body = {"Message": "Something else entirely."}
    assert explain(401, parse_error(body)[1], "basic", body) is None


# Elasticsearch 7.10.2 and OpenSearch 2.19.6 reading (readonly fs) a repository Elasticsearch 8.19.21 wrote: measured
UNREADABLE = {
    "error": {
        "root_cause": [{"type": "parsing_exception", "reason": "Failed to parse object: unknown field [uuid] found"}],
        "type": "repository_exception",
        "reason": "[from-es8] Unexpected exception when loading repository data",
        "caused_by": {"type": "parsing_exception", "reason": "Failed to parse object: unknown field [uuid] found"},
    },
    "status": 500,
}


def test_a_repository_another_engine_wrote_is_named_as_such():
    hint = explain(500, parse_error(UNREADABLE)[1], None, UNREADABLE)
    assert hint and "another engine or a newer version wrote it" in hint


def test_other_failures_to_load_repository_data_are_not_blamed_on_the_engine():
    body = {
        "error": {
            "type": "repository_exception",
            "reason": "[r] Unexpected exception when loading repository data",
            "caused_by": {"type": "sdk_client_exception", "reason": "Unable to execute HTTP request"},
        }
    }
    assert explain(500, parse_error(body)[1], None, body) is None


# The security plugin's REST API (OpenSearch security 3.4.0.0: measured, docs/research/issue-15-secured-node.md
# section 5 and 7; the reserved/static/hidden texts from its EndpointValidator.java), through parse_error as the
# client reads them
SECURITY_API_ANSWERS = [
    (
        403,
        {
            "status": "FORBIDDEN",
            "message": "No permission to access REST API: User nosnap with Security roles [searchops_no_snapshots] does "
            "not have any role privileged for admin access. No client TLS certificate found in request",
        },
        "connect as a user with security admin rights",
    ),
    (
        400,
        {"error": "no handler found for uri [/_plugins/_security/api/rolesmapping/x] and method [GET]", "status": 400},
        "does not serve the security plugin's REST API",
    ),
    (404, {"status": "NOT_FOUND", "message": "role 'no_such_role' not found."}, "create the role first"),
    (403, {"status": "FORBIDDEN", "message": "Resource 'all_access' is reserved."}, "'all_access' is reserved"),
    (403, {"status": "FORBIDDEN", "message": "Resource 'x' is static."}, "'x' is static"),
    (404, {"status": "NOT_FOUND", "message": "Resource 'x' is not available."}, "'x' is hidden"),
]


@pytest.mark.parametrize("status, body, fix", SECURITY_API_ANSWERS)
def test_security_api_refusals_say_what_to_fix(status, body, fix):
    assert fix in explain(status, parse_error(body)[1], "basic", body)


def test_a_missing_mapping_is_not_explained_as_a_missing_role():
    assert explain(404, "rolesmapping 'nope' not found.", "basic") is None
