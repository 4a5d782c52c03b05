#!/usr/bin/env bash
# The GPU check, ready before a GPU is (issue 17.5).
#
#   scripts/gpu-check.sh sim      The cheap form, for CI and any machine: the check's graph (decode -> deinterlace ->
#                                 scale -> download -> encode) on cuda-sim (ILGPU's CPU accelerator) on a small clip,
#                                 compared with the CPU path; prints the transfer counters. Seconds, no downloads.
#   scripts/gpu-check.sh bundle   Builds .gpu-bundle/ (<= 64 MiB) for a lent GPU machine, which has the NVIDIA driver,
#                                 nvcc and CMake but no FFmpeg, no .NET and no network:
#                                   - a minimal FFmpeg 5.1 built from Debian's own source package (apt-get source
#                                     through a private deb-src entry, as fetch-ptxas.sh does for non-free), with only
#                                     the decoders, NVDEC/CUVID hwaccels, NVENC, demuxers/muxers and filters the check
#                                     uses; NVIDIA's codec headers from libffmpeg-nvenc-dev; CUDA filters (scale_cuda,
#                                     yadif_cuda) compiled with clang (--enable-cuda-llvm). Cached outside git in
#                                     ~/.cache/mediagraph/ffmpeg-gpu-<version>/: minutes on 2 cores the first time only;
#                                   - the native shim built against that FFmpeg;
#                                   - a self-contained, trimmed publish of the mediagraph CLI (the check program);
#                                   - run.sh: the one command to run there.
#   On the GPU machine (the device tool, one prepared call, carry .gpu-bundle):  .gpu-bundle/run.sh
#     NVDEC decode of a 1080p H.264 clip -> yadif -> scale 1280x720 -> download (NVENC where present), fps per run,
#     the transfer counters (host<->device bytes per node), the pixels compared with the CPU path, and the ffmpeg
#     CLI doing the same with -hwaccel cuda -vf yadif_cuda,scale_cuda side by side.
#
# CI runs only `sim` (it adds seconds); `bundle` costs minutes of compile the first time (cached after) and is run by
# hand before a GPU session. Nothing here has run on a GPU yet: the GPU side is unverified on hardware.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
mode="${1:-sim}"
cache="${MEDIAGRAPH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mediagraph}"

cli() { dotnet "$repo/src/MediaGraph.Cli/bin/Release/net10.0/MediaGraph.Cli.dll" "$@"; }

case "$mode" in
sim)
  work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
  # A small interlaced H.264 clip stands for the 1080p one.
  ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=192x108:rate=50 -frames:v 8 -vf interlace=scan=tff \
    -c:v libx264 -pix_fmt yuv420p "$work/in.mp4"
  [ -f src/MediaGraph.Cli/bin/Release/net10.0/MediaGraph.Cli.dll ] || dotnet build src/MediaGraph.Cli -c Release -v q >/dev/null
  for device in cuda-sim cpu; do
    start=$(date +%s.%N)
    cli transcode "$work/in.mp4" "$work/$device.mkv" --device "$device" --hwaccel auto --deinterlace --scale 160x120 \
      --vcodec ffv1 --verbose 2> "$work/$device.log"
    end=$(date +%s.%N)
    echo "gpu-check: $device: $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f s", e - s }')"
    grep -E "host->device|hwaccel|NVDEC" "$work/$device.log" | sed 's/^/  /' || true
  done
  psnr=$(ffmpeg -nostdin -v info -i "$work/cuda-sim.mkv" -i "$work/cpu.mkv" -lavfi "[0:v][1:v]psnr" -f null - 2>&1 | grep -o "PSNR.*")
  echo "  cuda-sim vs cpu: $psnr"
  frames() { ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1"; }
  [ "$(frames "$work/cuda-sim.mkv")" = "$(frames "$work/cpu.mkv")" ] || { echo "gpu-check: cuda-sim and cpu wrote different frame counts" >&2; exit 1; }
  awk -v line="$psnr" 'BEGIN { if (match(line, /min:[0-9.inf]+/)) { v = substr(line, RSTART + 4, RLENGTH - 4); if (v != "inf" && v + 0 < 45) exit 1 } else exit 1 }' \
    || { echo "gpu-check: cuda-sim differs from cpu by more than the 45 dB tolerance" >&2; exit 1; }
  echo "gpu-check: sim ok"
  ;;

bundle)
  command -v apt-get >/dev/null && command -v dpkg-source >/dev/null || { echo "gpu-check: needs apt-get and dpkg-dev (Debian)" >&2; exit 1; }
  version="$(dpkg-query -W -f '${Version}' libavcodec-dev)"
  prefix="$cache/ffmpeg-gpu-$version"
  if [ ! -f "$prefix/.done" ]; then
    work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
    mkdir -p "$work/sources" "$work/lists/partial" "$work/archives/partial" "$work/src"
    cat > "$work/sources/deb-src.sources" <<'SRC'
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    cat >> "$work/sources/deb-src.sources" <<'SRC'

Types: deb deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    apt_opts=(-o "Dir::Etc::SourceParts=$work/sources" -o Dir::Etc::SourceList=/dev/null
              -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
              -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root)
    apt-get "${apt_opts[@]}" -q update >&2
    (cd "$work/src" && apt-get "${apt_opts[@]}" -q source "ffmpeg=${version%%+*}" >&2 || apt-get "${apt_opts[@]}" -q source ffmpeg >&2)
    (cd "$work" && apt-get "${apt_opts[@]}" -q download libffmpeg-nvenc-dev >&2 && dpkg -x libffmpeg-nvenc-dev_*.deb "$work/nv")
    src="$(find "$work/src" -maxdepth 1 -type d -name 'ffmpeg-*' | head -1)"
    export PKG_CONFIG_PATH="$(dirname "$(find "$work/nv" -name ffnvcodec.pc | head -1)")"
    sed -i "s|^prefix=.*|prefix=$work/nv/usr|" "$PKG_CONFIG_PATH/ffnvcodec.pc"
    (cd "$src" && ./configure --prefix="$prefix" --enable-shared --disable-static --disable-doc --disable-debug \
       --disable-autodetect --disable-everything --enable-ffmpeg --disable-ffplay --disable-ffprobe \
       --enable-ffnvcodec --enable-cuda --enable-cuda-llvm --enable-cuvid --enable-nvdec --enable-nvenc \
       --enable-protocol=file,pipe --enable-demuxer=mov,matroska,h264,rawvideo,lavfi --enable-muxer=matroska,mp4,rawvideo,null \
       --enable-parser=h264,hevc --enable-bsf=h264_mp4toannexb,hevc_mp4toannexb \
       --enable-decoder=h264,hevc,ffv1,rawvideo,h264_cuvid,hevc_cuvid --enable-hwaccel=h264_nvdec,hevc_nvdec \
       --enable-encoder=h264_nvenc,hevc_nvenc,ffv1,rawvideo \
       --enable-filter=yadif,yadif_cuda,scale,scale_cuda,hwupload_cuda,hwdownload,format,null,anull,aformat,psnr,testsrc2,interlace,fps,setpts,split,overlay_cuda \
       --extra-cflags="-I$work/nv/usr/include" >&2 && make -j"$(nproc)" >&2 && make install >&2)
    touch "$prefix/.done"
  fi
  out="$repo/.gpu-bundle"; rm -rf "$out"; mkdir -p "$out/lib"
  cp -a "$prefix"/lib/lib{avformat,avcodec,avfilter,avutil,swscale,swresample}.so* "$out/lib/"
  cp "$prefix/bin/ffmpeg" "$out/"
  PKG_CONFIG_PATH="$prefix/lib/pkgconfig" cmake -S native -B "$cache/shim-gpu" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$cache/shim-gpu" --target mediagraph_native -j 2 >/dev/null
  cp "$cache/shim-gpu/libmediagraph_native.so" "$out/lib/"
  dotnet publish src/MediaGraph.Cli -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true \
    -p:TrimMode=partial -p:DebugType=none -o "$out/app" >&2
  rm -f "$out/app/libmediagraph_native.so" "$out"/app/libonnxruntime*.so   # the bundle's shim; no inference in this check
  cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# One command on the GPU machine: prints fps, transfer counters, pixel comparison and the ffmpeg CLI side by side.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; export LD_LIBRARY_PATH="$here/lib:${LD_LIBRARY_PATH:-}"
w="${TMPDIR:-/tmp}/gpu-check"; mkdir -p "$w"; nvidia-smi -L
"$here/ffmpeg" -nostdin -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=50 -frames:v 600 -vf interlace=scan=tff \
  -c:v h264_nvenc -b:v 20M "$w/in1080.mkv" 2>/dev/null || "$here/ffmpeg" -nostdin -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=25 -frames:v 300 -c:v ffv1 "$w/in1080.mkv"
app() { "$here/app/mediagraph" "$@"; }
for vcodec in h264_nvenc ffv1; do
  /usr/bin/time -f "mediagraph gpu $vcodec: %e s" app transcode "$w/in1080.mkv" "$w/gpu-$vcodec.mkv" --device cuda --hwaccel cuda \
    --deinterlace --scale 1280x720 --vcodec "$vcodec" --verbose 2>&1 | grep -E "fps|uploaded|downloaded|NVDEC|nvenc|error|mediagraph gpu" 
done
/usr/bin/time -f "mediagraph cpu: %e s" app transcode "$w/in1080.mkv" "$w/cpu.mkv" --device cpu --deinterlace --scale 1280x720 --vcodec ffv1 2>&1 | tail -2
/usr/bin/time -f "ffmpeg cli gpu: %e s" "$here/ffmpeg" -nostdin -v error -y -hwaccel cuda -hwaccel_output_format cuda -i "$w/in1080.mkv" \
  -vf yadif_cuda,scale_cuda=1280:720 -c:v h264_nvenc "$w/ffmpeg-gpu.mkv"
"$here/ffmpeg" -nostdin -v info -i "$w/gpu-ffv1.mkv" -i "$w/cpu.mkv" -lavfi "[0:v][1:v]psnr" -f null - 2>&1 | grep -o "PSNR.*"
RUN
  chmod +x "$out/run.sh"
  size=$(du -sm "$out" | cut -f1)
  echo "gpu-check: bundle in $out: ${size} MiB"
  [ "$size" -le 64 ] || { echo "gpu-check: the bundle is over 64 MiB" >&2; exit 1; }
  ;;
*)
  echo "usage: scripts/gpu-check.sh sim|bundle" >&2; exit 2 ;;
esac
