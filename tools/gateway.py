"""moto (S3, IAM, STS) and a domain gateway that behaves like an Amazon OpenSearch Service endpoint.

    python tools/gateway.py --moto-port 5000 --port 9250 --upstream http://127.0.0.1:9200

One process, so that the gateway verifies signatures against the very keys moto's IAM and
STS hand out (IAM users' keys, assume-role sessions with their tokens) and reads the same
IAM policies. tools/stack.py starts it; what it reproduces of AWS and what it does not is
listed in docs/design.md ("The domain gateway").
"""

import argparse
import datetime
import fnmatch
import hashlib
import hmac
import http.client
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

ACCOUNT_ID = "123456789012"  # moto's default account
TRUSTED_SERVICES = ("es.amazonaws.com", "opensearchservice.amazonaws.com")
MAX_SKEW = datetime.timedelta(minutes=5)
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<credential>[^,]+),\s*SignedHeaders=(?P<signed>[^,]+),\s*Signature=(?P<sig>[0-9a-f]{64})$"
)
_REPOSITORY_PATH = re.compile(r"^/_snapshot/(?P<name>[^/?]+)/?$")
_SNAPSHOT_LISTING = re.compile(r"^/_snapshot(?:/(?P<names>[^/?]+))?/?$")


class Denied(Exception):
    """A request AWS would refuse: status and the JSON body AWS answers with."""

    def __init__(self, status, body):
        super().__init__(body)
        self.status = status
        self.body = body


def message(text, status=403):
    return Denied(status, {"message": text})


def repository_error(name, reason, status=400):
    error = {"type": "repository_exception", "reason": f"[{name}] {reason}"}
    return Denied(status, {"error": {"root_cause": [error], **error}, "status": status})


# ---------------------------------------------------------------- identities (moto's IAM and STS)


class Identity:
    def __init__(self, arn, secret, policies, session_token=None, expires=None):
        self.arn = arn
        self.secret = secret
        self.policies = policies  # list of policy documents (dicts)
        self.session_token = session_token
        self.expires = expires


def moto_identity(access_key_id):
    """The identity behind an access key as moto knows it, or None."""
    from moto.iam.models import get_account_id_from, iam_backends
    from moto.sts.models import sts_backends

    account = get_account_id_from(access_key_id)
    iam = iam_backends[account]["aws"]
    key = iam.access_keys.get(access_key_id)
    if key is None or key.status != "Active":
        return None
    role_arn = getattr(key, "role_arn", None)
    if role_arn:
        session = sts_backends[account]["aws"].get_assumed_role_from_access_key(access_key_id)
        if session is None:
            return None
        try:
            role = iam.get_role_by_arn(role_arn)
            policies = entity_policies(role)
        except Exception:  # noqa: BLE001 - moto raises its own not-found types; a deleted role grants nothing
            policies = []
        return Identity(session.arn, key.secret_access_key, policies, session.session_token, session.expiration)
    user = iam.get_user(key.user_name)
    policies = entity_policies(user)
    for group in iam.get_groups_for_user(user.name):
        policies += entity_policies(group)
    return Identity(user.arn, key.secret_access_key, policies)


def entity_policies(entity):
    documents = [json.loads(doc) if isinstance(doc, str) else doc for doc in entity.policies.values()]
    for managed in entity.managed_policies.values():
        version = next(v for v in managed.versions if v.version_id == managed.default_version_id)
        documents.append(json.loads(version.document) if isinstance(version.document, str) else version.document)
    return documents


def moto_role(role_arn):
    from moto.iam.models import iam_backends

    try:
        return iam_backends[ACCOUNT_ID]["aws"].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 - moto's IAMNotFoundException and friends
        return None


# ---------------------------------------------------------------- policy evaluation


def _listed(value):
    return value if isinstance(value, list) else [value]


def _statements(document):
    return _listed(document.get("Statement", []))


def _match(patterns, value, case_sensitive):
    for pattern in _listed(patterns):
        if case_sensitive and fnmatch.fnmatchcase(value, pattern):
            return True
        if not case_sensitive and fnmatch.fnmatchcase(value.lower(), pattern.lower()):
            return True
    return False


def _applies(statement, action, resource, context):
    if not _conditions_hold(statement.get("Condition", {}), context):
        return False  # a condition that fails, or that this gateway does not evaluate: neither allows nor denies
    if "Action" in statement:
        action_ok = _match(statement["Action"], action, case_sensitive=False)
    else:
        action_ok = "NotAction" in statement and not _match(statement["NotAction"], action, case_sensitive=False)
    if "Resource" in statement:
        resource_ok = _match(statement["Resource"], resource, case_sensitive=True)
    else:
        resource_ok = "NotResource" in statement and not _match(statement["NotResource"], resource, case_sensitive=True)
    return action_ok and resource_ok


def allowed(policies, action, resource, context=None):
    """Identity-based evaluation: an explicit Deny wins, else any Allow, else implicit deny.
    context: the request's condition keys (names in any case), e.g. iam:PassedToService."""
    context = {key.lower(): value for key, value in (context or {}).items()}
    effects = [s.get("Effect") for doc in policies for s in _statements(doc) if _applies(s, action, resource, context)]
    return "Deny" not in effects and "Allow" in effects


def trusts_service(trust_policy, source_account, source_arn):
    """Whether a role's trust policy lets the search service assume it for this domain."""
    document = json.loads(trust_policy) if isinstance(trust_policy, str) else trust_policy
    context = {"aws:sourceaccount": source_account, "aws:sourcearn": source_arn}
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        if not _match(statement.get("Action", []), "sts:AssumeRole", case_sensitive=False):
            continue
        principal = statement.get("Principal", {})
        services = _listed(principal.get("Service", [])) if isinstance(principal, dict) else []
        if not any(service in TRUSTED_SERVICES for service in services):
            continue
        if _conditions_hold(statement.get("Condition", {}), context):
            return True
    return False


def _conditions_hold(conditions, context):
    for operator, entries in conditions.items():
        for key, expected in entries.items():
            actual = context.get(key.lower())
            if actual is None:
                return False
            if operator in ("StringEquals", "ArnEquals"):
                if actual not in _listed(expected):
                    return False
            elif operator in ("StringLike", "ArnLike"):
                if not _match(expected, actual, case_sensitive=True):
                    return False
            else:
                return False  # an operator this gateway does not evaluate never holds
    return True


# ---------------------------------------------------------------- SigV4


class _Verifier(SigV4Auth):
    """botocore's signer, restricted to the headers the client said it signed."""

    def __init__(self, credentials, service, region, signed_headers):
        super().__init__(credentials, service, region)
        self._signed = signed_headers

    def headers_to_sign(self, request):
        headers = HTTPHeaders()
        for name, value in request.headers.items():
            if name.lower() in self._signed:
                headers[name.lower()] = value
        return headers


def verify_sigv4(method, raw_path, headers, body, region, lookup, now=None):
    """The Identity that signed the request, or Denied with AWS's answer.

    headers: dict with lower-case names. lookup(access_key_id) -> Identity or None.
    """
    verb = method.capitalize()
    authorization = headers.get("authorization")
    if not authorization:
        raise Denied(403, {"Message": f"User: anonymous is not authorized to perform: es:ESHttp{verb}"})
    match = _AUTH.match(authorization.strip())
    if not match:
        raise message(f"Authorization header is not a valid AWS4-HMAC-SHA256 signature: {authorization.split(' ')[0]}")
    parts = match["credential"].split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise message("Credential should be scoped with a valid terminator: 'aws4_request'. ")
    access_key_id, scope_date, scope_region, scope_service = parts[:4]
    if scope_region != region:
        raise message(f"Credential should be scoped to a valid region, not '{scope_region}'. ")
    if scope_service != "es":
        raise message("Credential should be scoped to correct service: 'es'. ")
    amz_date = headers.get("x-amz-date")
    if not amz_date:
        raise message("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    try:
        timestamp = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise message("The X-Amz-Date header is not in the ISO8601 basic format.") from None
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if abs(now - timestamp) > MAX_SKEW:
        stamp = "%Y%m%dT%H%M%SZ"
        raise message(
            f"Signature expired: {amz_date} is now earlier than {(now - MAX_SKEW).strftime(stamp)} "
            f"({now.strftime(stamp)} - 5 min.)"
            if timestamp < now
            else f"Signature not yet current: {amz_date} is still later than {(now + MAX_SKEW).strftime(stamp)} "
            f"({now.strftime(stamp)} + 5 min.)"
        )
    if scope_date != amz_date[:8]:
        raise message("Credential should be scoped to a valid date. ")
    signed = set(match["signed"].lower().split(";"))
    if "host" not in signed:
        raise message("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    content_hash = headers.get("x-amz-content-sha256")
    if content_hash and content_hash != hashlib.sha256(body).hexdigest():
        raise Denied(400, {"message": "The provided 'x-amz-content-sha256' header does not match what was computed."})

    identity = lookup(access_key_id)
    if identity is None:
        raise message("The security token included in the request is invalid.")
    if identity.session_token is not None:
        if headers.get("x-amz-security-token") != identity.session_token:
            raise message("The security token included in the request is invalid.")
        if identity.expires and identity.expires.replace(tzinfo=datetime.timezone.utc) < now:
            raise message("The security token included in the request is expired")

    request = AWSRequest(method=method, url=f"http://{headers['host']}{raw_path}", data=body)
    for name in signed:
        if name in headers:
            request.headers[name] = headers[name]
    request.context["timestamp"] = amz_date
    verifier = _Verifier(Credentials(access_key_id, identity.secret), "es", region, signed)
    expected = verifier.signature(verifier.string_to_sign(request, verifier.canonical_request(request)), request)
    if not hmac.compare_digest(expected, match["sig"]):
        raise message(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            "Access Key and signing method. Consult the service documentation for details."
        )
    return identity


def authorize_http(identity, method, domain_arn, path):
    """The domain's access policy delegates to IAM (account root as principal): the signing
    identity needs es:ESHttp<Verb> on the domain's sub-resource for the path."""
    action = f"es:ESHttp{method.capitalize()}"
    if not allowed(identity.policies, action, f"{domain_arn}{path}"):
        raise Denied(
            403,
            {
                "Message": f"User: {identity.arn} is not authorized to perform: {action} because no identity-based policy allows the {action} action"
            },
        )


# ---------------------------------------------------------------- repository registration


class Repositories:
    """role_arn of each registered S3 repository, kept so GET answers with the full settings as AWS does."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.roles = json.loads(path.read_text()) if path.exists() else {}

    def set(self, name, role_arn):
        with self.lock:
            self.roles[name] = role_arn
            self._save()

    def forget(self, names):
        with self.lock:
            for name in names:
                self.roles.pop(name, None)
            self._save()

    def _save(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.roles, indent=2))


# The condition keys of the registration's PassRole check. AWS documents no iam:PassedToService
# value for snapshot roles: es.amazonaws.com is our inference (docs/design.md, issue 13 item 6).
PASS_ROLE_CONTEXT = {"iam:PassedToService": "es.amazonaws.com"}


def check_registration(name, body, identity, domain_arn, role_lookup=moto_role):
    """AWS's checks on PUT/POST _snapshot/<name>; returns (body to forward, role_arn or None)."""
    if name.startswith("cs-"):
        raise repository_error(name, "repository names starting with 'cs-' are reserved for automated snapshots")
    try:
        definition = json.loads(body or b"{}")
    except ValueError:
        return body, None  # OpenSearch answers malformed bodies itself
    if definition.get("type") != "s3":
        return body, None
    settings = dict(definition.get("settings") or {})
    role_arn = settings.pop("role_arn", None)
    if not role_arn:
        raise repository_error(
            name, "settings.role_arn is required: Amazon OpenSearch Service accesses the bucket by assuming that role"
        )
    if not allowed(identity.policies, "iam:PassRole", role_arn, PASS_ROLE_CONTEXT):
        raise message(f"User: {identity.arn} is not authorized to perform: iam:PassRole on resource: {role_arn}")
    role = role_lookup(role_arn)
    if role is None:
        raise repository_error(name, f"the role {role_arn} does not exist", status=500)
    if not trusts_service(role.assume_role_policy_document, ACCOUNT_ID, domain_arn):
        raise repository_error(
            name,
            f"the service could not assume {role_arn}: its trust policy does not allow es.amazonaws.com "
            "to perform sts:AssumeRole for this domain",
            status=500,
        )
    definition["settings"] = settings
    return json.dumps(definition).encode(), role_arn


# ---------------------------------------------------------------- HTTP


class Gateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, upstream, region, domain_arn, repositories, lookup=moto_identity):
        super().__init__(address, Handler)
        self.upstream = urlsplit(upstream)
        self.region = region
        self.domain_arn = domain_arn
        self.repositories = repositories
        self.lookup = lookup


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_request(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        gateway = self.server
        path = urlsplit(self.path).path
        try:
            identity = verify_sigv4(self.command, self.path, headers, body, gateway.region, gateway.lookup)
            authorize_http(identity, self.command, gateway.domain_arn, path)
            role_arn = None
            match = _REPOSITORY_PATH.match(path)
            if match and self.command in ("PUT", "POST"):
                body, role_arn = check_registration(unquote(match["name"]), body, identity, gateway.domain_arn)
            status, content_type, payload = self.forward(body, headers)
            if 200 <= status < 300:
                payload = self.after(path, match, role_arn, payload)
        except Denied as denied:
            status, content_type, payload = denied.status, "application/json", json.dumps(denied.body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_request

    def forward(self, body, headers):
        upstream = self.server.upstream
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=300)
        forwarded = {"Content-Type": headers.get("content-type", "application/json")} if body else {}
        try:
            conn.request(self.command, self.path, body=body or None, headers=forwarded)
            response = conn.getresponse()
            return response.status, response.getheader("Content-Type", "application/json"), response.read()
        except OSError as err:
            raise Denied(502, {"message": f"the domain's node is unreachable: {err}"}) from None
        finally:
            conn.close()

    def after(self, path, registration, role_arn, payload):
        """Keep role_arn for registered repositories and show it on reads, as AWS does."""
        repositories = self.server.repositories
        if registration and self.command in ("PUT", "POST") and role_arn:
            repositories.set(unquote(registration["name"]), role_arn)
        elif registration and self.command == "DELETE":
            repositories.forget([unquote(registration["name"])])
        elif self.command == "GET" and _SNAPSHOT_LISTING.match(path):
            listing = json.loads(payload)
            for name, definition in listing.items():
                if name in repositories.roles and isinstance(definition, dict):
                    definition.setdefault("settings", {})["role_arn"] = repositories.roles[name]
            payload = json.dumps(listing).encode()
        return payload

    def log_message(self, format, *args):  # noqa: A002 - BaseHTTPRequestHandler's signature
        sys.stdout.write(f"gateway: {self.address_string()} {format % args}\n")
        sys.stdout.flush()


OPERATOR = "searchops-operator"
# What a platform engineer's deployment identity usually has: everything but iam:PassRole, so
# that registering a repository with role_arn works only once snapshot_iam granted PassRole.
OPERATOR_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "NotAction": "iam:PassRole", "Resource": "*"}],
}


def create_operator(moto_url, region, path):
    """The identity the demo and the local inventory run as: an IAM user in moto whose keys go to
    `path` (mode 0600). moto keeps state in memory, so every start creates it afresh."""
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=moto_url,
        region_name=region,
        aws_access_key_id="bootstrap",
        aws_secret_access_key="bootstrap",
    )
    user = iam.create_user(UserName=OPERATOR)["User"]
    iam.put_user_policy(UserName=OPERATOR, PolicyName="operator", PolicyDocument=json.dumps(OPERATOR_POLICY))
    key = iam.create_access_key(UserName=OPERATOR)["AccessKey"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        json.dump({"arn": user["Arn"], "access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"]}, out)


def main(argv=None):
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--moto-port", type=int, default=5000)
    parser.add_argument("--port", type=int, default=9250)
    parser.add_argument("--upstream", default="http://127.0.0.1:9200")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--domain", default="searchops-local")
    parser.add_argument("--state", type=Path, required=True, help="folder for the gateway's repository records")
    parser.add_argument("--operator", type=Path, required=True, help="where to write the operator's keys")
    args = parser.parse_args(argv)

    moto = ThreadedMotoServer(ip_address=args.host, port=args.moto_port, verbose=True)
    moto.start()
    create_operator(f"http://{args.host}:{args.moto_port}", args.region, args.operator)
    domain_arn = f"arn:aws:es:{args.region}:{ACCOUNT_ID}:domain/{args.domain}"
    gateway = Gateway(
        (args.host, args.port), args.upstream, args.region, domain_arn, Repositories(args.state / "repositories.json")
    )
    print(f"gateway for {domain_arn} on http://{args.host}:{args.port} -> {args.upstream}", flush=True)
    gateway.serve_forever()


if __name__ == "__main__":
    main()
