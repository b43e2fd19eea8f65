# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Restore planning: which indices of a snapshot to restore, under which names, and what to do
with the indices already there. Pure: unit tests drive it table by table."""

from __future__ import annotations

import re
import signal

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import snapshot_failure

try:  # the regex parser, for the backtracking check: re._parser from Python 3.11, sre_parse before
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_parse as _sre_parse

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


# Index names are at most 255 bytes, but a pattern that backtracks catastrophically takes
# minutes on one such name (here and on the server, whose Java regex backtracks the same way).
RENAME_TIME_LIMIT = 1.0
# Characters the server refuses in index names.
_FORBIDDEN_IN_INDEX = set('\\/*?"<>| ,#:')


def _compile(pattern):
    """The Java pattern as a Python regex. Java's named groups (?<name>...) are Python's
    (?P<name>...); lookbehinds (?<= (?<! stay."""
    try:
        compiled = re.compile(re.sub(r"\(\?<(?![=!])(\w+)>", r"(?P<\1>", pattern))
    except (re.error, OverflowError, RecursionError) as err:
        raise ConfigurationError(f"rename_pattern {pattern!r} is not a valid regular expression: {err}") from None
    if _nested_quantifier(_sre_parse.parse(compiled.pattern)):
        raise ConfigurationError(
            f"rename_pattern {pattern!r} nests a repetition inside a repetition (like (a+)+), which can take "
            "exponential time (catastrophic backtracking), here and on the server",
            "Write it without the nested quantifier, for example (a+)+c as a+c",
        )
    return compiled


def _nested_quantifier(parsed, repeated=False):
    """Whether a variable-length repetition sits inside a repetition (star height > 1), the
    shape of most catastrophic-backtracking patterns; a linter's check, on the parsed pattern."""
    for op, value in parsed:
        if op.name.endswith("_REPEAT"):  # MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT
            low, high, body = value
            if (repeated and low != high) or _nested_quantifier(body, repeated or high > 1):
                return True
        elif any(_nested_quantifier(child, repeated) for child in _subpatterns(value)):
            return True
    return False


def _subpatterns(value):
    if isinstance(value, _sre_parse.SubPattern):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _subpatterns(item)


def java_replacement(replacement, compiled, pattern):
    """Java's Matcher.replaceAll replacement ($1, ${name}, \\$) as a function of a match.

    Group references are checked against the pattern as Java does: "$12" is group 12 when the
    pattern has 12 groups, else group 1 followed by "2"; an unknown group is an error."""
    parts = []  # literal strings and group references (ints or names)
    i = 0
    while i < len(replacement):
        char = replacement[i]
        if char == "\\":
            if i + 1 == len(replacement):
                raise ConfigurationError(f"rename_replacement {replacement!r} ends with an escaping '\\'")
            parts.append(replacement[i + 1])
            i += 2
        elif char == "$":
            i = _group_reference(replacement, i + 1, compiled, pattern, parts)
        else:
            parts.append(char)
            i += 1

    def expand(match):
        return "".join(p if isinstance(p, str) else (match.group(p[0]) or "") for p in parts)

    return expand


def _group_reference(replacement, i, compiled, pattern, parts):
    """Parse the reference after a '$' at replacement[i:], append it to parts, return the next index."""
    named = re.match(r"\{([a-zA-Z][a-zA-Z0-9]*)\}", replacement[i:])
    if named:
        if named[1] not in compiled.groupindex:
            raise ConfigurationError(
                f"rename_replacement {replacement!r} refers to group {named[1]!r}, "
                f"which rename_pattern {pattern!r} lacks"
            )
        parts.append((named[1],))
        return i + named.end()
    if i == len(replacement) or not replacement[i].isdigit() or not replacement[i].isascii():
        raise ConfigurationError(
            f"rename_replacement {replacement!r}: '$' must be followed by a group number or {{name}}",
            "Write \\$ for a literal '$'",
        )
    number = int(replacement[i])
    if number > compiled.groups:
        raise ConfigurationError(
            f"rename_replacement {replacement!r} refers to group {number}, "
            f"but rename_pattern {pattern!r} has {compiled.groups} group(s)"
        )
    i += 1
    while i < len(replacement) and replacement[i] in "0123456789":
        longer = number * 10 + int(replacement[i])
        if longer > compiled.groups:
            break
        number, i = longer, i + 1
    parts.append((number,))
    return i


def rename_all(names, pattern, replacement, time_limit=RENAME_TIME_LIMIT):
    """{name: name after the rename} for every name, as the server renames (Java replaceAll).

    Raises ConfigurationError, naming the option, for an invalid pattern or replacement and for a
    pattern that backtracks catastrophically (refused up front, or stopped after time_limit)."""
    if not pattern:
        return {name: name for name in names}
    compiled = _compile(pattern)
    expand = java_replacement(replacement or "", compiled, pattern)

    def rename_each():
        return {name: compiled.sub(expand, name) for name in names}

    try:
        return _within(time_limit, rename_each)
    except _Expired:
        raise ConfigurationError(
            f"rename_pattern {pattern!r} took more than {time_limit:g}s on the snapshot's {len(names)} index names "
            "(catastrophic backtracking); the server would hang on it the same way",
            "Simplify it: fewer groups that can match the same characters (.* next to .*)",
        ) from None


def rename(name, pattern, replacement):
    return rename_all([name], pattern, replacement)[name]


class _Expired(Exception):
    pass


def _expire(signum, frame):
    raise _Expired()


def _within(seconds, action):
    """action() stopped after seconds (a SIGALRM interrupts even a running regex match); without
    signals (not the main thread, not Unix) action() runs unbounded."""
    try:
        previous = signal.signal(signal.SIGALRM, _expire)
    except (ValueError, AttributeError):
        return action()
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds)
            return action()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)


def _invalid_index_name(name):
    """Why the server refuses name as an index name, or None."""
    if not name or name in (".", ".."):
        return "empty, '.' or '..'"
    if name != name.lower():
        return "not lowercase"
    if name.startswith(("_", "-", "+")):
        return "starting with '_', '-' or '+'"
    if set(name) & _FORBIDDEN_IN_INDEX:
        return 'holding one of \\ / * ? " < > | , # : or a space'
    if len(name.encode()) > 255:
        return "longer than 255 bytes"
    return None


def plan(snapshot_indices, indices, exclude_system, rename_pattern, rename_replacement, existing, on_conflict):
    """Decide the restore. existing: {index name: {"open": bool, "uuid": str}} of the cluster.

    Raises ConfigurationError (before any change) for an empty index list, a named index the
    snapshot lacks, a bad or unbounded rename, a rename that maps two indices onto one name or
    gives an invalid one, and for conflicts with on_conflict=fail.
    """
    if indices is not None and not any(indices):
        raise ConfigurationError(
            "indices is empty",
            "Omit indices to restore every index of the snapshot, or name the indices (or patterns) to restore",
        )
    missing = [e for e in indices or [] if "*" not in e and not e.startswith("-") and e not in snapshot_indices]
    if missing:
        raise ConfigurationError(
            f"The snapshot has no index named {', '.join(repr(m) for m in missing)}",
            "Nothing was changed. Check indices against the snapshot's indices (es_snapshot_info)",
        )
    selected = select(snapshot_indices, indices)
    named = set(indices or [])
    excluded = [n for n in selected if exclude_system and is_system(n) and n not in named]
    sources = [n for n in selected if n not in excluded]
    targets = rename_all(sources, rename_pattern, rename_replacement)

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
        problem = _invalid_index_name(target)
        if problem:
            raise ConfigurationError(f"The rename gives the invalid index name {target!r} ({problem})")

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


def replacement_problem(snapshot, decided, partial):
    """None when the indices that the plan closes or deletes can be replaced from snapshot, else
    why not: replacing needs a SUCCESS snapshot (PARTIAL with partial: true) holding every
    shard of each replaced index, so that nothing is closed or deleted for an incomplete copy."""
    replaced = [s for s in decided["restore"] if s in decided["conflicts"]]
    if not replaced:
        return None
    name, state = snapshot.get("snapshot"), snapshot.get("state")
    if state == "IN_PROGRESS":
        return f"Snapshot {name} is still IN_PROGRESS"
    failure = snapshot_failure(snapshot, partial)
    if failure:
        return failure
    lacking = {}
    for shard in snapshot.get("failures") or []:
        if isinstance(shard, dict) and shard.get("index") in replaced:
            lacking.setdefault(shard["index"], []).append(
                f"{shard['index']}[{shard.get('shard_id')}]: {shard.get('reason')}"
            )
    if lacking:
        detail = "; ".join(f"{index} ({', '.join(reasons)})" for index, reasons in lacking.items())
        return f"Snapshot {name} lacks shards of {detail}: restoring over the live indices would lose their data"
    return None
