"""Tests run against this checkout as the collection searchops.snapshots (tests/collection.py)."""

from tests.collection import use_checkout

use_checkout()
