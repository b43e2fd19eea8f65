"""Property (issue 11): whatever the options (within the argument spec's types: odd strings,
empty lists, negative numbers, odd URLs) and whatever the server answers (any status; bodies
that are dicts of the wrong shape, lists, strings, HTML, nothing), every module ends through
exit_json or fail_json with a message of its own, never with _module.run's "unexpected error"
(a bug) and never with an exception escaping main()."""

from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.plugins.modules.fuzz import MODULES, URL, fake_time, is_unexpected, run_main

MAX_REQUESTS = 25  # then the server answers 500, so that waits end
ODD_STRINGS = st.sampled_from(
    [
        "",
        " ",
        ".",
        "..",
        "*",
        "_all",
        "a,b",
        "-",
        "latest",
        "nightly",
        "<nightly-{now/d}>",
        "<x-{now/d{yyyy.MM.dd|+25:00}}>",
        "<x-{now+999999999999y}>",
        "<x-{now-3000y}>",
        "${nope}",
        "\\1",
        "(a+)+c",
        "[",
        "\n",
        "é€",
        "a/b",
        "%",
        "-1",
        "1d",
        "0s",
        "99999999999999d",
    ]
) | st.text(max_size=8)
URLS = st.sampled_from(
    [URL, "localhost:9200", "http://[::1", "https://h:0", "", "http://h/..", "ftp://x", "http://h?x=1", "http://u:p@h"]
)


def scalars():
    return st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | ODD_STRINGS


JSON = st.recursive(
    scalars(), lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_STRINGS, inner, max_size=3), max_leaves=8
)


def value_for(spec):
    """A strategy for one option, within its declared type (and choices)."""
    kind = spec.get("type", "str")
    if spec.get("choices"):
        one = st.sampled_from(spec["choices"])
        return st.lists(one, max_size=3) if kind == "list" else one
    elements = {"int": st.integers(-10, 10**6), "str": ODD_STRINGS}.get(spec.get("elements"), ODD_STRINGS)
    return {
        "str": ODD_STRINGS,
        "path": ODD_STRINGS,
        "int": st.sampled_from([-1, 0, 1, 2**31]) | st.integers(-100, 10**6),
        "float": st.sampled_from([-1.0, 0.0, 0.001]) | st.floats(-1e3, 1e7, allow_nan=False),
        "bool": st.booleans(),
        "list": st.lists(elements, max_size=3),
        "dict": st.dictionaries(ODD_STRINGS, JSON, max_size=3),
        "raw": JSON,
    }[kind]


def argument_spec(module, monkeypatch):
    """The module's own options and AnsibleModule keywords (required_together, ...), as main() declares them."""
    captured = {}

    class Captured(Exception):
        pass

    def capture(spec, **kwargs):
        captured.update(spec=spec, **kwargs)
        raise Captured

    # a context of its own: undoing the fixture would also undo the fake transport (and the clean environment)
    with monkeypatch.context() as patch, pytest.raises(Captured):
        patch.setattr(module, "build_module", capture)
        module.main()
    return captured


def draw_options(data, declared):
    """Options within the spec's types; the option rules (required, together, one of) are kept, so
    that runs get past AnsibleModule's own checks."""
    options = {}
    for option, option_spec in sorted(declared["spec"].items()):
        if option_spec.get("required") or data.draw(st.integers(0, 3), label=f"set {option}") == 0:
            options[option] = data.draw(value_for(option_spec), label=option)
    for group in declared.get("required_together", ()):
        if any(o in options for o in group):
            options.update({o: data.draw(value_for(declared["spec"][o]), label=o) for o in group if o not in options})
    for group in declared.get("required_one_of", ()):
        if not any(o in options for o in group):
            options[group[0]] = data.draw(value_for(declared["spec"][group[0]]), label=group[0])
    return options


CONNECTION = st.fixed_dictionaries(
    {},
    optional={
        "url": URLS,
        "auth_type": st.sampled_from(["auto", "none", "basic", "api_key", "aws_sigv4"]),
        "request_timeout": st.sampled_from([-1.0, 0.0, 0.001, 30.0]),
        "retries": st.sampled_from([-1, 0, 1, 2]),
        "validate_certs": st.booleans(),
    },
)

# plausible answers with odd parts, so that the modules get past their first read
SNAPSHOT = st.fixed_dictionaries(
    {"snapshot": ODD_STRINGS, "state": st.sampled_from(["SUCCESS", "PARTIAL", "FAILED", "IN_PROGRESS", "X"]) | JSON},
    optional={
        "uuid": ODD_STRINGS,
        "indices": st.lists(ODD_STRINGS, max_size=3) | JSON,
        "start_time_in_millis": st.integers(-1, 2**45) | JSON,
        "end_time_in_millis": st.integers(-1, 2**45) | JSON,
        "shards": st.dictionaries(st.sampled_from(["total", "failed", "successful"]), st.integers(-1, 5) | JSON),
        "failures": st.lists(JSON, max_size=2) | JSON,
        "metadata": JSON,
        "include_global_state": JSON,
    },
)
BODIES = st.one_of(
    st.fixed_dictionaries({"snapshots": st.lists(SNAPSHOT, max_size=3) | JSON}),
    st.fixed_dictionaries({"snapshot": SNAPSHOT | JSON}),
    st.dictionaries(st.sampled_from(["nightly", "acknowledged", "accepted", "nodes", "indices", "status"]), JSON),
    st.dictionaries(ODD_STRINGS, st.fixed_dictionaries({"type": JSON, "settings": JSON}), max_size=2),
    st.fixed_dictionaries({"error": JSON}),
    JSON,
    st.sampled_from([b"", b"<html><body>Sign in</body></html>", b"not json", b"[]", b"null"]),
)
STATUSES = st.sampled_from([200, 200, 200, 200, 201, 400, 401, 403, 404, 409, 429, 500, 503, 504])


def plausible(request):
    """A body shaped like the server's answer to this path, with odd parts."""
    path = [unquote(p) for p in urlsplit(request.url).path.strip("/").split("/")]
    if path[0] == "_snapshot" and len(path) == 2 and path[1] != "_status":
        return st.fixed_dictionaries(
            {
                path[1]: st.fixed_dictionaries(
                    {"type": st.just("s3") | JSON, "settings": st.dictionaries(ODD_STRINGS, JSON)}
                )
            }
        )
    if path[:4] == ["_plugins", "_security", "api", "rolesmapping"] and len(path) == 5:
        entry = st.dictionaries(
            st.sampled_from(["users", "backend_roles", "hosts", "and_backend_roles", "reserved", "hidden"]),
            st.lists(ODD_STRINGS, max_size=3) | JSON,
        )
        return st.fixed_dictionaries({path[4]: entry}) | st.fixed_dictionaries({"status": JSON, "message": JSON})
    if path[0] == "_snapshot" and len(path) >= 3:
        named = SNAPSHOT.map(lambda snap: dict(snap, snapshot=path[2]))
        return st.fixed_dictionaries({"snapshots": st.lists(named | SNAPSHOT, max_size=3)})
    return BODIES


def answers(request):
    return st.tuples(STATUSES, plausible(request)) | st.tuples(STATUSES, BODIES)


COUNTS = {"inputs": 0}


def check_module(name, data, server, capsys, monkeypatch):
    module, required = MODULES[name]
    options = draw_options(data, argument_spec(module, monkeypatch))
    connection = data.draw(st.just({}) | st.just({}) | CONNECTION, label="connection")
    args = dict({"url": URL, "retries": 1}, **connection, **options)
    sent = []

    def answer(request):
        sent.append(request)
        return data.draw(answers(request), label="answer") if len(sent) <= MAX_REQUESTS else (500, "stop")

    server.routes.clear()
    server.fallback = answer
    with monkeypatch.context() as patch:
        fake_time(patch)
        code, out, result = run_main(
            module, args, capsys, check_mode=data.draw(st.booleans()), diff=data.draw(st.booleans())
        )
    COUNTS["inputs"] += 1
    assert code in (0, 1) and ("msg" in result if code else True), result
    assert not is_unexpected(result), (args, result["msg"])


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", sorted(MODULES))
@SETTINGS
@given(data=st.data())
def test_never_a_traceback(name, data, server, capsys, monkeypatch):
    check_module(name, data, server, capsys, monkeypatch)


def test_report_count():
    if COUNTS["inputs"]:
        print(f"never a traceback: {COUNTS['inputs']} option sets and answer sequences, no unexpected error")


# --------------------------------------------------------------- crashes the property run found (regressions)


def run_with(server, capsys, monkeypatch, name, options, *answers):
    module, required = MODULES[name]
    server.routes.clear()
    replies = list(answers)
    server.fallback = lambda request: replies.pop(0) if replies else (500, "stop")
    with monkeypatch.context() as patch:
        fake_time(patch)
        code, out, result = run_main(module, dict(required, url=URL, retries=0, **options), capsys)
    return result


@pytest.mark.parametrize("name", ["<x-{now/d{yyyy.MM.dd|+25:00}}>", "<x-{now+999999999999y}>", "<x-{now-3000y}>"])
def test_once_a_crash_es_snapshot_date_math(server, capsys, monkeypatch, name):
    result = run_with(server, capsys, monkeypatch, "es_snapshot", {"snapshot": name})
    assert not is_unexpected(result), result["msg"]


def test_once_a_crash_es_snapshot_prune_odd_start_time(server, capsys, monkeypatch):
    """A start time that is not a number sorts as the oldest but is never taken for an old one."""
    snap = {"snapshot": "s", "state": "SUCCESS", "indices": ["i"], "start_time_in_millis": [1]}
    listing = (200, {"snapshots": [snap, dict(snap, snapshot="t", start_time_in_millis=5)]})
    identity = (200, {"cluster_uuid": "c1", "cluster_name": "local"})
    result = run_with(
        server,
        capsys,
        monkeypatch,
        "es_snapshot_prune",
        {"max_age": "1d", "max_count": None},
        identity,
        listing,  # light
        listing,  # verbose
    )
    assert not result.get("failed"), result["msg"]
    assert result["deleted"] == [] and sorted(result["kept"]) == ["s", "t"]


def test_once_a_crash_es_restore_snapshots_not_a_list(server, capsys, monkeypatch):
    result = run_with(server, capsys, monkeypatch, "es_restore", {"snapshot": "s"}, (200, {"snapshots": True}))
    assert not is_unexpected(result), result["msg"]
