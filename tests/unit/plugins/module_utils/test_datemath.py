import datetime

import pytest

from ansible_collections.searchops.snapshots.plugins.module_utils._datemath import resolve
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError

NOW = datetime.datetime(2024, 3, 22, 14, 5, 9, 123456, tzinfo=datetime.timezone.utc)  # a Friday


@pytest.mark.parametrize(
    "name, expected",
    [
        ("plain-name", "plain-name"),
        ("<logs-{now/d}>", "logs-2024.03.22"),
        ("<logs-{now}>", "logs-2024.03.22"),
        ("<logs-{now/M}>", "logs-2024.03.01"),
        ("<logs-{now/M{yyyy.MM}}>", "logs-2024.03"),
        ("<logs-{now/M-1M{yyyy.MM}}>", "logs-2024.02"),
        ("<logs-{now-1d/d}>", "logs-2024.03.21"),
        ("<logs-{now/w}>", "logs-2024.03.18"),
        ("<logs-{now/y{yyyy}}>", "logs-2024"),
        ("<logs-{now+1y{yy}}>", "logs-25"),
        ("<logs-{now/h{yyyy.MM.dd.HH}}>", "logs-2024.03.22.14"),
        ("<logs-{now{yyyy-MM-dd'T'HH:mm:ss.SSS}}>", "logs-2024-03-22T14:05:09.123"),
        ("<logs-{now{MMM-d}}>", "logs-Mar-22"),
        # time zones: rounding and formatting happen in the zone
        ("<logs-{now/d{yyyy.MM.dd|+12:00}}>", "logs-2024.03.23"),
        ("<logs-{now/d{yyyy.MM.dd|-14:30}}>", "logs-2024.03.21"),
        ("<logs-{now{HH:mm|+01:00}}>", "logs-15:05"),
        ("<logs-{now{HH|Asia/Tokyo}}>", "logs-23"),
        ("<logs-{now{HH|UTC}}>", "logs-14"),
        # escapes in the static part
        ("<elastic\\{ON\\}-{now/M}>", "elastic{ON}-2024.03.01"),
        ("<a-{now/d}-b-{now/M{MM}}>", "a-2024.03.22-b-03"),
    ],
)
def test_resolve(name, expected):
    assert resolve(name, NOW) == expected


def test_month_arithmetic_clamps_to_month_end():
    end_of_march = datetime.datetime(2024, 3, 31, 10, 0, tzinfo=datetime.timezone.utc)
    assert resolve("<s-{now-1M}>", end_of_march) == "s-2024.02.29"
    assert resolve("<s-{now+11M}>", end_of_march) == "s-2025.02.28"


@pytest.mark.parametrize(
    "name, message",
    [
        ("<logs-{now/d>", "missing '}'"),
        ("<logs-}{now}>", "unmatched '}'"),
        ("<logs-{today}>", "must start with 'now'"),
        ("<logs-{now*2}>", "cannot read"),
        ("<logs-{now{yyyy|Mars/Olympus}}>", "unknown time zone"),
        ("<logs-{now{EEE}}>", "format letter 'E' is not supported"),
        ("<logs-{now{'yyyy}}>", "unclosed quote"),
    ],
)
def test_bad_expressions(name, message):
    with pytest.raises(ConfigurationError, match=message):
        resolve(name, NOW)


@pytest.mark.parametrize(
    "expression",
    [
        "now/d{yyyy.MM.dd|+25:00}",
        "now/d{yyyy.MM.dd|-99}",
        "now+999999999999y",
        "now-3000y",
        "now-2024y",
        "now+8000y/w",
        "now-99999999999999999999d",
        "now+" + "9" * 5000 + "s",
        "now/y-2023y-1d",
        "now/y+7975y+1y",
    ],
)
def test_dates_out_of_range_are_a_clean_error_naming_the_expression(expression):
    name = f"<snap-{{{expression}}}>"
    with pytest.raises(ConfigurationError, match="out of range") as raised:
        resolve(name, NOW)
    assert repr(name) in str(raised.value)


# Property: whatever the name, resolve returns a str or raises ConfigurationError, nothing else
# (hypothesis; 400 free-form names and 400 built from the grammar).
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

DATEMATH_EXAMPLES = 400
_UNITS = "yMwdhHms"
operations = st.lists(
    st.one_of(
        st.builds(
            "{}{}{}".format,
            st.sampled_from("+-"),
            st.integers(0, 10**13) | st.integers(0, 40),
            st.sampled_from(_UNITS),
        ),
        st.builds("/{}".format, st.sampled_from(_UNITS + "x")),
    ),
    max_size=4,
).map("".join)
zones = st.one_of(
    st.builds("{}{:02d}:{:02d}".format, st.sampled_from("+-"), st.integers(0, 99), st.integers(0, 99)),
    st.sampled_from(["", "UTC", "Z", "Europe/Paris", "Asia/Tokyo", "Nope/Zone", "+5", "-0530"]),
)
formats = st.text(alphabet="yuMdHmsS.-'_ ax", max_size=8)
expressions = st.builds(
    lambda ops, fmt, zone, braces: "now" + ops + ("{" + fmt + ("|" + zone if zone else "") + "}" if braces else ""),
    operations,
    formats,
    zones,
    st.booleans(),
)
grammar_names = st.builds("<{}{{{}}}{}>".format, st.text("ab-", max_size=3), expressions, st.text("-z", max_size=2))
free_names = st.builds("<{}>".format, st.text(alphabet="now{}\\/|+-:.yMdHhmswS019'x ", max_size=24))


def _resolves_cleanly(name):
    try:
        assert isinstance(resolve(name, NOW), str)
    except ConfigurationError as err:
        assert name in str(err) or repr(name) in str(err)


@settings(max_examples=DATEMATH_EXAMPLES, deadline=None, database=None)
@given(grammar_names)
def test_resolve_fails_only_cleanly_on_grammar_built_names(name):
    _resolves_cleanly(name)


@settings(max_examples=DATEMATH_EXAMPLES, deadline=None, database=None)
@given(free_names)
def test_resolve_fails_only_cleanly_on_free_form_names(name):
    _resolves_cleanly(name)
