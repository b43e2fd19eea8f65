"""Helpers for integration tests: a plain HTTP reader, module runs through ansible-playbook."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import requests


class OpenSearch:
    """Plain HTTP to the local node; raises on unexpected statuses so tests fail loudly."""

    def __init__(self, url):
        self.url = url
        self.session = requests.Session()

    def request(self, method, path, expect=(200,), **kwargs):
        response = self.session.request(method, f"{self.url}/{path.lstrip('/')}", timeout=120, **kwargs)
        if response.status_code not in expect:
            raise AssertionError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json() if response.content else None


def path_repo(opensearch):
    """The node's path.repo (one folder: tools/stack.py), where fs repositories may live."""
    (folder,) = next(iter(opensearch.request("GET", "_nodes/settings")["nodes"].values()))["settings"]["path"]["repo"]
    return folder


SECURITY_API = "_plugins/_security/api"
MAPPING_LISTS = ("users", "backend_roles", "hosts", "and_backend_roles")


def bulk(opensearch, index, documents):
    """Index documents ((id or None, source) pairs) in one _bulk request, refreshed."""
    lines = []
    for doc_id, source in documents:
        lines.append(json.dumps({"index": {"_id": doc_id} if doc_id is not None else {}}))
        lines.append(json.dumps(source))
    opensearch.request(
        "POST",
        f"{index}/_bulk",
        params={"refresh": "true"},
        data="\n".join(lines) + "\n",
        headers={"Content-Type": "application/x-ndjson"},
    )


def drill_copies(opensearch, prefix="searchops-drill-"):
    """The indices named with a restore drill's prefix (hidden ones too), sorted."""
    found = opensearch.request("GET", f"_cat/indices/{prefix}*", params={"format": "json", "expand_wildcards": "all"})
    return sorted(row["index"] for row in found)


def role_mapping(node, role):
    """The role's mapping as the security plugin's REST API shows it (its MAPPING_LISTS), or None."""
    entry = (node.request("GET", f"{SECURITY_API}/rolesmapping/{role}", expect=(200, 404)) or {}).get(role)
    return None if entry is None else {key: entry.get(key, []) for key in MAPPING_LISTS}


def unmap_user(node, role, user):
    """Take the user out of the role's mapping, keeping the rest (nothing when it is not there)."""
    mapping = role_mapping(node, role)
    if mapping and user in mapping["users"]:
        users = [u for u in mapping["users"] if u != user]
        node.request("PUT", f"{SECURITY_API}/rolesmapping/{role}", json=dict(mapping, users=users))


def changed(output):
    """The changed tasks of a playbook run (ansible.playbook's output), over every host."""
    return sum(counts["changed"] for counts in output["stats"].values())


def secured_connection(secured, user="admin"):
    """The connection options of a module run on the secured node as one of its users (basic auth)."""
    return {"url": secured["url"], "ca_path": secured["ca_path"], **secured["users"][user]}


# task keys that are not the module (the others are: `searchops.snapshots.es_restore`, `include_role`)
TASK_KEYWORDS = {"name", "ignore_errors", "register", "vars", "when", "check_mode", "diff", "environment", "no_log"}


def record_use(modules):
    """Note which modules (and playbooks) the running test used, in $SEARCHOPS_MODULE_LOG when set:
    the engine matrix (tools/engines.py) tells from it which module each test exercised."""
    path = os.environ.get("SEARCHOPS_MODULE_LOG")
    if path:
        test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"test": test, "modules": sorted(set(modules))}) + "\n")


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def report(request, text):
    """Show text in the test run's output (outside pytest's capture)."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    reporter = request.config.pluginmanager.getplugin("terminalreporter")
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(text)


class Ansible:
    """Runs one module task through ansible-playbook, as a user would, and returns its result."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.count = 0

    def __call__(self, module, args, check=False, diff=False, env=None, verbosity=0):
        task = {"name": "under test", module: args, "ignore_errors": True}
        output = self.play([task], check, diff, env, verbosity)
        return output if verbosity else output[0]

    def play(self, tasks, check=False, diff=False, env=None, verbosity=0):
        """Run tasks in one play; return each task's result (or the raw output with verbosity)."""
        self.count += 1
        record_use(key for task in tasks for key in task if key not in TASK_KEYWORDS)
        playbook = self.tmp_path / f"play-{self.count}.yml"
        play = [{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]
        playbook.write_text(json.dumps(play))
        args = ["-i", "localhost,", "-e", f"ansible_connection=local ansible_python_interpreter={sys.executable}"]
        proc = self._run([*args, str(playbook)], check, diff, env, verbosity)
        if verbosity:
            return proc.stdout + proc.stderr
        try:
            return [task["hosts"]["localhost"] for task in _json_output(proc)["plays"][0]["tasks"]]
        except (KeyError, IndexError):
            raise _failure(proc) from None

    def playbook(self, name, inventory, extra_vars=None, check=False, diff=False, env=None, verbosity=0):
        """Run one of the collection's playbooks (searchops.snapshots.<name>) as a user would;
        return the JSON callback's output: {"plays": [...], "stats": {host: counts}}
        (or, with verbosity, the raw output)."""
        record_use([f"playbook {name}"])
        inventories = inventory if isinstance(inventory, (list, tuple)) else [inventory]
        args = [arg for source in inventories for arg in ("-i", str(source))] + [f"searchops.snapshots.{name}"]
        args += ["-e", json.dumps(extra_vars)] if extra_vars else []
        proc = self._run(args, check, diff, env, verbosity)
        if verbosity:
            assert proc.returncode == 0, proc.stdout + proc.stderr
            return proc.stdout + proc.stderr
        output = _json_output(proc)
        failed = [
            {"task": task["task"]["name"], "host": host, "result": result}
            for play in output["plays"]
            for task in play["tasks"]
            for host, result in task["hosts"].items()
            if result.get("failed") or result.get("unreachable")
        ]
        assert not failed, f"{name} failed:\n{json.dumps(failed, indent=1)}"
        return output

    def _run(self, args, check, diff, env, verbosity):
        cmd = [str(Path(sys.executable).parent / "ansible-playbook"), *args]
        cmd += ["--check"] if check else []
        cmd += ["--diff"] if diff else []
        cmd += ["-" + "v" * verbosity] if verbosity else []
        # hermetic AWS: no credentials from the machine unless a test gives them
        run_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") or k == "AWS_CA_BUNDLE"}
        run_env.update(
            ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
            ANSIBLE_NOCOLOR="1",
            AWS_CONFIG_FILE=str(self.tmp_path / "no-aws-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(self.tmp_path / "no-aws-credentials"),
            AWS_EC2_METADATA_DISABLED="true",
        )
        if verbosity:
            run_env.pop("ANSIBLE_STDOUT_CALLBACK")
        run_env.update(env or {})
        return subprocess.run(cmd, capture_output=True, text=True, env=run_env, check=False)


def _json_output(proc):
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise _failure(proc) from None


def _failure(proc):
    return AssertionError(f"ansible-playbook failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def task_results(output, task_name):
    """Every host's result of the tasks called `task_name`, in the order they ran."""
    return [
        result
        for play in output["plays"]
        for task in play["tasks"]
        if task["task"]["name"] == task_name
        for result in task["hosts"].values()
    ]


def four_steps(ansible, module, args, expect_change=True, **kwargs):
    """amazon.aws's pattern: check mode, apply, check mode again, apply again."""
    results = [
        ansible(module, args, check=True, **kwargs),
        ansible(module, args, **kwargs),
        ansible(module, args, check=True, **kwargs),
        ansible(module, args, **kwargs),
    ]
    for result in results:
        assert not result.get("failed"), result
    assert [r["changed"] for r in results] == [expect_change, expect_change, False, False], results
    return results
