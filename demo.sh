#!/usr/bin/env bash
# The demo command: installs what HoopGate needs on Debian 12 (OS packages and the .NET SDK included), builds it,
# and runs `hoopgate demo` — a throwaway PostgreSQL with sample clinic data, an audit database, a development OIDC
# issuer and the gateway. It prints what to paste; Ctrl-C stops it and removes everything.
#   ./demo.sh [--port 6432] [--admin-port 6433] [--patients 1000] [--info-file F]
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
"$root/.ci/install-deps" test
if ! command -v dotnet >/dev/null 2>&1; then
  export PATH="$HOME/.dotnet:$PATH"
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build "$root/src/HoopGate/HoopGate.csproj" -c Release -nologo -v quiet >&2
exec "$root/src/HoopGate/bin/Release/net10.0/hoopgate" demo "$@"
