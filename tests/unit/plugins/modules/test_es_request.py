import json

import pytest

from ansible_collections.searchops.snapshots.plugins.modules.es_request import main

URL = "http://localhost:9200"


def test_get_is_unchanged_and_returns_json(server, run_module):
    server.on("GET", "idx/_doc/1", (200, {"found": True, "_source": {"a": 1}}))
    failed, result = run_module(main, {"url": URL, "path": "idx/_doc/1"})
    assert not failed and not result["changed"] and result["status"] == 200
    assert result["json"]["_source"] == {"a": 1}


def test_put_is_changed_and_sends_json_and_query(server, run_module):
    server.on("PUT", "idx/_doc/1", (201, {"result": "created"}))
    failed, result = run_module(
        main, {"url": URL, "method": "PUT", "path": "idx/_doc/1", "query": {"refresh": True}, "body": {"a": 1}}
    )
    assert not failed and result["changed"]
    (sent,) = server.sent
    assert sent["body"] == {"a": 1} and sent["query"] == {"refresh": "true"}


def test_ndjson_string_body_is_sent_as_is(server, run_module):
    server.on("POST", "_bulk", (200, {"errors": False}))
    body = '{"index":{"_index":"i"}}\n{"a":1}\n'
    run_module(
        main, {"url": URL, "method": "POST", "path": "_bulk", "body": body, "content_type": "application/x-ndjson"}
    )
    (sent,) = server.sent
    assert sent["headers"]["Content-Type"] == "application/x-ndjson"


@pytest.mark.parametrize("method, sent", [("GET", 1), ("HEAD", 1), ("PUT", 0), ("DELETE", 0), ("POST", 0)])
def test_check_mode_sends_only_reads(server, run_module, method, sent):
    server.on(method, "idx", (200, {}))
    failed, result = run_module(main, {"url": URL, "method": method, "path": "idx"}, check_mode=True)
    assert not failed and len(server.sent) == sent and result["request"]["method"] == method


def test_unexpected_status_fails_with_the_servers_error(server, run_module):
    server.on(
        "GET", "nope/_doc/1", (404, {"error": {"type": "index_not_found_exception", "reason": "no such index [nope]"}})
    )
    failed, result = run_module(main, {"url": URL, "path": "nope/_doc/1"})
    assert failed and result["status"] == 404 and "no such index [nope]" in result["msg"]
    server.sent.clear()
    failed, result = run_module(main, {"url": URL, "path": "nope/_doc/1", "status_code": [200, 404]})
    assert not failed and result["status"] == 404


def test_post_is_not_repeated_on_gateway_timeout(server, run_module):
    server.on("POST", "_bulk", (504, "gateway timeout"))
    failed, result = run_module(main, {"url": URL, "method": "POST", "path": "_bulk", "body": "x\n"})
    assert failed and len(server.sent) == 1


def test_text_answers_are_returned(server, run_module):
    server.on("GET", "_cat/indices", (200, b"green open idx 1 0\n"))
    failed, result = run_module(main, {"url": URL, "path": "_cat/indices"})
    assert not failed and result["json"] == "green open idx 1 0\n"


def test_no_log_body_keeps_the_body_and_answer_out_of_the_output(server, run_module):
    body = {"password": "user-password-1", "roles": ["admin"]}
    server.on("PUT", "_plugins/_security/api/internalusers/u", (200, {"echo": "user-password-1", "status": "OK"}))
    failed, result = run_module(
        main,
        {
            "url": URL,
            "method": "PUT",
            "path": "_plugins/_security/api/internalusers/u",
            "body": body,
            "no_log_body": True,
        },
    )
    assert not failed and result["changed"] and result["status"] == 200
    assert server.requests("PUT")[0]["body"] == body
    assert "json" not in result and "user-password-1" not in json.dumps(result)
    assert result["request"]["body"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_no_log_body_keeps_the_servers_reason_out_of_a_failure(server, run_module):
    reason = "failed to parse field [password] of type [long]: 'user-password-1'"
    server.on("PUT", "i/_doc/1", (400, {"error": {"type": "mapper_parsing_exception", "reason": reason}}))
    failed, result = run_module(
        main, {"url": URL, "method": "PUT", "path": "i/_doc/1", "body": "user-password-1", "no_log_body": True}
    )
    assert failed and "mapper_parsing_exception" in result["msg"]
    assert "user-password-1" not in json.dumps(result) and "failed to parse" not in json.dumps(result)


@pytest.mark.parametrize("content_type", ["Ā", "", "text/plain\nX-Evil: 1"])
def test_a_content_type_that_is_no_media_type_is_refused(server, run_module, content_type):
    failed, result = run_module(
        main, {"url": URL, "method": "POST", "path": "x", "body": "a", "content_type": content_type}
    )
    assert failed and "is not a media type" in result["msg"] and server.sent == []
