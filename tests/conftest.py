"""Tests run against this checkout as the collection searchops.snapshots (tests/collection.py)."""

from tests.collection import use_checkout

use_checkout()


def pytest_addoption(parser):
    # used by tests/integration/conftest.py (options must be declared by the root conftest)
    parser.addoption(
        "--engine",
        help="run the integration tests against this engine of the local stack (tools/stack.py: engines())",
    )
