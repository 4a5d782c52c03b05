#!/usr/bin/env bash
# Many small jobs at once: 16 independent transcodes (decode H.264 -> scale 640x360 -> libx264 ultrafast, one thread
# each everywhere: decoder, filter graph, x264) of 16 different 5 s 1280x720 25 fps H.264 clips, run
#   (a) as 16 `ffmpeg` processes started together (the script waits for all of them), and
#   (b) in ONE `mediagraph run graph.json` process whose graph holds the 16 chains.
# and, with GRAPHS=1,
#   (c) in one process as 16 separate Graph objects run at once (MediaGraph.Benchmarks `many` mode; a JIT-ed
#       `dotnet` process, so its time includes ~0.2 s of start-up that (b)'s Native AOT CLI does not pay).
# Alternates (a) and (b) (and (c)) for ROUNDS rounds (default 3), prints each wall time and the median of the per-round ratios
# mediagraph/ffmpeg (below 1: MediaGraph is faster). Then checks that every output of (b) has as many frames as the
# same output of (a) (ffprobe -count_frames) and fails loudly if not.
# Times are wall-clock of the whole job, process start-up included; the CLI is published first, so no build is timed.
#
#   benchmarks/many-graphs.sh [ROUNDS]   MG_CLI=path overrides the published CLI, JOBS=n the number of jobs, GRAPHS=1 adds (c)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
jobs=${JOBS:-16}
work=out/many-graphs
graphs=${GRAPHS:-0}
mkdir -p "$work/clips" "$work/ff" "$work/mg" "$work/graphs"

# 16 different clips: testsrc2 with its hue turned and seeded temporal noise (so no two clips encode alike).
for i in $(seq 0 $((jobs - 1))); do
  clip=$work/clips/clip$i.mp4
  [ -s "$clip" ] && continue
  echo "generating $clip (5 s, 1280x720, 25 fps, H.264, no audio)"
  ffmpeg -hide_banner -loglevel error -nostdin -y \
    -f lavfi -i "testsrc2=size=1280x720:rate=25:duration=5,hue=h=$((i * 360 / jobs)),noise=alls=12:allf=t:all_seed=$((i + 1))" \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 50 "$clip.tmp.mp4"
  mv "$clip.tmp.mp4" "$clip"
done

# The CLI as it ships (Native AOT); MG_CLI=path overrides it.
. benchmarks/cli.sh
bench=benchmarks/MediaGraph.Benchmarks/bin/Release/net10.0/MediaGraph.Benchmarks.dll
if [ "$graphs" = 1 ]; then
  echo "building MediaGraph.Benchmarks (Release) for (c)"
  dotnet build benchmarks/MediaGraph.Benchmarks -c Release -v quiet -nologo > "$work/bench-build.log" 2>&1 || { cat "$work/bench-build.log"; exit 1; }
fi

# (b)'s graph: per clip decode (1 thread) -> scale 640x360 (bicubic, as the CLI's default; filter graphs run on
# one thread) -> encode libx264 ultrafast, 1 thread, no audio.
graph=$work/graph.json
{
  echo '{ "nodes": ['
  for i in $(seq 0 $((jobs - 1))); do
    sep=$([ "$i" -lt $((jobs - 1)) ] && echo , || true)
    cat <<EOF
  { "id": "in$i", "type": "decode", "url": "$work/clips/clip$i.mp4", "options": { "threads": 1 } },
  { "id": "small$i", "type": "scale", "input": "in$i.video", "width": 640, "height": 360, "algorithm": "bicubic" },
  { "id": "out$i", "type": "encode", "path": "$work/mg/out$i.mp4", "video": "small$i",
    "options": { "videoCodec": "libx264", "audioCodec": "none", "preset": "ultrafast", "threads": 1, "videoCodecOptions": { "x264-params": "threads=1" } } }$sep
EOF
  done
  echo '] }'
}> "$graph"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

run_ffmpeg() {
  local pids=() i failed=0
  for i in $(seq 0 $((jobs - 1))); do
    ffmpeg -hide_banner -loglevel error -nostats -nostdin -y -threads 1 -i "$work/clips/clip$i.mp4" -an \
      -filter_threads 1 -vf scale=640:360 -c:v libx264 -preset ultrafast -threads 1 -x264-params threads=1 \
      "$work/ff/out$i.mp4" 2> "$work/ff/out$i.log" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || { echo "ffmpeg job $i failed:" >&2; cat "$work/ff/out$i.log" >&2; failed=1; }; done
  return $failed
}

ff_times=() mg_times=() ratios=() gr_times=() gr_ratios=()
echo "$jobs jobs, $(nproc) cores: $jobs x (1280x720 H.264 -> scale 640x360 -> libx264 ultrafast), one thread each"
for r in $(seq 1 "$rounds"); do
  rm -f "$work"/ff/out*.mp4 "$work"/mg/out*.mp4 "$work"/graphs/out*.mp4
  t0=$(now)
  run_ffmpeg || exit 1
  t1=$(now)
  "$mg" run "$graph" > "$work/mg_round$r.log" 2>&1 || { cat "$work/mg_round$r.log"; exit 1; }
  t2=$(now)
  ff=$(elapsed "$t0" "$t1"); m=$(elapsed "$t1" "$t2")
  ratio=$(awk -v m="$m" -v f="$ff" 'BEGIN { printf "%.3f", m / f }')
  ff_times+=("$ff"); mg_times+=("$m"); ratios+=("$ratio")
  printf 'round %d: %d ffmpeg processes %7.3f s   one mediagraph process %7.3f s   ratio %s\n' "$r" "$jobs" "$ff" "$m" "$ratio"
  if [ "$graphs" = 1 ]; then
    t3=$(now)
    dotnet "$bench" many "$work/graphs" $(for i in $(seq 0 $((jobs - 1))); do echo "$work/clips/clip$i.mp4"; done) > "$work/graphs_round$r.log" 2>&1 || { cat "$work/graphs_round$r.log"; exit 1; }
    t4=$(now)
    g=$(elapsed "$t3" "$t4"); gratio=$(awk -v g="$g" -v f="$ff" 'BEGIN { printf "%.3f", g / f }')
    gr_times+=("$g"); gr_ratios+=("$gratio")
    printf '         %d Graph objects in one dotnet process %7.3f s   ratio %s\n' "$jobs" "$g" "$gratio"
  fi
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "median: ffmpeg $(median "${ff_times[@]}") s, mediagraph $(median "${mg_times[@]}") s, ratio mediagraph/ffmpeg $(median "${ratios[@]}")"
[ "$graphs" = 1 ] && echo "median (c): $jobs Graph objects $(median "${gr_times[@]}") s, ratio to ffmpeg $(median "${gr_ratios[@]}")"

# Same work on both sides: every output has the source's frame count, at 640x360.
frames() { ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,width,height -of csv=p=0 "$1"; }
bad=0
for i in $(seq 0 $((jobs - 1))); do
  src=$(frames "$work/clips/clip$i.mp4" | awk -F, '{ print $3 }')
  ff=$(frames "$work/ff/out$i.mp4"); m=$(frames "$work/mg/out$i.mp4"); g=$m
  [ "$graphs" = 1 ] && g=$(frames "$work/graphs/out$i.mp4")
  if [ "$ff" != "$m" ] || [ "$ff" != "$g" ] || [ "${ff##*,}" != "$src" ] || [ "${ff%,*}" != "640,360" ]; then
    echo "MISMATCH out$i: source $src frames; ffmpeg (w,h,frames) $ff; mediagraph $m; Graph objects $g" >&2
    bad=1
  fi
done
if [ "$bad" -ne 0 ]; then echo "FAILED: the two sides did not produce the same frames" >&2; exit 1; fi
echo "outputs: all $jobs pairs have the same frame count ($(frames "$work/ff/out0.mp4" | awk -F, '{ print $3 }') frames, 640x360)"
