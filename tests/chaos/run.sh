#!/usr/bin/env bash
# Faults under load (see chaos.py): installs what it needs, publishes HoopGate in Release, and runs the scenarios.
# Exits 1 when a scenario lost or doubled an audit record.
#   tests/chaos/run.sh [--scenarios kill9,audit-outage,...] [--output results.jsonl]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/.ci/install-deps" bench
command -v dotnet >/dev/null || export PATH="$HOME/.dotnet:$PATH"
dotnet publish "$root/src/HoopGate/HoopGate.csproj" -c Release -o "$root/artifacts/chaos" -nologo -v quiet
exec python3 "$root/tests/chaos/chaos.py" --hoopgate "$root/artifacts/chaos/hoopgate" "$@"
