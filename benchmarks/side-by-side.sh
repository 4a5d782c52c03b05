#!/usr/bin/env bash
# MediaGraph against the ffmpeg CLI on the same job: deinterlace (yadif) + scale to 1280x720 + libx264 veryfast,
# audio stream-copied, from a 10 s 1080i30 H.264+AAC clip. Alternates the two tools for ROUNDS rounds (default 3)
# and prints each time and the median of the per-round ratios mediagraph/ffmpeg (below 1: MediaGraph is faster).
# Times are wall-clock of the whole process, start-up included; the CLI is published first, so no build is timed.
# Each process's CPU time (user + sys, /usr/bin/time) is reported too: on a shared machine it moves much less with
# the other load than wall-clock does.
#
#   benchmarks/side-by-side.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
work=out/side-by-side
mkdir -p "$work"
in=$work/in_1080i.mp4

if [ ! -s "$in" ]; then
  echo "generating $in (10 s, 1920x1080 interlaced tff, 29.97 fps, H.264 + AAC)"
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i testsrc2=size=1920x1080:rate=30000/1001 -f lavfi -i sine=frequency=1000:sample_rate=48000 -t 10 \
    -c:v libx264 -preset ultrafast -flags +ildct+ilme -x264opts tff=1 -field_order tt -c:a aac "$in.tmp.mp4"
  mv "$in.tmp.mp4" "$in"
fi

# The CLI as it ships (Native AOT); MG_CLI=path overrides it.
. benchmarks/cli.sh

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

cpu() { awk 'END { printf "%.2f", $1 + $2 }' "$1"; }
ff_times=() mg_times=() ratios=() ff_cpus=() mg_cpus=() cpu_ratios=()
for r in $(seq 1 "$rounds"); do
  t0=$(now)
  /usr/bin/time -f '%U %S' -o "$work/ff.cpu" ffmpeg -hide_banner -loglevel error -nostats -y -i "$in" -vf yadif,scale=1280:720 -c:v libx264 -preset veryfast -c:a copy "$work/out_ff.mp4"
  t1=$(now)
  /usr/bin/time -f '%U %S' -o "$work/mg.cpu" "$mg" transcode "$in" "$work/out_mg.mp4" --deinterlace --scale 1280x720 --preset veryfast --acodec copy > "$work/mg_round$r.log" 2>&1 \
    || { cat "$work/mg_round$r.log"; exit 1; }
  t2=$(now)
  ff=$(elapsed "$t0" "$t1"); m=$(elapsed "$t1" "$t2")
  ratio=$(awk -v m="$m" -v f="$ff" 'BEGIN { printf "%.3f", m / f }')
  fc=$(cpu "$work/ff.cpu"); mc=$(cpu "$work/mg.cpu")
  cpu_ratio=$(awk -v m="$mc" -v f="$fc" 'BEGIN { printf "%.3f", m / f }')
  ff_times+=("$ff"); mg_times+=("$m"); ratios+=("$ratio"); ff_cpus+=("$fc"); mg_cpus+=("$mc"); cpu_ratios+=("$cpu_ratio")
  printf 'round %d: ffmpeg %7.3f s   mediagraph %7.3f s   ratio %s   (cpu: ffmpeg %6.2f s, mediagraph %6.2f s, ratio %s)\n' "$r" "$ff" "$m" "$ratio" "$fc" "$mc" "$cpu_ratio"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "median: ffmpeg $(median "${ff_times[@]}") s, mediagraph $(median "${mg_times[@]}") s, ratio mediagraph/ffmpeg $(median "${ratios[@]}")"
echo "median cpu: ffmpeg $(median "${ff_cpus[@]}") s, mediagraph $(median "${mg_cpus[@]}") s, ratio mediagraph/ffmpeg $(median "${cpu_ratios[@]}")"

echo "outputs (frames, size, duration):"
for f in "$work/out_ff.mp4" "$work/out_mg.mp4"; do
  v=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height,nb_frames,field_order -of csv=p=0 "$f")
  a=$(ffprobe -v error -select_streams a:0 -show_entries stream=codec_name,nb_frames -of csv=p=0 "$f")
  d=$(ffprobe -v error -show_entries format=duration,size -of csv=p=0 "$f")
  echo "  $f: video $v; audio $a; duration,size $d"
done
ff_md5=$(ffmpeg -v error -i "$work/out_ff.mp4" -map 0:v -f framemd5 - | md5sum | cut -d' ' -f1)
mg_md5=$(ffmpeg -v error -i "$work/out_mg.mp4" -map 0:v -f framemd5 - | md5sum | cut -d' ' -f1)
if [ "$ff_md5" = "$mg_md5" ]; then echo "decoded video of the two outputs: identical, frame for frame"
else echo "decoded video of the two outputs: differs (framemd5 $ff_md5 vs $mg_md5)"; fi
