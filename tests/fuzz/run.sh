#!/usr/bin/env bash
# A bounded fuzzing campaign: AFL++ (Debian's afl++) drives the SharpFuzz-instrumented gateway code through each
# target of tests/fuzz/HoopGate.Fuzz, starting from the seed corpus (tests/fuzz/corpus, real captures). Crashes and
# hangs are copied to tests/fuzz/findings/TARGET/ and replayed; the script exits 1 when there are any. Turn each into
# a regression input under tests/fuzz/regressions/TARGET/ with the fix (the test suite replays both directories).
#   tests/fuzz/run.sh [--seconds N] [--targets startup,session,rewriters,sql]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=300
targets="startup,session,rewriters,sql"
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --targets) targets="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

if ! command -v afl-fuzz >/dev/null; then
  sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq afl++ >/dev/null
fi
command -v dotnet >/dev/null || export PATH="$HOME/.dotnet:$PATH"
tools="${TMPDIR:-/tmp}/hoopgate-fuzz-tools"
[ -x "$tools/sharpfuzz" ] || dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null

# Publish, then instrument HoopGate's own assemblies (SharpFuzz rewrites them in place with AFL's edge counters).
out="${TMPDIR:-/tmp}/hoopgate-fuzz"
rm -rf "$out/bin"
dotnet publish "$root/tests/fuzz/HoopGate.Fuzz/HoopGate.Fuzz.csproj" -c Release -o "$out/bin" -nologo -v quiet
for assembly in HoopGate.Protocol HoopGate.Gateway HoopGate.Masking HoopGate.Sql HoopGate.Policy; do
  "$tools/sharpfuzz" "$out/bin/$assembly.dll" >/dev/null
done

export AFL_SKIP_BIN_CHECK=1          # the target is dotnet, instrumented by SharpFuzz rather than afl-cc
export AFL_NO_UI=1 AFL_QUIET=1
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1
export DOTNET_TieredCompilation=0    # instrumented code compiled once, not re-jitted mid-campaign
found=0
IFS=, read -ra chosen <<< "$targets"
for target in "${chosen[@]}"; do
  findings="$out/findings-$target"
  rm -rf "$findings"
  echo "fuzzing $target for ${seconds}s" >&2
  afl-fuzz -V "$seconds" -t 5000 -m none -i "$root/tests/fuzz/corpus/$target" -o "$findings" \
    -- dotnet "$out/bin/HoopGate.Fuzz.dll" "$target" >"$out/afl-$target.log" 2>&1 || {
      echo "afl-fuzz failed for $target; its output:" >&2; tail -30 "$out/afl-$target.log" >&2; exit 2; }
  stats="$findings/default/fuzzer_stats"
  grep -E "^(execs_done|execs_per_sec|corpus_count|edges_found|saved_crashes|saved_hangs) " "$stats" | sed "s/^/  $target: /" >&2
  for kind in crashes hangs; do
    for input in "$findings/default/$kind"/id:*; do
      [ -e "$input" ] || continue
      found=1
      mkdir -p "$root/tests/fuzz/findings/$target"
      cp "$input" "$root/tests/fuzz/findings/$target/$kind-$(basename "$input" | cut -d, -f1 | tr -d ':')"
    done
  done
done

if [ "$found" -ne 0 ]; then
  echo "findings (replay: dotnet $out/bin/HoopGate.Fuzz.dll TARGET --replay tests/fuzz/findings/TARGET):" >&2
  find "$root/tests/fuzz/findings" -type f >&2
  exit 1
fi
echo "no crashes or hangs" >&2
