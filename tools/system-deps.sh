#!/usr/bin/env bash
# Installs the Debian packages the project needs when they are missing: Maven (fetches
# the OpenSearch node), shellcheck (a sanity test). Java 21+ for OpenSearch is not among
# Debian 12's packages; tools/stack.py finds a JDK under /usr/lib/jvm or $OPENSEARCH_JAVA_HOME.
set -euo pipefail
missing=()
command -v mvn >/dev/null || missing+=(maven)
command -v shellcheck >/dev/null || missing+=(shellcheck)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing system packages: ${missing[*]} (install them, then re-run)" >&2
  exit 1
fi
echo "installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
