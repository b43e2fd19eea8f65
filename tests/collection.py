"""Make this checkout importable and runnable as the collection searchops.snapshots.

A symlink .cache/collections/ansible_collections/searchops/snapshots -> the repository
root lets Python import ansible_collections.searchops.snapshots.* and lets ansible-playbook
(ANSIBLE_COLLECTIONS_PATH) find the collection without installing it. Used by the tests
and the benchmarks. An installed copy (`ansible-galaxy collection install`, whose tests/unit
run from there) already sits under <path>/ansible_collections/searchops/snapshots: <path> is
used as it is, and nothing is linked.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALLED = ROOT.parts[-3:] == ("ansible_collections", "searchops", "snapshots")
COLLECTIONS = ROOT.parents[2] if INSTALLED else ROOT / ".cache" / "collections"


def use_checkout():
    link = COLLECTIONS / "ansible_collections" / "searchops" / "snapshots"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(ROOT, target_is_directory=True)
    if str(COLLECTIONS) not in sys.path:
        sys.path.insert(0, str(COLLECTIONS))
    os.environ["ANSIBLE_COLLECTIONS_PATH"] = str(COLLECTIONS)
