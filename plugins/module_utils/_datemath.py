# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Elasticsearch/OpenSearch date math in names, resolved client-side exactly as the server does.

    <static_name{date_math_expr{date_format|time_zone}}>

`<nightly-{now/d}>` -> `nightly-2026.11.28`; `<snap-{now/d{yyyy.MM.dd|+01:00}}>`; `\\{` and `\\}`
are literal braces. A name not wrapped in < > is returned unchanged. Pure: takes `now`.
"""

from __future__ import annotations

import calendar
import datetime
import re

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
except ImportError:  # Python < 3.9
    ZoneInfo = None

DEFAULT_FORMAT = "uuuu.MM.dd"
_OP = re.compile(r"([+-])(\d+)([yMwdhHms])|/([yMwdhHms])")
_OFFSET = re.compile(r"^([+-])(\d{1,2})(?::?(\d{2}))?$")


def resolve(name, now):
    """The concrete name for a possibly date-math name; now is an aware UTC datetime."""
    if not (name.startswith("<") and name.endswith(">")):
        return name
    inner = name[1:-1]
    out = []
    i = 0
    while i < len(inner):
        char = inner[i]
        if char == "\\" and i + 1 < len(inner) and inner[i + 1] in "{}":
            out.append(inner[i + 1])
            i += 2
        elif char == "{":
            end = _closing_brace(inner, i, name)
            out.append(_expression(inner[i + 1 : end], now, name))
            i = end + 1
        elif char == "}":
            raise ConfigurationError(f"Invalid date math name {name!r}: unmatched '}}' (escape it as \\}})")
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _closing_brace(text, start, name):
    depth = 0
    for j in range(start, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    raise ConfigurationError(f"Invalid date math name {name!r}: missing '}}'")


def _expression(expr, now, name):
    """`now/d{yyyy.MM|+01:00}` -> formatted date."""
    try:
        return _evaluate(expr, now, name)
    except (OverflowError, ValueError) as err:  # a date or offset out of datetime's range
        raise ConfigurationError(
            f"Invalid date math name {name!r}: {{{expr}}} is out of range ({err})",
            "Dates must fall in the years 1 to 9999 and zone offsets within +/-23:59",
        ) from None


def _evaluate(expr, now, name):
    fmt, zone = DEFAULT_FORMAT, datetime.timezone.utc
    if "{" in expr:
        math, rest = expr.split("{", 1)
        if not rest.endswith("}"):
            raise ConfigurationError(f"Invalid date math name {name!r}: bad format block in {{{expr}}}")
        spec = rest[:-1]
        fmt_part, zone_part = (spec.split("|", 1) + [""])[:2]
        fmt = fmt_part or DEFAULT_FORMAT
        if zone_part:
            zone = _zone(zone_part, name)
    else:
        math = expr
    if not math.startswith("now"):
        raise ConfigurationError(f"Invalid date math name {name!r}: the expression must start with 'now', got {math!r}")
    moment = apply_math(now.astimezone(zone), math[3:], name)
    return format_date(moment, fmt, name)


def _zone(text, name):
    match = _OFFSET.match(text)
    if match:
        sign = -1 if match[1] == "-" else 1
        delta = datetime.timedelta(hours=int(match[2]), minutes=int(match[3] or 0))
        return datetime.timezone(sign * delta)
    if text.upper() in ("UTC", "Z", "GMT"):
        return datetime.timezone.utc
    if ZoneInfo is not None:
        try:
            return ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ConfigurationError(f"Invalid date math name {name!r}: unknown time zone {text!r}")


def apply_math(moment, ops, name="<…>"):
    """Apply `+1d-2h/d`-style operations in the moment's own time zone."""
    pos = 0
    while pos < len(ops):
        match = _OP.match(ops, pos)
        if not match:
            raise ConfigurationError(f"Invalid date math name {name!r}: cannot read {ops[pos:]!r}")
        if match[4]:
            moment = _round_down(moment, match[4])
        else:
            amount = int(match[2]) * (-1 if match[1] == "-" else 1)
            moment = _add(moment, amount, match[3])
        pos = match.end()
    return moment


def _add(moment, amount, unit):
    if unit in ("y", "M"):
        months = moment.month - 1 + amount * (12 if unit == "y" else 1)
        year, month = moment.year + months // 12, months % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day)
    seconds = {"w": 604800, "d": 86400, "h": 3600, "H": 3600, "m": 60, "s": 1}[unit]
    # arithmetic on the absolute timeline, like java.time on a zoned date-time for these units
    return (moment.astimezone(datetime.timezone.utc) + datetime.timedelta(seconds=amount * seconds)).astimezone(
        moment.tzinfo
    )


def _round_down(moment, unit):
    if unit == "y":
        moment = moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    elif unit == "M":
        moment = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    elif unit == "w":
        moment = moment.replace(hour=0, minute=0, second=0, microsecond=0) - datetime.timedelta(days=moment.weekday())
    elif unit == "d":
        moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    elif unit in ("h", "H"):
        moment = moment.replace(minute=0, second=0, microsecond=0)
    elif unit == "m":
        moment = moment.replace(second=0, microsecond=0)
    else:
        moment = moment.replace(microsecond=0)
    return moment


_FIELDS = {
    "y": lambda m, n: f"{m.year % 100:02d}" if n == 2 else f"{m.year:0{n}d}",
    "u": lambda m, n: f"{m.year % 100:02d}" if n == 2 else f"{m.year:0{n}d}",
    "M": lambda m, n: (
        calendar.month_name[m.month] if n >= 4 else calendar.month_abbr[m.month] if n == 3 else f"{m.month:0{n}d}"
    ),
    "d": lambda m, n: f"{m.day:0{n}d}",
    "H": lambda m, n: f"{m.hour:0{n}d}",
    "m": lambda m, n: f"{m.minute:0{n}d}",
    "s": lambda m, n: f"{m.second:0{n}d}",
    "S": lambda m, n: f"{m.microsecond:06d}"[:n].ljust(n, "0"),
}


def format_date(moment, pattern, name="<…>"):
    """A subset of java.time's DateTimeFormatter patterns: y u M d H m s S and 'quoted text'."""
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            end = pattern.find("'", i + 1)
            if end == -1:
                raise ConfigurationError(f"Invalid date math name {name!r}: unclosed quote in format {pattern!r}")
            out.append(pattern[i + 1 : end] or "'")
            i = end + 1
        elif char.isalpha():
            run = i
            while run < len(pattern) and pattern[run] == char:
                run += 1
            if char not in _FIELDS:
                raise ConfigurationError(
                    f"Invalid date math name {name!r}: format letter {char!r} is not supported "
                    "(use y, u, M, d, H, m, s, S and 'quoted text')"
                )
            out.append(_FIELDS[char](moment, run - i))
            i = run
        else:
            out.append(char)
            i += 1
    return "".join(out)
