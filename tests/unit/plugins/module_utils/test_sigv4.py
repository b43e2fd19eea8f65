"""The AWS libraries are imported only by a module that signs (docs/design.md, "Per-task cost")."""

import subprocess
import sys

import pytest

from ansible_collections.searchops.snapshots.plugins.module_utils import _sigv4
from ansible_collections.searchops.snapshots.plugins.module_utils._client import Client
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError
from tests.collection import ROOT

AWS_LIBRARIES = ("boto3", "botocore", "requests_aws4auth")


def imported_after(code):
    """The AWS libraries in sys.modules after a fresh interpreter ran code (with the collection importable)."""
    script = f"""
import sys
from tests.collection import use_checkout
use_checkout()
{code}
print(sorted(name for name in {AWS_LIBRARIES!r} if name in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def test_a_module_that_does_not_sign_never_imports_the_aws_libraries():
    code = """
from ansible_collections.searchops.snapshots.plugins.modules import es_snapshot, es_restore, es_request
from ansible_collections.searchops.snapshots.plugins.module_utils._client import Client
Client({"url": "https://localhost:9200", "username": "u", "password": "p", "validate_certs": False})
"""
    assert imported_after(code) == "[]"


def test_a_module_that_signs_imports_them():
    code = """
from ansible_collections.searchops.snapshots.plugins.module_utils._client import Client
Client({"url": "https://search-x-abc.us-east-1.es.amazonaws.com", "access_key": "AKIAEXAMPLE", "secret_key": "s"})
"""
    assert imported_after(code) == str(sorted(AWS_LIBRARIES))


def test_a_missing_library_is_named_with_the_fix(monkeypatch):
    # requests-aws4auth as if it were not installed: its import name is one nothing provides
    monkeypatch.setattr(_sigv4, "LIBRARIES", (("boto3", "boto3"), ("searchops_not_installed", "requests-aws4auth")))
    with pytest.raises(ConfigurationError, match=r"the required Python library \(requests-aws4auth\)"):
        Client({"url": "https://search-x-abc.us-east-1.es.amazonaws.com", "access_key": "AKIA", "secret_key": "s"})
