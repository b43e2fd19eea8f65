#!/usr/bin/python

# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: es_request
short_description: Send any REST request to Elasticsearch or OpenSearch, signed like the other modules
version_added: 0.1.0
description:
  - A generic REST call through the collection's client, for what the dedicated modules do not cover (indexing a document,
    reading one back, cluster settings, ...). Requests to Amazon OpenSearch Service are signed with SigV4, with the same
    connection options, retries and error messages as every module of the collection.
  - V(GET) and V(HEAD) report no change; other methods report a change (use C(changed_when) to refine).
  - In check mode only V(GET) and V(HEAD) requests are sent; others are returned as the request that would be sent.
  - Any answer is accepted, JSON or text (for example the C(_cat) APIs).
options:
  method:
    description:
      - HTTP method.
    type: str
    choices: [GET, HEAD, POST, PUT, DELETE, PATCH]
    default: GET
  path:
    description:
      - Path below O(url), such as C(my-index/_doc/1) or C(_cluster/settings).
    type: str
    required: true
  query:
    description:
      - Query string parameters.
    type: dict
  body:
    description:
      - Request body. A dictionary or list is sent as JSON; a string is sent as it is (for example NDJSON for C(_bulk),
        with O(content_type=application/x-ndjson)).
    type: raw
  content_type:
    description:
      - Content type of O(body).
    type: str
    default: application/json
  no_log_body:
    description:
      - Keep the request body and the response out of the output, for bodies that hold secrets (a user's password,
        a keystore setting).
      - The body's string values are masked like C(no_log) options in everything the module returns (also in
        C(invocation)), the C(body) of RV(request) is replaced by a placeholder, RV(json) is not returned, and a failure gives
        the server's error type without its reason (which may quote the body).
    type: bool
    default: false
  status_code:
    description:
      - HTTP statuses that count as success; any other status fails the task with the server's error.
    type: list
    elements: int
    default: [200, 201]
extends_documentation_fragment:
  - searchops.snapshots.connection
attributes:
  check_mode:
    description: Sends only GET and HEAD requests; returns any other request without sending it.
    support: full
  diff_mode:
    description: No diff.
    support: none
author:
  - searchops maintainers (@searchops)
"""

EXAMPLES = r"""
- name: Index a document into an Amazon OpenSearch Service domain (SigV4)
  searchops.snapshots.es_request:
    url: https://search-logs-abc123.eu-west-1.es.amazonaws.com
    method: PUT
    path: new_index/_doc/1
    query:
      refresh: "true"
    body:
      name:
        first: John
        last: Doe

- name: Read it back
  searchops.snapshots.es_request:
    url: https://search-logs-abc123.eu-west-1.es.amazonaws.com
    path: new_index/_doc/1
  register: doc

- name: Does an index exist?
  searchops.snapshots.es_request:
    url: http://localhost:9200
    method: HEAD
    path: new_index
    status_code: [200, 404]
  register: exists
"""

RETURN = r"""
status:
  description:
    - HTTP status of the response (not returned for requests skipped in check mode).
    - On failure, the status of the error answer (one not in O(status_code)).
  returned: when the request was sent and answered
  type: int
  sample: 200
json:
  description: The response body, parsed when it is JSON (otherwise its text).
  returned: when the response has a body and O(no_log_body=false)
  type: raw
  sample: {"_index": "new_index", "_id": "1", "found": true, "_source": {"name": {"first": "John", "last": "Doe"}}}
request:
  description: The request sent, or that would be sent in check mode.
  returned: always
  type: dict
error:
  description: The error type and reason of the server's answer that made the module fail.
  returned: on failure, when the server answered with an error status
  type: dict
  sample: {"type": "repository_missing_exception", "reason": "[nightly] missing"}
"""

import re

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConfigurationError, HTTPError
from ansible_collections.searchops.snapshots.plugins.module_utils._module import build_module, hide, run

READ_ONLY = ("GET", "HEAD")
HIDDEN = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def strings(value):
    """Every string in a body (values of dicts and lists, not keys)."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def call(module, client):
    params = module.params
    method = params["method"]
    if not re.fullmatch(r"[!-~]+(?: *;[ !-~]*)?", params["content_type"]):
        raise ConfigurationError(
            f"content_type {params['content_type']!r} is not a media type (such as application/json)"
        )
    hidden = params["no_log_body"]
    if hidden:
        hide(module, *strings(params["body"]))
    body = HIDDEN if hidden and params["body"] is not None else params["body"]
    request = {"method": method, "path": params["path"], "query": params["query"], "body": body}
    result = {"changed": method not in READ_ONLY, "request": request}
    if module.check_mode and method not in READ_ONLY:
        return result
    query = {
        k: v if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)
        for k, v in (params["query"] or {}).items()
    }
    try:
        response = client.request(
            method,
            params["path"],
            query=query,
            body=params["body"],
            expect=tuple(params["status_code"]),
            content_type=params["content_type"],
            retry=False if method in ("POST", "PATCH") else None,
            any_body=True,
        )
    except HTTPError as err:
        if not hidden:
            raise
        # the server's reason may quote the body
        raise HTTPError(
            err.method, err.url, err.status, err.error_type, hint="The reason is hidden by no_log_body"
        ) from None
    result["status"] = response.status
    if response.body is not None and not hidden:
        result["json"] = response.body
    return result


def main():
    module = build_module(
        dict(
            method=dict(type="str", default="GET", choices=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]),
            path=dict(type="str", required=True),
            query=dict(type="dict"),
            body=dict(type="raw"),
            content_type=dict(type="str", default="application/json"),
            no_log_body=dict(type="bool", default=False),
            status_code=dict(type="list", elements="int", default=[200, 201]),
        ),
        supports_check_mode=True,
    )
    run(module, call)


if __name__ == "__main__":
    main()
