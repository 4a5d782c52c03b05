#!/usr/bin/env bash
# Start-up of the mediagraph CLI alone: `mediagraph probe testdata/cityCC0.mpg` (opens the file, reads the streams,
# prints them: no pipeline work) timed with /usr/bin/time for each build of the CLI, alternating the builds for
# ROUNDS rounds (default 7), then the median wall-clock and CPU (user + sys) seconds of each.
#
#   benchmarks/startup.sh [ROUNDS]
#
# Builds (published into out/startup/, not timed):
#   aot   Native AOT (what benchmarks/cli.sh times)      dotnet publish -r linux-x64 -p:PublishAot=true
#   r2r   framework-dependent, ReadyToRun (the tool)     dotnet publish -r linux-x64 --self-contained false -p:PublishReadyToRun=true
#   jit   framework-dependent, plain IL (dotnet build)   src/MediaGraph.Cli/bin/Release/net10.0/mediagraph
# Extra builds or settings to time: MG_EXTRA="name=command ..." (see below for a command with an environment).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-7}
work=out/startup
mkdir -p "$work"
clip=testdata/cityCC0.mpg
[ -s "$clip" ] || { echo "no $clip: run scripts/setup.sh" >&2; exit 1; }

echo "building (not timed)"
dotnet build src/MediaGraph.Cli -c Release -v quiet -nologo > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
dotnet publish src/MediaGraph.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$work/aot" -v quiet -nologo > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
dotnet publish src/MediaGraph.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/r2r" -v quiet -nologo > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

names=(aot r2r jit) cmds=("$work/aot/MediaGraph.Cli" "$work/r2r/MediaGraph.Cli" "src/MediaGraph.Cli/bin/Release/net10.0/mediagraph")
for extra in ${MG_EXTRA:+$MG_EXTRA}; do names+=("${extra%%=*}"); cmds+=("${extra#*=}"); done
# An entry's ":" stand for spaces (so "pgo0=env:DOTNET_TieredPGO=0:out/startup/r2r/MediaGraph.Cli" works).
for i in "${!cmds[@]}"; do cmds[$i]=${cmds[$i]//:/ }; done

for i in "${!names[@]}"; do : > "$work/${names[$i]}.times"; ${cmds[$i]} probe "$clip" > /dev/null; done   # warm the file cache
for r in $(seq 1 "$rounds"); do
  for i in "${!names[@]}"; do
    /usr/bin/time -f '%e %U %S' -a -o "$work/${names[$i]}.times" ${cmds[$i]} probe "$clip" > /dev/null
  done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-8s %10s %10s   (%s rounds, mediagraph probe %s)\n' build "wall s" "cpu s" "$rounds" "$clip"
for n in "${names[@]}"; do
  wall=$(awk '{ print $1 }' "$work/$n.times" | median)
  cpu=$(awk '{ printf "%.2f\n", $2 + $3 }' "$work/$n.times" | median)
  printf '%-8s %10s %10s\n' "$n" "$wall" "$cpu"
done
