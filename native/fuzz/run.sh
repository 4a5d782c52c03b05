#!/usr/bin/env bash
# The fuzz regression run (./test.sh runs it): builds the libFuzzer target with clang + AddressSanitizer + UBSan,
# makes a small seed corpus with the ffmpeg CLI (tiny files of a dozen formats), writes a deterministic set of
# damaged copies of them, and runs the target once over every one with a per-input timeout. Passes only with 0
# crashes, 0 hangs (timeouts) and no sanitizer report.
#
#   native/fuzz/run.sh                  the regression set (12 seeds x 30 mutants = 360 inputs)
#   MUTANTS=100 native/fuzz/run.sh      more mutants per seed
#   FUZZ_SECONDS=600 native/fuzz/run.sh then fuzz for real (libFuzzer's own mutations) for 10 minutes
set -euo pipefail
cd "$(dirname "$0")/.."          # native/
build=build-fuzz
mutants=${MUTANTS:-30}
timeout_s=${FUZZ_TIMEOUT:-10}

command -v clang >/dev/null || { echo "fuzz: clang is not installed (scripts/setup.sh installs clang and libclang-rt-dev)" >&2; exit 1; }
cmake -S . -B "$build" -DMG_FUZZ=ON -DCMAKE_C_COMPILER=clang > /dev/null
cmake --build "$build" -j 2 --target mg_demux_decode_fuzzer mg_fuzz_mutate > /dev/null

seeds="$build/seeds"
if [ ! -f "$seeds/.done" ]; then
  rm -rf "$seeds" && mkdir -p "$seeds"
  v="-f lavfi -i testsrc2=size=64x48:rate=10 -t 0.5"
  a="-f lavfi -i sine=sample_rate=8000 -t 0.5"
  ff() { ffmpeg -nostdin -v error -y "$@"; }
  ff $v $a -c:v libx264 -preset ultrafast -c:a aac -shortest "$seeds/h264-aac.mp4"
  ff $v $a -c:v mpeg4 -c:a libvorbis -shortest "$seeds/mpeg4-vorbis.mkv"
  ff $v $a -c:v mpeg2video -c:a mp2 -shortest "$seeds/mpeg2-mp2.ts"
  ff $v $a -c:v mjpeg -c:a pcm_s16le -shortest "$seeds/mjpeg-pcm.avi"
  ff $v $a -c:v libvpx -c:a libopus -shortest "$seeds/vp8-opus.webm"
  ff $v -c:v ffv1 "$seeds/ffv1.nut"
  ff $v -frames:v 3 "$seeds/anim.gif"
  ff $v -frames:v 1 "$seeds/still.png"
  ff $a -c:a ac3 "$seeds/sine.ac3"
  ff $a -c:a aac "$seeds/sine.aac"
  ff $a -c:a flac "$seeds/sine.flac"
  ff $a -c:a libmp3lame "$seeds/sine.mp3"
  touch "$seeds/.done"
fi

corpus="$build/mutants"
rm -rf "$corpus" && mkdir -p "$corpus"
"$build/fuzz/mg_fuzz_mutate" "$corpus" "$mutants" "$seeds"/*.*
cp "$seeds"/*.* "$corpus"/
n=$(ls "$corpus" | wc -l)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log="$build/regression.log"
start=$(date +%s)
# -runs=0: execute every input of the corpus once (no new mutations); stops with a non-zero status at the first
# crash, timeout, leak or sanitizer report, and writes the input as crash-*/timeout-*/leak-* in $build.
if ! "$build/fuzz/mg_demux_decode_fuzzer" -runs=0 -timeout="$timeout_s" -rss_limit_mb=2048 \
      -artifact_prefix="$build/" "$corpus" > "$log" 2>&1; then
  tail -n 60 "$log" >&2
  echo "fuzz: FAILED on the regression set ($n inputs); the input is in native/$build (crash-*, timeout-*, leak-*), the log in native/$log" >&2
  exit 1
fi
echo "fuzz: $n inputs ($(ls "$seeds" | wc -l) seeds + $mutants mutants each), 0 crashes, 0 hangs, no sanitizer report, $(( $(date +%s) - start )) s"

if [ "${FUZZ_SECONDS:-0}" -gt 0 ]; then
  mkdir -p "$build/corpus"   # what libFuzzer finds is kept there for the next run
  jobs=${FUZZ_JOBS:-1}
  parallel=()
  [ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")   # each worker logs to fuzz-N.log in native/$build
  (cd "$build" && ./fuzz/mg_demux_decode_fuzzer -max_total_time="$FUZZ_SECONDS" -timeout="$timeout_s" \
    -rss_limit_mb=2048 -print_final_stats=1 "${parallel[@]}" corpus seeds)
fi
