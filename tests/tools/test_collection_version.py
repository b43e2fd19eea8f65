"""The version a snapshot's manifest records is the collection's (galaxy.yml)."""

from pathlib import Path

import yaml

from ansible_collections.searchops.snapshots.plugins.module_utils._manifest import COLLECTION_VERSION

ROOT = Path(__file__).resolve().parents[2]


def test_manifests_record_the_version_in_galaxy_yml():
    assert yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"] == COLLECTION_VERSION
