"""The engine matrix: the integration tests against every engine of the local stack.

    python tools/engines.py run [ENGINE ...]   start each engine in turn (tools/stack.py), run
                                              tests/integration against it, write the results
                                              and the README's compatibility table; naming
                                              engines runs those again and keeps the others'
                                              last results
    python tools/engines.py table             write the README's table from the last results

Results: tests/output/engines.json, engine x test -> passed/failed/skipped (with the reason),
each engine's version, JDK and start time, and which modules each test used (recorded by
tests/integration/helpers.py). The README's table (engine x module) is written between its
`engines:begin` and `engines:end` markers. The stack is left running the default engine.
Ports and folders are the stack's (SEARCHOPS_* variables), so a matrix can run beside a stack
on the default ports.
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import stack as stack_tool  # noqa: E402 - tools/stack.py, beside this script

OUTPUT = ROOT / "tests" / "output"
RESULTS = OUTPUT / "engines.json"
README = ROOT / "README.md"
BEGIN, END = "<!-- engines:begin -->", "<!-- engines:end -->"
# the table's columns: the modules, then what runs many modules (roles, playbooks)
MODULES = ("es_snapshot_repo", "es_snapshot", "es_snapshot_info", "es_snapshot_prune", "es_restore", "es_request")
ROLES = "roles and playbooks"


def log(msg):
    print(f"[engines] {msg}", flush=True)


def stack(command, engine):
    env = dict(os.environ, SEARCHOPS_ENGINE=engine)
    subprocess.run([sys.executable, str(ROOT / "tools" / "stack.py"), command], env=env, check=True)


def start(tool, engine):
    """Start the engine's node afresh (restarted when it runs already) and return its start time in seconds."""
    record = tool.PIDS / "opensearch.start-seconds"
    before = record.stat().st_mtime if record.exists() else None
    stack("up", engine)
    if not record.exists() or record.stat().st_mtime == before:  # it was running: not started now
        stack("restart-node", engine)
    return float(record.read_text())


def outcomes(junit):
    """{test id: {"outcome": ..., "reason": ...}} from pytest's JUnit XML."""
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        module, cls = (case.get("classname", "").split(".test_", 1) + [""])[:2]
        path = f"{module.replace('.', '/')}/test_{cls.split('.')[0]}.py"
        test = "::".join([path, *cls.split(".")[1:], case.get("name")])
        result = {"outcome": "passed"}
        for kind in ("failure", "error", "skipped"):
            element = case.find(kind)
            if element is not None:
                reason = element.get("message") or ""
                result = {"outcome": "skipped" if kind == "skipped" else "failed", "reason": reason[:300]}
        found[test] = result
    return found


def modules_used(path):
    used = {}
    if path.exists():
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            used.setdefault(entry["test"], set()).update(entry["modules"])
    return used


def run_engine(tool, engine, pytest_args):
    log(f"{engine}: starting")
    seconds = start(tool, engine)
    junit = OUTPUT / "engines" / f"{engine}.xml"
    used = OUTPUT / "engines" / f"{engine}.modules.jsonl"
    junit.parent.mkdir(parents=True, exist_ok=True)
    used.unlink(missing_ok=True)
    env = dict(os.environ, SEARCHOPS_ENGINE=engine, SEARCHOPS_MODULE_LOG=str(used))
    began = time.monotonic()
    cmd = [sys.executable, "-m", "pytest", "tests/integration", "--engine", engine, f"--junitxml={junit}"]
    cmd += ["-p", "no:cacheprovider", "-q", *pytest_args]
    code = subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode
    endpoints = json.loads((tool.STATE / "endpoints.json").read_text())
    log(f"{engine}: pytest exited {code} after {time.monotonic() - began:.0f}s")
    return (
        {
            "version": endpoints["opensearch_version"],
            "java": endpoints["engine"]["java"],
            "repository_types": endpoints["engine"]["repository_types"],
            "start_seconds": seconds,
            "test_seconds": round(time.monotonic() - began, 1),
            "pytest_exit": code,
        },
        outcomes(junit),
        modules_used(used),
    )


def previous_results(engines):
    """The last results, without the engines about to run again (a partial run updates them)."""
    if not RESULTS.exists():
        return {"engines": {}, "tests": {}}
    results = json.loads(RESULTS.read_text())
    results["engines"] = {e: a for e, a in results["engines"].items() if e not in engines}
    for about in results["engines"].values():  # results written before these keys existed
        about.setdefault("measured", results.get("generated"))
        about.setdefault("seconds", about["start_seconds"] + about["test_seconds"])
    for entry in results["tests"].values():
        entry["modules"] = set(entry["modules"])
        entry["results"] = {e: r for e, r in entry["results"].items() if e not in engines}
    return results


def run(engines, pytest_args):
    tool = stack_tool
    known = list(tool.engines())
    engines = engines or known
    unknown = [e for e in engines if e not in known]
    if unknown:
        sys.exit(f"not engines of the stack: {', '.join(unknown)} (known: {', '.join(known)})")
    results = previous_results(engines)
    try:
        for engine in engines:
            began = time.monotonic()
            about, found, used = run_engine(tool, engine, pytest_args)
            about.update(
                seconds=round(time.monotonic() - began, 1),
                measured=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            )
            results["engines"][engine] = about
            for test, result in found.items():
                entry = results["tests"].setdefault(test, {"modules": set(), "results": {}})
                entry["results"][engine] = result
                entry["modules"] |= used.get(test, set())
    finally:
        stack("up", known[0])  # leave the default engine running
    results["tests"] = {t: e for t, e in results["tests"].items() if e["results"]}
    for entry in results["tests"].values():
        entry["modules"] = sorted(entry["modules"])
    results["engines"] = {e: results["engines"][e] for e in known if e in results["engines"]}
    results.update(
        generated=max(a["measured"] for a in results["engines"].values()),
        machine=f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        # each engine's start and tests, added up (a partial run replaces its engines' share)
        matrix_seconds=round(sum(a["seconds"] for a in results["engines"].values()), 1),
    )
    OUTPUT.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    log(f"results: {RESULTS} ({results['matrix_seconds']:.0f}s of engine time)")
    write_table(results)
    failed = [
        (t, e) for t, entry in results["tests"].items() for e, r in entry["results"].items() if r["outcome"] == "failed"
    ]
    for test, engine in failed:
        log(f"FAILED on {engine}: {test}")
    return 1 if failed or any(a["pytest_exit"] not in (0, 5) for a in results["engines"].values()) else 0


def columns(modules):
    """The table's columns a test counts under."""
    names = {m.rsplit(".", 1)[-1] for m in modules}
    cols = [m for m in MODULES if m in names]
    if any(m.startswith("playbook ") or m.endswith("include_role") for m in modules):
        cols.append(ROLES)
    return cols


def short_reason(reason):
    """A skip reason without pytest's location prefix."""
    return re.sub(r"^\S+:\d+: ", "", reason).strip()


def table(results):
    """The README's compatibility table (Markdown) from the results."""
    engines = list(results["engines"])
    reasons = []
    counts = {}
    for entry in results["tests"].values():
        for col in columns(entry["modules"]):
            for engine, result in entry["results"].items():
                cell = counts.setdefault((engine, col), {"passed": 0, "failed": 0, "skipped": set(), "n": 0})
                cell["n"] += 1
                if result["outcome"] == "skipped":
                    reason = short_reason(result["reason"])
                    if reason not in reasons:
                        reasons.append(reason)
                    cell["skipped"].add(reasons.index(reason) + 1)
                    cell.setdefault("skips", 0)
                    cell["skips"] += 1
                else:
                    cell[result["outcome"]] += 1
    lines = [
        f"| module | {' | '.join(engines)} |",
        f"|---|{'---|' * len(engines)}",
    ]
    for col in [*MODULES, ROLES]:
        row = []
        for engine in engines:
            cell = counts.get((engine, col))
            if not cell:
                row.append("no test")
                continue
            text = f"{'❌ ' + str(cell['failed']) + ' failed, ' if cell['failed'] else '✅ '}{cell['passed']} passed"
            if cell["skipped"]:
                notes = ",".join(str(n) for n in sorted(cell["skipped"]))
                text += f", {cell['skips']} skipped ({notes})"
            row.append(text)
        lines.append(f"| {col} | {' | '.join(row)} |")
    about = [
        f"- {engine}: Java `{Path(a['java']).name}`, started in {a['start_seconds']:.0f} s, "
        f"tests {a['test_seconds'] / 60:.1f} min, repositories: {', '.join(a['repository_types'])}"
        for engine, a in results["engines"].items()
    ]
    notes = [f"{i}. skipped: {reason}" for i, reason in enumerate(reasons, 1)]
    head = (
        f"Measured {results['generated']} on {results['machine']} by `make test-engines` "
        f"({results['matrix_seconds'] / 60:.0f} min); each cell counts the integration tests that use the module "
        "(tests/output/engines.json has every test)."
    )
    return "\n".join([head, "", *lines, "", *about, "", *notes])


def write_table(results):
    text = README.read_text()
    if BEGIN not in text or END not in text:
        sys.exit(f"README.md lacks the markers {BEGIN} and {END}")
    before, rest = text.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    README.write_text(f"{before}{BEGIN}\n{table(results)}\n{END}{after}")
    log("README.md: compatibility table written")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    runner = sub.add_parser("run")
    runner.add_argument("engines", nargs="*")
    runner.add_argument("--pytest-args", default="", help="more pytest arguments, one string")
    sub.add_parser("table")
    args = parser.parse_args(argv)
    if args.command == "table":
        write_table(json.loads(RESULTS.read_text()))
        return 0
    return run(args.engines, args.pytest_args.split())


if __name__ == "__main__":
    sys.exit(main())
