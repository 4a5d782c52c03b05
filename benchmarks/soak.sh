#!/usr/bin/env bash
# Memory over a long run: one `mediagraph transcode` and one `ffmpeg` doing the same job, started together, their RSS
# (VmRSS of the process itself, from /proc/PID/status) sampled every INTERVAL seconds for MINUTES minutes (default 30).
# The job: an ffconcat list of a 4 s 320x240 25 fps H.264 + AAC clip in MPEG-TS repeated (more entries than the run
# can reach), decoded, video re-encoded with mpeg4 and audio with aac, written by the null muxer — an output that keeps
# no index, so whatever grows is the pipeline's own (an mp4 output grows in both: its sample table holds every
# packet). The clip is MPEG-TS, not mp4, for the same reason: for H.264 from mp4 FFmpeg's concat demuxer inserts an
# h264_mp4toannexb bitstream filter per file and keeps each file's filter until the demuxer closes (heaptrack: about
# 740 bytes of live heap a file, ~12 MB/h at 4-5 files a second; CLIP_FORMAT=mp4 runs that job. The ffmpeg CLI's RSS
# did not show it over 30 minutes: its main heap had room to spare).
# Prints every sample, then for each program the RSS at the end of the warm-up, at the end, the peak, and the slope
# in MB/h after the first WARMUP minutes (least squares over the samples, default 5 minutes). The bar (issue 12):
# mediagraph's slope <= 5 MB/h over a 30-minute run.
#
#   benchmarks/soak.sh [MINUTES]    INTERVAL=s (default 10), WARMUP=minutes (default 5), MG_CLI=path overrides the
#                                   published Native AOT CLI, MG_ENV="VAR=value ..." is set for mediagraph only
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
interval=${INTERVAL:-10}
warmup=${WARMUP:-5}
work=out/soak
mkdir -p "$work"

fmt=${CLIP_FORMAT:-ts}
clip=$work/clip.$fmt
if [ ! -s "$clip" ]; then
  echo "generating $clip (4 s, 320x240, 25 fps, H.264 + AAC 44.1 kHz stereo)"
  ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i "testsrc2=size=320x240:rate=25:duration=4" \
    -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=4" -ac 2 \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 25 -c:a aac -shortest -f "${fmt/ts/mpegts}" "$clip.tmp"
  mv "$clip.tmp" "$clip"
fi
# Enough entries for 2,000 frames a second over the whole run; the header keeps FFmpeg from probing the .txt as text,
# and the names are relative to the list (the concat demuxer's `safe` rule).
list=$work/list-$fmt.txt
entries=$((minutes * 60 * 2000 / 100 + 100))
if [ ! -s "$list" ] || [ "$(wc -l < "$list")" -lt "$entries" ]; then
  { echo "ffconcat version 1.0"; for _ in $(seq "$entries"); do echo "file clip.$fmt"; done; } > "$list"
fi

. benchmarks/cli.sh

rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo NaN; }

# Both started together, in the background, each as the process whose RSS is read (no wrapper in between).
# shellcheck disable=SC2086
env ${MG_ENV:-} "$mg" transcode "$list" /dev/null --format null --vcodec mpeg4 --acodec aac > "$work/mg.$$.log" 2>&1 &
mgpid=$!
ffmpeg -hide_banner -loglevel error -nostdin -y -f concat -i "$list" -c:v mpeg4 -c:a aac -f null /dev/null > "$work/ff.$$.log" 2>&1 &
ffpid=$!
trap 'kill "$mgpid" "$ffpid" 2>/dev/null || true' EXIT

samples=$work/samples.$$.txt   # one file per run: two runs may overlap
echo "# seconds mediagraph_MB ffmpeg_MB" > "$samples"
echo "sampling every ${interval} s for ${minutes} min (mediagraph pid $mgpid, ffmpeg pid $ffpid); columns: s, mediagraph MB, ffmpeg MB"
start=$(date +%s)
end=$((start + minutes * 60))
while :; do
  now=$(date +%s)
  line="$((now - start)) $(rss_mb "$mgpid") $(rss_mb "$ffpid")"
  echo "$line" | tee -a "$samples"
  [ "$now" -ge "$end" ] && break
  kill -0 "$mgpid" 2>/dev/null || { echo "mediagraph ended before the time was up (see $work/mg.$$.log)"; break; }
  kill -0 "$ffpid" 2>/dev/null || { echo "ffmpeg ended before the time was up (see $work/ff.$$.log)"; break; }
  sleep "$interval"
done
ran=$(( $(date +%s) - start ))

# Least-squares slope (MB/h) of column c over the samples after the warm-up.
report() {
  awk -v c="$1" -v name="$2" -v warm=$((warmup * 60)) '
    !/^#/ && $c != "NaN" {
      if ($1 <= warm) atwarm = $c
      if ($c > peak) peak = $c
      last = $c
      if ($1 >= warm) { n++; sx += $1; sy += $c; sxx += $1 * $1; sxy += $1 * $c }
    }
    END {
      if (n < 2) { printf "%-10s too few samples after %d s for a slope\n", name, warm; exit }
      slope = (n * sxy - sx * sy) / (n * sxx - sx * sx) * 3600
      printf "%-10s RSS %.1f MB at %d s, %.1f MB at the end, peak %.1f MB; slope after %d s: %+.1f MB/h (%d samples)\n", name, atwarm, warm, last, peak, warm, slope, n
    }' "$samples"
}
echo "ran ${ran} s; warm-up excluded from the slope: ${warmup} min"
report 2 mediagraph
report 3 ffmpeg
