#!/usr/bin/env bash
# Runs `ansible-test sanity` on the collection. ansible-test needs the collection at
# ansible_collections/<namespace>/<name>, so the tracked files (plus new, unignored ones)
# are copied to $TMPDIR/searchops-sanity/ansible_collections/searchops/snapshots first
# (outside this git work tree, whose ignore rules ansible-test would apply). No Docker: each
# sanity test gets its own virtual environment (--venv), cached under ~/.ansible/test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tree="${TMPDIR:-/tmp}/searchops-sanity/ansible_collections/searchops/snapshots"
rm -rf "$tree"
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
exec ansible-test sanity --requirements --python "$python" --color no "$@"
