import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.searchops.snapshots.plugins.module_utils import _wait


class ModuleRun:
    """Run a module's main() with args; return (failed, result)."""

    def __init__(self, capsys):
        self.capsys = capsys

    def __call__(self, main, args, check_mode=False, diff=False):
        args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
        with patch_module_args(args), pytest.raises(SystemExit) as exit_info:
            main()
        result = json.loads(self.capsys.readouterr().out)
        return exit_info.value.code != 0, result


@pytest.fixture
def run_module(capsys):
    return ModuleRun(capsys)


@pytest.fixture
def fast_clock(monkeypatch):
    """Every client gets a fake clock (_wait.default_clock, the one injection point): sleeps advance
    it instead of waiting. Returns [now]."""
    now = [0.0]
    clock = _wait.Clock(now=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    monkeypatch.setattr(_wait, "default_clock", lambda: clock)
    return now
