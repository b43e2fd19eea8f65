"""_module.run, the last line of defence: every secret masked in any text, raw or escaped;
unexpected exceptions become a clean failure, never a traceback (issue 11, item 1)."""

import json
from urllib.parse import quote

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.searchops.snapshots.plugins.module_utils._errors import ConnectionFailure
from ansible_collections.searchops.snapshots.plugins.module_utils._module import UNEXPECTED, build_module, hide, run
from ansible_collections.searchops.snapshots.plugins.module_utils._secrets import secret_forms

SECRET = "s3cr'et\"\\%ü"


def run_action(capsys, action, **options):
    args = dict({"url": "http://localhost:9200", "api_key": "a2V5-abc", "password": SECRET, "username": "u"}, **options)
    with patch_module_args(args), pytest.raises(SystemExit) as exit_info:
        run(build_module({}), action)
    out = capsys.readouterr().out
    return exit_info.value.code, out, json.loads(out)


def test_secret_forms_cover_the_usual_escapes():
    forms = secret_forms("a\nb'é%")
    for form in ("a\nb'é%", "a\\nb'é%", "a\\nb\\'é%", "a\\nb'\\xc3\\xa9%", "a\\nb'\\u00e9%", "a%0Ab%27%C3%A9%25"):
        assert form in forms, form
    assert "" not in secret_forms("")


@pytest.mark.parametrize(
    "leak",
    [
        lambda s: f"Invalid header value {s!r}",
        lambda s: f"Invalid header value {s.encode()!r}",
        lambda s: f"body: {json.dumps({'p': s})}",
        lambda s: f"url: http://h/?p={quote(s, safe='')}",
        lambda s: f"both quotes: {('x' + chr(34) + chr(39) + s)!r}",
    ],
)
def test_secrets_are_masked_in_failure_texts_and_warnings(capsys, leak):
    def action(module, client):
        module.warn(leak(SECRET))
        raise ConnectionFailure(leak(SECRET))

    code, out, result = run_action(capsys, action, username="u")
    assert code == 1 and result["failed"]
    assert [form for form in secret_forms(SECRET) | {json.dumps(SECRET)[1:-1]} if form in out] == [], out
    assert "********" in result["msg"]


def test_an_unexpected_exception_is_a_clean_failure_without_traceback(capsys):
    def action(module, client):
        return {}["missing " + SECRET]

    code, out, result = run_action(capsys, action)
    assert code == 1
    assert result["msg"].startswith(f"{UNEXPECTED} (KeyError")
    assert "bug" in result["msg"] and "exception" not in result and "Traceback" not in out
    assert SECRET not in out and repr(SECRET)[1:-1] not in out


def test_hide_masks_values_the_module_declares(capsys):
    def action(module, client):
        hide(module, "declared-secret\n")
        return {"changed": False, "echo": "x declared-secret\n", "text": repr("declared-secret\n")}

    code, out, result = run_action(capsys, action)
    assert code == 0 and "declared-secret" not in out


def test_environment_secrets_are_masked(capsys, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret-value")

    def action(module, client):
        return {"changed": False, "echo": "env-secret-value"}

    code, out, result = run_action(capsys, action)
    assert "env-secret-value" not in out
