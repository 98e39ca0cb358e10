#!/usr/bin/env bash
# The test command: installs what the tests need (OS packages included), then builds and runs every test
# against a real PostgreSQL that the suite starts itself. Exits non-zero when a test fails.
#   tests/run.sh [extra dotnet test arguments]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/.ci/install-deps" test
if ! command -v dotnet >/dev/null 2>&1; then
  export PATH="$HOME/.dotnet:$PATH"
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cd "$root"
dotnet build HoopGate.sln -c Release -nologo -v quiet
dotnet test HoopGate.sln -c Release --no-build -nologo --logger "console;verbosity=normal" "$@"
