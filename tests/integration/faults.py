"""Fault injection for tests/integration/test_faults.py: toxiproxy's HTTP API, nginx's fault
routes, node restarts and ansible-playbook runs in the background that a test can kill.

The proxies are started by tools/stack.py (see its nginx_config and toxiproxy_proxies);
.stack/endpoints.json says where they listen.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]

# every fault a run injected (toxics, lost-answer routes, storms, restarts, kills), by kind
INJECTED = {}


def injected(kind):
    INJECTED[kind] = INJECTED.get(kind, 0) + 1


class Toxiproxy:
    """toxiproxy's HTTP API on loopback."""

    def __init__(self, api):
        self.api = api
        self.session = requests.Session()

    def add(self, proxy, kind, stream="downstream", label=None, **attributes):
        """Add a toxic (latency, timeout, reset_peer, limit_data, bandwidth) to every connection
        of the proxy, the open ones too; returns its name. label: the fault it makes, as counted."""
        name = f"{kind}-{stream}"
        body = {"name": name, "type": kind, "stream": stream, "toxicity": 1.0, "attributes": attributes}
        response = self.session.post(f"{self.api}/proxies/{proxy}/toxics", json=body, timeout=10)
        response.raise_for_status()
        injected(label or f"toxic {kind}")
        return name

    def remove(self, proxy, name):
        self.session.delete(f"{self.api}/proxies/{proxy}/toxics/{name}", timeout=10).raise_for_status()

    def reset(self):
        """Remove every toxic and enable every proxy."""
        self.session.post(f"{self.api}/reset", timeout=10).raise_for_status()

    def toxics(self):
        proxies = self.session.get(f"{self.api}/proxies", timeout=10).json()
        return {name: proxy["toxics"] for name, proxy in proxies.items() if proxy["toxics"]}

    def bytes(self, proxy, kind="sent", direction="downstream"):
        """Bytes the proxy received (before its toxics) or sent (after them) in one direction."""
        text = self.session.get(f"{self.api}/metrics", timeout=10).text
        pattern = rf'toxiproxy_proxy_{kind}_bytes_total{{direction="{direction}",[^}}]*proxy="{proxy}"[^}}]*}} (\S+)'
        match = re.search(pattern, text)
        return float(match.group(1)) if match else 0.0

    def dropped(self, proxy, direction="downstream"):
        """Bytes the proxy's toxics swallowed so far in one direction."""
        return self.bytes(proxy, "received", direction) - self.bytes(proxy, "sent", direction)


def wait_for(check, timeout, what, interval=0.05):
    """Poll check() until it returns something true; return it, or fail saying what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def restart_node(opensearch, *indices):
    """Stop the node and start it again (tools/stack.py restart-node); returns once it answers
    and the given indices have recovered (green)."""
    injected("node restart")
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "stack.py"), "restart-node"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"the node did not come back:\n{result.stdout}\n{result.stderr}"
    for index in indices:
        health = opensearch.request(
            "GET", f"_cluster/health/{index}", params={"wait_for_status": "green", "timeout": "120s"}
        )
        assert not health["timed_out"], f"{index} did not recover after the restart: {health}"


def node_healthy(opensearch):
    """Whether the node answers with an elected cluster-manager (whatever the health colour:
    a test's red index must not make the node look down)."""
    try:
        opensearch.request("GET", "_cluster/health")
        return True
    except (AssertionError, requests.RequestException):
        return False


class Background:
    """A module run through ansible-playbook in a thread (the test acts meanwhile); join() returns
    its result and how long it took. kill() sends SIGKILL to ansible-playbook and every process
    under it (its workers and the module), as a killed CI job or an OOM kill would."""

    def __init__(self, ansible, module, args, **kwargs):
        self.tmp_path = str(ansible.tmp_path)
        self.result = self.error = None
        self.started = time.monotonic()
        self.took = None

        def target():
            try:
                self.result = ansible(module, args, **kwargs)
            except AssertionError as err:  # ansible-playbook gave no JSON (killed)
                self.error = err
            self.took = time.monotonic() - self.started

        self.thread = threading.Thread(target=target, daemon=True)
        self.thread.start()

    def join(self, timeout):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"the module run did not end within {timeout:.0f}s"
        return self.result, self.took

    def processes(self):
        """The pids of this run's ansible-playbook and of every process under it."""
        roots = [pid for pid, cmd in _processes().items() if "ansible-playbook" in cmd and self.tmp_path in cmd]
        assert roots, "no ansible-playbook process of this test is running"
        return list(dict.fromkeys(roots + [d for root in roots for d in _descendants(root)]))

    def module_processes(self, module):
        """The pids of the Python processes running the module (not the shell that started them)."""
        commands = _processes()
        return [
            pid
            for pid in self.processes()
            if f"AnsiballZ_{module}.py" in commands.get(pid, "") and not commands[pid].startswith("/bin/sh")
        ]

    def kill(self):
        pids = self.processes()
        injected("ansible-playbook SIGKILL")
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _processes():
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    return found


def _descendants(root):
    parents = {}
    for pid in _processes():
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        # the command name (2nd field) may hold spaces; the parent pid follows its closing parenthesis
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found
