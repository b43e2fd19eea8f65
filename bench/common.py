"""What the benchmarks share: the local stack's endpoints, the report's header, and timing
ansible-playbook runs of a play (a task's cost is a play of identical tasks minus an empty play)."""

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def stack():
    """Start the local stack (a no-op when it runs) and return its endpoints."""
    subprocess.run([sys.executable, str(ROOT / "tools" / "stack.py"), "up"], check=True)
    state = Path(os.environ.get("SEARCHOPS_STACK", ROOT / ".stack"))
    return json.loads((state / "endpoints.json").read_text())


def header(endpoints, **more):
    """The start of every results file: when, on what, against which engine."""
    machine = {"cpus": os.cpu_count(), "python": platform.python_version()}
    return dict(
        date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        machine=machine,
        opensearch=endpoints["opensearch_version"],
        **more,
    )


def write(name, report):
    path = RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {path.relative_to(ROOT)}")


def play_seconds(workdir, tasks):
    """Wall time of one ansible-playbook run of these tasks on localhost."""
    return play_times(workdir, tasks)[0]


def play_times(workdir, tasks):
    """(wall, CPU) seconds of one ansible-playbook run of these tasks on localhost; CPU is the user
    and system time of ansible-playbook and every process it started (the modules included)."""
    playbook = Path(workdir) / "play.yml"
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", str(playbook)]
    cmd += ["-e", f"ansible_connection=local ansible_python_interpreter={sys.executable}"]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"))
    cpu = children_cpu_seconds()
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    cpu = children_cpu_seconds() - cpu
    if done.returncode != 0:
        raise SystemExit(f"ansible-playbook failed:\n{done.stdout}\n{done.stderr}")
    return seconds, cpu


def children_cpu_seconds():
    """User and system CPU seconds of every process this one started and waited for, so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def task_costs(workdir, tasks, count, rounds):
    """Per-task (wall, CPU) seconds of each task, one pair per round: (a play of count such tasks -
    the round's empty play) / count. A round runs the empty play and each task's play back to back,
    so that the machine's drift between rounds falls on all of them."""
    values = [[] for _task in tasks]
    for _round in range(rounds):
        empty = play_times(workdir, [])
        for task, costs in zip(tasks, values):
            full = play_times(workdir, [dict(task, name=f"task {n}") for n in range(count)])
            costs.append(tuple((f - e) / count for f, e in zip(full, empty)))
    return values


def median(values):
    return round(statistics.median(values), 3)
