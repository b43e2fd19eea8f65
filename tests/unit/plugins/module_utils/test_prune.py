import pytest

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError
from ansible_collections.searchops.snapshots.plugins.module_utils._prune import parse_age, plan

DAY = 86400 * 1000
NOW = 100 * DAY


def snap(name, days_ago, state="SUCCESS"):
    start = NOW - days_ago * DAY
    return {"snapshot": name, "state": state, "start_time_in_millis": start, "end_time_in_millis": start + 1000}


# listed in no particular order, as a repository may answer
LISTING = [
    snap("d5", 5),
    snap("d1", 1),
    snap("d40-failed", 40, "FAILED"),
    snap("d3-partial", 3, "PARTIAL"),
    snap("d60", 60),
    snap("d2", 2),
    snap("d45", 45),
]


@pytest.mark.parametrize(
    ("kwargs", "delete"),
    [
        ({"max_age": 30 * 86400}, ["d40-failed", "d45", "d60"]),
        ({"max_count": 3}, ["d5", "d40-failed", "d45", "d60"]),
        ({"max_count": 3, "max_age": 4 * 86400}, ["d5", "d40-failed", "d45", "d60"]),
        ({"max_age": 10 * 86400, "states": ["FAILED", "PARTIAL"]}, ["d40-failed"]),
        # max_count counts only the states that may go
        ({"max_count": 1, "states": ["FAILED", "PARTIAL"]}, ["d40-failed"]),
        ({"max_count": 0, "min_count": 0}, ["d1", "d2", "d3-partial", "d5", "d40-failed", "d45", "d60"]),
    ],
)
def test_plan_deletes_old_and_surplus_snapshots_newest_first(kwargs, delete):
    assert plan(LISTING, NOW, **kwargs)["delete"] == delete


def test_min_count_keeps_the_newest_successful_snapshots_whatever_their_age():
    old = [snap("a", 50), snap("b", 60, "PARTIAL"), snap("c", 70), snap("d", 80), snap("e", 90, "FAILED")]
    result = plan(old, NOW, max_age=30 * 86400, min_count=2)
    assert result["protected"] == ["a", "c"]
    assert result["delete"] == ["b", "d", "e"]
    assert result["keep"] == ["a", "c"]
    # a PARTIAL or FAILED snapshot is no floor
    assert plan(old, NOW, max_age=30 * 86400, min_count=0)["delete"] == ["a", "b", "c", "d", "e"]


def test_a_running_snapshot_is_never_deleted_nor_counted():
    listing = [*LISTING, {"snapshot": "now", "state": "IN_PROGRESS", "start_time_in_millis": NOW - 1000}]
    result = plan(listing, NOW, max_count=2, min_count=0)
    assert result["running"] == ["now"]
    assert "now" not in result["delete"] and "now" not in result["keep"]
    assert result["keep"] == ["d1", "d2"]
    assert result["matching"][0] == "now"


def test_ties_on_start_time_are_broken_by_end_time():
    first, second = snap("first", 10), snap("second", 10)
    second["end_time_in_millis"] += 500
    assert plan([first, second], NOW, max_count=1, min_count=0)["delete"] == ["first"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "Set max_age, max_count or both"),
        ({"max_count": -1}, "max_count must be 0 or more"),
        ({"max_count": 2, "min_count": -1}, "min_count must be 0 or more"),
    ],
)
def test_plan_refuses_settings_that_decide_nothing_or_make_no_sense(kwargs, message):
    with pytest.raises(ConfigurationError, match=message):
        plan(LISTING, NOW, **kwargs)


@pytest.mark.parametrize(
    ("text", "seconds"), [("30d", 30 * 86400), ("12h", 43200), ("2w", 14 * 86400), (" 90m ", 5400)]
)
def test_parse_age(text, seconds):
    assert parse_age(text) == seconds


@pytest.mark.parametrize("text", ["30", "1.5d", "3y", "d", "-1d", "1M", "2D"])
def test_parse_age_says_what_a_duration_looks_like(text):
    with pytest.raises(ConfigurationError, match="like 30d, 12h or 2w"):
        parse_age(text)


def test_snapshots_recorded_as_another_clusters_are_left_alone_and_not_counted():
    theirs = dict(snap("theirs", 90), metadata={"searchops.cluster_uuid": "other"})
    ours = dict(snap("ours", 80), metadata={"searchops.cluster_uuid": "me"})
    listing = [snap("new", 1), theirs, ours, snap("by-hand", 70)]
    result = plan(listing, NOW, max_count=1, min_count=0, cluster_uuid="me")
    assert result["other_clusters"] == ["theirs"]
    assert result["delete"] == ["by-hand", "ours"] and result["keep"] == ["new"]
    assert result["matching"] == ["new", "by-hand", "ours", "theirs"]
    # without a cluster to compare with (include_other_clusters), everything matching is retention's
    assert plan(listing, NOW, max_count=1, min_count=0)["delete"] == ["by-hand", "ours", "theirs"]
    # this cluster's uuid unknown (the user may not read it): whatever records a cluster is left alone
    unknown = plan(listing, NOW, max_count=1, min_count=0, cluster_uuid="")
    assert unknown["other_clusters"] == ["ours", "theirs"] and unknown["delete"] == ["by-hand"]


# Property: the plan's promises hold for any listing (hypothesis; 400 generated listings).
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ansible_collections.searchops.snapshots.plugins.module_utils._prune import COMPLETED_STATES  # noqa: E402

PLAN_EXAMPLES = 400


@st.composite
def listings(draw):
    count = draw(st.integers(0, 14))
    starts = draw(st.lists(st.integers(0, 120 * DAY), min_size=count, max_size=count, unique=True))
    listing = []
    for i, start in enumerate(starts):
        entry = {
            "snapshot": f"s{i}",
            "state": draw(st.sampled_from((*COMPLETED_STATES, "IN_PROGRESS"))),
            "start_time_in_millis": start,
            "end_time_in_millis": start + draw(st.integers(0, DAY)),
        }
        owner = draw(st.sampled_from((None, "me", "other")))
        if owner:
            entry["metadata"] = {"searchops.cluster_uuid": owner}
        listing.append(entry)
    return listing


@st.composite
def retentions(draw):
    max_age = draw(st.none() | st.integers(0, 100 * 86400))
    max_count = draw(st.integers(0, 10) if max_age is None else st.none() | st.integers(0, 10))
    return {
        "max_age": max_age,
        "max_count": max_count,
        "min_count": draw(st.integers(0, 5)),
        "states": draw(st.lists(st.sampled_from(COMPLETED_STATES), min_size=1, unique=True)),
        "cluster_uuid": draw(st.sampled_from((None, "me"))),
    }


@settings(max_examples=PLAN_EXAMPLES, deadline=None, database=None)
@given(listing=listings(), retention=retentions())
def test_plan_invariants(listing, retention):
    result = plan(listing, NOW, **retention)
    delete = result["delete"]
    by_name = {s["snapshot"]: s for s in listing}
    uuid = retention["cluster_uuid"]

    def ours(s):
        owner = (s.get("metadata") or {}).get("searchops.cluster_uuid")
        return uuid is None or owner in (None, uuid)

    # only what was listed, once, in the states that may go, and never a running one
    assert len(delete) == len(set(delete)) and set(delete) <= set(by_name)
    assert all(by_name[n]["state"] in retention["states"] for n in delete)
    # never another cluster's snapshot (when told which cluster this is)
    assert all(ours(by_name[n]) for n in delete)
    assert set(result["other_clusters"]) == {s["snapshot"] for s in listing if not ours(s)}
    # never the newest min_count SUCCESS ones of this cluster
    newest = sorted(listing, key=lambda s: s["start_time_in_millis"], reverse=True)
    floor = [s["snapshot"] for s in newest if ours(s) and s["state"] == "SUCCESS"][: retention["min_count"]]
    assert not set(floor) & set(delete) and result["protected"] == floor
    # deleted and kept split the completed snapshots of this cluster
    completed = {s["snapshot"] for s in listing if ours(s) and s["state"] != "IN_PROGRESS"}
    assert set(delete) | set(result["keep"]) == completed and not set(delete) & set(result["keep"])
    assert set(result["running"]) == {s["snapshot"] for s in listing if ours(s) and s["state"] == "IN_PROGRESS"}
    # max_count: beyond the floor, no more than max_count of the deletable states stay
    if retention["max_count"] is not None:
        stay = [n for n in result["keep"] if by_name[n]["state"] in retention["states"] and n not in floor]
        assert len(stay) <= retention["max_count"]
    # idempotent: planning again over what is left deletes nothing more
    left = [s for s in listing if s["snapshot"] not in set(delete)]
    assert plan(left, NOW, **retention)["delete"] == []
