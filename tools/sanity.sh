#!/usr/bin/env bash
# Runs `ansible-test sanity` on the collection. ansible-test needs the collection at
# ansible_collections/<namespace>/<name>, so the tracked files (plus new, unignored ones)
# are copied to a fresh $TMPDIR/searchops-sanity.XXXXXX/ansible_collections/searchops/snapshots
# first (outside this git work tree, whose ignore rules ansible-test would apply; one folder per
# run, so that two checkouts on one machine do not overwrite each other's copy). No Docker: each
# sanity test gets its own virtual environment (--venv), cached under ~/.ansible/test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/searchops-sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree="$work/ansible_collections/searchops/snapshots"
mkdir -p "$tree"
cd "$root"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -xf - -C "$tree"
cd "$tree"
# ansible-test bootstraps pip in each sanity venv with a get-pip script from a host that
# is out of reach here; give it the offline stand-in under the name it looks for.
python=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
pip_version=$(python -c "
from ansible_test._internal.host_configs import NativePythonConfig
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(NativePythonConfig(version='$python'))['pip'])")
mkdir -p ~/.ansible/test/cache
cp "$root/tools/sanity/get_pip.py" ~/.ansible/test/cache/"get_pip_${pip_version//./_}.py"
ansible-test sanity --requirements --python "$python" --color no "$@"
