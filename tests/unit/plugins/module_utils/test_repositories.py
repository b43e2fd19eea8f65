import pytest

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import (
    ConfigurationError,
    ConnectionFailure,
    HTTPError,
    parse_error,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._repositories import (
    flatten,
    may_be_iam_propagation,
    normalize_value,
    repository_differs,
    validate_repository_name,
)


@pytest.mark.parametrize(
    "a, b",
    [
        (True, "true"),
        ("TRUE", "true"),
        (False, "false"),
        (5, "5"),
        (5.0, "5"),
        ("1.50", 1.5),
        ("1gb", "1024mb"),
        ("1GB", "1073741824b"),
        ("512kb", "0.5mb"),
        ("60s", "1m"),
        ("1000ms", "1s"),
        ("1d", "24h"),
        (["a", 1], ["a", "1"]),
        ("bucket-A", "bucket-A"),
    ],
)
def test_equal_spellings_normalize_alike(a, b):
    assert normalize_value(a) == normalize_value(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("true", "false"),
        ("5", "50"),
        ("1gb", "1000mb"),
        ("1m", "1mb"),
        ("Logs", "logs"),
        ("", "0"),
    ],
)
def test_different_values_stay_different(a, b):
    assert normalize_value(a) != normalize_value(b)


def test_flatten_nested_settings():
    assert flatten({"a": {"b": 1, "c": {"d": "x"}}, "e": 2}) == {"a.b": 1, "a.c.d": "x", "e": 2}


S3 = {"type": "s3", "settings": {"bucket": "b", "compress": True, "chunk_size": "1gb", "max_retries": 3}}


@pytest.mark.parametrize(
    "current, differs",
    [
        (None, True),
        (
            {"type": "s3", "settings": {"bucket": "b", "compress": "true", "chunk_size": "1024mb", "max_retries": "3"}},
            False,
        ),
        (
            {"type": "fs", "settings": {"bucket": "b", "compress": "true", "chunk_size": "1gb", "max_retries": "3"}},
            True,
        ),
        (
            {"type": "s3", "settings": {"bucket": "c", "compress": "true", "chunk_size": "1gb", "max_retries": "3"}},
            True,
        ),
        # a setting on the server that the user no longer gives is removed by re-registering
        (
            {
                "type": "s3",
                "settings": {
                    "bucket": "b",
                    "compress": "true",
                    "chunk_size": "1gb",
                    "max_retries": "3",
                    "readonly": "true",
                },
            },
            True,
        ),
        ({"type": "s3", "settings": {"bucket": "b", "compress": "true", "chunk_size": "1gb"}}, True),
    ],
)
def test_repository_differs(current, differs):
    assert repository_differs(S3, current) is differs


def test_nested_and_dotted_settings_are_the_same():
    desired = {"type": "s3", "settings": {"s3": {"client": "x"}}}
    assert not repository_differs(desired, {"type": "s3", "settings": {"s3.client": "x"}})


@pytest.mark.parametrize("name", ["nightly", "logs-2026", "a.b_c", "UPPER", "...", "é"])
def test_valid_repository_names(name):
    validate_repository_name(name, on_aws=True)


@pytest.mark.parametrize(
    "name, on_aws, message",
    [
        ("", False, "empty"),
        ("_all", False, "start with '_'"),
        ("a/b", False, "'/'"),
        ("a b", False, "' '"),
        ("a,b", False, "','"),
        ("*", False, "'\\*'"),
        (".", False, "path segment"),
        ("..", False, "path segment"),
        ("cs-automated", True, "reserved on Amazon OpenSearch Service"),
    ],
)
def test_invalid_repository_names(name, on_aws, message):
    with pytest.raises(ConfigurationError, match=message):
        validate_repository_name(name, on_aws)


def test_cs_prefix_allowed_off_aws():
    validate_repository_name("cs-local", on_aws=False)


# ------------------------------------------------- verification right after the role was created (issue 13, item 7)

# terraform-provider-opensearch#133 (AWS OpenSearch 2.11, real): the definition was stored all the same
NOT_ACCESSIBLE = "[test] path  is not accessible on cluster-manager node"
# the service's STS session refused (real reason text; nested as OpenSearch nests causes: inferred)
ASSUME_ROLE = (
    "User: arn:aws:sts::111122223333:assumed-role/cp-sts-grant-role/swift-eu-west-1-prod-123456789012 is not "
    "authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/snapshots (Service: "
    "AWSSecurityTokenService; Status Code: 403; Error Code: AccessDenied; Request ID: some-id)"
)
# elastic/cloud-on-k8s#7208 (real): S3 AccessDenied while verifying
S3_DENIED = (
    "Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: X; S3 Extended "
    "Request ID: Y; Proxy: null)"
)


def verification_error(*causes, error_type="repository_verification_exception", reason=NOT_ACCESSIBLE, status=500):
    error = {"root_cause": [{"type": error_type, "reason": reason}], "type": error_type, "reason": reason}
    inner = error
    for cause_type, cause_reason in causes:
        inner["caused_by"] = {"type": cause_type, "reason": cause_reason}
        inner = inner["caused_by"]
    body = {"error": error, "status": status}
    return HTTPError("POST", "http://x/_snapshot/test/_verify", status, *parse_error(body), body)


@pytest.mark.parametrize(
    "err",
    [
        verification_error(("a_w_s_security_token_service_exception", ASSUME_ROLE)),
        verification_error(
            ("i_o_exception", "Unable to upload object [tests-x/master.dat] using a single upload"),
            ("amazon_s3_exception", S3_DENIED),
        ),
    ],
)
def test_a_role_not_usable_yet_may_be_iam_propagation(err):
    assert may_be_iam_propagation(err)


@pytest.mark.parametrize(
    "err",
    [
        # no cause given: nothing says it is the role
        verification_error(),
        # the local OpenSearch 3.6.0 node, bucket missing
        verification_error(
            ("i_o_exception", "Unable to upload object [tests-x/master.dat] using a single upload"),
            ("no_such_bucket_exception", "The specified bucket does not exist (Service: S3, Status Code: 404)"),
        ),
        # an AccessDenied text that is not a verification failure
        verification_error(error_type="security_exception", reason=f"no permissions: {S3_DENIED}", status=403),
        ConnectionFailure("connection refused"),
    ],
)
def test_other_failures_are_not_iam_propagation(err):
    assert not may_be_iam_propagation(err)
