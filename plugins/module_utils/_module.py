# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every module shares: the argument spec with the connection options, and the
one place where errors become fail_json, with every secret masked."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.searchops.snapshots.plugins.module_utils._client import (
    REQUEST_TIMEOUT,
    RETRIES,
    Client,
    environment_secrets,
)
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import SearchError
from ansible_collections.searchops.snapshots.plugins.module_utils._secrets import mask, secret_forms

UNEXPECTED = "Unexpected error"


def connection_argument_spec():
    """The options every module takes; documented in plugins/doc_fragments/connection.py (keep
    both in step). The environment (AWS_*, REQUESTS_CA_BUNDLE, ...) is read by the client, after
    the options and the URL."""
    return dict(
        url=dict(type="str", required=True, aliases=["host"]),
        auth_type=dict(type="str", default="auto", choices=["auto", "none", "basic", "api_key", "aws_sigv4"]),
        username=dict(type="str"),
        password=dict(type="str", no_log=True),
        api_key=dict(type="str", no_log=True),
        region=dict(type="str", aliases=["aws_region"]),
        aws_service=dict(type="str", choices=["es", "aoss"]),
        access_key=dict(type="str", aliases=["aws_access_key_id", "aws_access_key"], no_log=False),
        secret_key=dict(type="str", aliases=["aws_secret_access_key", "aws_secret_key"], no_log=True),
        session_token=dict(type="str", aliases=["aws_session_token"], no_log=True),
        profile=dict(type="str", aliases=["aws_profile"]),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        client_cert=dict(type="path"),
        client_key=dict(type="path"),
        request_timeout=dict(type="float", default=REQUEST_TIMEOUT),
        retries=dict(type="int", default=RETRIES),
    )


def build_module(argument_spec, **kwargs):
    spec = connection_argument_spec()
    spec.update(argument_spec)
    return AnsibleModule(argument_spec=spec, **kwargs)


def hide(module, *values):
    """Treat values like no_log options: ansible-core masks them, in each form they take in an
    error text (repr, JSON, percent-encoded), in everything the module returns and warns."""
    for value in values:
        module.no_log_values.update(secret_forms(value))


def run(module, action):
    """Connect, call action(module, client) -> result dict, exit; errors -> fail_json.

    The last line of defence: the no_log option values and the secrets of the environment are
    masked (raw and escaped) in the result, the message and the warnings (ansible-core itself masks
    only the raw values in the result); an exception that is not a
    SearchError is a bug, reported as one in a clean failure, never a traceback."""
    hide(module, *list(module.no_log_values), *environment_secrets())
    # ansible-core (2.19) does not mask warnings: every warning of the run goes through the mask
    warn = module.warn
    module.warn = lambda message: warn(mask(message, module.no_log_values))
    failure = None
    try:
        client = Client(module.params, warn=module.warn, secrets=module.no_log_values)
        result = action(module, client)
    except SearchError as err:
        failure = err
    except Exception as err:  # noqa: BLE001 - the last line of defence
        failure = SearchError(
            f"{UNEXPECTED} ({type(err).__name__}: {err})",
            "This is a bug in searchops.snapshots: please report it with the task (without its secrets)",
        )
    if failure is None:
        module.exit_json(**result)
    # outside the except block: ansible-core would otherwise attach the exception as a traceback
    module.fail_json(msg=str(failure), **failure.result())
