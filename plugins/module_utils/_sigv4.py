# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS credentials and SigV4 signing for requests (requests-aws4auth + the boto3 chain).

boto3, botocore and requests-aws4auth are imported here only, and only when a module signs: their
import costs about a quarter of a second, which every task of a module that does not sign would pay
(docs/design.md, "Per-task cost").
"""

from __future__ import annotations

import importlib
import re

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError

# what signing needs: (import name, the package to install)
LIBRARIES = (("boto3", "boto3"), ("botocore.exceptions", "botocore"), ("requests_aws4auth", "requests-aws4auth"))


def missing_libraries():
    """The packages signing needs that cannot be imported (imports them: call it only to sign)."""
    missing = []
    for name, package in LIBRARIES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(package)
    return missing


# search-<domain>-<id>.<region>.es.amazonaws.com, vpc-…, <collection-id>.<region>.aoss.amazonaws.com, China partition.
_AWS_HOST = re.compile(
    r"(?:^|\.)(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.(?P<service>es|aoss)\.amazonaws\.com(?:\.cn)?$",
    re.IGNORECASE,
)


def aws_endpoint(host):
    """(region, service) for an Amazon OpenSearch Service / Serverless host name, else None."""
    match = _AWS_HOST.search(host or "")
    if not match:
        return None
    return match["region"].lower(), match["service"].lower()


def credentials(access_key=None, secret_key=None, session_token=None, profile=None):
    """botocore Credentials: the explicit keys, else the profile, else the default chain.

    The default chain's credentials (container/instance roles, SSO, assume-role
    profiles) are refreshable; requests-aws4auth re-reads them before each request.
    """
    if bool(access_key) != bool(secret_key):
        raise ConfigurationError("access_key and secret_key must be given together")
    import boto3  # pylint: disable=import-outside-toplevel
    import botocore.exceptions  # pylint: disable=import-outside-toplevel

    try:
        if access_key:
            session = boto3.session.Session(
                aws_access_key_id=access_key, aws_secret_access_key=secret_key, aws_session_token=session_token
            )
        else:
            session = boto3.session.Session(profile_name=profile)
        found = session.get_credentials()
    except botocore.exceptions.ProfileNotFound:
        raise ConfigurationError(
            f"AWS profile {profile!r} was not found", "Check profile against the shared credentials and config files"
        ) from None
    except botocore.exceptions.BotoCoreError as err:
        raise ConfigurationError(f"AWS credentials could not be loaded: {err}") from None
    if found is None:
        raise ConfigurationError(
            "No AWS credentials were found to sign the request",
            "Set access_key and secret_key, or profile, or provide them through the environment "
            "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), the shared credentials file or an instance role",
        )
    return found


def signer(region, service, found):
    """A requests auth object that signs every request with SigV4, with credentials() found."""
    from requests_aws4auth import AWS4Auth  # pylint: disable=import-outside-toplevel

    return AWS4Auth(refreshable_credentials=found, region=region, service=service)
