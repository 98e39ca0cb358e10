#!/usr/bin/env bash
# Secret hygiene: runs the whole test suite with every gateway logging at Verbose, every test cluster dumping all its
# databases (audit stores included) before it stops, and then searches what the gateways wrote — their logs (in the
# test output), the audit rows (the dumps), the audit spools — for the suite's secrets: every test password, upstream
# password, parameter and pseudonym key starts with "hgsecret-", and OIDC tokens are JWTs ("eyJ…"). Exits 1 when
# any is found, printing where (with the secret itself cut out). Test display names are part of the output, so no
# theory takes a secret as an argument.
#   tests/hygiene/run.sh [extra dotnet test arguments, e.g. --filter …]
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/.ci/install-deps" test
command -v dotnet >/dev/null || export PATH="$HOME/.dotnet:$PATH"
work=$(mktemp -d /tmp/hoopgate-hygiene-XXXXXX)
chmod 777 "$work"
touch "$work/started"
cd "$root"
dotnet build HoopGate.sln -c Release -nologo -v quiet || exit 2
HOOPGATE_TEST_LOG_LEVEL=Verbose HOOPGATE_TEST_DUMP_DIRECTORY="$work/dumps" \
  dotnet test HoopGate.sln -c Release --no-build -nologo --logger "console;verbosity=normal" "$@" > "$work/test-output.log" 2>&1
tests=$?
grep -E "^(Test Run|Total tests|     (Passed|Failed):)" "$work/test-output.log" >&2

# What the gateways wrote during this run: the test output (their logs), the dumps, and the spools made since the start.
mapfile -t spools < <(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'hoopgate-spool-*' -newer "$work/started" 2>/dev/null)
sources=("$work/test-output.log" "$work/dumps" "${spools[@]}")
secret='hgsecret-[A-Za-z0-9-]+|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}'
found=$(grep -rEoI "$secret" "${sources[@]}" 2>/dev/null | sed -E 's/(hgsecret-|eyJ)[A-Za-z0-9._-]*/\1…/' | sort | uniq -c | sort -rn)
echo "searched: the test output ($(wc -l < "$work/test-output.log") lines of logs and results), $(ls "$work/dumps" 2>/dev/null | wc -l) cluster dumps ($(du -sh "$work/dumps" 2>/dev/null | cut -f1)), ${#spools[@]} spool directories" >&2
if [ -n "$found" ]; then
  echo "SECRETS FOUND (count, file: kind of secret):" >&2
  echo "$found" >&2
  echo "kept for inspection: $work" >&2
  exit 1
fi
echo "no secret in any of them" >&2
rm -rf "$work" "${spools[@]}"
[ "$tests" -eq 0 ] || { echo "(the suite itself failed; see above)" >&2; exit 1; }
