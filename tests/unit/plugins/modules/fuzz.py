"""Shared by the secret canary and the "never a traceback" property tests: every module's main()
run through the fake transport (tests/unit/plugins/conftest.py) on a fake clock."""

import json

import pytest
from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.searchops.snapshots.plugins.module_utils import _wait
from ansible_collections.searchops.snapshots.plugins.module_utils._module import UNEXPECTED
from ansible_collections.searchops.snapshots.plugins.modules import (
    es_request,
    es_restore,
    es_security_role_mapping,
    es_snapshot,
    es_snapshot_info,
    es_snapshot_prune,
    es_snapshot_repo,
    es_snapshot_verify,
)

URL = "http://localhost:9200"
# each module with the options it needs to run
MODULES = {
    "es_request": (es_request, {"path": "_cluster/health"}),
    "es_snapshot_info": (es_snapshot_info, {"repository": "nightly"}),
    "es_snapshot_repo": (es_snapshot_repo, {"repository": "nightly", "settings": {"bucket": "b"}}),
    "es_snapshot": (es_snapshot, {"repository": "nightly", "snapshot": "snap-1", "wait_timeout": 30}),
    "es_snapshot_prune": (es_snapshot_prune, {"repository": "nightly", "max_count": 1, "wait_timeout": 30}),
    "es_restore": (es_restore, {"repository": "nightly", "snapshot": "latest", "wait_timeout": 30}),
    "es_security_role_mapping": (es_security_role_mapping, {"role": "manage_snapshots", "users": ["bob"]}),
    "es_snapshot_verify": (es_snapshot_verify, {"repository": "nightly", "snapshot": "snap-1", "wait_timeout": 30}),
}


def fake_time(monkeypatch):
    """Every client gets a clock on a fake timeline (sleeps advance it; wall-clock time is real):
    waits and retries end at once, in bounded steps."""
    now = [1000.0]
    clock = _wait.Clock(now=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + max(0.0, s)))
    monkeypatch.setattr(_wait, "default_clock", lambda: clock)
    return clock


def run_main(module, args, capsys, check_mode=False, diff=False):
    """(exit code, stdout, parsed result) of module.main() with args."""
    ansible_warnings._global_warnings.clear()
    ansible_warnings._global_deprecations.clear()
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args), pytest.raises(SystemExit) as exit_info:
        module.main()
    out = capsys.readouterr().out
    return exit_info.value.code, out, json.loads(out)


def is_unexpected(result):
    return str(result.get("msg", "")).startswith(UNEXPECTED)
