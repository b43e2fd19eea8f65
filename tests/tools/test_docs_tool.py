"""Unit tests of the docs site's playbooks page generator (tools/docs_playbooks.py)."""

import importlib.util
from pathlib import Path

import yaml
from docutils.core import publish_doctree
from docutils.parsers.rst import roles

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("docs_playbooks", ROOT / "tools" / "docs_playbooks.py")
docs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(docs)

PLAYBOOK = """---
# Does a thing with searchops_thing_name.
#   ansible-playbook searchops.snapshots.thing
- name: The play
  hosts: "{{ searchops_hosts | default('searchops_clusters') }}"
  module_defaults:
    group/searchops.snapshots.snapshots: "{{ searchops_cluster }}"
  vars:
    thing_repo: "{{ searchops_thing_repository | default(searchops_repository | default('s3-snapshots')) }}"
  tasks:
    - name: Check
      ansible.builtin.assert:
        that: searchops_thing_age is defined
        fail_msg: Set searchops_thing_age or searchops_not_a_variable.
    - name: Snapshot
      searchops.snapshots.es_snapshot:
        repository: "{{ thing_repo }}"
        name: "{{ searchops_thing_name | default(omit) }}"
        indices: "{{ searchops_thing_indices | default(omit) | list }}"
      register: searchops_thing_result
    - name: Report
      ansible.builtin.debug:
        msg: "{{ searchops_thing_result.snapshot }} on {{ searchops_cluster.url }}"
  roles:
    - role: searchops.snapshots.snapshot_repository
      vars:
        snapshot_repository_bucket: "{{ searchops_bucket }}"
"""


def test_variables_are_the_inventorys_with_their_defaults():
    found = docs.variables(yaml.safe_load(PLAYBOOK))
    assert found == {
        "searchops_hosts": ["'searchops_clusters'"],
        "searchops_cluster": [docs.REQUIRED],
        "searchops_thing_repository": ["searchops_repository | default('s3-snapshots')"],
        "searchops_repository": ["'s3-snapshots'"],
        "searchops_thing_age": [docs.CHECKED],
        "searchops_thing_name": ["omit"],
        "searchops_thing_indices": ["omit"],
        "searchops_bucket": [docs.REQUIRED],
    }


def test_a_variable_set_alone_names_the_option_it_sets():
    sets = docs.settings(yaml.safe_load(PLAYBOOK))
    assert sets == {
        "searchops_cluster": ["``module_defaults`` of ``group/searchops.snapshots.snapshots``"],
        "thing_repo": ["``es_snapshot`` :ansopt:`searchops.snapshots.es_snapshot#module:repository`"],
        "searchops_thing_name": ["``es_snapshot`` :ansopt:`searchops.snapshots.es_snapshot#module:name`"],
        "searchops_bucket": [":ansopt:`searchops.snapshots.snapshot_repository#role:main:snapshot_repository_bucket`"],
    }


def test_header_keeps_commands_apart_from_prose():
    assert docs.header(PLAYBOOK) == [
        ("prose", "Does a thing with searchops_thing_name."),
        ("code", "ansible-playbook searchops.snapshots.thing"),
    ]


def test_readme_table_gives_meanings_including_abbreviated_names():
    readme = (
        "| variable | default | used by | meaning |\n"
        "|---|---|---|---|\n"
        "| `searchops_x_pattern`, `..._replacement` | none | migrate | rename `x` |\n"
        "| `searchops_y` | `1` | prune | why |\n"
    )
    assert docs.readme_meanings(readme) == {
        "searchops_x_pattern": "rename `x`",
        "searchops_x_replacement": "rename `x`",
        "searchops_y": "why",
    }


def test_undocumented_variables_and_unused_rows_are_reported(tmp_path):
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "roles").mkdir()
    (tmp_path / "playbooks" / "thing.yml").write_text(PLAYBOOK)
    readme = "| `searchops_bucket` | (required) | thing | the S3 bucket |\n| `searchops_gone` | `1` | none | gone |\n"
    reports = []
    docs.page(tmp_path / "playbooks", readme, reports.append)
    assert "README.md: searchops_gone is in the variables table, but no playbook reads it" in reports
    assert "thing.yml: searchops_thing_age has no meaning in the README's variables table" in reports
    assert not any("searchops_bucket" in report for report in reports)
    assert not any("searchops_hosts" in report for report in reports)  # the hosts line's variable explains itself


def test_the_page_of_the_real_playbooks_is_valid_restructuredtext():
    reports = []
    text = docs.page(ROOT / "playbooks", (ROOT / "README.md").read_text(), reports.append)
    for role in ("ansopt", "ansplugin", "ref"):  # Sphinx and antsibull roles, unknown to plain docutils
        roles.register_generic_role(role, roles.nodes.literal)
    tree = publish_doctree(text, settings_overrides={"report_level": 5})
    messages = [node.astext() for node in tree.findall(roles.nodes.system_message) if node["level"] >= 2]
    assert messages == []
    for playbook in (ROOT / "playbooks").glob("*.yml"):
        assert f".. _ansible_collections.searchops.snapshots.{playbook.stem}_playbook:" in text
