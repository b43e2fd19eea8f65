"""Make this checkout importable and runnable as the collection searchops.snapshots.

A symlink .cache/collections/ansible_collections/searchops/snapshots -> the repository
root lets Python import ansible_collections.searchops.snapshots.* and lets ansible-playbook
(ANSIBLE_COLLECTIONS_PATH) find the collection without installing it. Used by the tests
and the benchmarks.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS = ROOT / ".cache" / "collections"


def use_checkout():
    link = COLLECTIONS / "ansible_collections" / "searchops" / "snapshots"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(ROOT, target_is_directory=True)
    if str(COLLECTIONS) not in sys.path:
        sys.path.insert(0, str(COLLECTIONS))
    os.environ["ANSIBLE_COLLECTIONS_PATH"] = str(COLLECTIONS)
