"""Callback plugin for bench/fleet_bench.py: when each host's task result reached the controller.

Enabled only by the benchmark (ANSIBLE_CALLBACK_PLUGINS=bench/callbacks,
ANSIBLE_CALLBACKS_ENABLED=fleet_times); writes one JSON object per host and task to the file named
by SEARCHOPS_FLEET_TIMES when the playbook ends. The time is taken when the strategy hands the
result to the callbacks: what a user watching the run sees as "the task returned" on that host.
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: fleet_times
type: aggregate
short_description: per-host task end times for bench/fleet_bench.py
description:
  - Records, for every host and task, the wall-clock time its result reached the controller.
  - Writes them to the file named by the SEARCHOPS_FLEET_TIMES environment variable at the end of the playbook.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "fleet_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display)
        self.rows = []

    def _record(self, result, status):
        self.rows.append(
            {"at": time.time(), "host": result._host.get_name(), "task": result._task.get_name(), "status": status}
        )

    def v2_runner_on_start(self, host, task):
        self.rows.append({"at": time.time(), "host": host.get_name(), "task": task.get_name(), "status": "start"})

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_playbook_on_stats(self, stats):
        with open(os.environ["SEARCHOPS_FLEET_TIMES"], "w", encoding="utf-8") as out:
            out.writelines(json.dumps(row) + "\n" for row in self.rows)
