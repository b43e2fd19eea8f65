# Copyright: searchops.snapshots contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every module shares: the argument spec with the connection options, and the
one place where typed errors become fail_json."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.searchops.snapshots.plugins.module_utils._client import Client, connection_argument_spec
from ansible_collections.searchops.snapshots.plugins.module_utils._errors import SearchError


def build_module(argument_spec, **kwargs):
    spec = connection_argument_spec()
    spec.update(argument_spec)
    return AnsibleModule(argument_spec=spec, **kwargs)


def run(module, action):
    """Connect, call action(module, client) -> result dict, exit; SearchError -> fail_json."""
    failure = None
    try:
        client = Client(module.params, warn=module.warn)
        result = action(module, client)
    except SearchError as err:
        failure = err
    if failure is None:
        module.exit_json(**result)
    # outside the except block: ansible-core would otherwise attach the exception as a traceback
    module.fail_json(msg=str(failure), **failure.result())
