#!/usr/bin/env bash
# Damage side by side with the ffmpeg CLI: every damaged file of the fuzz regression set (native/fuzz/run.sh makes
# them) is transcoded by `mediagraph transcode` and by `ffmpeg -i` to the same output (mpeg4 + ac3 in Matroska),
# and the exit status and the video frames written are compared. Prints one line per file where MediaGraph does
# worse (fails where ffmpeg succeeds, or writes fewer frames) and a summary.
#
#   native/fuzz/run.sh && benchmarks/damage-vs-ffmpeg.sh [EVERY_NTH]   (EVERY_NTH=1: all 372 files; default 3)
set -uo pipefail
cd "$(dirname "$0")/.."
every=${1:-3}
mutants=native/build-fuzz/mutants
[ -d "$mutants" ] || { echo "run native/fuzz/run.sh first (it makes $mutants)" >&2; exit 1; }
mg=src/MediaGraph.Cli/bin/Release/net10.0/mediagraph
[ -x "$mg" ] || mg=src/MediaGraph.Cli/bin/Release/net10.0/MediaGraph.Cli
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
frames() { ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$1" 2>/dev/null | head -1; }
n=0 worse=0 better=0 same=0 both_fail=0
i=0
for f in "$mutants"/*; do
  i=$((i + 1)); [ $(( i % every )) -eq 0 ] || continue
  n=$((n + 1))
  rm -f "$out"/*
  timeout 60 ffmpeg -nostdin -v quiet -y -i "$f" -c:v mpeg4 -c:a ac3 "$out/ff.mkv"; ff=$?
  timeout 60 "$mg" transcode "$f" "$out/mg.mkv" --vcodec mpeg4 --acodec ac3 > /dev/null 2>&1; ours=$?
  ffv=$([ $ff -eq 0 ] && frames "$out/ff.mkv"); mgv=$([ $ours -eq 0 ] && frames "$out/mg.mkv")
  [[ "$ffv" =~ ^[0-9]+$ ]] || ffv=0; [[ "$mgv" =~ ^[0-9]+$ ]] || mgv=0
  if [ $ff -ne 0 ] && [ $ours -ne 0 ]; then both_fail=$((both_fail + 1))
  elif [ $ours -ne 0 ] || [ "$mgv" -lt "$ffv" ]; then worse=$((worse + 1)); echo "worse: $(basename "$f"): ffmpeg exit $ff, $ffv frames; mediagraph exit $ours, $mgv frames"
  elif [ $ff -ne 0 ] || [ "$mgv" -gt "$ffv" ]; then better=$((better + 1))
  else same=$((same + 1)); fi
done
echo "damage vs ffmpeg: $n files: $same same, $better better (ffmpeg failed or wrote fewer video frames), $worse worse, $both_fail both failed"
