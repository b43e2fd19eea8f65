# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Keeping secrets out of output: the forms a secret takes in error texts, masking text,
checking that a secret can be sent at all. Pure functions (secret repository settings are
handled in _repositories)."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, quote_plus

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError

MASK = "********"
# what a header value may hold as it is: visible ASCII, no spaces (API keys and AWS tokens are base64)
_HEADER_SAFE = re.compile(r"[!-~]+\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _escape(text, quote_char, as_ascii=False):
    """text as Python's repr writes it inside quote_char quotes (per character, like repr)."""
    out = []
    for char in text:
        if char in "'\"":
            out.append("\\" + char if char == quote_char else char)
        else:
            out.append(ascii(char)[1:-1] if as_ascii else repr(char)[1:-1])
    return "".join(out)


def _escapes(text):
    """text as repr() and ascii() write it, inside either quote; and its UTF-8 bytes as repr() writes them."""
    utf8 = text.encode("utf-8", "surrogatepass").decode("latin-1")
    return {_escape(t, q, as_ascii) for q in "'\"" for t, as_ascii in ((text, False), (text, True), (utf8, True))}


def secret_forms(value):
    """The secret as it may appear in a text: raw; repr/ascii of str and of bytes (either quote), and
    those once more (urllib3 wraps an error's repr in another repr); JSON-escaped; percent-encoded.
    Empty forms are left out (they would match everywhere)."""
    if not isinstance(value, str) or not value:
        return set()
    escaped = _escapes(value)
    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]} | escaped
    forms.update(twice for form in escaped for twice in _escapes(form))
    forms.update((quote(value, safe=""), quote(value), quote_plus(value, safe="")))
    return {form for form in forms if form}


def mask(text, secrets):
    """text with every secret (longest first) replaced by MASK."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    return text


def check_secret(name, value, header=False):
    """Refuse a secret that cannot be sent (CR/LF, control characters; for values sent as they are
    in a header: also spaces and non-ASCII) with a message that names it but never shows it."""
    if value is None:
        return
    if _CONTROL.search(value):
        where = "ends with" if _CONTROL.fullmatch(value[-1]) else "contains"
        raise ConfigurationError(
            f"{name} {where} a line break or another control character",
            "Remove it (a value made with 'echo ... | ansible-vault encrypt_string' ends with a newline: "
            "use 'printf %s ...' or encrypt_string without the newline)",
        )
    if header and not _HEADER_SAFE.match(value):
        raise ConfigurationError(
            f"{name} contains a space or a non-ASCII character, which an HTTP header cannot carry",
            "Check the value (API keys and AWS keys and tokens are plain ASCII without spaces)",
        )
