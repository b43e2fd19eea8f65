#!/usr/bin/env bash
# Installs the Debian packages the project needs when they are missing: Maven (fetches
# the OpenSearch node), shellcheck (a sanity test), nginx (the HTTP fault proxy of the
# local stack), OpenJDK 17 (the engines other than the default: make test-engines). Java 21+ for
# OpenSearch 3 is not among Debian 12's packages; tools/stack.py finds a JDK under /usr/lib/jvm
# or $SEARCHOPS_JAVA_HOME. Go 1.23+ (builds toxiproxy, the
# TCP fault proxy, from the Go module proxy) is found on PATH or in /usr/local/go/bin;
# Debian 12's golang-go is too old for it.
set -euo pipefail
missing=()
command -v mvn >/dev/null || missing+=(maven)
command -v shellcheck >/dev/null || missing+=(shellcheck)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
compgen -G "/usr/lib/jvm/*-17-*" >/dev/null || compgen -G "/usr/lib/jvm/*17*" >/dev/null || missing+=(openjdk-17-jre-headless)
if ! command -v go >/dev/null && [ ! -x /usr/local/go/bin/go ]; then
  echo "Go 1.23 or newer is needed (tools/stack.py builds toxiproxy with it): install it into /usr/local/go" >&2
  exit 1
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing system packages: ${missing[*]} (install them, then re-run)" >&2
  exit 1
fi
echo "installing ${missing[*]}"
# Debian starts a service on installation unless policy-rc.d forbids it: nginx must not
# take port 80; tools/stack.py starts its own instance on loopback.
policy=/usr/sbin/policy-rc.d
added_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  added_policy=1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ -n "$added_policy" ] && rm -f "$policy"
exit 0
