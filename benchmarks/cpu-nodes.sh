#!/usr/bin/env bash
# The CPU twins of the device kernels against the ffmpeg CLI running the same libavfilter filter on the same clip:
# for each operator, `mediagraph run graph.json` (decode -> operator -> rawvideo in NUT) and
# `ffmpeg -i clip -vf FILTER -c:v rawvideo -f nut` alternate for ROUNDS rounds (default 3); prints both wall-clock
# times and the median ratio mediagraph/ffmpeg (below 1: MediaGraph is faster). Whole processes, start-up included.
# The gaussian blur's CPU twin is our vectorised C#, compared with libavfilter's gblur (a different, IIR filter).
#
#   benchmarks/cpu-nodes.sh [ROUNDS] [OPERATOR]   MG_CLI=path picks the CLI build (default: the Native AOT one, cli.sh);
#                                                OPERATOR (e.g. gaussian) runs that line only
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
only=${2:-}
work=out/cpu-nodes
mkdir -p "$work"
in=$work/in_720p.mkv
if [ ! -s "$in" ]; then
  echo "generating $in (10 s, 1280x720 yuv420p, 25 fps, FFV1: cheap to decode, so the operator dominates)"
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=25 -t 10 -pix_fmt yuv420p -c:v ffv1 "$work/tmp.mkv"
  mv "$work/tmp.mkv" "$in"
fi
. benchmarks/cli.sh

# name | MediaGraph node JSON (input "in.video") | the same as an ffmpeg -vf
ops=(
  'scale|{"type":"scale","width":640,"height":360,"algorithm":"bilinear"}|scale=w=640:h=360:flags=bilinear'
  'deinterlace|{"type":"deinterlace"}|yadif=mode=send_frame:parity=auto:deint=all'
  'crop|{"type":"crop","x":100,"y":50,"width":640,"height":360}|crop=w=640:h=360:x=100:y=50'
  'flip|{"type":"flip","direction":"horizontal"}|hflip'
  'rotate|{"type":"rotate","degrees":90}|transpose=dir=clock'
  'box-blur|{"type":"blur","kind":"box","size":4}|boxblur=luma_radius=4:luma_power=1:chroma_radius=2:chroma_power=1'
  'gaussian|{"type":"blur","kind":"gaussian","size":2}|gblur=sigma=2'
  'gamma|{"type":"gamma","gamma":1.5}|lutyuv=y=gammaval(1.5)'
  'convert|{"type":"convert","pixelFormat":"rgb24"}|scale=flags=bilinear+full_chroma_int+full_chroma_inp+accurate_rnd,format=pix_fmts=rgb24'
)
now() { date +%s.%N; }
printf '%-12s %10s %10s %8s\n' operator ffmpeg_s mediagraph_s ratio
for op in "${ops[@]}"; do
  IFS='|' read -r name node vf <<< "$op"
  [ -z "$only" ] || [ "$name" = "$only" ] || continue
  graph=$work/$name.json
  cat > "$graph" <<JSON
{ "device": "cpu", "nodes": [
  { "id": "in", "type": "decode", "url": "$in" },
  { "id": "op", "input": "in.video", ${node#\{} ,
  { "id": "out", "type": "encode", "path": "$work/out_mg_$name.nut", "video": "op", "options": { "videoCodec": "rawvideo" } } ] }
JSON
  ratios=() ffs=() mgs=()
  for r in $(seq 1 "$rounds"); do
    t0=$(now)
    ffmpeg -hide_banner -loglevel error -nostats -y -i "$in" -vf "$vf" -c:v rawvideo -f nut "$work/out_ff_$name.nut"
    t1=$(now)
    "$mg" run "$graph" > "$work/mg_$name.log" 2>&1 || { cat "$work/mg_$name.log"; exit 1; }
    t2=$(now)
    ff=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'); m=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')
    ffs+=("$ff"); mgs+=("$m"); ratios+=("$(awk -v a="$m" -v b="$ff" 'BEGIN { printf "%.3f", a / b }')")
  done
  median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
  printf '%-12s %10s %10s %8s\n' "$name" "$(median "${ffs[@]}")" "$(median "${mgs[@]}")" "$(median "${ratios[@]}")"
done
