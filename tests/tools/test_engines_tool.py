"""Unit tests of the engine matrix's reporting (tools/engines.py); no engine started."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("engines", ROOT / "tools" / "engines.py")
engines = importlib.util.module_from_spec(spec)
spec.loader.exec_module(engines)

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
 <testcase classname="tests.integration.test_es_restore" name="test_skip_leaves_existing[a]" time="1"/>
 <testcase classname="tests.integration.test_es_snapshot_repo" name="test_s3" time="0">
  <skipped type="pytest.skip" message="elasticsearch-7.10.2 has no repository-s3 (no build on Maven Central): fs repositories only">x</skipped>
 </testcase>
 <testcase classname="tests.integration.test_es_snapshot" name="test_broken" time="1">
  <failure message="AssertionError: 405">trace</failure>
 </testcase>
</testsuite></testsuites>
"""


def test_junit_cases_become_test_ids_with_outcomes(tmp_path):
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT)
    assert engines.outcomes(path) == {
        "tests/integration/test_es_restore.py::test_skip_leaves_existing[a]": {"outcome": "passed"},
        "tests/integration/test_es_snapshot_repo.py::test_s3": {
            "outcome": "skipped",
            "reason": "elasticsearch-7.10.2 has no repository-s3 (no build on Maven Central): fs repositories only",
        },
        "tests/integration/test_es_snapshot.py::test_broken": {"outcome": "failed", "reason": "AssertionError: 405"},
    }


def test_a_test_counts_under_each_module_it_used_and_roles_under_one_column():
    assert engines.columns(["searchops.snapshots.es_restore", "searchops.snapshots.es_snapshot"]) == [
        "es_snapshot",
        "es_restore",
    ]
    assert engines.columns(["ansible.builtin.include_role", "playbook setup"]) == [engines.ROLES]
    assert engines.columns(["ansible.builtin.uri"]) == []


RESULTS = {
    "generated": "2026-11-29 15:00 UTC",
    "machine": "2 cores",
    "matrix_seconds": 600,
    "engines": {
        name: {"java": "/usr/lib/jvm/java-17", "start_seconds": 7.2, "test_seconds": 120, "repository_types": ["fs"]}
        for name in ("opensearch-3.6.0", "elasticsearch-7.10.2")
    },
    "tests": {
        "a": {
            "modules": ["searchops.snapshots.es_restore"],
            "results": {"opensearch-3.6.0": {"outcome": "passed"}, "elasticsearch-7.10.2": {"outcome": "failed"}},
        },
        "b": {
            "modules": ["searchops.snapshots.es_restore"],
            "results": {
                "opensearch-3.6.0": {"outcome": "passed"},
                "elasticsearch-7.10.2": {"outcome": "skipped", "reason": "tests/x.py:3: no data streams"},
            },
        },
    },
}


def test_the_table_counts_per_engine_and_module_and_explains_skips():
    text = engines.table(RESULTS)
    assert "| module | opensearch-3.6.0 | elasticsearch-7.10.2 |" in text
    assert "| es_restore | ✅ 2 passed | ❌ 1 failed, 0 passed, 1 skipped (1) |" in text
    assert "| es_request | no test | no test |" in text
    assert "1. skipped: no data streams" in text
    assert "elasticsearch-7.10.2: Java `java-17`, started in 7 s" in text


def test_the_table_goes_between_the_readme_markers_only(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{engines.BEGIN}\nold\n{engines.END}\nrest\n")
    monkeypatch.setattr(engines, "README", readme)
    engines.write_table(RESULTS)
    text = readme.read_text()
    assert text.startswith(f"intro\n{engines.BEGIN}\nMeasured ") and text.endswith(f"{engines.END}\nrest\n")
    assert "old" not in text
    readme.write_text("no markers")
    with pytest.raises(SystemExit, match="lacks the markers"):
        engines.write_table(RESULTS)


def test_a_partial_run_keeps_the_other_engines_last_results(tmp_path, monkeypatch):
    results = tmp_path / "engines.json"
    results.write_text(engines.json.dumps(RESULTS))
    monkeypatch.setattr(engines, "RESULTS", results)
    kept = engines.previous_results(["elasticsearch-7.10.2"])
    assert list(kept["engines"]) == ["opensearch-3.6.0"]
    assert kept["engines"]["opensearch-3.6.0"]["seconds"] == 127.2  # start and tests, from older results
    assert kept["tests"]["a"]["results"] == {"opensearch-3.6.0": {"outcome": "passed"}}
    assert kept["tests"]["a"]["modules"] == {"searchops.snapshots.es_restore"}
