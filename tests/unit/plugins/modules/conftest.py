import json
import time

import pytest
from ansible.module_utils.testing import patch_module_args


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
    """Sleeps advance a fake clock instead of waiting; the client's clock (time.monotonic, read
    when a Client is made) follows it. Returns [now]."""
    now = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    monkeypatch.setattr(time, "sleep", lambda s: now.__setitem__(0, now[0] + s))
    return now
