#!/usr/bin/env bash
# Side-by-side benchmark of direct PostgreSQL, socat, PgBouncer and HoopGate (see bench.py).
# Installs what it needs, publishes HoopGate in Release, and passes its arguments to bench.py.
#   tests/bench/run.sh                      # 5 rounds of 5 s per pgbench run
#   tests/bench/run.sh --rounds 3 --duration 3 --output /tmp/bench.md
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
"$root/.ci/install-deps" bench
out="${HOOPGATE_BENCH_BUILD:-$root/artifacts/bench}"
dotnet publish "$root/src/HoopGate/HoopGate.csproj" -c Release -o "$out" -v quiet -nologo >/dev/null
exec python3 "$here/bench.py" --hoopgate "$out/hoopgate" "$@"
