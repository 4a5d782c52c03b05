#!/usr/bin/env bash
# Issue 17's GPU benchmarks outside the bundle, with this machine's FFmpeg: the graph's Decode(HwAccel.Auto) into a sink
# taking device frames against the bare decode loop in the native library (mg_decode_bench), and the transcode
# decode -> yadif -> scale 1280x720 -> encode side by side with the ffmpeg CLI (same encoder settings; NVENC where a
# one-frame probe finds it, else download + libx264 on both sides). Alternating rounds, medians, a summary at the end.
# The check program (tests/MediaGraph.GpuCheck) does the measuring; docs/gpu.md, "The GPU benchmarks", says what each
# number means. On a lent GPU machine (no .NET, no FFmpeg) use the bundle instead: scripts/gpu-check.sh bundle, then
# .gpu-bundle/run.sh.
#
#   benchmarks/gpu-bench.sh [cuda|cpu] [ROUNDS] [CLIP]
#
# cpu (default without an NVIDIA driver): both benchmarks on the CPU path (software decode, libavfilter's yadif and
# scale, libx264 against the CLI's). CLIP defaults to 200 frames of the GPU check's 1080p clip (made here).
set -euo pipefail
cd "$(dirname "$0")/.."
device=${1:-$( [ -e /dev/nvidia0 ] && echo cuda || echo cpu )}
rounds=${2:-3}
clip=${3:-}
work=out/gpu-bench
mkdir -p "$work"
if [ -z "$clip" ]; then
  clip=$work/h264-1080-200f.mp4
  [ -s "$clip" ] || ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=50 -frames:v 200 \
    -vf interlace=scan=tff -c:v libx264 -preset veryfast -crf 30 -pix_fmt yuv420p "$clip"
fi
dll=tests/MediaGraph.GpuCheck/bin/Release/net10.0/MediaGraph.GpuCheck.dll
dotnet build tests/MediaGraph.GpuCheck -c Release -v q -nologo >/dev/null
# The check's CPU stand-in is cuda-sim; with --only bench both benchmarks run their graphs on the CPU there.
[ "$device" = cpu ] && device=cuda-sim
exec dotnet "$dll" --device "$device" --input "$clip" --scale 1280x720 --only bench --rounds "$rounds" --ffmpeg "$(command -v ffmpeg)"
