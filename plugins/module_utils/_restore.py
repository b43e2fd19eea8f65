# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Restore planning: which indices of a snapshot to restore, under which names, and what to do
with the indices already there. Pure: unit tests drive it table by table."""

from __future__ import annotations

import re

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError

ON_CONFLICT = ("skip", "fail", "close", "delete")


def _pattern(expression):
    """Index expressions know only the * wildcard."""
    return re.compile("^" + ".*".join(re.escape(part) for part in expression.split("*")) + "$")


def select(available, expressions):
    """The snapshot's indices matching names/patterns, with `-name` / `-pattern` excluding
    what came before (the server's rule). Only exclusions, or nothing: start from everything."""
    if not expressions:
        return list(available)
    chosen = [] if any(not e.startswith("-") for e in expressions) else list(available)
    for expression in expressions:
        if expression.startswith("-"):
            pattern = _pattern(expression[1:])
            chosen = [name for name in chosen if not pattern.match(name)]
        else:
            pattern = _pattern(expression)
            chosen += [name for name in available if pattern.match(name) and name not in chosen]
    return chosen


def is_system(name):
    """System and hidden indices: .kibana*, .opendistro*, .opensearch*, .plugins*, .security*, .tasks, ..."""
    return name.startswith(".")


def java_replacement(replacement):
    """Java's Matcher.replaceAll replacement ($1, ${name}, \\$) as a Python re.sub template."""
    out = []
    i = 0
    while i < len(replacement):
        char = replacement[i]
        if char == "\\" and i + 1 < len(replacement):
            out.append(replacement[i + 1].replace("\\", "\\\\"))
            i += 2
        elif char == "$":
            match = re.match(r"\$(\d+)|\$\{(\w+)\}", replacement[i:])
            if not match:
                raise ConfigurationError(
                    f"rename_replacement {replacement!r}: '$' must be followed by a group number or {{name}}"
                )
            out.append(f"\\g<{match[1] or match[2]}>")
            i += match.end()
        else:
            out.append(char.replace("\\", "\\\\"))
            i += 1
    return "".join(out)


def rename(name, pattern, replacement):
    if not pattern:
        return name
    # Java's named groups (?<name>...) are Python's (?P<name>...); lookbehinds (?<= (?<! stay
    python_pattern = re.sub(r"\(\?<(?![=!])(\w+)>", r"(?P<\1>", pattern)
    try:
        return re.sub(python_pattern, java_replacement(replacement or ""), name)
    except re.error as err:
        raise ConfigurationError(f"rename_pattern/rename_replacement cannot rename {name!r}: {err}") from None


def plan(snapshot_indices, indices, exclude_system, rename_pattern, rename_replacement, existing, on_conflict):
    """Decide the restore. existing: {index name: {"open": bool, "uuid": str}} of the cluster.

    Raises ConfigurationError (before any change) for a rename that maps two indices onto one
    name, and for conflicts with on_conflict=fail.
    """
    selected = select(snapshot_indices, indices)
    named = set(indices or [])
    excluded = [n for n in selected if exclude_system and is_system(n) and n not in named]
    sources = [n for n in selected if n not in excluded]
    targets = {source: rename(source, rename_pattern, rename_replacement) for source in sources}

    by_target = {}
    for source, target in targets.items():
        by_target.setdefault(target, []).append(source)
    collisions = {t: s for t, s in by_target.items() if len(s) > 1}
    if collisions:
        detail = "; ".join(f"{', '.join(s)} -> {t}" for t, s in sorted(collisions.items()))
        raise ConfigurationError(
            f"The rename maps several indices onto one name: {detail}", "Change rename_pattern/rename_replacement"
        )
    for target in by_target:
        if target != target.lower() or not target or target.startswith(("_", "-", "+")):
            raise ConfigurationError(f"The rename gives the invalid index name {target!r}")

    conflicts = [s for s in sources if targets[s] in existing]
    result = {
        "selected": selected,
        "excluded_system": excluded,
        "targets": targets,
        "conflicts": {s: targets[s] for s in conflicts},
        "skipped": [],
        "close": [],
        "delete": [],
    }
    if conflicts and on_conflict == "fail":
        listed = ", ".join(f"{targets[s]} (from {s})" if targets[s] != s else s for s in conflicts)
        raise ConfigurationError(
            f"These indices exist already: {listed}",
            "Nothing was changed. Rename (rename_pattern), or choose on_conflict: skip, close or delete",
        )
    if on_conflict == "skip":
        result["skipped"] = conflicts
        restore = [s for s in sources if s not in conflicts]
    else:
        restore = list(sources)
        key = "close" if on_conflict == "close" else "delete"
        result[key] = [targets[s] for s in conflicts if on_conflict == "delete" or existing[targets[s]]["open"]]
    result["restore"] = restore
    return result
