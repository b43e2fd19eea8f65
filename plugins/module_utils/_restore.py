# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Restore planning: which indices and data streams of a snapshot to restore, under which names,
and what to do with the indices and data streams already there. Pure: unit tests drive it table by
table."""

from __future__ import annotations

import re
import signal

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError
from ansible_collections.searchops.snapshots.plugins.module_utils._snapshots import snapshot_failure
from ansible_collections.searchops.snapshots.plugins.module_utils._system import system_reason, wildcard

try:  # the regex parser, for the backtracking check: re._parser from Python 3.11, sre_parse before
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_parse as _sre_parse

ON_CONFLICT = ("skip", "fail", "close", "delete")


def select(available, expressions):
    """The snapshot's indices matching names/patterns, with `-name` / `-pattern` excluding
    what came before (the server's rule). Only exclusions, or nothing: start from everything."""
    if not expressions:
        return list(available)
    chosen = [] if any(not e.startswith("-") for e in expressions) else list(available)
    for expression in expressions:
        if expression.startswith("-"):
            pattern = wildcard(expression[1:])
            chosen = [name for name in chosen if not pattern.match(name)]
        else:
            pattern = wildcard(expression)
            chosen += [name for name in available if pattern.match(name) and name not in chosen]
    return chosen


# A data stream's backing indices: .ds-<stream>-<generation> (Elasticsearch 7.9-7.10, OpenSearch),
# .ds-<stream>-<yyyy.MM.dd>-<generation> (Elasticsearch 7.11 and later).
BACKING_PREFIX = ".ds-"
_GENERATION = re.compile(r"(\d{4}\.\d{2}\.\d{2}-)?\d+")


def backing_indices(snapshot_indices, streams):
    """{stream: [its backing indices among snapshot_indices]} by the engines' naming rule; an index
    that two streams' names could own (logs and logs-2026.11.29) goes to the longer name."""
    owned = {stream: [] for stream in streams}
    by_length = sorted(streams, key=len, reverse=True)
    for index in snapshot_indices:
        for stream in by_length:
            head = BACKING_PREFIX + stream + "-"
            if index.startswith(head) and _GENERATION.fullmatch(index[len(head) :]):
                owned[stream].append(index)
                break
    return owned


def _listing(kind, names, limit=20):
    if not names:
        return f"no {kind}"
    shown = ", ".join(names[:limit])
    return f"the {kind} {shown} and {len(names) - limit} more" if len(names) > limit else f"the {kind} {shown}"


def holdings(snapshot_indices, streams):
    """What the snapshot holds, for error messages: its indices (backing indices aside) and data streams."""
    owned = {i for backing in backing_indices(snapshot_indices, streams).values() for i in backing}
    indices = [i for i in snapshot_indices if i not in owned]
    return f"The snapshot holds {_listing('indices', indices)}; {_listing('data streams', list(streams))}"


# Index names are at most 255 bytes, but a pattern that backtracks catastrophically takes
# minutes on one such name (here and on the server, whose Java regex backtracks the same way).
RENAME_TIME_LIMIT = 1.0
# Characters the server refuses in index names.
_FORBIDDEN_IN_INDEX = set('\\/*?"<>| ,#:')


def check_named(snapshot_indices, snapshot_streams, expressions):
    """Refuse (ConfigurationError, before any change) names, not patterns nor exclusions, that the
    snapshot holds as neither an index nor a data stream."""
    known = set(snapshot_indices) | set(snapshot_streams)
    missing = [e for e in expressions or [] if "*" not in e and not e.startswith("-") and e not in known]
    if missing:
        raise ConfigurationError(
            f"The snapshot has no index or data stream named {', '.join(repr(m) for m in missing)}",
            f"Nothing was changed. {holdings(snapshot_indices, snapshot_streams)}",
        )


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


def plan(
    snapshot_indices,
    indices,
    exclude_system,
    rename_pattern,
    rename_replacement,
    existing,
    on_conflict,
    snapshot_streams=(),
    existing_streams=None,
):
    """Decide the restore. existing: {index name: {"open": bool, "uuid": str}} of the cluster;
    snapshot_streams: the snapshot's data streams; existing_streams: {data stream: [backing indices]}
    of the cluster.

    Expressions in indices select indices and data streams, as the server does. A data stream is
    restored whole: selected by its name or a pattern, it brings all its backing indices, named as
    the server names them after a rename (.ds- + the rest renamed); a backing index named exactly
    without its stream is an ordinary index. System indices are the names the engines reserve
    (_system.py), each with the reason it is left out; a data stream is in conflict when its name
    or a backing index's name is taken.

    Raises ConfigurationError (before any change) for an empty index list, a named index or data
    stream the snapshot lacks, a selection that matches nothing, a bad or unbounded rename, a rename
    that maps two onto one name or gives an invalid one, conflicts with on_conflict=fail, and a data
    stream in the way with on_conflict=close.
    """
    existing_streams = existing_streams or {}
    if indices is not None and not any(indices):
        raise ConfigurationError(
            "indices is empty",
            "Omit indices to restore every index of the snapshot, or name the indices (or patterns) to restore",
        )
    check_named(snapshot_indices, snapshot_streams, indices)
    owned = backing_indices(snapshot_indices, snapshot_streams)
    stream_of = {index: stream for stream, backing in owned.items() for index in backing}
    named = set(indices or [])
    streams = matched_streams = select(snapshot_streams, indices)
    matched = select(snapshot_indices, indices)
    plain = [n for n in matched if n not in stream_of or (n in named and stream_of[n] not in streams)]
    if indices is not None and not plain and not streams:
        raise ConfigurationError(
            f"indices {indices!r} match no index and no data stream of the snapshot",
            f"Nothing was changed. {holdings(snapshot_indices, snapshot_streams)}. "
            "A data stream's backing indices (.ds-*) come with it: select the data stream by its name",
        )
    reasons = {n: system_reason(n) for n in plain + streams if exclude_system and n not in named}
    for stream in streams:
        for index in owned[stream] if reasons.get(stream) else ():
            reasons[index] = f"backing index of data stream {stream} ({reasons[stream]})"
    reasons = {n: reason for n, reason in reasons.items() if reason}
    selected = [n for n in matched if n in plain or stream_of.get(n) in streams]
    selected += [i for s in streams for i in owned[s] if i not in selected]
    plain = [n for n in plain if n not in reasons]
    streams = [s for s in streams if s not in reasons]
    sources = [n for n in selected if n not in reasons]
    targets, stream_targets = _targets(plain, streams, owned, rename_pattern, rename_replacement)

    in_use = set(existing) | set(existing_streams)
    needs = {s: [targets[s]] for s in plain}
    needs.update({s: [stream_targets[s]] + [targets[i] for i in owned[s]] for s in streams})
    conflicts = [s for s in plain + streams if any(name in in_use for name in needs[s])]
    result = {
        "selected": selected,
        "selected_data_streams": matched_streams,
        "excluded_system": [n for n in selected + matched_streams if n in reasons],
        "excluded_reasons": reasons,
        "backing_indices": {s: owned[s] for s in streams},
        "targets": targets,
        "data_stream_targets": stream_targets,
        "conflicts": {s: targets[s] for s in conflicts if s in targets},
        "data_stream_conflicts": {s: stream_targets[s] for s in conflicts if s in stream_targets},
        "skipped": [],
        "skipped_data_streams": [],
        "close": [],
        "delete": [],
        "delete_data_streams": [],
    }
    taken = {s: [n for n in needs[s] if n in in_use] for s in conflicts}
    skipped = _on_conflict(result, on_conflict, taken, existing, existing_streams)
    result["restore"] = [n for n in sources if n not in skipped and stream_of.get(n) not in skipped]
    result["restore_data_streams"] = [s for s in streams if s not in skipped]
    return result


def _targets(plain, streams, owned, pattern, replacement):
    """({index: target}, {data stream: target}) after the rename, as the server renames: a backing
    index of a restored data stream is .ds- + the rest renamed; refuses two sources onto one name and
    invalid names."""
    rest = {i: i[len(BACKING_PREFIX) :] for s in streams for i in owned[s]}
    renamed = rename_all(sorted(set(plain) | set(streams) | set(rest.values())), pattern, replacement)
    targets = {n: renamed[n] for n in plain}
    targets.update({i: BACKING_PREFIX + renamed[r] for i, r in rest.items()})
    stream_targets = {s: renamed[s] for s in streams}
    by_target = {}
    for source, target in list(targets.items()) + list(stream_targets.items()):
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
    return targets, stream_targets


def _on_conflict(result, on_conflict, taken, existing, existing_streams):
    """Fill in what on_conflict does with the conflicts (taken: {source: the names it needs that are
    taken}); returns the sources skipped. A data stream in the way of a restored data stream (by
    its name or a backing index's) is in the way whole, as is one whose name an index needs: deleted
    with DELETE _data_stream, never closed (its write index cannot be). An index restored alone
    over a live stream's backing index replaces that index only."""
    conflicts, stream_conflicts = result["conflicts"], result["data_stream_conflicts"]
    if not (conflicts or stream_conflicts):
        return []
    if on_conflict == "fail":
        listed = [f"{t} (from {s})" if t != s else s for s, t in conflicts.items()]
        listed += [f"data stream {t} (from {s})" if t != s else f"data stream {s}" for s, t in stream_conflicts.items()]
        raise ConfigurationError(
            f"These indices exist already: {', '.join(listed)}",
            "Nothing was changed. Rename (rename_pattern), or choose on_conflict: skip, close or delete",
        )
    if on_conflict == "skip":
        result["skipped"] = list(conflicts)
        result["skipped_data_streams"] = list(stream_conflicts)
        return result["skipped"] + result["skipped_data_streams"]
    owner = {i: s for s, backing in existing_streams.items() for i in backing}
    in_the_way = []
    for source, names in taken.items():
        for name in names:
            stream = name if name in existing_streams else owner.get(name) if source in stream_conflicts else None
            if stream is not None and stream not in in_the_way:
                in_the_way.append(stream)
    names = dict.fromkeys(n for needed in taken.values() for n in needed)
    indices = [n for n in names if n in existing and owner.get(n) not in in_the_way]
    if on_conflict == "close":
        if in_the_way:
            raise ConfigurationError(
                f"on_conflict: close cannot replace the data stream(s) {', '.join(in_the_way)}: "
                "the write index of a data stream cannot be closed",
                "Nothing was changed. Choose on_conflict: delete or skip, or rename (rename_pattern)",
            )
        result["close"] = [n for n in indices if existing[n]["open"]]
    else:
        result["delete"] = indices
        result["delete_data_streams"] = in_the_way
    return []


def replacement_problem(snapshot, decided, partial):
    """None when the indices that the plan closes or deletes can be replaced from snapshot, else
    why not: replacing needs a SUCCESS snapshot (PARTIAL with partial: true) holding every
    shard of each replaced index, so that nothing is closed or deleted for an incomplete copy."""
    streams = decided.get("data_stream_conflicts") or {}
    replaced_backing = {i for s in streams for i in decided["backing_indices"][s]}
    replaced = [s for s in decided["restore"] if s in decided["conflicts"] or s in replaced_backing]
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
