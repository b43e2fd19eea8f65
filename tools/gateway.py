"""moto (S3, IAM, STS) and a domain gateway that behaves like an Amazon OpenSearch Service endpoint.

    python tools/gateway.py --moto-port 5000 --port 9250 --upstream http://127.0.0.1:9200

One process, so that the gateway verifies signatures against the very keys moto's IAM and
STS hand out (IAM users' keys, assume-role sessions with their tokens) and reads the same
IAM policies. tools/stack.py starts it; what it reproduces of AWS and what it does not is
listed in docs/design.md ("The domain gateway").
"""

import argparse
import datetime
import email.utils
import fnmatch
import hashlib
import hmac
import http.client
import json
import os
import re
import ssl
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

ACCOUNT_ID = "123456789012"  # moto's default account
# the account of the second domain (--other-port): a migration target in another account
OTHER_ACCOUNT_ID = "210987654321"
# the only principal AWS documents for the snapshot role's trust policy (research: §11)
TRUSTED_SERVICE = "es.amazonaws.com"
# The account of the service's own session that assumes snapshot roles
# (arn:aws:sts::<it>:assumed-role/cp-sts-grant-role/swift-<region>-prod-<customer account>): AWS's is
# per region and not published, so this one is the gateway's stand-in.
SERVICE_ACCOUNT = "000000000000"
MAX_SKEW = datetime.timedelta(minutes=5)
ALGORITHM = "AWS4-HMAC-SHA256"
# The repository of automated snapshots of a domain that encrypts data at rest, and the moto bucket behind it.
AUTOMATED = "cs-automated-enc"
AUTOMATED_BUCKET = "searchops-gateway-automated"
_REPOSITORY_PATH = re.compile(r"^/_snapshot/(?P<name>[^/?]+)/?$")
_SNAPSHOT_PATH = re.compile(r"^/_snapshot/(?P<name>[^/?]+)(?P<rest>/.*)?$")
_RESTORE = re.compile(r"^/[^/]+/_restore/?$")
_SNAPSHOT_LISTING = re.compile(r"^/_snapshot(?:/(?P<names>[^/?]+))?/?$")
_VERIFY_PATH = re.compile(r"^/_snapshot/(?P<name>[^/?]+)/_verify/?$")


class Denied(Exception):
    """A request AWS would refuse: status and the JSON body AWS answers with."""

    def __init__(self, status, body):
        super().__init__(body)
        self.status = status
        self.body = body


def message(text, status=403):
    """The SigV4 layer's answers: lower-case `message` (research §7)."""
    return Denied(status, {"message": text})


def front_end(text, status=403):
    """The AWS front end's answers: capital `Message` (research §1-4)."""
    return Denied(status, {"Message": text})


def not_authorized(user, action, resource, effect, policy_kind):
    """IAM's wording: an explicit Deny names the identity-based policy; otherwise no policy of the kind
    that decides (identity-based for iam:PassRole, the domain's resource-based policy for es:ESHttp*) allows it."""
    if effect == "Deny":
        return front_end(
            f"User: {user} is not authorized to perform: {action} on resource: {resource} "
            "with an explicit deny in an identity-based policy"
        )
    on = f" on resource: {resource}" if policy_kind == "identity-based" else ""
    return front_end(
        f"User: {user} is not authorized to perform: {action}{on} because no {policy_kind} policy allows the {action} action"
    )


# ---------------------------------------------------------------- identities (moto's IAM and STS)


class Identity:
    def __init__(self, arn, secret, policies, session_token=None, expires=None, role_arn=None):
        self.arn = arn
        self.secret = secret
        self.policies = policies  # list of policy documents (dicts)
        self.session_token = session_token
        self.expires = expires
        self.role_arn = role_arn  # the assumed role's ARN (path included) for an assume-role session


# An unsigned request (basic auth, or no credentials) as AWS names it in IAM's answers.
ANONYMOUS = Identity("anonymous", None, [])


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
        return Identity(
            session.arn, key.secret_access_key, policies, session.session_token, session.expiration, role_arn
        )
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
    """The role in the account its ARN names (a domain may be given a role of any account; the trust decides)."""
    from moto.iam.models import iam_backends

    try:
        return iam_backends[role_arn.split(":")[4]]["aws"].get_role_by_arn(role_arn)
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


def decision(policies, action, resource, context=None):
    """Identity-based evaluation: "Deny" (an explicit Deny wins), else "Allow", else None (implicit deny).
    context: the request's condition keys (names in any case), e.g. iam:PassedToService."""
    context = {key.lower(): value for key, value in (context or {}).items()}
    effects = [s.get("Effect") for doc in policies for s in _statements(doc) if _applies(s, action, resource, context)]
    return "Deny" if "Deny" in effects else ("Allow" if "Allow" in effects else None)


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
        if TRUSTED_SERVICE not in services:
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
    """botocore's signer, restricted to the headers the client said it signed, hashing the body it
    received (as AWS's es endpoint does) rather than trusting x-amz-content-sha256."""

    def __init__(self, credentials, service, region, signed_headers, body):
        super().__init__(credentials, service, region)
        self._signed = signed_headers
        self._body = body

    def headers_to_sign(self, request):
        headers = HTTPHeaders()
        for name, value in request.headers.items():
            if name.lower() in self._signed:
                headers[name.lower()] = value
        return headers

    def canonical_request(self, request):
        head = super().canonical_request(request).rsplit("\n", 1)[0]
        return f"{head}\n{hashlib.sha256(self._body).hexdigest()}"


def authorization_parameters(authorization):
    """{name: value} of an AWS4-HMAC-SHA256 Authorization header, or Denied with AWS's text."""
    params = {}
    for part in authorization[len(ALGORITHM) :].split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise message(
                f"'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: '{authorization}'"
            )
        name, value = part.split("=", 1)
        params[name] = value
    return params


def request_time(headers):
    """(X-Amz-Date as sent or the Date header in ISO 8601 basic form, its datetime), or (None, None)."""
    amz_date = headers.get("x-amz-date")
    if amz_date:
        try:
            return amz_date, datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc
            )
        except ValueError:
            raise message("The X-Amz-Date header is not in the ISO8601 basic format.") from None
    if headers.get("date"):
        try:
            timestamp = email.utils.parsedate_to_datetime(headers["date"]).astimezone(datetime.timezone.utc)
        except (TypeError, ValueError):
            raise message("The Date header is not a valid HTTP date.") from None
        return timestamp.strftime("%Y%m%dT%H%M%SZ"), timestamp
    return None, None


def verify_sigv4(method, raw_path, headers, body, region, lookup, now=None):
    """The Identity that signed the request, or Denied with AWS's answer.

    headers: dict with lower-case names. lookup(access_key_id) -> Identity or None.
    """
    verb = method.capitalize()
    authorization = headers.get("authorization")
    if not authorization:
        raise front_end(
            f"User: anonymous is not authorized to perform: es:ESHttp{verb} because no resource-based policy "
            f"allows the es:ESHttp{verb} action"
        )
    authorization = authorization.strip()
    if authorization.split(" ", 1)[0] != ALGORITHM:
        raise message(f"Authorization header is not a valid {ALGORITHM} signature: {authorization.split(' ')[0]}")
    params = authorization_parameters(authorization)
    amz_date, timestamp = request_time(headers)
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if name not in params
    ]
    if amz_date is None:
        missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    if missing:
        raise message(f"{' '.join(missing)} Authorization={authorization}")
    parts = params["Credential"].split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise message("Credential should be scoped with a valid terminator: 'aws4_request'. ")
    access_key_id, scope_date, scope_region, scope_service = parts[:4]
    if scope_region != region:
        raise message(f"Credential should be scoped to a valid region, not '{scope_region}'. ")
    if scope_service != "es":
        raise message("Credential should be scoped to correct service: 'es'. ")
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
        raise message(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{scope_date}' != '{amz_date[:8]}', from '{amz_date}'."
        )
    signed = set(params["SignedHeaders"].lower().split(";"))
    if "host" not in signed:
        raise message("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")

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
    verifier = _Verifier(Credentials(access_key_id, identity.secret), "es", region, signed, body)
    canonical = verifier.canonical_request(request)
    string_to_sign = verifier.string_to_sign(request, canonical)
    if not hmac.compare_digest(verifier.signature(string_to_sign, request), params["Signature"]):
        raise message(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            "Access Key and signing method. Consult the service documentation for details.\n\n"
            f"The Canonical String for this request should have been\n'{canonical}'\n\n"
            f"The String-to-Sign should have been\n'{string_to_sign}'\n"
        )
    return identity


def authorize_http(identity, method, domain_arn, path):
    """The domain's access policy delegates to IAM (account root as principal): the signing
    identity needs es:ESHttp<Verb> on the domain's sub-resource for the path."""
    action = f"es:ESHttp{method.capitalize()}"
    resource = f"{domain_arn}{path}"
    effect = decision(identity.policies, action, resource)
    if effect != "Allow":
        raise not_authorized(identity.arn, action, resource, effect, "resource-based")


# ---------------------------------------------------------------- fine-grained access control (issue 15, item 3)


def signed(headers):
    """Whether the request carries a SigV4 Authorization header (else it is anonymous to AWS)."""
    return (headers.get("authorization") or "").strip().split(" ", 1)[0] == ALGORITHM


def fgac_user(identity):
    """(user name, backend roles) the security plugin sees for a signing identity on an Amazon OpenSearch
    Service domain with fine-grained access control: an IAM user is its user ARN with no backend role; an
    assume-role session is its role's ARN (path kept, not the STS session ARN), as user and as backend role
    (public captures: docs/design.md, "The domain gateway in front of fine-grained access control")."""
    if identity.role_arn:
        return identity.role_arn, [identity.role_arn]
    return identity.arn, []


def fgac_headers(identity, authorization, client_address):
    """The only identity headers the FGAC gateway sends to the node (everything the client sent under these
    names is dropped): a signing identity as the security plugin's proxy-authentication headers, an unsigned
    request with its own Authorization header (basic auth: the node's internal users decide; none: the
    node's own 401), and X-Forwarded-For with the client's address in both cases."""
    forwarded = {"X-Forwarded-For": client_address}
    if identity is None:
        if authorization:
            forwarded["Authorization"] = authorization
        return forwarded
    user, roles = fgac_user(identity)
    forwarded["X-Proxy-User"] = user
    if roles:
        forwarded["X-Proxy-Roles"] = ",".join(roles)
    return forwarded


class Fgac:
    """How the FGAC gateway reaches its node: HTTPS verified against `ca`, from `source_address` (the one
    address the node trusts as a proxy), the service's own requests with the admin certificate."""

    def __init__(self, ca, source_address, service_cert, service_key):
        self.source_address = source_address
        self.client_context = ssl.create_default_context(cafile=ca)
        self.service_context = ssl.create_default_context(cafile=ca)
        self.service_context.load_cert_chain(service_cert, service_key)


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


def assume_role_denied(role_arn, region, account=ACCOUNT_ID):
    """STS's AccessDenied as the node reports it when the service cannot assume the role: the same
    answer whether the role is missing or does not trust the service (STS does not say which).
    The error JSON's nesting and status 500 are inferred (research §5)."""
    error = sts_refusal(role_arn, region, account)
    return Denied(500, {"error": {"root_cause": [error], **error}, "status": 500})


def sts_refusal(role_arn, region, account):
    """The node's error for STS refusing the service's session the role (reason text: research §5)."""
    reason = (
        f"User: arn:aws:sts::{SERVICE_ACCOUNT}:assumed-role/cp-sts-grant-role/swift-{region}-prod-{account} is not "
        f"authorized to perform: sts:AssumeRole on resource: {role_arn} (Service: AWSSecurityTokenService; "
        f"Status Code: 403; Error Code: AccessDenied; Request ID: {uuid.uuid4()})"
    )
    return {"type": "a_w_s_security_token_service_exception", "reason": reason}


# The condition keys of the registration's PassRole check. AWS documents no iam:PassedToService
# value for snapshot roles: es.amazonaws.com is our inference (docs/design.md, issue 13 item 6).
PASS_ROLE_CONTEXT = {"iam:PassedToService": "es.amazonaws.com"}


def check_registration(name, body, identity, domain_arn, role_lookup=moto_role):
    """AWS's checks on PUT/POST _snapshot/<name>; returns (body to forward, role_arn or None).
    Repositories of type fs pass through (what AWS does with them is not known here)."""
    try:
        definition = json.loads(body or b"{}")
    except ValueError:
        return body, None  # OpenSearch answers malformed bodies itself
    if definition.get("type") != "s3":
        return body, None
    settings = dict(definition.get("settings") or {})
    role_arn = settings.pop("role_arn", None)
    if not role_arn:
        raise front_end("settings.role_arn is needed for snapshot registration.", status=401)
    effect = decision(identity.policies, "iam:PassRole", role_arn, PASS_ROLE_CONTEXT)
    if effect != "Allow":
        raise not_authorized(identity.arn, "iam:PassRole", role_arn, effect, "identity-based")
    role = role_lookup(role_arn)
    region, account = domain_arn.split(":", 5)[3:5]
    if role is None or not trusts_service(role.assume_role_policy_document, account, domain_arn):
        raise assume_role_denied(role_arn, region, account)
    definition["settings"] = settings
    return json.dumps(definition).encode(), role_arn


def check_service_repository(method, path):
    """The cs-* repositories are the service's (automated snapshots): clients may read them and
    restore from them; anything else, registering a cs-* name included, is refused. AWS's texts for
    these refusals are not published: this is its answer for APIs it blocks (research §2, §9)."""
    match = _SNAPSHOT_PATH.match(path)
    if not match or not unquote(match["name"]).startswith("cs-") or method in ("GET", "HEAD"):
        return
    if method == "POST" and _RESTORE.match(match["rest"] or ""):
        return
    raise front_end(f"Your request: '{path}' is not allowed.", status=401)


def client_listing(listing, roles):
    """A GET _snapshot answer as AWS shows it: role_arn added back to the repositories registered
    through the gateway, and the service's cs-* repositories as their type alone."""
    shown = {}
    for name, definition in listing.items():
        if name.startswith("cs-") and isinstance(definition, dict):
            definition = {"type": definition.get("type")}
        elif name in roles and isinstance(definition, dict):
            definition = dict(definition, settings=dict(definition.get("settings") or {}, role_arn=roles[name]))
        shown[name] = definition
    return shown


# ---------------------------------------------------------------- IAM propagation (issue 13, item 7)

# A role tagged with this key (value: seconds) cannot be used by the service until that long after
# its creation: the gateway's stand-in for IAM's eventual consistency (tests set it per role).
PROPAGATION_TAG = "searchops-gateway:propagation-seconds"


def propagating(role, now=None):
    """Whether the service cannot use the role yet (its PROPAGATION_TAG delay since creation has not
    passed; an untagged role is usable at once). moto keeps create_date as naive UTC."""
    delay = next((float(tag["Value"]) for tag in role.tags or () if tag.get("Key") == PROPAGATION_TAG), 0.0)
    now = now or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return now < role.create_date + datetime.timedelta(seconds=delay)


def not_usable_yet(name, role_arn, base_path, region, account=ACCOUNT_ID):
    """AWS's answer to verifying a repository whose role the service cannot assume yet: the
    top-level text is real (terraform-provider-opensearch#133), the STS refusal inside it is AWS's
    reason text, nested as OpenSearch nests causes (inferred); the path as OpenSearch 3.6 writes it."""
    reason = f"[{name}] path {f'[{base_path}]' if base_path else ''} is not accessible on cluster-manager node"
    error = {"type": "repository_verification_exception", "reason": reason}
    cause = sts_refusal(role_arn, region, account)
    return Denied(500, {"error": {"root_cause": [error], **error, "caused_by": cause}, "status": 500})


# ---------------------------------------------------------------- HTTP


class Gateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address, upstream, region, domain_arn, repositories, moto_url=None, lookup=moto_identity, fgac=None
    ):
        super().__init__(address, Handler)
        self.upstream = urlsplit(upstream)
        self.region = region
        self.domain_arn = domain_arn
        self.repositories = repositories
        self.moto_url = moto_url
        self.lookup = lookup
        self.fgac = fgac  # a Fgac: this domain has fine-grained access control (its access policy is open)
        self.automated_lock = threading.Lock()

    def connection(self, service):
        if self.fgac is None:
            return http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=300)
        return http.client.HTTPSConnection(
            self.upstream.hostname,
            self.upstream.port,
            timeout=300,
            context=self.fgac.service_context if service else self.fgac.client_context,
            source_address=(self.fgac.source_address, 0),
        )

    def upstream_request(self, method, path, body=b"", content_type="application/json", client_headers=None):
        """(status, content type, payload) of the node's answer. client_headers: a client's request forwarded
        with these headers; None: the service's own request."""
        conn = self.connection(service=client_headers is None)
        headers = dict(client_headers or {})
        if body:
            headers["Content-Type"] = content_type
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheader("Content-Type", "application/json"), response.read()
        except OSError as err:
            raise Denied(502, {"message": f"the domain's node is unreachable: {err}"}) from None
        finally:
            conn.close()

    def ensure_automated(self):
        """The repository of automated snapshots exists on the node, as on a domain that encrypts data at
        rest: registered by the gateway itself (the service's side), in a moto bucket of its own, under
        its real name cs-automated-enc. Checked on every _snapshot request, because the node loses it
        when tools/stack.py unregisters S3 repositories after moto (and its buckets) restarted."""
        with self.automated_lock:
            if self.upstream_request("GET", f"/_snapshot/{AUTOMATED}")[0] == 200:
                return
            import boto3

            s3 = boto3.client(
                "s3",
                endpoint_url=self.moto_url,
                region_name=self.region,
                aws_access_key_id="gateway",
                aws_secret_access_key="gateway",
            )
            if AUTOMATED_BUCKET not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
                s3.create_bucket(Bucket=AUTOMATED_BUCKET)
            settings = {"bucket": AUTOMATED_BUCKET}
            if self.fgac is not None:  # another cluster: a folder of its own in the bucket
                settings["base_path"] = self.domain_arn.rsplit("/", 1)[1]
            definition = {"type": "s3", "settings": settings}
            status, _type, payload = self.upstream_request(
                "PUT", f"/_snapshot/{AUTOMATED}", json.dumps(definition).encode()
            )
            if status != 200:
                sys.stdout.write(f"gateway: could not register {AUTOMATED} on the node: {status} {payload[:300]!r}\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_request(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        gateway = self.server
        path = urlsplit(self.path).path
        try:
            identity = None
            if gateway.fgac is None or signed(headers):
                identity = verify_sigv4(self.command, self.path, headers, body, gateway.region, gateway.lookup)
            if gateway.fgac is None:
                authorize_http(identity, self.command, gateway.domain_arn, path)
            check_service_repository(self.command, path)
            if path.startswith("/_snapshot") and gateway.moto_url:
                gateway.ensure_automated()
            verify = _VERIFY_PATH.match(path)
            if verify and self.command == "POST":
                self.refuse_while_propagating(unquote(verify["name"]))
            role_arn = None
            match = _REPOSITORY_PATH.match(path)
            if match and self.command in ("PUT", "POST"):
                body, role_arn = check_registration(
                    unquote(match["name"]), body, identity or ANONYMOUS, gateway.domain_arn
                )
            forwarded = None
            if gateway.fgac is not None:
                forwarded = fgac_headers(identity, headers.get("authorization"), self.client_address[0])
            status, content_type, payload = gateway.upstream_request(
                self.command, self.path, body, headers.get("content-type", "application/json"), forwarded
            )
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

    def refuse_while_propagating(self, name):
        role_arn = self.server.repositories.roles.get(name)
        role = moto_role(role_arn) if role_arn else None
        if role is not None and propagating(role):
            status, _content_type, payload = self.server.upstream_request("GET", f"/_snapshot/{quote(name, safe='')}")
            settings = json.loads(payload).get(name, {}).get("settings", {}) if status == 200 else {}
            account = self.server.domain_arn.split(":")[4]
            raise not_usable_yet(name, role_arn, settings.get("base_path", ""), self.server.region, account)

    def after(self, path, registration, role_arn, payload):
        """Keep role_arn for registered repositories; show listings as AWS does (client_listing)."""
        repositories = self.server.repositories
        if registration and self.command in ("PUT", "POST") and role_arn:
            repositories.set(unquote(registration["name"]), role_arn)
        elif registration and self.command == "DELETE":
            repositories.forget([unquote(registration["name"])])
        elif self.command == "GET" and _SNAPSHOT_LISTING.match(path):
            payload = json.dumps(client_listing(json.loads(payload), repositories.roles)).encode()
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
    parser.add_argument("--other-port", type=int, help="also serve a second domain, in another account, on this port")
    parser.add_argument("--other-account", default=OTHER_ACCOUNT_ID)
    parser.add_argument("--other-domain", default="searchops-other")
    parser.add_argument("--fgac-port", type=int, help="also serve a domain with fine-grained access control here")
    parser.add_argument("--fgac-domain", default="searchops-fgac")
    parser.add_argument("--fgac-upstream", default="https://localhost:9202", help="the secured node (HTTPS)")
    parser.add_argument("--fgac-ca", help="the CA (PEM) that signed the secured node's certificate")
    parser.add_argument(
        "--fgac-source-address",
        default="127.0.0.2",
        help="the address the node trusts as a proxy (xff.internalProxies)",
    )
    parser.add_argument("--fgac-service-cert", help="the node's admin certificate (PEM): the service's own requests")
    parser.add_argument("--fgac-service-key", help="its key (PEM)")
    parser.add_argument("--state", type=Path, required=True, help="folder for the gateway's repository records")
    parser.add_argument("--operator", type=Path, required=True, help="where to write the operator's keys")
    args = parser.parse_args(argv)
    if args.fgac_port and not (args.fgac_ca and args.fgac_service_cert and args.fgac_service_key):
        parser.error("--fgac-port needs --fgac-ca, --fgac-service-cert and --fgac-service-key")

    moto = ThreadedMotoServer(ip_address=args.host, port=args.moto_port, verbose=True)
    moto.start()
    create_operator(f"http://{args.host}:{args.moto_port}", args.region, args.operator)
    # (port, account, domain, upstream, fine-grained access control)
    domains = [(args.port, ACCOUNT_ID, args.domain, args.upstream, None)]
    if args.other_port:
        # a migration target in another account (issue 13, item 9): the same node behind it
        domains.append((args.other_port, args.other_account, args.other_domain, args.upstream, None))
    if args.fgac_port:
        # a domain with fine-grained access control (issue 15, item 3): the secured node behind it
        fgac = Fgac(args.fgac_ca, args.fgac_source_address, args.fgac_service_cert, args.fgac_service_key)
        domains.append((args.fgac_port, ACCOUNT_ID, args.fgac_domain, args.fgac_upstream, fgac))
    gateways = []
    for index, (port, account, domain, upstream, fgac) in enumerate(domains):
        state = "repositories.json" if index == 0 else f"repositories-{domain}.json"
        domain_arn = f"arn:aws:es:{args.region}:{account}:domain/{domain}"
        gateway = Gateway(
            (args.host, port),
            upstream,
            args.region,
            domain_arn,
            Repositories(args.state / state),
            moto_url=f"http://{args.host}:{args.moto_port}",
            fgac=fgac,
        )
        print(f"gateway for {domain_arn} on http://{args.host}:{port} -> {upstream}", flush=True)
        gateways.append(gateway)
    for gateway in gateways[1:]:
        threading.Thread(target=gateway.serve_forever, daemon=True).start()
    gateways[0].serve_forever()


if __name__ == "__main__":
    main()
