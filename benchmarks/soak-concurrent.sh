#!/usr/bin/env bash
# Memory of one process running many graphs at once for a long time, as a service does: GRAPHS (default 8) workers
# in one process (MediaGraph.Benchmarks `soak-many`), each building and running one Graph after another (decode a 5 s
# 640x360 H.264 + AAC clip -> scale 320x180 -> libx264 ultrafast + aac into an mp4; every node on the runtime's
# default threads, decoders and encoders with FFmpeg's automatic thread counts) for MINUTES minutes (default 10).
# The program prints every INTERVAL seconds: RSS (VmRSS of the process itself), the managed heap, the C heap in use
# and free-but-kept (glibc mallinfo2), runs finished, threads; and once more after a full blocking GC at the end.
# Then this script reports per minute the mean and highest RSS, the slope of the minute means after the first
# minute (least squares), the highest RSS after minute 2 against minutes 1-2, and the RSS after the GC. The bar (issue 12): RSS
# stops growing after the first minute.
#
#   benchmarks/soak-concurrent.sh [MINUTES]   GRAPHS=n (default 8), INTERVAL=s (default 10), SOAK_TRIM=0 runs with
#                                             GraphOptions.TrimNativeMemory off, MALLOC_ARENA_MAX=n as glibc reads it,
#                                             COMPACT_HEAP=1 runs with CompactNativeHeap's glibc setting (what
#                                             CompactNativeHeap.RestartProcess() gives an app, set here at the start)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
graphs=${GRAPHS:-8}
interval=${INTERVAL:-10}
work=out/soak-concurrent
mkdir -p "$work/clips" "$work/out"

clips=()
for i in $(seq 0 $((graphs - 1))); do
  clip=$work/clips/clip$i.mp4
  clips+=("$clip")
  [ -s "$clip" ] && continue
  echo "generating $clip (5 s, 640x360, 25 fps, H.264 + AAC)"
  ffmpeg -hide_banner -loglevel error -nostdin -y \
    -f lavfi -i "testsrc2=size=640x360:rate=25:duration=5,hue=h=$((i * 360 / graphs))" \
    -f lavfi -i "sine=frequency=$((300 + 50 * i)):sample_rate=48000:duration=5" -ac 2 \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 50 -c:a aac -shortest "$clip.tmp.mp4"
  mv "$clip.tmp.mp4" "$clip"
done

echo "building MediaGraph.Benchmarks (Release)"
dotnet build benchmarks/MediaGraph.Benchmarks -c Release -v quiet -nologo > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
bench=benchmarks/MediaGraph.Benchmarks/bin/Release/net10.0/MediaGraph.Benchmarks.dll

samples=$work/samples.$$.txt   # one file per run: two runs may overlap
start=$(date +%s)
if [ "${COMPACT_HEAP:-0}" = 1 ]; then
  tunables=$(sed -n 's/.*const string Tunables = "\(.*\)";.*/\1/p' src/MediaGraph/Runtime/CompactNativeHeap.cs)
  export GLIBC_TUNABLES=$tunables
  echo "GLIBC_TUNABLES=$GLIBC_TUNABLES"
fi
dotnet "$bench" soak-many $((minutes * 60)) "$graphs" "$interval" "$work/out" "${clips[@]}" | tee "$samples"
echo "ran $(( $(date +%s) - start )) s (start-up and the final GC included)"

# RSS swings by tens of MB from sample to sample with what the graphs hold at that instant (a decoder's reference
# frames, x264's lookahead), so growth is judged on each minute's mean and maximum, not on single samples.
awk '
  /^#/ { next }
  $1 == "after-gc" { gc = $2; gcmanaged = $3; gcfree = $5; next }
  NF == 7 {
    t = $1; rss = $2; m = int(t / 60); if (m > last) last = m
    sum[m] += rss; cnt[m]++; if (rss > max[m]) max[m] = rss
    if (rss > peak) { peak = rss; peakt = t }
    runs = $6
  }
  END {
    printf "minute  mean RSS  max RSS (MB)\n"
    for (m = 0; m <= last; m++) if (cnt[m]) printf "%6d  %8.1f  %7.1f\n", m + 1, sum[m] / cnt[m], max[m]
    # least squares over the minute means after the first minute
    for (m = 1; m <= last; m++) if (cnt[m]) { n++; x = m * 60; y = sum[m] / cnt[m]; sx += x; sy += y; sxx += x * x; sxy += x * y; if (max[m] > later) later = max[m] }
    if (cnt[1]) first = max[1] > max[0] ? max[1] : max[0]; else first = max[0]
    for (m = 2; m <= last; m++) if (max[m] > after) after = max[m]
    printf "peak %.1f MB at %d s; %d runs finished\n", peak, peakt, runs
    if (n >= 2) printf "slope of the minute means after the first minute: %+.1f MB/h\n", (n * sxy - sx * sy) / (n * sxx - sx * sx) * 3600
    if (last >= 2) printf "highest RSS in minutes 1-2: %.1f MB; highest after minute 2: %.1f MB (%+.1f%%)\n", first, after, (first > 0 ? (after - first) / first * 100 : 0)
    printf "after a full GC at the end: RSS %.1f MB (managed heap %.1f MB, C heap free-but-kept %.1f MB)\n", gc, gcmanaged, gcfree
  }' "$samples"
