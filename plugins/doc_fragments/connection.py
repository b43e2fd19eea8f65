# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Options every module shares; the matching argument spec is
    # plugins/module_utils/_module.py:connection_argument_spec(). Keep both in step.
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Endpoint of the Elasticsearch or OpenSearch cluster.
      - The scheme is optional (C(https) is assumed); a port and a path prefix are allowed and a trailing slash is ignored.
      - Amazon OpenSearch Service domain endpoints (C(*.es.amazonaws.com)) and OpenSearch Serverless collection
        endpoints (C(*.aoss.amazonaws.com)) are signed with SigV4 when O(auth_type=auto), and their region is read from the host name.
    type: str
    required: true
    aliases: [host]
  auth_type:
    description:
      - How requests are authenticated.
      - V(auto) signs with SigV4 for AWS endpoints, uses basic authentication when O(username) is set,
        an API key when O(api_key) is set, and nothing otherwise.
      - Credentials that are given but not used by the chosen authentication (for example O(username) and O(password)
        with V(auto) on an AWS endpoint) are reported in a warning; set O(auth_type) to choose.
      - Options always come first, then what O(url) implies, then the environment. A C(~/.netrc) file is never read.
    type: str
    choices: [auto, none, basic, api_key, aws_sigv4]
    default: auto
  username:
    description:
      - User name for HTTP basic authentication.
    type: str
  password:
    description:
      - Password for HTTP basic authentication (sent UTF-8 encoded).
      - User name and password must not contain line breaks or other control characters; such a value (often a
        vault value with a trailing newline) is refused without being shown.
      - A warning is given when basic authentication or an API key is used over C(http://).
    type: str
  api_key:
    description:
      - API key (the base64-encoded C(id:api_key) value), sent in the C(Authorization) header as C(ApiKey <api_key>).
      - Must be printable ASCII without spaces; anything else (such as a trailing newline) is refused without being shown.
    type: str
  region:
    description:
      - AWS region used to sign requests.
      - Inferred from an AWS endpoint's host name when omitted.
      - The E(AWS_REGION) or E(AWS_DEFAULT_REGION) environment variable is used only when neither applies
        (the region in the host name beats the environment).
    type: str
    aliases: [aws_region]
  aws_service:
    description:
      - The service name requests are signed for.
      - V(es) for Amazon OpenSearch Service domains, V(aoss) for OpenSearch Serverless collections.
      - Inferred from an AWS endpoint's host name when omitted; V(es) otherwise.
    type: str
    choices: [es, aoss]
  access_key:
    description:
      - AWS access key ID used for SigV4 signing.
      - When no credentials are given, the boto3 default chain is used (environment variables, shared credentials
        and config files, container and instance roles); such credentials are refreshed before they expire.
      - Precedence, first found wins, as a whole (keys and token never mix sources)
        1. O(access_key) and O(secret_key), with O(session_token) only when it is given as an option
        (a E(AWS_SESSION_TOKEN) in the environment is not attached to explicit long-term keys);
        2. O(profile); 3. the E(AWS_ACCESS_KEY_ID) (or E(AWS_ACCESS_KEY)) and E(AWS_SECRET_ACCESS_KEY)
        (or E(AWS_SECRET_KEY)) environment variables, with E(AWS_SESSION_TOKEN) (or E(AWS_SECURITY_TOKEN), as AWX's
        Amazon Web Services credential sets it);
        4. the E(AWS_PROFILE) (or E(AWS_DEFAULT_PROFILE)) environment variable; 5. the boto3 default chain.
      - Keys and tokens must be printable ASCII without spaces; a secret key must not contain control characters.
        Such values, from options or the environment, are refused without being shown.
    type: str
    aliases: [aws_access_key_id, aws_access_key]
  secret_key:
    description:
      - AWS secret access key used for SigV4 signing.
      - The E(AWS_SECRET_ACCESS_KEY) or E(AWS_SECRET_KEY) environment variable is used as described in O(access_key).
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
  session_token:
    description:
      - AWS session token for temporary credentials.
      - The E(AWS_SESSION_TOKEN) (or E(AWS_SECURITY_TOKEN)) environment variable is used only with keys from the
        environment (see O(access_key)).
    type: str
    aliases: [aws_session_token]
  profile:
    description:
      - Named profile of the shared AWS credentials and config files.
      - An explicit O(profile) beats keys in the environment; the E(AWS_PROFILE) or E(AWS_DEFAULT_PROFILE) environment
        variable is used when no keys are given (see O(access_key)).
    type: str
    aliases: [aws_profile]
  validate_certs:
    description:
      - Whether to verify the cluster's TLS certificate.
      - Set to V(false) only for test clusters with self-signed certificates; a warning is given.
      - The E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE) environment variables never override O(validate_certs=false)
        nor O(ca_path).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the certificate authorities that signed the cluster's certificate.
      - When omitted (and O(validate_certs=true)), the bundle named by E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE) is used,
        else the bundle of the Python C(certifi) package.
      - The proxy environment variables (E(HTTPS_PROXY), E(HTTP_PROXY), E(NO_PROXY)) are honoured.
    type: path
  client_cert:
    description:
      - PEM file with a client certificate for TLS client authentication.
      - When the private key is not in the same file, set O(client_key).
    type: path
  client_key:
    description:
      - PEM file with the private key of O(client_cert).
    type: path
  request_timeout:
    description:
      - Seconds to wait for a response to one request.
    type: float
    default: 60
  retries:
    description:
      - How many times a request is retried after a connection error or an HTTP 429, 502, 503 or 504 answer,
        with jittered exponential backoff and a warning each time.
      - Requests that are not safe to repeat (such as creating a snapshot) are retried only when the server cannot have received them.
    type: int
    default: 5
requirements:
  - requests
  - requests-aws4auth and boto3 (for SigV4)
"""
