#!/usr/bin/env bash
# Overlay on the CPU against the ffmpeg CLI's overlay filter, side by side: a 300x200 RGBA logo (PNG, alpha ramp) over
# 10 s of 1280x720 yuv420p at 25 fps (FFV1: cheap to decode, so the overlay dominates), written as raw yuv420p.
# `mediagraph run graph.json` (decode -> overlay -> rawvideo) and `ffmpeg -i clip -i logo.png -filter_complex
# overlay=16:16` alternate for ROUNDS rounds (default 3); prints both wall-clock times and the median ratio
# mediagraph/ffmpeg (below 1: MediaGraph is faster). Whole processes, start-up included.
#
#   benchmarks/overlay.sh [ROUNDS]        MG_CLI=path picks the CLI build (default: the Native AOT one, cli.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
work=out/overlay-bench
mkdir -p "$work"
in=$work/in_720p.mkv
logo=$work/logo_300x200.png
if [ ! -s "$in" ]; then
  echo "generating $in (10 s, 1280x720 yuv420p, 25 fps, FFV1)"
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=25 -t 10 -pix_fmt yuv420p -c:v ffv1 "$work/tmp.mkv"
  mv "$work/tmp.mkv" "$in"
fi
if [ ! -s "$logo" ]; then
  ffmpeg -hide_banner -loglevel error -y -f lavfi \
    -i "testsrc=size=300x200:rate=1,format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='255*X/W'" -frames:v 1 "$logo"
fi
. benchmarks/cli.sh

graph=$work/overlay.json
cat > "$graph" <<JSON
{ "device": "cpu", "nodes": [
  { "id": "in", "type": "decode", "url": "$in" },
  { "id": "logo", "type": "decode", "url": "$logo" },
  { "id": "op", "type": "overlay", "inputs": ["in.video", "logo.video"], "x": 16, "y": 16 },
  { "id": "out", "type": "encode", "path": "$work/out_mg.yuv", "video": "op", "options": { "videoCodec": "rawvideo", "format": "rawvideo" } } ] }
JSON
now() { date +%s.%N; }
ratios=() ffs=() mgs=()
for r in $(seq 1 "$rounds"); do
  t0=$(now)
  ffmpeg -hide_banner -loglevel error -nostats -y -i "$in" -i "$logo" -filter_complex "[0][1]overlay=16:16" -c:v rawvideo -f rawvideo "$work/out_ff.yuv"
  t1=$(now)
  "$mg" run "$graph" > "$work/mg.log" 2>&1 || { cat "$work/mg.log"; exit 1; }
  t2=$(now)
  ff=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'); m=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')
  ffs+=("$ff"); mgs+=("$m"); ratios+=("$(awk -v a="$m" -v b="$ff" 'BEGIN { printf "%.3f", a / b }')")
  echo "round $r: ffmpeg $ff s, mediagraph $m s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
printf '%-12s %10s %10s %8s\n' operator ffmpeg_s mediagraph_s ratio
printf '%-12s %10s %10s %8s\n' overlay "$(median "${ffs[@]}")" "$(median "${mgs[@]}")" "$(median "${ratios[@]}")"
# Same pictures? (both outputs are raw yuv420p)
if cmp -s "$work/out_ff.yuv" "$work/out_mg.yuv"; then echo "outputs: identical"; else echo "outputs: differ ($work/out_ff.yuv, $work/out_mg.yuv)"; fi
