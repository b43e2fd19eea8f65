#!/usr/bin/env bash
# The collection as a user gets it: builds the tarball (`ansible-galaxy collection build`,
# what ships is galaxy.yml's build_ignore) into .cache/dist/, installs it into an empty
# collections path and checks the installed copy on its own, never through the checkout's
# link (.cache/collections): nothing outside the shipped folders, every unit test file
# present, ansible-doc reads every module from it, its unit tests pass there, and the demo
# playbook runs from it against the local stack (inventories/local of this checkout, which
# finds the stack in $SEARCHOPS_STACK or .stack/). Needs the venv's tools on PATH (make does that).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dist="$root/.cache/dist"
work=$(mktemp -d "${TMPDIR:-/tmp}/searchops-tarball.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$root"

rm -rf "$dist"
ansible-galaxy collection build --output-path "$dist" >/dev/null
tarball=$(echo "$dist"/searchops-snapshots-*.tar.gz)
echo "built $tarball"

shipped='MANIFEST\.json|FILES\.json|README\.md|COPYING|requirements\.txt|inventories/|tests/'
shipped+='|(changelogs|docs|meta|playbooks|plugins|roles|inventories/aws\.example|tests/sanity|tests/unit)/.*'
shipped+='|tests/(__init__|collection|conftest)\.py'
unexpected=$(tar -tzf "$tarball" | grep -Ev "^($shipped)$" || true)
if [ -n "$unexpected" ]; then
  printf 'the tarball ships files it should not (galaxy.yml build_ignore):\n%s\n' "$unexpected" >&2
  exit 1
fi

# the roles need amazon.aws and community.aws: they come with the `ansible` package
# (requirements-dev.txt), so nothing is downloaded from Galaxy
collections="$work/collections"
export ANSIBLE_COLLECTIONS_PATH="$collections"
ansible-galaxy collection install "$tarball" -p "$collections" --no-deps >/dev/null
installed="$collections/ansible_collections/searchops/snapshots"

missing=$(comm -23 <(git ls-files --cached --others --exclude-standard tests/unit | sort) \
  <(cd "$installed" && find tests/unit -type f | sort))
if [ -n "$missing" ]; then
  printf 'unit test files missing from the tarball:\n%s\n' "$missing" >&2
  exit 1
fi

modules=$(ansible-doc -t module -l searchops.snapshots --json | python -c 'import json, sys; print(*json.load(sys.stdin))')
[ -n "$modules" ] || {
  echo "ansible-doc finds no module in the installed collection" >&2
  exit 1
}
# shellcheck disable=SC2086  # one argument per module name
ansible-doc -t module --json $modules | python -c '
import json, sys
docs = json.load(sys.stdin)
outside = [name for name, doc in docs.items() if not doc["doc"]["filename"].startswith(sys.argv[1])]
assert not outside, f"documentation not read from the installed collection: {outside}"
print(f"ansible-doc: {len(docs)} modules documented from the installed collection")
' "$installed/"

(cd "$installed" && pytest -q -p no:cacheprovider tests/unit)

ansible-playbook -i inventories/local searchops.snapshots.demo
