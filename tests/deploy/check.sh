#!/usr/bin/env bash
# Checks the deployment files with the tools their platforms use, since no Docker engine or cluster runs here:
#   compose file   docker-compose config (Debian's docker-compose: the Compose schema, keys, references)
#   Kubernetes     the API's schemas (validate-kubernetes.mjs, kubernetes-models from npm)
#   Dockerfile     dockerfile-utils lint (the Dockerfile language server's linter, npm); warnings fail too
#   systemd unit   systemd-analyze verify (unknown keys and sections fail too)
# Exits non-zero naming each file that fails.
#   tests/deploy/check.sh [--compose F] [--kubernetes F] [--dockerfile F] [--unit F]
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
compose="$root/docker/compose.yaml"
kubernetes="$root/deploy/kubernetes/hoopgate.yaml"
dockerfile="$root/docker/Dockerfile"
unit="$root/deploy/systemd/hoopgate.service"
while [ $# -gt 0 ]; do
  case "$1" in
    --compose) compose="$2"; shift 2 ;;
    --kubernetes) kubernetes="$2"; shift 2 ;;
    --dockerfile) dockerfile="$2"; shift 2 ;;
    --unit) unit="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

for tool in docker-compose node npm systemd-analyze; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (.ci/install-deps test installs it)" >&2; exit 2; }
done

# The npm tools, pinned, installed once per machine.
tools="${TMPDIR:-/tmp}/hoopgate-deploy-tools-1"
if [ ! -f "$tools/node_modules/.installed" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error \
    kubernetes-models@4.5.1 yaml@2.9.1 dockerfile-utils@0.16.3 >/dev/null || { echo "npm install of the checkers failed" >&2; exit 2; }
  touch "$tools/node_modules/.installed"
fi
cp "$root/tests/deploy/validate-kubernetes.mjs" "$tools/"

failed=0
fail() { echo "FAILED: $1" >&2; failed=1; }

# Compose: the project name comes from -p (docker-compose 1.x has no top-level name).
docker-compose -p hoopgate -f "$compose" config -q || fail "$compose (docker-compose config)"

node "$tools/validate-kubernetes.mjs" "$kubernetes" || fail "$kubernetes (Kubernetes schemas)"

lint=$("$tools/node_modules/.bin/dockerfile-utils" lint "$dockerfile" 2>&1)
if [ $? -ne 0 ] || [ -n "$lint" ]; then
  echo "$lint" >&2
  fail "$dockerfile (dockerfile-utils lint)"
fi

# systemd-analyze needs the unit's executable to exist: a copy whose ExecStart names a stand-in is verified.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
printf '#!/bin/sh\n' > "$scratch/hoopgate" && chmod +x "$scratch/hoopgate"
sed "s|/opt/hoopgate/hoopgate|$scratch/hoopgate|g" "$unit" > "$scratch/hoopgate.service"
verify=$(systemd-analyze verify "$scratch/hoopgate.service" 2>&1)
if [ $? -ne 0 ] || [ -n "$verify" ]; then
  echo "$verify" >&2
  fail "$unit (systemd-analyze verify)"
fi

[ "$failed" -eq 0 ] && echo "deployment files: compose, Kubernetes, Dockerfile and systemd unit all pass"
exit "$failed"
