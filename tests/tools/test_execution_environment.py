"""The execution environment definition the project ships (docs/execution-environment.yml, docs/awx.md),
checked by ansible-builder itself: `create` writes the build context (no container runtime needed),
`introspect` reads what this collection declares for an image (meta/execution-environment.yml).

ansible-builder is not a development requirement: it is installed from PyPI once into its own
virtualenv under the cache ($SEARCHOPS_CACHE or .cache, as tools/stack.py), never into .venv."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.collection import COLLECTIONS, ROOT

BUILDER = "ansible-builder==3.2.0"
CACHE = Path(os.environ.get("SEARCHOPS_CACHE", ROOT / ".cache"))
DEFINITION = ROOT / "docs" / "execution-environment.yml"


@pytest.fixture(scope="module")
def builder():
    venv = CACHE / BUILDER.replace("==", "-")
    command = venv / "bin" / "ansible-builder"
    if not command.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", BUILDER], capture_output=True, text=True, check=False
        )
        if pip.returncode != 0:
            pytest.skip(f"{BUILDER} could not be installed from PyPI: {pip.stderr.strip()[-300:]}")
    return command


def requirements():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_ansible_builder_accepts_the_definition_and_builds_its_context(builder, tmp_path):
    done = subprocess.run(
        [str(builder), "create", "-f", str(DEFINITION), "-c", str(tmp_path / "context")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    build = tmp_path / "context" / "_build"
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    assert [c["name"] for c in galaxy["collections"]] == ["searchops.snapshots", "amazon.aws", "community.aws"]
    # the image's Python packages are the modules' requirements, no more, no fewer
    assert (build / "requirements.txt").read_text().split() == requirements()


def test_the_collection_declares_its_python_requirements_to_ansible_builder(builder):
    done = subprocess.run(
        [str(builder), "introspect", "--sanitize", str(COLLECTIONS)], capture_output=True, text=True, check=True
    )
    found = yaml.safe_load(done.stdout.split("---", 1)[1])
    assert [entry.split("  #")[0] for entry in found["python"]] == requirements()
    assert all(entry.endswith("# from collection searchops.snapshots") for entry in found["python"])
