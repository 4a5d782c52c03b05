#!/usr/bin/env bash
# Memory of one process running many graphs at once for a long time, as a service does: GRAPHS (default 8) workers
# in one process (MediaGraph.Benchmarks `soak-many`), each building and running one Graph after another (decode a 5 s
# 640x360 H.264 + AAC clip -> scale 320x180 -> libx264 ultrafast + aac into an mp4; every node on the runtime's
# default threads, decoders and encoders with FFmpeg's automatic thread counts) for MINUTES minutes (default 10).
# The program prints every INTERVAL seconds: RSS (VmRSS of the process itself), the managed heap, the C heap in use
# and free-but-kept (glibc mallinfo2), runs finished, threads; and once more after a full blocking GC at the end.
# Then this script reports the RSS at 1 minute, the peak and when it was reached, the last time RSS set a new high by
# more than 2%, the least-squares slope after the first minute, and the RSS after the GC. The bar (issue 12): RSS
# stops growing after the first minute.
#
#   benchmarks/soak-concurrent.sh [MINUTES]   GRAPHS=n (default 8), INTERVAL=s (default 10), SOAK_TRIM=0 runs with
#                                             GraphOptions.TrimNativeMemory off, MALLOC_ARENA_MAX=n as glibc reads it
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

samples=$work/samples.txt
start=$(date +%s)
dotnet "$bench" soak-many $((minutes * 60)) "$graphs" "$interval" "$work/out" "${clips[@]}" | tee "$samples"
echo "ran $(( $(date +%s) - start )) s (start-up and the final GC included)"

awk '
  /^#/ { next }
  $1 == "after-gc" { gc = $2; gcmanaged = $3; gcfree = $5; next }
  {
    t = $1; rss = $2; n++
    if (t <= 60) at60 = rss
    if (rss > peak) { peak = rss; peakt = t }
    if (rss > high * 1.02) { high = rss; lastrise = t }
    if (t >= 60) { m++; sx += t; sy += rss; sxx += t * t; sxy += t * rss; if (rss > after60) after60 = rss }
    last = rss; runs = $6
  }
  END {
    printf "RSS %.1f MB at 1 min; peak %.1f MB at %d s; highest after 1 min %.1f MB (%+.1f MB over the 1-minute value)\n", at60, peak, peakt, after60, after60 - at60
    printf "last new high (> 2%% over the previous one) at %d s\n", lastrise
    if (m >= 2) printf "slope after 1 min: %+.1f MB/h (%d samples); %d runs finished\n", (m * sxy - sx * sy) / (m * sxx - sx * sx) * 3600, m, runs
    printf "after a full GC at the end: RSS %.1f MB (managed heap %.1f MB, C heap free-but-kept %.1f MB)\n", gc, gcmanaged, gcfree
    printf "%s\n", (lastrise <= 60 ? "RSS stopped growing within the first minute" : "RSS still rose after the first minute")
  }' "$samples"
